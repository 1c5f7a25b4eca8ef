// Signed provenance (spec §8): the authoring device signs each item; the signature lives inside the ciphertext.

import { FormatError, SignatureError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkHexId, checkPlanId, parseCanonicalJson } from './encoding.js';
import { DeviceKeys, DevicePublicKeys, deviceIdFor } from './keys.js';
import { SIGNATURE_BYTES, ed25519Sign, ed25519Verify } from './primitives.js';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** An item body with its author's device id and Ed25519 signature: the plaintext of an envelope. */
export class SignedItem {
  constructor(body, by, sig) {
    this.body = body;
    this.by = by;
    this.sig = sig;
    Object.freeze(this);
  }

  /** {"body", "by", "sig"} as it is encrypted. */
  toJSON() {
    return { body: this.body, by: this.by, sig: b64uEncode(this.sig) };
  }

  /** Parse {"body": object, "by": device id, "sig": base64url}; FormatError on anything else. */
  static fromJSON(value) {
    if (!isObject(value) || Object.keys(value).sort().join() !== 'body,by,sig') {
      throw new FormatError('a signed item has exactly body, by and sig');
    }
    if (!isObject(value.body)) throw new FormatError('an item body must be an object');
    const by = checkHexId(value.by, 16, 'author device id');
    return new SignedItem(value.body, by, b64uDecode(value.sig, SIGNATURE_BYTES, 'signature'));
  }
}

/** The canonical JSON an author signs: {"body", "by", "ctx": "alongside/v1/item", "del", "id", "plan"}. */
export function itemSignatureMessage(body, { by, planId, docId, deleted }) {
  checkHexId(by, 16, 'device id');
  checkPlanId(planId);
  checkHexId(docId, 16, 'document id');
  if (typeof deleted !== 'boolean') throw new FormatError('deleted must be a boolean');
  return canonicalJson({ body, by, ctx: 'alongside/v1/item', del: deleted, id: docId, plan: planId });
}

/** Sign `body` as written by `author` for document `docId` of plan `planId`. */
export async function signItem(body, { planId, docId, author, deleted = false }) {
  if (!(author instanceof DeviceKeys)) throw new FormatError('author must be DeviceKeys');
  if (!isObject(body)) throw new FormatError('an item body must be an object');
  const copy = parseCanonicalJson(canonicalJson(body));
  const message = itemSignatureMessage(copy, { by: author.deviceId, planId, docId, deleted });
  return new SignedItem(copy, author.deviceId, await ed25519Sign(author.signingKey, message));
}

/**
 * The known device `deviceId` from `devices` (a Map or plain object of DevicePublicKeys), checking
 * that its keys hash to that id; SignatureError otherwise.
 */
export async function lookupDevice(devices, deviceId) {
  let known;
  if (devices instanceof Map) known = devices.get(deviceId);
  else if (devices !== null && typeof devices === 'object' && Object.hasOwn(devices, deviceId)) known = devices[deviceId];
  if (!(known instanceof DevicePublicKeys) || (await deviceIdFor(known.encryption, known.signing)) !== deviceId) {
    throw new SignatureError();
  }
  return known;
}

/** Throw SignatureError unless `signed.sig` is the known device `signed.by`'s signature for this item. */
export async function verifyItem(signed, { planId, docId, deleted, devices }) {
  const author = await lookupDevice(devices, signed.by);
  let message;
  try {
    message = itemSignatureMessage(signed.body, { by: signed.by, planId, docId, deleted });
  } catch (error) {
    if (error instanceof FormatError) throw new SignatureError();
    throw error;
  }
  if (!(await ed25519Verify(author.signing, signed.sig, message))) throw new SignatureError();
}
