// The versions of a plan this device has opened, kept at rest in the plan's own database (docs/crypto.md
// §13.4; docs/app.md, "Local data"), so that opening the plan again does not decrypt every envelope:
// for each revision it holds (`id`, `rev`), what decrypting it gave (the signed item, its key id and its
// version hash) and the content hash of its fields. Nothing else is taken from it: every signature is
// checked again, every item judged again against the versions this device remembers, exactly as when
// the envelopes are decrypted; a revision of a document never changes, so what it decrypted to never does.
//
// It is never readable at rest: one local document (`_local/alongside-opened`, never replicated) sealed
// with AES-256-GCM under a key derived from the device's private keys and the plan's id, which the device
// record holds (sealed under the app lock). A record that does not open (altered, another format, another
// device's or another plan's) is ignored and written again after the next check.

import { SignedItem, openAtRest, openedVersionsKey, sealAtRest } from '../crypto/index.js';

/** The local document holding them. */
export const OPENED_VERSIONS = '_local/alongside-opened';
// PouchDB's adapters over IndexedDB keep bytes as they are; others (LevelDB in Node) keep JSON, so base64url.
const KEEPS_BYTES = new Set(['idb', 'indexeddb']);
// The JSON inside: {v: 1, versions: [[id, rev, deleted, kid, signed, vh, hash or null], ...], shape}, where
// `shape` is what the database held when the plan was last read: {seq (its update_seq, read before the
// documents), live: [[id, rev, kid, conflicting revs], ...] (the live items), keyring: [[id, kid, to], ...] (the
// keyring documents: which key goes to which device)}.
const FORMAT = 1;
const KIND = 'sealed-opened';

/** Marks a document taken from the kept shape: its body is read from the database only when it is needed. */
export const ENVELOPE_NOT_READ = Symbol('envelope not read');

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The key of `plan`'s kept versions, or null when this device's private keys are not at hand. */
async function sealingKey(plan) {
  const secret = plan.device?.keys?.privateBytes?.();
  return secret ? openedVersionsKey(secret, plan.id) : null;
}

/**
 * Read the versions kept for `plan` into `plan.opened` (keyed `${id}/${rev}`, as openVersion keeps them), each
 * with the content hash of its own fields, and the shape of the database they were kept with. Nothing when
 * there is no record or it does not open: the plan is then read the long way.
 */
export async function restoreOpenedVersions(plan) {
  let stored;
  try {
    stored = await plan.db.get(OPENED_VERSIONS);
  } catch {
    return; // none kept yet
  }
  try {
    if (stored.v !== 1 || stored.kind !== KIND) throw new Error('another format');
    const key = await sealingKey(plan);
    if (!key) return;
    const body = JSON.parse(decoder.decode(await openAtRest(key, 'opened', stored)));
    if (body?.v !== FORMAT || !Array.isArray(body.versions)) throw new Error('another format');
    if (wellFormedShape(body.shape)) {
      plan.keptShape = body.shape;
      plan.keptSeq = body.shape.seq;
    }
    for (const [id, rev, deleted, kid, signedJSON, vh, hash] of body.versions) {
      const key = `${id}/${rev}`;
      if (plan.opened.has(key)) continue;
      const signed = SignedItem.fromJSON(signedJSON);
      const { body: itemBody, by, n } = signed;
      const opened = { rev, deleted: deleted === 1, signed, body: itemBody, by, n, prev: [...signed.prev], vh, kid, verified: undefined };
      if (typeof hash === 'string') opened.hash = hash; // of its own fields (planread.js, describe)
      plan.opened.set(key, opened);
    }
  } catch {
    /* altered, another format, or sealed under other keys: written again after the next check */
  }
}

/** The revisions `plan`'s next opening reads: every live winner and leaf, every remembered and shown version. */
function revisionsToKeep(plan) {
  const revisions = new Set(plan.liveDocs.map((doc) => `${doc._id}/${doc._rev}`));
  for (const [id, row] of plan.leafRows) for (const { rev } of row.changes) revisions.add(`${id}/${rev}`);
  for (const id of plan.versions.ids()) {
    const memory = plan.versions.memory(id);
    if (memory?.rev) revisions.add(`${id}/${memory.rev}`);
  }
  for (const item of plan.items.values()) revisions.add(`${item.id}/${item.shownRev}`);
  return revisions;
}

const isIdList = (value) => Array.isArray(value) && value.every((id) => typeof id === 'string');
const wellFormedShape = (shape) =>
  shape !== null &&
  typeof shape === 'object' &&
  ['number', 'string'].includes(typeof shape.seq) &&
  Array.isArray(shape.keyring) &&
  shape.keyring.every((row) => isIdList(row) && row.length === 3) &&
  Array.isArray(shape.live) &&
  shape.live.every((row) => Array.isArray(row) && row.length === 4 && typeof row[0] === 'string' && typeof row[1] === 'string' && isIdList(row[3]));

/** What `plan`'s last load read of its database (see FORMAT), taken at once so that it is one load's. */
function documentShape(plan) {
  return {
    seq: plan.loadedSeq,
    live: plan.liveDocs.map((doc) => [doc._id, doc._rev, doc.kid, doc._conflicts || []]),
    keyring: plan.keyringDocs.map((doc) => [doc._id, doc.kid, doc.to]),
  };
}

/**
 * The plan's documents for a load: {seq, keyringDocs (each keyring document's id, key id and recipient), grants
 * (the keyring documents addressed to this device), liveDocs (the live items' winning revisions)}. The
 * database's update_seq is read first: when it is the one the kept shape was read at (the plan's first load
 * only), nothing changed since, and the documents are taken from the shape, their bodies read only where one
 * is needed (an envelope to decrypt that was not kept, a grant of a key not held). Otherwise every document
 * is read.
 */
export async function readDocuments(plan) {
  const { update_seq: seq } = await plan.db.info();
  const kept = plan.keptShape;
  plan.keptShape = null;
  const deviceId = plan.device.deviceId;
  if (kept && kept.seq === seq) {
    const keyringDocs = kept.keyring.map(([_id, kid, to]) => ({ _id, kid, to }));
    // Read only if a key they give is not held yet (planread.js, acceptGrants).
    const grants = keyringDocs.filter((doc) => doc.to === deviceId).map((doc) => ({ ...doc, kind: 'keyring', [ENVELOPE_NOT_READ]: true }));
    const liveDocs = kept.live.map(([_id, _rev, kid, conflicts]) => ({
      _id,
      _rev,
      kind: 'item',
      kid,
      ...(conflicts.length ? { _conflicts: conflicts } : {}),
      [ENVELOPE_NOT_READ]: true,
    }));
    return { seq, keyringDocs, grants, liveDocs };
  }
  const { rows } = await plan.db.allDocs({ include_docs: true, conflicts: true });
  const docs = rows.map((row) => row.doc).filter((doc) => doc && !doc._id.startsWith('_'));
  const keyringDocs = docs.filter((doc) => doc.kind === 'keyring');
  const grants = keyringDocs.filter((doc) => doc.to === deviceId);
  return {
    seq,
    keyringDocs: keyringDocs.map(({ _id, kid, to }) => ({ _id, kid, to })),
    grants,
    liveDocs: docs.filter((doc) => doc.kind === 'item'),
  };
}

/** Keep `plan`'s opened versions at rest after its check, in turn with the last keep (plan.idle waits for it). */
export function keepOpened(plan) {
  plan.openedChanged = false;
  plan.keptSeq = plan.loadedSeq;
  const shape = documentShape(plan);
  const keep = () => keepOpenedVersions(plan, shape).catch((error) => console.warn('could not keep the opened versions', error));
  plan.keeping = plan.keeping.then(keep);
  return plan.keeping;
}

/**
 * Seal and keep the opened versions of `plan` that its next opening reads, with the content hashes known for
 * them, and `shape` (documentShape), replacing what was kept. Nothing is written when this device's keys are
 * not at hand.
 */
export async function keepOpenedVersions(plan, shape) {
  const key = await sealingKey(plan);
  if (!key) return false;
  const versions = [];
  for (const revision of revisionsToKeep(plan)) {
    const opened = plan.opened.get(revision);
    if (!opened?.signed || opened.failed) continue;
    const id = revision.slice(0, revision.indexOf('/'));
    versions.push([id, opened.rev, opened.deleted ? 1 : 0, opened.kid, opened.signed.toJSON(), opened.vh, opened.hash ?? null]);
  }
  const plaintext = encoder.encode(JSON.stringify({ v: FORMAT, versions, shape }));
  const sealed = await sealAtRest(key, 'opened', plaintext, { bytes: KEEPS_BYTES.has(plan.db.adapter) });
  const current = await plan.db.get(OPENED_VERSIONS).catch(() => ({}));
  await plan.db.put({ _id: OPENED_VERSIONS, _rev: current._rev, v: 1, kind: KIND, ...sealed });
  return true;
}
