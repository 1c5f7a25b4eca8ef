// Thin wrappers over WebCrypto for the primitives the spec allows (§2), with this layer's errors.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, bytesEqual, checkBytes, concatBytes, utf8 } from './encoding.js';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SIGNATURE_BYTES = 64;

const subtle = () => globalThis.crypto.subtle;
// PKCS#8 prefixes for a raw 32-byte X25519 / Ed25519 private key (RFC 8410); an encoding, not crypto.
const X25519_PKCS8 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);
const ED25519_PKCS8 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

/** The default random source: `n` bytes from crypto.getRandomValues. */
export function systemRandom(n) {
  const out = new Uint8Array(n);
  for (let offset = 0; offset < n; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(n, offset + 65536)));
  }
  return out;
}

/** Draw `length` bytes from `random` and check what came back. */
export function draw(random, length) {
  const data = random(length);
  if (!(data instanceof Uint8Array) || data.length !== length) {
    throw new FormatError(`random source must return ${length} bytes`);
  }
  return data;
}

/** SHA-256 digest. */
export async function sha256(data) {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/** SHA-256 over utf8(label) || 0x00 || data. */
export async function labelledSha256(label, data) {
  return sha256(concatBytes(utf8(label), Uint8Array.of(0), data));
}

/** HKDF-SHA-256 (RFC 5869), extract then expand. */
export async function hkdfSha256(ikm, salt, info, length) {
  const key = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8);
  return new Uint8Array(bits);
}

/** PBKDF2-HMAC-SHA-256. */
export async function pbkdf2Sha256(password, salt, iterations, length = KEY_BYTES) {
  const key = await subtle().importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, length * 8);
  return new Uint8Array(bits);
}

/** Import a raw 32-byte AES-256-GCM key. */
export async function aesKey(raw) {
  checkBytes(raw, KEY_BYTES, 'AES key');
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** AES-256-GCM encryption (`key` raw bytes or a CryptoKey); the 16-byte tag is appended. */
export async function aeadSeal(key, nonce, plaintext, associatedData) {
  const cryptoKey = key instanceof Uint8Array ? await aesKey(key) : key;
  checkBytes(nonce, NONCE_BYTES, 'nonce');
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData, tagLength: 128 }, cryptoKey, plaintext);
  return new Uint8Array(ct);
}

/** AES-256-GCM decryption; any failure is a DecryptionError. */
export async function aeadOpen(key, nonce, ciphertext, associatedData) {
  if (nonce.length !== NONCE_BYTES || ciphertext.length < TAG_BYTES) throw new DecryptionError();
  try {
    const cryptoKey = key instanceof Uint8Array ? await aesKey(key) : key;
    const pt = await subtle().decrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData, tagLength: 128 }, cryptoKey, ciphertext);
    return new Uint8Array(pt);
  } catch {
    throw new DecryptionError();
  }
}

/** Import a raw X25519 private key as a CryptoKey. */
export async function x25519PrivateKey(raw) {
  checkBytes(raw, KEY_BYTES, 'X25519 private key');
  return subtle().importKey('pkcs8', concatBytes(X25519_PKCS8, raw), { name: 'X25519' }, true, ['deriveBits']);
}

/** Import a raw Ed25519 private seed as a CryptoKey. */
export async function ed25519PrivateKey(raw) {
  checkBytes(raw, KEY_BYTES, 'Ed25519 private key');
  return subtle().importKey('pkcs8', concatBytes(ED25519_PKCS8, raw), { name: 'Ed25519' }, true, ['sign']);
}

async function publicFromPrivate(cryptoKey) {
  const jwk = await subtle().exportKey('jwk', cryptoKey);
  return b64uDecode(jwk.x, KEY_BYTES, 'public key');
}

/** The X25519 public key for a 32-byte private key (raw bytes or CryptoKey). */
export async function x25519Public(privateKey) {
  return publicFromPrivate(privateKey instanceof Uint8Array ? await x25519PrivateKey(privateKey) : privateKey);
}

/** The Ed25519 public key for a 32-byte private seed (raw bytes or CryptoKey). */
export async function ed25519Public(privateKey) {
  return publicFromPrivate(privateKey instanceof Uint8Array ? await ed25519PrivateKey(privateKey) : privateKey);
}

/** X25519 shared secret; failure or an all-zero result (small-order public key) is a DecryptionError. */
export async function x25519Shared(privateKey, publicKey) {
  checkBytes(publicKey, KEY_BYTES, 'X25519 public key');
  const priv = privateKey instanceof Uint8Array ? await x25519PrivateKey(privateKey) : privateKey;
  let shared;
  try {
    const pub = await subtle().importKey('raw', publicKey, { name: 'X25519' }, true, []);
    shared = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, priv, 256));
  } catch {
    throw new DecryptionError();
  }
  if (bytesEqual(shared, new Uint8Array(KEY_BYTES))) throw new DecryptionError();
  return shared;
}

/** Ed25519 signature (deterministic); `privateKey` is the raw seed or a CryptoKey. */
export async function ed25519Sign(privateKey, message) {
  const key = privateKey instanceof Uint8Array ? await ed25519PrivateKey(privateKey) : privateKey;
  return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, message));
}

/** True when `signature` is valid for `message` under the raw public key `publicKey`. */
export async function ed25519Verify(publicKey, signature, message) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_BYTES) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = await subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return await subtle().verify({ name: 'Ed25519' }, key, signature, message);
  } catch {
    return false;
  }
}
