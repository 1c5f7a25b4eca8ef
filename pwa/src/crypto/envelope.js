// Item envelopes (spec §7): seal a signed item under the plan key, open and verify it. Version 2 is
// written; version-1 envelopes stay readable (spec §20) and a re-sealed version keeps its format.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkHexId, checkPlanId, parseCanonicalJson } from './encoding.js';
import { Keyring, PlanKey } from './keys.js';
import { MAX_PADDED, pad, unpad } from './padding.js';
import { NONCE_BYTES, aeadOpen, aeadSeal, draw, systemRandom } from './primitives.js';
import { ITEM_VERSION, LEGACY_ITEM_VERSION, SignedItem, signItem, verifyItem, versionHash } from './provenance.js';
import { checkWireDocument } from './wire.js';

const CONTEXT = { 1: 'alongside/v1/item', 2: 'alongside/v2/item' };

/** Parse an item envelope (any size up to 16 MiB); FormatError if it is not one. */
export function parseItemEnvelope(doc) {
  checkWireDocument(doc, { maxPaddedBytes: MAX_PADDED });
  if (doc.kind !== 'item') throw new FormatError('not an item envelope');
  return {
    docId: doc._id,
    rev: typeof doc._rev === 'string' ? doc._rev : null,
    deleted: doc._deleted === true,
    version: doc.v,
    kid: doc.kid,
    nonce: b64uDecode(doc.nonce, NONCE_BYTES, 'nonce'),
    ct: b64uDecode(doc.ct, null, 'ct'),
  };
}

/** canonical_json({"ctx": "alongside/v2/item", "del", "id", "kid", "plan", "v": 2}) (v1: "alongside/v1/item", "v": 1). */
export function itemAssociatedData({ planId, docId, kid, deleted, version = ITEM_VERSION }) {
  if (version !== ITEM_VERSION && version !== LEGACY_ITEM_VERSION) throw new FormatError('an item envelope has version 1 or 2');
  return canonicalJson({ ctx: CONTEXT[version], del: deleted, id: docId, kid, plan: planId, v: version });
}

/**
 * Encrypt an already signed item (draws a 12-byte nonce); used by sealItem and re-sealing. The envelope
 * has the signed item's version.
 */
export async function sealSignedItem(signed, { planId, docId, key, deleted = false, rev = null, random = systemRandom }) {
  checkPlanId(planId);
  checkHexId(docId, 16, 'document id');
  if (!(key instanceof PlanKey) || key.planId !== planId) throw new FormatError('the plan key must belong to this plan');
  if (typeof deleted !== 'boolean') throw new FormatError('deleted must be a boolean');
  if (!(signed instanceof SignedItem)) throw new FormatError('signed must be a SignedItem');
  const version = signed.version;
  const padded = pad(canonicalJson(signed.toJSON()));
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(key.itemKey, nonce, padded, itemAssociatedData({ planId, docId, kid: key.kid, deleted, version }));
  const doc = { _id: docId };
  if (rev !== null) doc._rev = rev;
  if (deleted) doc._deleted = true;
  Object.assign(doc, { v: version, kind: 'item', kid: key.kid, nonce: b64uEncode(nonce), ct: b64uEncode(ct) });
  return doc;
}

/**
 * Sign `body` as `author` (version `n`, replacing the versions whose hashes are `prev`) and seal it into a
 * version-2 wire document for `docId` under `key` (spec §7.4). Draws 12 bytes (the nonce).
 */
export async function sealItem(body, { planId, docId, key, author, deleted = false, rev = null, n = 1, prev = [], random = systemRandom }) {
  const signed = await signItem(body, { planId, docId, author, deleted, n, prev });
  return sealSignedItem(signed, { planId, docId, key, deleted, rev, random });
}

/**
 * Steps 1-4 of opening (spec §7.4) without the signature check; every failure is DecryptionError.
 * Returns {envelope, signed, version, n, prev, vh}: n is 0 and prev [] for a version-1 item.
 */
export async function decryptItem(doc, { planId, keyring, allowRetired = false }) {
  let envelope;
  try {
    envelope = parseItemEnvelope(doc);
    checkPlanId(planId);
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
  if (!(keyring instanceof Keyring) || keyring.planId !== planId) throw new DecryptionError();
  const key = keyring.get(envelope.kid);
  if (key === undefined || (!allowRetired && keyring.isRetired(envelope.kid))) throw new DecryptionError();
  const { docId, deleted, version } = envelope;
  const associated = itemAssociatedData({ planId, docId, kid: key.kid, deleted, version });
  const padded = await aeadOpen(key.itemKey, envelope.nonce, envelope.ct, associated);
  let signed;
  let vh;
  try {
    signed = SignedItem.fromJSON(parseCanonicalJson(unpad(padded)), version);
    vh = await versionHash(signed, { planId, docId, deleted });
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
  return { envelope, signed, version, n: signed.n, prev: [...signed.prev], vh };
}

/**
 * Open and verify an item envelope (spec §7.4). Returns {docId, deleted, body, author, kid, version, n,
 * prev, vh, signed}. Throws DecryptionError (always the same message) when the document is malformed, its
 * key id unknown or retired (unless allowRetired), its version and its signed item's disagree, or it was
 * altered or moved; throws SignatureError when its author is not a known device or the signature does not
 * verify.
 */
export async function openItem(doc, { planId, keyring, devices, allowRetired = false }) {
  const { envelope, signed, version, n, prev, vh } = await decryptItem(doc, { planId, keyring, allowRetired });
  await verifyItem(signed, { planId, docId: envelope.docId, deleted: envelope.deleted, devices });
  const { docId, deleted, kid } = envelope;
  return { docId, deleted, body: signed.body, author: signed.by, kid, version, n, prev, vh, signed };
}

/**
 * Open `doc` in history mode, verify it, and seal the same signed item (same author, signature, version
 * format, n and prev, so the same version hash) under `key` (spec §7.4). The result carries `rev` (default:
 * `doc`'s own `_rev`), so a caller putting a version back on top of another revision passes that one.
 */
export async function resealItem(doc, { planId, keyring, devices, key, rev = undefined, random = systemRandom }) {
  const opened = await openItem(doc, { planId, keyring, devices, allowRetired: true });
  const onTop = rev === undefined ? (typeof doc._rev === 'string' ? doc._rev : null) : rev;
  return sealSignedItem(opened.signed, { planId, docId: opened.docId, key, deleted: opened.deleted, rev: onTop, random });
}
