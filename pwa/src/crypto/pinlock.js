// PIN lock (spec §13): device private keys at rest, wrapped under PBKDF2-SHA-256 of a PIN or passphrase.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, isBytes, isWellFormed, utf8 } from './encoding.js';
import { DeviceKeys } from './keys.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, draw, pbkdf2Sha256, systemRandom } from './primitives.js';

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
