// Item envelopes (spec §7): seal a signed item under the plan key, open and verify it.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkHexId, checkPlanId, parseCanonicalJson } from './encoding.js';
import { Keyring, PlanKey } from './keys.js';
import { MAX_PADDED, pad, unpad } from './padding.js';
import { NONCE_BYTES, aeadOpen, aeadSeal, draw, systemRandom } from './primitives.js';
import { SignedItem, signItem, verifyItem } from './provenance.js';
import { ENVELOPE_VERSION, checkWireDocument } from './wire.js';

/** Parse an item envelope (any size up to 16 MiB); FormatError if it is not one. */
export function parseItemEnvelope(doc) {
  checkWireDocument(doc, { maxPaddedBytes: MAX_PADDED });
  if (doc.kind !== 'item') throw new FormatError('not an item envelope');
  return {
    docId: doc._id,
    rev: typeof doc._rev === 'string' ? doc._rev : null,
    deleted: doc._deleted === true,
    kid: doc.kid,
    nonce: b64uDecode(doc.nonce, NONCE_BYTES, 'nonce'),
    ct: b64uDecode(doc.ct, null, 'ct'),
  };
}

/** canonical_json({"ctx": "alongside/v1/item", "del", "id", "kid", "plan", "v": 1}). */
export function itemAssociatedData({ planId, docId, kid, deleted }) {
  return canonicalJson({ ctx: 'alongside/v1/item', del: deleted, id: docId, kid, plan: planId, v: ENVELOPE_VERSION });
}

/** Encrypt an already signed item (draws a 12-byte nonce); used by sealItem and re-sealing. */
export async function sealSignedItem(signed, { planId, docId, key, deleted = false, rev = null, random = systemRandom }) {
  checkPlanId(planId);
  checkHexId(docId, 16, 'document id');
  if (!(key instanceof PlanKey) || key.planId !== planId) throw new FormatError('the plan key must belong to this plan');
  if (typeof deleted !== 'boolean') throw new FormatError('deleted must be a boolean');
  if (!(signed instanceof SignedItem)) throw new FormatError('signed must be a SignedItem');
  const padded = pad(canonicalJson(signed.toJSON()));
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(key.itemKey, nonce, padded, itemAssociatedData({ planId, docId, kid: key.kid, deleted }));
  const doc = { _id: docId };
  if (rev !== null) doc._rev = rev;
  if (deleted) doc._deleted = true;
  Object.assign(doc, { v: ENVELOPE_VERSION, kind: 'item', kid: key.kid, nonce: b64uEncode(nonce), ct: b64uEncode(ct) });
  return doc;
}

/** Sign `body` as `author` and seal it into a wire document for `docId` under `key`. */
export async function sealItem(body, { planId, docId, key, author, deleted = false, rev = null, random = systemRandom }) {
  const signed = await signItem(body, { planId, docId, author, deleted });
  return sealSignedItem(signed, { planId, docId, key, deleted, rev, random });
}

/** Steps 1-4 of opening (spec §7.4) without the signature check; every failure is DecryptionError. */
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
  const associated = itemAssociatedData({ planId, docId: envelope.docId, kid: key.kid, deleted: envelope.deleted });
  const padded = await aeadOpen(key.itemKey, envelope.nonce, envelope.ct, associated);
  try {
    return { envelope, signed: SignedItem.fromJSON(parseCanonicalJson(unpad(padded))) };
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
}

/**
 * Open and verify an item envelope. Throws DecryptionError (always the same message) when the document
 * is malformed, its key id unknown or retired (unless allowRetired), or it was altered or moved; throws
 * SignatureError when its author is not a known device or the signature does not verify.
 */
export async function openItem(doc, { planId, keyring, devices, allowRetired = false }) {
  const { envelope, signed } = await decryptItem(doc, { planId, keyring, allowRetired });
  await verifyItem(signed, { planId, docId: envelope.docId, deleted: envelope.deleted, devices });
  return { docId: envelope.docId, deleted: envelope.deleted, body: signed.body, author: signed.by, kid: envelope.kid, signed };
}

/** Open `doc` in history mode, verify it, and seal the same signed item under `key` (spec §7.4). */
export async function resealItem(doc, { planId, keyring, devices, key, random = systemRandom }) {
  const opened = await openItem(doc, { planId, keyring, devices, allowRetired: true });
  const rev = typeof doc._rev === 'string' ? doc._rev : null;
  return sealSignedItem(opened.signed, { planId, docId: opened.docId, key, deleted: opened.deleted, rev, random });
}
