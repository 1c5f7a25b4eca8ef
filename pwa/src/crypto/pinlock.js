// PIN lock (spec §13): device private keys at rest, wrapped under PBKDF2-SHA-256 of a PIN or passphrase.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, bytesToHex, canonicalJson, checkBytes, concatBytes, isBytes, isWellFormed, utf8 } from './encoding.js';
import { DeviceKeys } from './keys.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, draw, hkdfSha256, pbkdf2Sha256, systemRandom } from './primitives.js';

export const PINLOCK_VERSION = 1;
export const MIN_ITERATIONS = 600_000;
export const MAX_ITERATIONS = 10_000_000;
export const DEFAULT_ITERATIONS = MIN_ITERATIONS;
const SALT_BYTES = 16;
const MAX_SECRET_BYTES = 4096;
const MAX_PIN_LENGTH = 1024;
const FIELDS = 'ct,iter,kind,nonce,salt,v';

function pinBytes(pin) {
  if (typeof pin !== 'string' || !isWellFormed(pin)) throw new FormatError('a PIN must be text without unpaired surrogates');
  const length = [...pin].length;
  if (length < 1 || length > MAX_PIN_LENGTH) throw new FormatError(`a PIN is 1 to ${MAX_PIN_LENGTH} characters`);
  return utf8(pin.normalize('NFC'));
}

function checkIterations(value) {
  if (!Number.isInteger(value) || value < MIN_ITERATIONS || value > MAX_ITERATIONS) {
    throw new FormatError(`iterations must be from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
  }
  return value;
}

const associated = (iterations, salt) =>
  canonicalJson({ ctx: 'alongside/v1/pinlock', iter: iterations, salt: b64uEncode(salt), v: PINLOCK_VERSION });

/** Parse {"v": 1, "kind": "pinlock", "iter", "salt", "nonce", "ct"}; FormatError on anything else. */
export function parsePinlock(blob) {
  if (blob === null || typeof blob !== 'object' || Array.isArray(blob) || Object.keys(blob).sort().join() !== FIELDS) {
    throw new FormatError('a PIN lock has exactly v, kind, iter, salt, nonce, ct');
  }
  if (blob.v !== PINLOCK_VERSION || blob.kind !== 'pinlock') throw new FormatError('unknown PIN lock version');
  const iterations = checkIterations(blob.iter);
  const salt = b64uDecode(blob.salt, SALT_BYTES, 'salt');
  const nonce = b64uDecode(blob.nonce, NONCE_BYTES, 'nonce');
  if (typeof blob.ct !== 'string' || blob.ct.length > 2 * (MAX_SECRET_BYTES + TAG_BYTES)) throw new FormatError('ct is too long');
  const ct = b64uDecode(blob.ct, null, 'ct');
  if (ct.length <= TAG_BYTES || ct.length > MAX_SECRET_BYTES + TAG_BYTES) throw new FormatError('ct has an implausible length');
  return { iterations, salt, nonce, ct };
}

/** Wrap `secret` (1-4096 bytes) under `pin`. Draws 16 bytes (salt) then 12 (nonce). */
export async function lockSecret(secret, pin, { iterations = DEFAULT_ITERATIONS, random = systemRandom } = {}) {
  if (!isBytes(secret) || secret.length < 1 || secret.length > MAX_SECRET_BYTES) {
    throw new FormatError(`a locked secret is 1 to ${MAX_SECRET_BYTES} bytes`);
  }
  const password = pinBytes(pin);
  checkIterations(iterations);
  const salt = draw(random, SALT_BYTES);
  const nonce = draw(random, NONCE_BYTES);
  const key = await pbkdf2Sha256(password, salt, iterations, KEY_BYTES);
  const ct = await aeadSeal(key, nonce, secret, associated(iterations, salt));
  return { v: PINLOCK_VERSION, kind: 'pinlock', iter: iterations, salt: b64uEncode(salt), nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/** Unwrap a PIN-locked secret; DecryptionError for a wrong PIN or altered blob, FormatError if malformed. */
export async function unlockSecret(blob, pin) {
  const lock = parsePinlock(blob);
  const password = pinBytes(pin);
  const key = await pbkdf2Sha256(password, lock.salt, lock.iterations, KEY_BYTES);
  return aeadOpen(key, lock.nonce, lock.ct, associated(lock.iterations, lock.salt));
}

/** Wrap a device's private keys (enc_priv || sig_priv) under `pin`. */
export async function lockDeviceKeys(keys, pin, options = {}) {
  if (!(keys instanceof DeviceKeys)) throw new FormatError('keys must be DeviceKeys');
  return lockSecret(keys.privateBytes(), pin, options);
}

/** Unwrap device private keys locked with lockDeviceKeys. */
export async function unlockDeviceKeys(blob, pin) {
  const secret = await unlockSecret(blob, pin);
  if (secret.length !== 2 * KEY_BYTES) throw new DecryptionError();
  return DeviceKeys.fromPrivateBytes(secret);
}

// A device's record at rest (spec §13.2): sealed under a random 32-byte record key, itself locked
// under the PIN or passphrase with lockSecret. A PIN change re-locks only the record key.
const AT_REST_NAMES = new Set(['device', 'outbox', 'looked', 'caseload', 'opened']);
const atRestAssociated = (what) => canonicalJson({ ctx: 'alongside/v1/at-rest', v: 1, what });

function checkAtRestName(what) {
  if (!AT_REST_NAMES.has(what)) throw new FormatError('unknown record at rest');
}

/**
 * Seal `plaintext` (bytes) stored as `what` ('device', 'outbox', 'looked', 'caseload' or 'opened') under a 32-byte key:
 * {nonce, ct} as base64url, or as bytes with `bytes` (for a store that keeps bytes). Draws 12 bytes.
 */
export async function sealAtRest(recordKey, what, plaintext, { random = systemRandom, bytes = false } = {}) {
  checkAtRestName(what);
  if (!isBytes(recordKey) || recordKey.length !== KEY_BYTES) throw new FormatError('a record key is 32 bytes');
  if (!isBytes(plaintext)) throw new FormatError('a record at rest is bytes');
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(recordKey, nonce, plaintext, atRestAssociated(what));
  return bytes ? { nonce, ct } : { nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/**
 * Open a record sealed with sealAtRest (its nonce and ct as base64url, or as bytes where the store keeps bytes);
 * DecryptionError for the wrong key, the wrong `what` or an altered record.
 */
export async function openAtRest(recordKey, what, sealed) {
  checkAtRestName(what);
  if (!isBytes(recordKey) || recordKey.length !== KEY_BYTES) throw new FormatError('a record key is 32 bytes');
  const form = (value) => typeof value === 'string' || isBytes(value);
  if (sealed === null || typeof sealed !== 'object' || !form(sealed.ct) || !form(sealed.nonce)) throw new FormatError('not a sealed record');
  const nonce = isBytes(sealed.nonce) ? checkBytes(sealed.nonce, NONCE_BYTES, 'nonce') : b64uDecode(sealed.nonce, NONCE_BYTES, 'nonce');
  const ct = isBytes(sealed.ct) ? sealed.ct : b64uDecode(sealed.ct, null, 'ct');
  if (ct.length < TAG_BYTES) throw new FormatError('ct has an implausible length');
  return aeadOpen(recordKey, nonce, ct, atRestAssociated(what));
}

/** The opaque name of a plan's local database (spec §13.2): hex(HKDF(databaseKey, "", "alongside/v1/local-db" || 0x00 || plan id, 16)). */
export async function localDatabaseId(databaseKey, planId) {
  if (!isBytes(databaseKey) || databaseKey.length !== KEY_BYTES) throw new FormatError('a database key is 32 bytes');
  const info = concatBytes(utf8('alongside/v1/local-db'), Uint8Array.of(0), utf8(planId));
  return bytesToHex(await hkdfSha256(databaseKey, new Uint8Array(0), info, 16));
}

/** The key that seals a plan's local look mark (spec §13.2): HKDF(databaseKey, "", "alongside/v1/local-mark", 32). */
export async function localMarkKey(databaseKey) {
  if (!isBytes(databaseKey) || databaseKey.length !== KEY_BYTES) throw new FormatError('a database key is 32 bytes');
  return hkdfSha256(databaseKey, new Uint8Array(0), utf8('alongside/v1/local-mark'), KEY_BYTES);
}

/**
 * The key that seals the caseload summary at rest (spec §13.3): HKDF(deviceSecret, "", "alongside/v1/caseload", 32),
 * `deviceSecret` being the device's private keys (64 bytes), kept in the device record (sealed with the lock on).
 */
export async function caseloadKey(deviceSecret) {
  if (!isBytes(deviceSecret) || deviceSecret.length !== 2 * KEY_BYTES) throw new FormatError('a device secret is 64 bytes');
  return hkdfSha256(deviceSecret, new Uint8Array(0), utf8('alongside/v1/caseload'), KEY_BYTES);
}

/**
 * The key that seals the versions of plan `planId` this device opened, kept at rest in the plan's local database
 * (spec §13.4): HKDF(deviceSecret, "", "alongside/v1/opened-versions" || 0x00 || plan id, 32).
 */
export async function openedVersionsKey(deviceSecret, planId) {
  if (!isBytes(deviceSecret) || deviceSecret.length !== 2 * KEY_BYTES) throw new FormatError('a device secret is 64 bytes');
  if (typeof planId !== 'string' || !planId) throw new FormatError('a plan id is a string');
  const info = concatBytes(utf8('alongside/v1/opened-versions'), Uint8Array.of(0), utf8(planId));
  return hkdfSha256(deviceSecret, new Uint8Array(0), info, KEY_BYTES);
}
