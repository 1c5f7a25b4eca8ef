// Keys, the roster and admissions for a plan (plan.js delegates here): this device's own grant and roster
// entry (spec §19.1), admitting the devices that joined with its invites (spec §11.5, §19.2), rotating the
// plan key (spec §10, and §10.3 for a rotation nobody could open), and keys brought back from a file.

import { admissionBind, b64uDecode, grantPlanKey, resealItem, rosterDocumentId, rotatePlanKey } from '../crypto/index.js';

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
 * who wrote what, also for members who have left. `epoch` (default: one more than the keyring's) and `retire` (key ids to
 * retire besides this device's own, e.g. a stuck rotation's) serve §10.3. An item sealed under a key this
 * device does not hold gets the version it remembers back on top; items whose author cannot be checked stay
 * under the old key (readable only in history). Returns {key, retired}.
 */
export async function rotate(plan, remaining, { epoch = null, retire = [] } = {}) {
  const keys = plan.device.keys;
  const retired = [...new Set([...plan.keyring.keys.keys(), ...retire])];
  const { key, documents } = await rotatePlanKey(plan.keyring, { remaining, granter: keys, epoch });
  await plan.db.bulkDocs(documents);
  await plan.markPending(documents.map((d) => d._id));
  const own = documents.find((doc) => doc.to === keys.deviceId);
  if (own) await plan.keyStore.add(own, keys.public);
  const held = plan.keyring;
  const keyring = held.withKey(key);
  plan.keyring = keyring;
  const devices = plan.known();
  const { rows } = await plan.db.allDocs({ include_docs: true });
  const resealed = [];
  for (const { doc } of rows) {
    if (!doc || doc.kind !== 'item' || doc._deleted || doc.kid === key.kid) continue;
    try {
      resealed.push(await resealItem(doc, { planId: plan.id, keyring, devices, key }));
    } catch {
      const memory = plan.versions.memory(doc._id);
      if (!memory || memory.deleted || held.has(doc.kid)) continue;
      try {
        resealed.push(await plan.resealRemembered(doc._id, doc._rev));
      } catch {
        /* the remembered revision is not here any more */
      }
    }
  }
  for (let i = 0; i < resealed.length; i += 200) await plan.save(resealed.slice(i, i + 200));
  await plan.reload();
  return { key, retired };
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
