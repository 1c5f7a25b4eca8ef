// Signed provenance and versions (spec §8.1, §8.2): the authoring device signs each version of an item,
// with its place in the item's history (`n` and the hashes `prev` of the versions it replaces). The
// signature lives inside the ciphertext.

import { FormatError, SignatureError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkHexId, checkPlanId, parseCanonicalJson } from './encoding.js';
import { DeviceKeys, DevicePublicKeys, deviceIdFor } from './keys.js';
import { SIGNATURE_BYTES, ed25519Sign, ed25519Verify, sha256 } from './primitives.js';

/** The signed-item format written now, and the one that stays readable (spec §7.2, §20). */
export const ITEM_VERSION = 2;
export const LEGACY_ITEM_VERSION = 1;
export const MAX_PREV = 16;
export const VERSION_HASH_BYTES = 32;
const VERSION_HASH_CHARS = 43;
const MEMBERS = { 1: 'body,by,sig', 2: 'body,by,n,prev,sig' };
const CONTEXT = { 1: 'alongside/v1/item', 2: 'alongside/v2/item' };

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Return `value` if it is a version hash (43 characters of canonical base64url of 32 bytes). */
export function checkVersionHash(value, what = 'version hash') {
  if (typeof value !== 'string' || value.length !== VERSION_HASH_CHARS) throw new FormatError(`${what} must be 43 base64url characters`);
  b64uDecode(value, VERSION_HASH_BYTES, what);
  return value;
}

/** Return `n` if it is a version number of a version-2 item: an integer 1 ... 2**53 - 1. */
export function checkVersionNumber(n) {
  if (!Number.isSafeInteger(n) || n < 1) throw new FormatError('n must be an integer from 1 to 2**53 - 1');
  return n;
}

/** Return `prev` if it is at most 16 version hashes in strictly increasing order (spec §7.4 step 4). */
export function checkPrev(prev) {
  if (!Array.isArray(prev) || prev.length > MAX_PREV) throw new FormatError(`prev must be a list of at most ${MAX_PREV} version hashes`);
  prev.forEach((hash, i) => {
    checkVersionHash(hash, 'prev entry');
    if (i > 0 && !(prev[i - 1] < hash)) throw new FormatError('prev must be sorted, without repeats');
  });
  return prev;
}

function checkVersion(version) {
  if (version !== ITEM_VERSION && version !== LEGACY_ITEM_VERSION) throw new FormatError('a signed item has version 1 or 2');
  return version;
}

/**
 * One version of an item: its body, its author's device id and Ed25519 signature, and (version 2)
 * its version number `n` and the hashes `prev` of the versions it replaces. The plaintext of an envelope.
 * A version-1 item has n 0 and prev [] (spec §20).
 */
export class SignedItem {
  constructor(body, by, sig, { version = ITEM_VERSION, n = 1, prev = [] } = {}) {
    checkVersion(version);
    this.body = body;
    this.by = by;
    this.sig = sig;
    this.version = version;
    this.n = version === ITEM_VERSION ? checkVersionNumber(n) : 0;
    this.prev = Object.freeze(version === ITEM_VERSION ? [...checkPrev(prev)] : []);
    Object.freeze(this);
  }

  /** The exact members of spec §7.2 for this item's version, as they are encrypted. */
  toJSON() {
    if (this.version === LEGACY_ITEM_VERSION) return { body: this.body, by: this.by, sig: b64uEncode(this.sig) };
    return { body: this.body, by: this.by, n: this.n, prev: [...this.prev], sig: b64uEncode(this.sig) };
  }

  /**
   * Parse a signed item strictly (spec §7.4 step 4). `version` (1 or 2) demands that format; without it the
   * format is told by the members. FormatError on anything else.
   */
  static fromJSON(value, version = null) {
    if (!isObject(value)) throw new FormatError('a signed item is an object');
    const members = Object.keys(value).sort().join();
    const format = version === null ? (members === MEMBERS[1] ? 1 : 2) : checkVersion(version);
    if (members !== MEMBERS[format]) {
      const expected = format === ITEM_VERSION ? 'body, by, n, prev and sig' : 'body, by and sig';
      throw new FormatError(`a version-${format} signed item has exactly ${expected}`);
    }
    if (!isObject(value.body)) throw new FormatError('an item body must be an object');
    const by = checkHexId(value.by, 16, 'author device id');
    const sig = b64uDecode(value.sig, SIGNATURE_BYTES, 'signature');
    if (format === LEGACY_ITEM_VERSION) return new SignedItem(value.body, by, sig, { version: format });
    return new SignedItem(value.body, by, sig, { version: format, n: value.n, prev: value.prev });
  }
}

/**
 * The canonical JSON an author signs (spec §8.1). Version 2 (the default):
 * {"body", "by", "ctx": "alongside/v2/item", "del", "id", "n", "plan", "prev"}; version 1:
 * {"body", "by", "ctx": "alongside/v1/item", "del", "id", "plan"} (n and prev are not used).
 */
export function itemSignatureMessage(body, { by, planId, docId, deleted, n = 1, prev = [], version = ITEM_VERSION }) {
  checkVersion(version);
  checkHexId(by, 16, 'device id');
  checkPlanId(planId);
  checkHexId(docId, 16, 'document id');
  if (typeof deleted !== 'boolean') throw new FormatError('deleted must be a boolean');
  if (!isObject(body)) throw new FormatError('an item body must be an object');
  if (version === LEGACY_ITEM_VERSION) {
    return canonicalJson({ body, by, ctx: CONTEXT[1], del: deleted, id: docId, plan: planId });
  }
  checkVersionNumber(n);
  checkPrev(prev);
  return canonicalJson({ body, by, ctx: CONTEXT[2], del: deleted, id: docId, n, plan: planId, prev });
}

const messageOf = (signed, { planId, docId, deleted }) =>
  itemSignatureMessage(signed.body, { by: signed.by, planId, docId, deleted, n: signed.n, prev: signed.prev, version: signed.version });

/**
 * Sign `body` as written by `author` for document `docId` of plan `planId`: a version-2 signed item with
 * version number `n` (1 for a first version) and `prev`, the sorted hashes of the versions it replaces.
 */
export async function signItem(body, { planId, docId, author, deleted = false, n = 1, prev = [] }) {
  if (!(author instanceof DeviceKeys)) throw new FormatError('author must be DeviceKeys');
  if (!isObject(body)) throw new FormatError('an item body must be an object');
  const copy = parseCanonicalJson(canonicalJson(body));
  const message = itemSignatureMessage(copy, { by: author.deviceId, planId, docId, deleted, n, prev: [...checkPrev(prev)] });
  return new SignedItem(copy, author.deviceId, await ed25519Sign(author.signingKey, message), { n, prev });
}

/**
 * A version-1 signed item. Legacy: only for tests and vectors of reading version 1 (spec §20); nothing
 * the application writes may use it.
 */
export async function signItemVersionOne(body, { planId, docId, author, deleted = false }) {
  if (!(author instanceof DeviceKeys)) throw new FormatError('author must be DeviceKeys');
  if (!isObject(body)) throw new FormatError('an item body must be an object');
  const copy = parseCanonicalJson(canonicalJson(body));
  const message = itemSignatureMessage(copy, { by: author.deviceId, planId, docId, deleted, version: LEGACY_ITEM_VERSION });
  return new SignedItem(copy, author.deviceId, await ed25519Sign(author.signingKey, message), { version: LEGACY_ITEM_VERSION });
}

/**
 * The version hash of a signed item (spec §8.2): b64u(SHA-256(M)), M its signed message. It does not
 * depend on the key id, nonce or revision, so a re-sealed version keeps it.
 */
export async function versionHash(signed, { planId, docId, deleted }) {
  if (!(signed instanceof SignedItem)) throw new FormatError('signed must be a SignedItem');
  return b64uEncode(await sha256(messageOf(signed, { planId, docId, deleted })));
}

/**
 * The `{n, prev}` of a version that replaces `versions` (an array of `{n, vh}` such as opened items, or of
 * `[n, vh]` pairs; a version-1 item has n 0):
 * n is one more than the highest n; prev the sorted distinct hashes, at most 16, keeping those with the
 * highest n (ties: the higher hash). No versions: {n: 1, prev: []} (spec §8.2).
 */
export function nextVersion(versions) {
  if (!Array.isArray(versions)) throw new FormatError('versions must be a list of {n, vh}');
  const byHash = new Map();
  for (const version of versions) {
    const pair = Array.isArray(version) && version.length === 2;
    if (!pair && !isObject(version)) throw new FormatError('each version is {n, vh} (or [n, vh])');
    const [n, vh] = pair ? version : [version.n, version.vh];
    if (!Number.isSafeInteger(n) || n < 0) throw new FormatError('a version number n is an integer from 0 to 2**53 - 1');
    checkVersionHash(vh);
    if (byHash.has(vh) && byHash.get(vh) !== n) throw new FormatError('one version hash with two version numbers');
    byHash.set(vh, n);
  }
  if (byHash.size === 0) return { n: 1, prev: [] };
  const n = 1 + Math.max(...byHash.values());
  if (!Number.isSafeInteger(n)) throw new FormatError('n would pass 2**53 - 1');
  const kept = [...byHash]
    .sort(([hashA, nA], [hashB, nB]) => nB - nA || (hashA < hashB ? 1 : hashA > hashB ? -1 : 0))
    .slice(0, MAX_PREV)
    .map(([hash]) => hash);
  return { n, prev: kept.sort() };
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

/**
 * Throw SignatureError unless `signed.sig` is the known device `signed.by`'s signature over this version
 * (its body, n and prev, for this plan, document and deleted flag; spec §8.1).
 */
export async function verifyItem(signed, { planId, docId, deleted, devices }) {
  if (!(signed instanceof SignedItem)) throw new SignatureError();
  const author = await lookupDevice(devices, signed.by);
  let message;
  try {
    message = messageOf(signed, { planId, docId, deleted });
  } catch (error) {
    if (error instanceof FormatError) throw new SignatureError();
    throw error;
  }
  if (!(await ed25519Verify(author.signing, signed.sig, message))) throw new SignatureError();
}
