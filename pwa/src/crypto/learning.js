// Learning facts (spec §24): a small fixed set of de-identified facts about a plan, shared only with the person's
// yes, sealed to the organisation's learning key (an X25519 key pair drawn on an admin's device and wrapped for
// each admin device; the server never holds its private half). The server keeps sealed sets it cannot open,
// under a random id that names no plan, device or account.

import { DecryptionError, FormatError, SignatureError } from './errors.js';
import {
  b64uDecode,
  b64uEncode,
  bytesEqual,
  bytesToHex,
  canonicalJson,
  checkBytes,
  checkHexId,
  concatBytes,
  isBytes,
  isWellFormed,
  parseCanonicalJson,
  utf8,
} from './encoding.js';
import { DeviceKeys, ephemeralAgreement } from './keys.js';
import { isBucketSize, pad, unpad } from './padding.js';
import {
  KEY_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
  TAG_BYTES,
  aeadOpen,
  aeadSeal,
  draw,
  ed25519Sign,
  ed25519Verify,
  hkdfSha256,
  labelledSha256,
  systemRandom,
  x25519Public,
  x25519Shared,
} from './primitives.js';

export const LEARNING_VERSION = 1;
export const LEARNING_ANSWERS = Object.freeze(['yes', 'no', 'unknown']);
export const LEARNING_MOVEMENTS = Object.freeze(['up', 'up_a_little', 'same', 'down_a_little', 'down']);
export const MAX_LEARNING_ACTIVITIES = 50;
export const MAX_LEARNING_SCALES = 50;
export const MAX_LEARNING_GRANTS = 100;
// The largest padded facts body: 50 activities with 60-character tags of 4-byte characters fit in 16 KiB.
export const MAX_FACTS_PADDED = 16384;
const TAG = /^[^\u0000-\u001f\u007f-\u009f,;]{1,60}$/u;
const KEY_DOCUMENT_MEMBERS = 'by,grants,kid,org,pub,sig,v';
const GRANT_MEMBERS = 'ct,epk,nonce,to';
const SEALED_MEMBERS = 'ct,epk,kid,nonce,v';
const FACTS_MEMBERS = 'activities,scales,v';
const ACTIVITY_MEMBERS = 'again,tag,went';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const membersOf = (value) => Object.keys(value).sort().join();
const bytesOf = (value, length, what) => (isBytes(value) ? checkBytes(value, length, what) : b64uDecode(value, length, what));

/** The learning key's id: hex(SHA-256("alongside/v1/learning-kid" || 0x00 || pub)[0:16]). */
export async function learningKid(pub) {
  checkBytes(pub, KEY_BYTES, 'learning public key');
  return bytesToHex((await labelledSha256('alongside/v1/learning-kid', pub)).subarray(0, 16));
}

/** A new learning key pair {priv, pub, kid}: draws 32 bytes (the X25519 private key). */
export async function newLearningKey(random = systemRandom) {
  const priv = draw(random, KEY_BYTES);
  const pub = await x25519Public(priv);
  return { priv, pub, kid: await learningKid(pub) };
}

async function checkKeyPair(pub, kid) {
  checkHexId(kid, 16, 'kid');
  if ((await learningKid(pub)) !== kid) throw new FormatError('kid is not the id of this learning key');
}

/** canonical_json({"ctx": "alongside/v1/learning-key", "kid", "org", "pub", "v": 1}): what the admin device signs. */
export function learningKeyMessage({ org, kid, pub }) {
  return canonicalJson({ ctx: 'alongside/v1/learning-key', kid, org, pub: b64uEncode(pub), v: LEARNING_VERSION });
}

/** The key document of the learning key `pub` for organisation `org`, signed by `deviceKeys` (`by`), with no grants yet. */
export async function signLearningKey({ org, pub, kid, deviceKeys }) {
  checkHexId(org, 16, 'org');
  checkBytes(pub, KEY_BYTES, 'learning public key');
  await checkKeyPair(pub, kid);
  if (!(deviceKeys instanceof DeviceKeys)) throw new FormatError('deviceKeys must be DeviceKeys');
  const sig = await ed25519Sign(deviceKeys.signingKey, learningKeyMessage({ org, kid, pub }));
  return { v: LEARNING_VERSION, org, kid, pub: b64uEncode(pub), by: deviceKeys.deviceId, sig: b64uEncode(sig), grants: [] };
}

/** A grant's members decoded; FormatError if it is not {to, epk, nonce, ct} with a 32-byte key inside. */
function parseGrant(grant) {
  if (!isObject(grant) || membersOf(grant) !== GRANT_MEMBERS) throw new FormatError('a grant has exactly to, epk, nonce and ct');
  return {
    to: checkHexId(grant.to, 16, 'grant to'),
    epk: b64uDecode(grant.epk, KEY_BYTES, 'epk'),
    nonce: b64uDecode(grant.nonce, NONCE_BYTES, 'nonce'),
    ct: b64uDecode(grant.ct, KEY_BYTES + TAG_BYTES, 'ct'),
  };
}

/**
 * A key document's members decoded (`admins`, which the server adds to its answer, is ignored); FormatError
 * unless it has exactly v, org, kid, pub, by, sig and grants (at most 100, one per device) of the right shapes.
 */
export function checkLearningKey(doc) {
  if (!isObject(doc)) throw new FormatError('a learning key document is an object');
  const { admins: _ignored, ...own } = doc;
  if (membersOf(own) !== KEY_DOCUMENT_MEMBERS) throw new FormatError('a learning key document has exactly v, org, kid, pub, by, sig and grants');
  if (own.v !== LEARNING_VERSION) throw new FormatError('unknown learning key version');
  if (!Array.isArray(own.grants) || own.grants.length > MAX_LEARNING_GRANTS) throw new FormatError(`grants is a list of at most ${MAX_LEARNING_GRANTS}`);
  const grants = own.grants.map(parseGrant);
  if (new Set(grants.map((grant) => grant.to)).size !== grants.length) throw new FormatError('one grant per device');
  return {
    org: checkHexId(own.org, 16, 'org'),
    kid: checkHexId(own.kid, 16, 'kid'),
    pub: b64uDecode(own.pub, KEY_BYTES, 'pub'),
    by: checkHexId(own.by, 16, 'by'),
    sig: b64uDecode(own.sig, SIGNATURE_BYTES, 'sig'),
    grants,
  };
}

/**
 * Check a key document: its shape, that `kid` is the id of `pub`, and `sig` under `sigPub` (the Ed25519 public key
 * of the device `by`, base64url or bytes). Returns {org, kid, pub, by}; SignatureError when `sig` does not verify.
 */
export async function verifyLearningKey(doc, sigPub) {
  const parsed = checkLearningKey(doc);
  await checkKeyPair(parsed.pub, parsed.kid);
  const signer = bytesOf(sigPub, KEY_BYTES, 'signing key');
  if (!(await ed25519Verify(signer, parsed.sig, learningKeyMessage(parsed)))) throw new SignatureError();
  return { org: parsed.org, kid: parsed.kid, pub: parsed.pub, by: parsed.by };
}

function grantAssociated(epk, kid, to) {
  return canonicalJson({ ctx: 'alongside/v1/learning-grant', epk: b64uEncode(epk), kid, to, v: LEARNING_VERSION });
}

const grantKey = (shared, epk, recipient) => hkdfSha256(shared, concatBytes(epk, recipient), utf8('alongside/v1/learning-wrap'), KEY_BYTES);

/**
 * The grant of the learning private key `priv` (id `kid`) to device `to`, whose X25519 public key is `encPub`
 * (base64url or bytes): {to, epk, nonce, ct}. Draws 32 bytes (the ephemeral key), then 12 (the nonce).
 */
export async function wrapLearningKeyFor({ priv, kid, to, encPub }, { random = systemRandom } = {}) {
  checkBytes(priv, KEY_BYTES, 'learning private key');
  await checkKeyPair(await x25519Public(priv), kid);
  checkHexId(to, 16, 'to');
  const recipient = bytesOf(encPub, KEY_BYTES, 'encryption key');
  const { epk, shared } = await ephemeralAgreement(random, recipient, 'recipient X25519 public key');
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(await grantKey(shared, epk, recipient), nonce, priv, grantAssociated(epk, kid, to));
  return { to, epk: b64uEncode(epk), nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/**
 * The learning private key a grant of key document `doc` gives `deviceKeys` (`grant` null: the document's grant to
 * that device). DecryptionError when there is none, it is another device's, altered, or does not give `doc`'s key.
 */
export async function openLearningGrant(doc, grant, deviceKeys) {
  if (!(deviceKeys instanceof DeviceKeys)) throw new FormatError('deviceKeys must be DeviceKeys');
  const parsed = checkLearningKey(doc);
  let wrapped;
  try {
    wrapped = grant === null || grant === undefined ? parsed.grants.find((g) => g.to === deviceKeys.deviceId) : parseGrant(grant);
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
  if (!wrapped || wrapped.to !== deviceKeys.deviceId) throw new DecryptionError();
  const shared = await x25519Shared(deviceKeys.encryptionKey, wrapped.epk);
  const key = await grantKey(shared, wrapped.epk, deviceKeys.public.encryption);
  const priv = await aeadOpen(key, wrapped.nonce, wrapped.ct, grantAssociated(wrapped.epk, parsed.kid, wrapped.to));
  if (!bytesEqual(await x25519Public(priv), parsed.pub) || (await learningKid(parsed.pub)) !== parsed.kid) throw new DecryptionError();
  return priv;
}

function checkTag(tag) {
  if (typeof tag !== 'string' || !TAG.test(tag) || !isWellFormed(tag)) {
    throw new FormatError('a tag is 1 to 60 characters, no control characters, commas or semicolons');
  }
  return tag;
}

/**
 * `facts` if it is exactly a facts body of version 1 (spec §24.3): {v: 1, activities: [{tag, went, again}, …]
 * sorted by tag, tags unique, at most 50; scales: [movement, …] sorted, at most 50}; FormatError otherwise.
 */
export function checkFacts(facts) {
  if (!isObject(facts) || membersOf(facts) !== FACTS_MEMBERS) throw new FormatError('facts have exactly v, activities and scales');
  if (facts.v !== LEARNING_VERSION) throw new FormatError('unknown facts version');
  const { activities, scales } = facts;
  if (!Array.isArray(activities) || activities.length > MAX_LEARNING_ACTIVITIES) {
    throw new FormatError(`activities is a list of at most ${MAX_LEARNING_ACTIVITIES}`);
  }
  let previous = null;
  for (const activity of activities) {
    if (!isObject(activity) || membersOf(activity) !== ACTIVITY_MEMBERS) throw new FormatError('an activity has exactly tag, went and again');
    checkTag(activity.tag);
    if (!LEARNING_ANSWERS.includes(activity.went) || !LEARNING_ANSWERS.includes(activity.again)) {
      throw new FormatError('went and again are yes, no or unknown');
    }
    if (previous !== null && !(previous < activity.tag)) throw new FormatError('activities are sorted by tag, each tag once');
    previous = activity.tag;
  }
  if (!Array.isArray(scales) || scales.length > MAX_LEARNING_SCALES) throw new FormatError(`scales is a list of at most ${MAX_LEARNING_SCALES}`);
  for (const [index, movement] of scales.entries()) {
    if (!LEARNING_MOVEMENTS.includes(movement)) throw new FormatError('a scale movement is up, up_a_little, same, down_a_little or down');
    if (index > 0 && scales[index - 1] > movement) throw new FormatError('scales are sorted');
  }
  return facts;
}

/** A sealed set's members decoded; FormatError unless it is exactly {v: 1, kid, epk, nonce, ct} with a padded length. */
export function checkSealedFacts(sealed) {
  if (!isObject(sealed) || membersOf(sealed) !== SEALED_MEMBERS) throw new FormatError('a sealed fact set has exactly v, kid, epk, nonce and ct');
  if (sealed.v !== LEARNING_VERSION) throw new FormatError('unknown fact set version');
  const kid = checkHexId(sealed.kid, 16, 'kid');
  const epk = b64uDecode(sealed.epk, KEY_BYTES, 'epk');
  const nonce = b64uDecode(sealed.nonce, NONCE_BYTES, 'nonce');
  if (typeof sealed.ct !== 'string' || sealed.ct.length > Math.ceil(((MAX_FACTS_PADDED + TAG_BYTES) * 4) / 3)) throw new FormatError('ct is too long');
  const ct = b64uDecode(sealed.ct, null, 'ct');
  if (!isBucketSize(ct.length - TAG_BYTES) || ct.length - TAG_BYTES > MAX_FACTS_PADDED) throw new FormatError('ct is not a padded fact set');
  return { kid, epk, nonce, ct };
}

const factsAssociated = (kid) => canonicalJson({ ctx: 'alongside/v1/learning-facts', kid, v: LEARNING_VERSION });
const sealKey = (shared, epk, pub) => hkdfSha256(shared, concatBytes(epk, pub), utf8('alongside/v1/learning-seal'), KEY_BYTES);

/** Seal `facts` to the learning key `pub` (bytes or base64url) whose id is `kid`: {v, kid, epk, nonce, ct}. Draws 32 bytes, then 12. */
export async function sealFacts(facts, { pub, kid }, { random = systemRandom } = {}) {
  checkFacts(facts);
  const key = bytesOf(pub, KEY_BYTES, 'learning public key');
  await checkKeyPair(key, kid);
  const plaintext = pad(canonicalJson(facts));
  if (plaintext.length > MAX_FACTS_PADDED) throw new FormatError('facts are too long');
  const { epk, shared } = await ephemeralAgreement(random, key, 'learning public key');
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(await sealKey(shared, epk, key), nonce, plaintext, factsAssociated(kid));
  return { v: LEARNING_VERSION, kid, epk: b64uEncode(epk), nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/**
 * Open a sealed set with the learning private key `priv` (id `kid`). FormatError when the sealed set is malformed or
 * what it holds is not a facts body; DecryptionError for another key (another kid) or an altered set.
 */
export async function openFacts(sealed, { priv, kid }) {
  checkBytes(priv, KEY_BYTES, 'learning private key');
  const pub = await x25519Public(priv);
  await checkKeyPair(pub, kid);
  const parsed = checkSealedFacts(sealed);
  if (parsed.kid !== kid) throw new DecryptionError();
  const shared = await x25519Shared(priv, parsed.epk);
  const plaintext = await aeadOpen(await sealKey(shared, parsed.epk, pub), parsed.nonce, parsed.ct, factsAssociated(kid));
  return checkFacts(parseCanonicalJson(unpad(plaintext)));
}
