// Reading a plan (for plan.js): opening and checking versions, the keys and roles the plan proves, and
// judging every item's leaves against the versions this device remembers (spec §8.3) into what people
// see. `present` runs twice per load: first provisionally (signatures not checked yet; nothing is
// remembered or written), then, in the background, finally (every version checked, the memory updated,
// restores and merges scheduled).

import { Keyring, decryptItem, judgeVersions, openGrant, verifyField, verifyItem } from '../crypto/index.js';
import { agreementRecord, contentHash } from './agreements.js';
import { EVERYONE, acceptsAudienceGrant } from './audiences.js';
import { fieldsWentBack, isDeletion, latestDeletion, mergeLeaves } from './merge.js';
import { TYPES } from './model.js';
import { acceptsGrant, admissionClaim, computeRoles, mayDelete, planCreator, rosterDevice, writerOf } from './roles.js';
import { ENVELOPE_NOT_READ } from './openedcache.js';
import { noticeOf, winningLeaf } from './versions.js';

const VERIFY_CHUNK = 100; // versions checked between two turns of the event loop
const OPEN_CHUNK = 64; // versions decrypted at once: WebCrypto works on them side by side, off the page's thread
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

// -- versions ----------------------------------------------------------------------------------------

/**
 * Decrypt one revision (cached by id and revision): {rev, deleted, signed, body, by, n, prev, vh, kid,
 * verified, fieldChecks}; `bare` for a tombstone with no envelope; `failed` when it does not open with the
 * keys held now (tried again once the keyring grows), or, unless `allowRetired` (history mode, spec
 * §7.4), when it is sealed under a retired key.
 */
export async function openVersion(plan, doc, { allowRetired = false } = {}) {
  const key = `${doc._id}/${doc._rev}`;
  const keys = plan.keyring?.size ?? 0;
  let opened = plan.opened.get(key);
  if (!opened || (opened.failed && opened.keys !== keys)) {
    const envelope = doc[ENVELOPE_NOT_READ] ? await plan.db.get(doc._id, { rev: doc._rev }).catch(() => doc) : doc;
    opened = await decryptVersion(plan, envelope);
    plan.opened.set(key, opened);
    if (opened.signed) plan.openedChanged = true; // kept at rest after the next check (openedcache.js)
  }
  if (!allowRetired && opened.signed && plan.keyring.isRetired(opened.kid)) {
    return { rev: doc._rev, deleted: opened.deleted, failed: true, keys };
  }
  return opened;
}

async function decryptVersion(plan, doc) {
  const deleted = doc._deleted === true;
  if (deleted && !('kind' in doc)) return { rev: doc._rev, deleted, bare: true };
  const { _conflicts, _revisions, _revs_info, ...envelope } = doc;
  try {
    if (!plan.keyring) throw new Error('no key');
    const { signed, n, prev, vh } = await decryptItem(envelope, { planId: plan.id, keyring: plan.keyring, allowRetired: true });
    return { rev: doc._rev, deleted, signed, body: signed.body, by: signed.by, n, prev, vh, kid: envelope.kid, verified: undefined };
  } catch {
    return { rev: doc._rev, deleted, failed: true, keys: plan.keyring?.size ?? 0 };
  }
}

/** openVersion of every document of `docs`, in order, OPEN_CHUNK at a time. */
async function openAll(plan, docs) {
  const opened = [];
  for (let start = 0; start < docs.length; start += OPEN_CHUNK) {
    opened.push(...(await Promise.all(docs.slice(start, start + OPEN_CHUNK).map((doc) => openVersion(plan, doc)))));
  }
  return opened;
}

/** The revision `rev` of item `id`, opened in history mode, or null. */
export async function openAt(plan, id, rev) {
  const doc = await plan.db.get(id, { rev }).catch(() => null);
  if (!doc) return null;
  const opened = await openVersion(plan, doc, { allowRetired: true });
  return opened.failed ? null : opened;
}

/**
 * Check a version's item signature and field statements (spec §8.1, §8.5) against the devices this
 * device knows. `verified` is true only if the signature verifies and no field statement fails; each
 * field's check is in `fieldChecks` (true, false, or null for a schema-1 field that carries none).
 * Checked again when more devices become known.
 */
export async function verifyVersion(plan, id, opened, known) {
  if (!opened?.signed || opened.verified === true || opened.checkedWith === known.size) return;
  opened.checkedWith = known.size;
  let itemSignature = true;
  try {
    await verifyItem(opened.signed, { planId: plan.id, docId: id, deleted: opened.deleted, devices: known });
  } catch {
    itemSignature = false;
  }
  const fieldChecks = {};
  for (const [name, field] of Object.entries(opened.body.f || {})) {
    if (!field?.sig) {
      fieldChecks[name] = null;
      continue;
    }
    try {
      await verifyField({ planId: plan.id, docId: id, name, field, devices: known });
      fieldChecks[name] = true;
    } catch {
      fieldChecks[name] = false;
    }
  }
  opened.fieldChecks = fieldChecks;
  opened.verified = itemSignature && !Object.values(fieldChecks).includes(false);
}

// -- keys and roles ------------------------------------------------------------------------------------

/**
 * Open the keyring documents addressed to this device and accept the keys whose granter may grant them
 * (spec §9.5): itself, a steward, or (a plan without a proven creator) a device it trusts. Accepted grants
 * are kept in `_local/alongside-keys` and read first on start.
 */
async function acceptGrants(plan, grants) {
  let keys = plan.keyring ? [...plan.keyring.keys.values()] : [];
  const held = new Set(keys.map((key) => key.kid));
  for (const { doc, granter } of await plan.keyStore.load()) {
    if (held.has(doc.kid)) continue;
    try {
      const { key } = await openGrant(doc, { planId: plan.id, device: plan.device.keys, trusted: new Map([[granter.deviceId, granter]]) });
      keys.push(key);
      held.add(key.kid);
    } catch {
      /* not ours after all: ignored */
    }
  }
  // A grant's signature is checked against the devices this device knows and, in a plan with a proven creator, the
  // keys the plan's proven admissions name: a steward admitted a moment ago may rotate the key (spec §10) before
  // this device ever opened its roster entry, which the rotation re-seals under the new key.
  const known = new Map([...(plan.admittedKeys || []), ...plan.known()]);
  const trusted = new Map([...plan.trusted, ...plan.devices]);
  for (const listed of grants) {
    if (held.has(listed.kid)) continue;
    const grant = listed[ENVELOPE_NOT_READ] ? await plan.db.get(listed._id).catch(() => null) : listed;
    if (!grant) continue;
    let opened;
    try {
      opened = await openGrant(grant, { planId: plan.id, device: plan.device.keys, trusted: known });
    } catch {
      // A device let in by the person's yes holds no key yet (spec §11.6): the first key may come from a device the
      // server names as the person's. It is kept only if the plan it opens proves that device a steward (below).
      if (!plan.keyring && !keys.length && plan.candidates?.size) {
        try {
          const first = await openGrant(grant, { planId: plan.id, device: plan.device.keys, trusted: plan.candidates });
          if (first.key.audience !== EVERYONE) continue; // the plan key first: an audience's key comes once roles are proven (spec §5.3)
          keys.push(first.key);
          held.add(first.key.kid);
          plan.provisional = { grant, granter: plan.candidates.get(first.granter) };
        } catch {
          /* not a grant from them either */
        }
      }
      continue; // granted by a device this device does not know (yet), or not a grant at all
    }
    const steward = acceptsGrant(opened.granter, { selfId: plan.device.deviceId, roles: plan.roles, proven: plan.proven, trusted });
    // An audience's key only from a device in that audience that may give it (spec §5.3).
    if (!acceptsAudienceGrant(plan, opened.granter, opened.key.audience, steward)) continue;
    keys.push(opened.key);
    held.add(opened.key.kid);
    await plan.keyStore.add(grant, known.get(opened.granter));
  }
  // No keyring without the plan key itself (an audience's key can arrive first): everything else builds on it.
  if (keys.some((key) => key.audience === EVERYONE) && keys.length !== (plan.keyring?.size ?? 0)) plan.keyring = new Keyring(plan.id, keys);
}

/** The roster entries (spec §19.1), the plan's creator and the roles they and the admissions prove. */
async function readRoles(plan, versions) {
  const entries = versions.filter((v) => v.opened.body?.type === 'device');
  const counting = async (legacy) => {
    const roster = [];
    for (const { id, opened } of entries) {
      const key = `${id}/${opened.rev}/${legacy}`;
      if (!plan.rosterCache.has(key)) {
        plan.rosterCache.set(key, await rosterDevice(plan.id, { docId: id, signed: opened.signed }, { legacy }));
      }
      const entry = plan.rosterCache.get(key);
      if (entry && !roster.some((e) => e.deviceId === entry.deviceId)) roster.push(entry);
    }
    return roster;
  };
  let roster = await counting(false);
  const creator = await planCreator(plan.id, roster);
  if (!creator) roster = await counting(true);
  plan.devices = new Map(roster.map((entry) => [entry.deviceId, entry.keys]));
  plan.roster = roster;
  const known = plan.known();
  const claims = [];
  for (const { id, opened } of versions.filter((v) => v.opened.body?.type === 'admission')) {
    const claim = await admissionClaim(plan.id, { docId: id, signed: opened.signed }, known);
    if (claim) claims.push(claim);
  }
  const { roles, proven, admitted } = computeRoles({ creator, roster, claims, self: plan.self(), members: plan.context.members || [] });
  // The keys of the devices stewards admitted, signed into their admissions (only where the creator is proven).
  plan.admittedKeys = proven ? new Map([...admitted].map(([id, claim]) => [id, claim.keys])) : new Map();
  plan.roles = roles;
  plan.proven = proven;
  plan.creator = creator;
  plan.claims = claims;
}

/**
 * Keys and roles to a fixpoint (spec §9.5, §19): a key from a steward opens items that prove more roles,
 * which may make more grants acceptable. `liveDocs` are the winning live revisions.
 */
export async function readKeysAndRoles(plan, grants, liveDocs) {
  await readPasses(plan, grants, liveDocs);
  const first = plan.provisional;
  if (!first) return;
  plan.provisional = null;
  // The first key of a device let in by the person's yes: kept only from a device the plan proves a steward.
  if (plan.proven && acceptsGrant(first.granter.deviceId, { selfId: plan.device.deviceId, roles: plan.roles, proven: true, trusted: new Map() })) {
    await plan.keyStore.add(first.grant, first.granter);
  } else {
    plan.keyring = null;
  }
}

async function readPasses(plan, grants, liveDocs) {
  for (let pass = 0; pass < 6; pass += 1) {
    const keysBefore = plan.keyring?.size ?? 0;
    await acceptGrants(plan, grants);
    if (!plan.keyring) return;
    const before = JSON.stringify([[...plan.devices.keys()], [...plan.roles]]);
    const versions = [];
    const openedDocs = await openAll(plan, liveDocs);
    for (const [index, doc] of liveDocs.entries()) {
      let opened = openedDocs[index];
      if (opened.failed) {
        // Sealed under a key this device does not hold (yet): the version it remembers still says who is who.
        const memory = plan.versions.memory(doc._id);
        opened = memory && !memory.deleted ? await openAt(plan, doc._id, memory.rev) : null;
      }
      if (opened?.signed && (opened.body?.type === 'device' || opened.body?.type === 'admission')) versions.push({ id: doc._id, opened });
    }
    // Roster entries and admissions removed by a device that may not remove them still count (their remembered version).
    const live = new Set(liveDocs.map((doc) => doc._id));
    for (const item of plan.items.values()) {
      if (live.has(item.id) || !TYPES[item.type]?.record) continue;
      const opened = plan.opened.get(`${item.id}/${item.shownRev}`);
      if (opened?.signed) versions.push({ id: item.id, opened });
    }
    await readRoles(plan, versions);
    if ((plan.keyring?.size ?? 0) === keysBefore && before === JSON.stringify([[...plan.devices.keys()], [...plan.roles]])) return;
  }
}

// -- judging and presenting ----------------------------------------------------------------------------

/** Every leaf revision of document `id` in `db`, with its body (deleted ones too). */
export async function leafDocuments(db, id) {
  const results = await db.get(id, { open_revs: 'all' });
  return results.filter((r) => r.ok).map((r) => r.ok);
}

/**
 * Every leaf of an item with its opened version, and the winner among them. `doc` is its live winner as
 * the plan's last read of the database found it (null for a deleted winner). When the leaves are read
 * again here they may be newer than that read (a replication or a merge landed meanwhile): the winner is
 * then the one CouchDB and PouchDB pick among the leaves read now, never the earlier read's revision, so
 * that every device that holds the same leaves judges the same winner (two devices that each took a
 * different one retired each other's merge, and the item was gone), and an item whose earlier revision
 * is no longer a leaf is still presented.
 */
async function leavesOf(plan, id, doc) {
  let docs = [doc];
  if (!doc || doc._conflicts?.length || plan.leafRows.has(id)) {
    docs = await leafDocuments(plan.db, id).catch(() => []);
    if (!docs.length) return null;
  }
  const leaves = [];
  for (const leafDoc of docs) {
    leaves.push({ rev: leafDoc._rev, deleted: leafDoc._deleted === true, kid: leafDoc.kid, opened: await openVersion(plan, leafDoc) });
  }
  return { id, winner: winningLeaf(leaves), leaves };
}

/**
 * The leaves of `record` this device wrote itself that are sealed under a key retired since (spec §10.1): an
 * edit made with no signal while another device rotated the key, or one that crossed the rotation. The server
 * refuses them and other devices open them only in history, so they are sealed again under the current key
 * of their audience. Never a version older than this device remembers (that would replay it under the new key).
 */
function ownLeavesUnderRetiredKeys(plan, record) {
  const memory = plan.versions.memory(record.id);
  const revs = [];
  for (const leaf of record.leaves) {
    if (!leaf.kid || !plan.keyring.isRetired(leaf.kid)) continue;
    const opened = plan.opened.get(`${record.id}/${leaf.rev}`);
    if (!opened?.signed || opened.by !== plan.device.deviceId) continue;
    if (memory && (opened.n < memory.n || memory.old.includes(opened.vh))) continue;
    revs.push(leaf.rev);
  }
  return revs;
}

const targetOf = (body) => (body ? { type: body.type, writer: writerOf({ type: body.type, f: body.f || {} }) } : null);

/** The state of a leaf for judgeVersions: 'valid', 'unsigned-removal' or 'unchecked' (spec §8.3). */
function stateOf(plan, leaf, target, isWinner) {
  const opened = leaf.opened;
  if (leaf.deleted) {
    if (!opened.signed || opened.verified === false) return 'unsigned-removal';
    // A retirement (a `superseded` stamp) only retires a leaf beside a live one; as the winner it would remove
    // an item nobody asked to remove (spec §7.5).
    if (isWinner && !isDeletion(opened.body)) return 'unsigned-removal';
    return mayDelete(opened.by, target || targetOf(opened.body), plan.roles) ? 'valid' : 'unsigned-removal';
  }
  return !opened.signed || opened.verified === false ? 'unchecked' : 'valid';
}

const versionOf = (leaf) => ({ rev: leaf.rev, n: leaf.opened.n, vh: leaf.opened.vh });

/** What people see of one item, and what the final pass must remember or write. */
async function judgeItem(plan, record, { final, known, canWrite }) {
  const { id, winner, leaves } = record;
  if (final) for (const leaf of leaves) await verifyVersion(plan, id, leaf.opened, known);
  const memory = plan.versions.memory(id);
  let remembered;
  const rememberedVersion = async () => {
    if (remembered === undefined) {
      remembered = memory ? await openAt(plan, id, memory.rev) : null;
      if (remembered) await verifyVersion(plan, id, remembered, known);
    }
    return remembered;
  };
  const target = !winner.deleted && winner.opened.signed ? targetOf(winner.opened.body) : targetOf((await rememberedVersion())?.body);
  const states = leaves.map((leaf) => {
    const { n = null, vh = null } = leaf.opened;
    return { rev: leaf.rev, state: stateOf(plan, leaf, target, leaf === winner), n, vh, deleted: leaf.deleted };
  });
  let judgement;
  try {
    judgement = judgeVersions(memory, winner.rev, states);
  } catch {
    judgement = { current: 'winner', reports: [], memory, restore: false, replays: [] };
  }
  const replays = new Set(judgement.replays);
  let shown = null;
  if (judgement.current === 'winner' && !winner.deleted && winner.opened.signed) shown = winner.opened;
  else if (judgement.current === 'memory') shown = await rememberedVersion();
  // The remembered revision is not in this replica any more: the winner, always flagged.
  const fallback = !shown && judgement.current === 'memory' && !winner.deleted && winner.opened.signed;
  if (fallback) shown = winner.opened;
  const stateByRev = new Map(states.map((s) => [s.rev, s.state]));
  // A rollback whose winner is no replay (a version this device never accepted: one written beside the
  // remembered one, whose branch someone then removed) is merged with the remembered version rather than
  // covered by it, so that nothing either side wrote is lost; it is reported only if the winner put a
  // field back. (Covering it would make two devices put their own versions back over each other for ever.)
  let forward = null;
  const otherVersion = shown && shown !== winner.opened && !shown.deleted && !winner.deleted && winner.opened.signed;
  if (judgement.restore && otherVersion && !replays.has(winner.rev) && stateByRev.get(winner.rev) === 'valid') {
    const { fields, conflicts } = mergeLeaves([shown.body.f || {}, winner.opened.body.f || {}]);
    const wentBack = fieldsWentBack(shown.body.f || {}, winner.opened.body.f || {}).length > 0;
    if (!Object.keys(conflicts).length) forward = { fields, wentBack };
  }
  const entry = plan.versions.entry(id);
  const notice = forward && !forward.wentBack ? null : noticeOf(judgement, winner.rev);
  const acked = (key) => (entry?.ack || []).includes(key);
  const flags = {};
  for (const kind of ['rollback', 'replay']) {
    if (entry?.notice?.kinds.includes(kind) || (notice?.kinds.includes(kind) && !acked(notice.key))) flags[kind] = true;
  }
  if (fallback && judgement.reports.includes('rollback')) flags.rollback = true;
  if (judgement.reports.includes('unsigned-removal')) flags.unsignedRemoval = true;
  if (judgement.reports.includes('unchecked') || shown?.verified === false) flags.unchecked = true;
  const result = { id, judgement, shown, flags, winner, notice, writes: [] };
  if (final) result.memory = judgement.memory;
  if (!shown || shown.deleted) return result;

  const item = {
    id,
    rev: winner.rev, // what a write goes on top of
    shownRev: shown.rev,
    ...shown.body,
    f: { ...(shown.body.f || {}) },
    author: shown.by,
    verified: shown.verified,
    fieldChecks: shown.fieldChecks,
    n: shown.n,
    vh: shown.vh,
    audience: plan.keyring.get(shown.kid)?.audience ?? EVERYONE, // from the key that opened it, never from the server
    base: [{ n: shown.n, vh: shown.vh }],
    flags,
  };
  delete item.deleted;
  delete item.superseded;
  if (forward) {
    item.f = forward.fields;
    item.base = [shown, winner.opened].map((v) => ({ n: v.n, vh: v.vh }));
  }
  if (shown === winner.opened) {
    const usable = (leaf) => leaf !== winner && !replays.has(leaf.rev) && stateByRev.get(leaf.rev) === 'valid';
    const others = leaves.filter((leaf) => usable(leaf) && !leaf.deleted);
    if (others.length) {
      const { fields, conflicts } = mergeLeaves([winner, ...others].map((leaf) => leaf.opened.body.f || {}));
      item.f = fields;
      item.losers = others.map((leaf) => leaf.rev);
      item.loserVersions = others.map(versionOf);
      item.mergeBase = [winner, ...others].map(versionOf);
      if (Object.keys(conflicts).length) item.conflicts = conflicts;
      else if (final && canWrite) result.writes.push({ kind: 'merge' });
    }
    const deletions = leaves
      .filter((leaf) => usable(leaf) && leaf.deleted && isDeletion(leaf.opened.body) && leaf.opened.verified === true)
      .map((leaf) => {
        const { at, dev } = leaf.opened.body.deleted;
        return { ...versionOf(leaf), at, dev, by: leaf.opened.by, verified: true };
      });
    const removal = latestDeletion(deletions);
    if (removal) item.removed = { ...removal, versions: deletions.map(({ rev, n, vh }) => ({ rev, n, vh })) };
  }
  if (final) {
    let next = judgement.memory;
    // §8.3, last paragraph: a newer version must not put back a field this device already saw replaced.
    if (judgement.current === 'winner' && memory && !memory.deleted && next && next.vh !== memory.vh) {
      const before = await rememberedVersion();
      const went = before && !before.deleted && before.verified === true ? fieldsWentBack(before.body.f || {}, item.f) : [];
      if (went.length) {
        for (const name of went) item.f[name] = before.body.f[name];
        next = memory;
        const fieldsNotice = { kinds: ['rollback'], key: `fields:${winner.rev}` };
        if (!acked(fieldsNotice.key)) flags.rollback = true;
        result.notice = fieldsNotice;
        if (canWrite) result.writes.push({ kind: 'forward' });
      }
    }
    // The remembered version found again at a newer revision (re-sealed): remember where it is now.
    if (next && judgement.current === 'winner' && winner.opened.vh === next.vh && next.rev !== winner.rev) {
      next = { ...next, rev: winner.rev };
    }
    result.memory = next;
    if (forward && canWrite) result.writes.push({ kind: 'forward' });
    else if (judgement.restore && canWrite && memory) result.writes.push({ kind: 'restore', memoryRev: memory.rev });
  }
  // Sealed under a key this device was never given (moved to an audience it is not in, spec §5.3, or a
  // rotation it cannot open yet, §10.3): it keeps what it has, and puts nothing back on top (that would
  // hand an item moved to a narrower audience back to everyone).
  if (!winner.deleted && winner.opened.failed && winner.kid && !plan.keyring.has(winner.kid)) result.writes = [];
  result.item = item;
  return result;
}

/**
 * Judge every item (the live winners, and the deleted winners this device remembers as live) and build
 * what people see: `plan.items`, flags, agreements, content hashes. With `final`, every version is
 * checked first, the memory is updated and the writes owed (restores, merges) are returned.
 */
export async function present(plan, liveDocs, { final }) {
  const known = plan.known();
  const canWrite = plan.me.access === 'write';
  const live = new Set(liveDocs.map((doc) => doc._id));
  const candidates = liveDocs.map((doc) => [doc._id, doc]);
  for (const id of plan.versions.ids()) if (!live.has(id) && plan.versions.memory(id)?.deleted === false) candidates.push([id, null]);
  const items = new Map();
  const writes = [];
  let checked = 0;
  for (const [id, doc] of candidates) {
    const record = await leavesOf(plan, id, doc);
    if (!record) continue;
    // This device's own words under a key retired since it wrote them are sealed again first; the item is
    // judged for good once they are (judging now would take them for a rollback or drop them).
    const resealing = final && canWrite ? ownLeavesUnderRetiredKeys(plan, record) : [];
    for (const rev of resealing) writes.push({ kind: 'reseal-own', id, onTop: rev });
    const judging = final && !resealing.length;
    const result = await judgeItem(plan, record, { final: judging, known, canWrite });
    if (judging) {
      if (result.memory) plan.versions.remember(id, result.memory);
      plan.versions.notice(id, result.notice);
      for (const write of result.writes) writes.push({ ...write, id, onTop: record.winner.rev });
      checked += record.leaves.length;
      if (checked >= VERIFY_CHUNK) {
        checked = 0;
        await pause();
      }
    }
    if (result.item) items.set(id, result.item);
  }
  await describe(plan, items);
  return { items, writes };
}

/** The key of a merged item's content hash: its type and fields. */
const hashKey = (type, fields) => JSON.stringify([type, fields]);

/** Whether `fields` are `versionFields` as they were copied into an item (the same field objects, no more, no fewer). */
function sameFields(fields, versionFields = {}) {
  const names = Object.keys(fields);
  return names.length === Object.keys(versionFields).length && names.every((name) => fields[name] === versionFields[name]);
}

/** Content hashes (docs/app.md, "Agreements") and the agreement records by the item they are about. */
async function describe(plan, items) {
  const hashes = new Map();
  const records = new Map();
  const hashed = [];
  for (const item of items.values()) {
    if (item.type === 'agreement') {
      const record = agreementRecord(item);
      if (record) records.set(record.target, [...(records.get(record.target) || []), record]);
      continue;
    }
    if (TYPES[item.type]?.record || item.type === 'version') continue;
    hashed.push(item);
  }
  // The hashes not known already, computed side by side. An item showing its version's own fields (most of
  // them) keeps the hash on that version (kept at rest with it: openedcache.js); a merged one by its fields.
  const values = await Promise.all(
    hashed.map((item) => {
      const version = plan.opened.get(`${item.id}/${item.shownRev}`);
      const own = version?.body && sameFields(item.f, version.body.f) ? version : null;
      if (own?.hash) return own.hash;
      const key = hashKey(item.type, item.f);
      const known = plan.hashes.get(key);
      if (known) {
        hashes.set(key, known);
        return known;
      }
      plan.openedChanged = true;
      return contentHash(item.type, item.f).then((hash) => {
        if (own) own.hash = hash;
        else hashes.set(key, hash);
        return hash;
      });
    }),
  );
  hashed.forEach((item, i) => {
    item.hash = values[i];
  });
  plan.hashes = hashes;
  plan.agreementRecords = records;
}

export { same };
