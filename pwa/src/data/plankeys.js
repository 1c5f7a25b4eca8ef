// Keys, the roster and admissions for a plan (plan.js delegates here): this device's own grant and roster
// entry (spec §19.1), admitting the devices that joined with its invites (spec §11.5, §19.2), rotating the
// plan key (spec §10, and §10.3 for a rotation nobody could open), and keys brought back from a file.

import { EVERYONE, admissionBind, b64uDecode, grantPlanKey, resealItem, rosterDocumentId, rotatePlanKey } from '../crypto/index.js';
import { SCHEMA } from './model.js';
import { leafDocuments, openVersion } from './planread.js';
import { winningLeaf } from './versions.js';

/**
 * Give this device the plan key inside the plan (so it survives a restart) and write its roster entry at
 * its roster id (spec §19.1): `profile` is {name, label, role} and `plan_salt` (it started the plan) or
 * `invite` ({invite_id, bind}, it joined with an invite).
 */
export async function enrolSelf(plan, key, profile) {
  const keys = plan.device.keys;
  const grant = await grantPlanKey(key, { recipient: keys.public, granter: keys });
  await plan.db.bulkDocs([grant]);
  await plan.markPending([grant._id]);
  await plan.keyStore.add(grant, keys.public);
  await plan.reload();
  const rosterId = await rosterDocumentId(plan.id, keys.deviceId);
  const values = { device_id: keys.deviceId, keys: keys.public.toJSON(), ...profile };
  if (plan.items.has(rosterId)) await plan.updateNow(rosterId, values);
  else await plan.createNow('device', values, rosterId);
}

/**
 * Admit the devices that joined with this device's invites (spec §11.5, §19.2): `invites` are {inviteId,
 * bindKey (base64url), role, access} as the device store keeps them. A counting roster entry naming one of
 * them with the right bind gets an admission (device id, keys, the invite's role and access, invite id),
 * unless this device already wrote it. Returns the invite ids now done.
 */
export async function admitInvited(plan, invites) {
  const done = [];
  if (!plan.canInvite || !plan.keyring) return done;
  for (const invite of invites) {
    const entry = plan.roster.find((e) => e.invite?.invite_id === invite.inviteId);
    if (!entry) continue;
    const bindKey = b64uDecode(invite.bindKey, 32, 'bind key');
    if ((await admissionBind(bindKey, { planId: plan.id, deviceId: entry.deviceId })) !== entry.invite.bind) continue;
    const me = plan.device.deviceId;
    if (!plan.claims.some((c) => c.writer === me && c.deviceId === entry.deviceId && c.inviteId === invite.inviteId)) {
      const { role, access, inviteId } = invite;
      await plan.createNow('admission', { device_id: entry.deviceId, keys: entry.keys.toJSON(), role, access, invite_id: inviteId });
    }
    done.push(invite.inviteId);
  }
  return done;
}

/**
 * A new epoch key (spec §10): granted only to `remaining` (DevicePublicKeys, this device first), then every
 * live item re-sealed under it, other devices' roster entries included (a steward may move an existing entry
 * to a new key, spec §14.3; it stays signed by its own device), so that devices joining later can still check
 * who wrote what, also for members who have left. `lines` ([{audience, remaining}]) rotates other audiences'
 * key lines with it (spec §5.3: only those a removed device held); the items under them are re-sealed under
 * their own audience's new key, the other lines stay as they are. `epoch` (default: one more than the
 * keyring's) and `retire` (key ids to retire besides this device's own, e.g. a stuck rotation's) serve §10.3.
 * An item sealed under a stuck key id (in `retire`) gets the version this device remembers back on top;
 * items under keys it never held (audiences it is not in) are left alone; items whose author cannot be
 * checked stay under the old key (readable only in history). Returns {key, retired, keys}.
 */
export async function rotate(plan, remaining, { epoch = null, retire = [], lines = [] } = {}) {
  const own = plan.device.keys;
  const held = plan.keyring;
  const newKeys = new Map();
  const documents = [];
  for (const line of [{ audience: EVERYONE, remaining, epoch }, ...lines]) {
    const rotated = await rotatePlanKey(held, { remaining: line.remaining, granter: own, epoch: line.epoch ?? null, audience: line.audience });
    newKeys.set(line.audience, rotated.key);
    documents.push(...rotated.documents);
  }
  const key = newKeys.get(EVERYONE);
  // Retired: every key of the lines rotated now (the others' current keys stay in use), and `retire`.
  const retired = [...new Set([...[...held.keys.values()].filter((k) => newKeys.has(k.audience)).map((k) => k.kid), ...retire])];
  await plan.db.bulkDocs(documents);
  await plan.markPending(documents.map((d) => d._id));
  for (const doc of documents) if (doc.to === own.deviceId) await plan.keyStore.add(doc, own.public);
  let keyring = held;
  for (const k of newKeys.values()) keyring = keyring.withKey(k);
  plan.keyring = keyring;
  const devices = plan.known();
  const { rows } = await plan.db.allDocs({ include_docs: true, conflicts: true });
  const resealed = [];
  for (const row of rows) {
    if (!row.doc) continue;
    const { _conflicts, ...doc } = row.doc;
    if (doc.kind !== 'item' || doc._deleted) continue;
    const target = newKeys.get(held.get(doc.kid)?.audience);
    if (target && doc.kid !== target.kid) {
      try {
        resealed.push(await resealItem(doc, { planId: plan.id, keyring, devices, key: target }));
        continue;
      } catch {
        /* its author cannot be checked: it stays where it is */
      }
    }
    const memory = plan.versions.memory(doc._id);
    if (held.has(doc.kid) || !retire.includes(doc.kid) || !memory || memory.deleted) continue;
    try {
      resealed.push(await plan.resealRemembered(doc._id, doc._rev));
    } catch {
      /* the remembered revision is not here any more */
    }
  }
  // Items with more than one leaf: live clashes (`_conflicts`), and deletions beside a change (the plan's leaf rows).
  const clashing = new Set([...rows.filter((row) => row.doc?._conflicts?.length).map((row) => row.id), ...plan.leafRows.keys()]);
  resealed.push(...(await resealOtherLeaves(plan, { ids: clashing, held, keyring, devices, newKeys })));
  for (let i = 0; i < resealed.length; i += 200) await plan.save(resealed.slice(i, i + 200));
  await plan.reload();
  return { key, retired, keys: newKeys };
}

/**
 * This device's own leaf `rev` of item `id`, sealed under a key retired since it was written (an edit made
 * with no signal while another device rotated the key), sealed again under its audience's current key on top
 * of itself: the same signed version, so the same words by the same author. A live leaf beside it that only
 * re-seals a version this edit replaced (the rotating device's re-seal of the item as it stood) is retired in
 * the same write (deleted too, when the edit was a deletion), as the edit would have replaced it had it been
 * written on top of it: no device then takes it for a replay of an old version or merges the two.
 */
export async function resealOwnLeaf(plan, id, rev) {
  const leaves = await leafDocuments(plan.db, id);
  const own = leaves.find((doc) => doc._rev === rev);
  if (!own) return; // no longer a leaf: sealed again already
  const { keyring } = plan;
  const audience = keyring.get(own.kid)?.audience ?? EVERYONE;
  const key = keyring.currentOf(audience);
  const opened = await openVersion(plan, own, { allowRetired: true });
  if (!opened.signed || opened.by !== plan.device.deviceId) return;
  const docs = [await resealItem(own, { planId: plan.id, keyring, devices: plan.known(), key })];
  const replaced = new Set(opened.prev || []);
  for (const leaf of leaves) {
    if (leaf === own || leaf._deleted || !keyring.has(leaf.kid) || keyring.isRetired(leaf.kid)) continue;
    const other = await openVersion(plan, leaf);
    if (other.failed || !replaced.has(other.vh)) continue;
    // A deletion deletes that branch too (a `superseded` stamp could win among the deleted leaves and read as a
    // removal nobody signed); a change retires it.
    const type = opened.body.type;
    const stamp = opened.deleted ? { a: SCHEMA, type, deleted: opened.body.deleted } : { a: SCHEMA, type, superseded: plan.stamp() };
    docs.push(await plan.seal(id, stamp, { rev: leaf._rev, deleted: true, replaces: [{ n: other.n, vh: other.vh }], audience }));
  }
  await plan.save(docs);
}

/**
 * The leaves beside each item's winner (a clash people have not settled yet: the other side of a field two
 * devices changed, or a signed deletion beside a change), sealed again under their audience's new key on top of
 * themselves, as the winners are: under a retired key they would open only in history, and the question would
 * be gone on every device, the other side winning silently, unless their authors came back to seal them again.
 * The same signed versions, so the same words by the same authors. Roster entries of other devices are left to
 * those devices (spec §14.3).
 */
async function resealOtherLeaves(plan, { ids, held, keyring, devices, newKeys }) {
  const resealed = [];
  for (const id of ids) {
    const leaves = await leafDocuments(plan.db, id).catch(() => []);
    if (leaves.length < 2) continue;
    const winner = winningLeaf(leaves.map((doc) => ({ rev: doc._rev, deleted: doc._deleted === true }))).rev;
    for (const leaf of leaves) {
      if (leaf._rev === winner || leaf.kind !== 'item') continue;
      const target = newKeys.get(held.get(leaf.kid)?.audience);
      if (!target || leaf.kid === target.kid) continue;
      const opened = await openVersion(plan, leaf, { allowRetired: true });
      if (!opened.signed || opened.body?.type === 'device') continue;
      try {
        resealed.push(await resealItem(leaf, { planId: plan.id, keyring, devices, key: target }));
      } catch {
        /* its author cannot be checked: it stays where it is */
      }
    }
  }
  return resealed;
}

/** Keys from a plan file: each one this device lacks is granted to itself, so it survives a restart. */
export async function adoptKeys(plan, keys) {
  const own = plan.device.keys;
  const grants = [];
  for (const key of keys) {
    if (plan.keyring?.has(key.kid)) continue;
    grants.push(await grantPlanKey(key, { recipient: own.public, granter: own }));
  }
  if (grants.length) {
    await plan.db.bulkDocs(grants);
    await plan.markPending(grants.map((g) => g._id));
    for (const grant of grants) await plan.keyStore.add(grant, own.public);
  }
  await plan.reload();
}
