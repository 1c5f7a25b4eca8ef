// Encodings (spec §3): base64url and base32 without padding, hex identifiers, canonical JSON.

import { FormatError } from './errors.js';

export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
export const MAX_JSON_DEPTH = 64;

const B64U_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < B64U_ALPHABET.length; i += 1) B64U_VALUES[B64U_ALPHABET.charCodeAt(i)] = i;
const B32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B32_VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < B32_ALPHABET.length; i += 1) B32_VALUES[B32_ALPHABET.charCodeAt(i)] = i;
const HEX = /^[0-9a-f]*$/;
const PLAN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const nativeWellFormed = typeof String.prototype.isWellFormed === 'function'; // Chromium 111, Safari 16.4, Firefox 119
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True for a Uint8Array (the only binary type this layer takes). */
export function isBytes(value) {
  return value instanceof Uint8Array;
}

/** Return `value` if it is a Uint8Array of exactly `length` bytes, else throw FormatError. */
export function checkBytes(value, length, what) {
  if (!isBytes(value) || value.length !== length) throw new FormatError(`${what} must be ${length} bytes`);
  return value;
}

/** A string without unpaired surrogates. */
export function isWellFormed(text) {
  if (typeof text !== 'string') return false;
  return nativeWellFormed ? text.isWellFormed() : !LONE_SURROGATE.test(text);
}

/** UTF-8 bytes of a well-formed string. */
export function utf8(text) {
  if (!isWellFormed(text)) throw new FormatError('strings must not contain unpaired surrogates');
  return utf8Encoder.encode(text);
}

/** Concatenate byte arrays. */
export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time-ish equality of two byte arrays (lengths are public). */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Lower-case hex. */
export function bytesToHex(bytes) {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Parse lower-case hex (even length). */
export function hexToBytes(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !HEX.test(text)) throw new FormatError('not hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Base64url without padding. */
export function b64uEncode(bytes) {
  if (!isBytes(bytes)) throw new FormatError('data must be a Uint8Array');
  const parts = [];
  let chunk = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += B64U_ALPHABET[n >> 18] + B64U_ALPHABET[(n >> 12) & 63] + B64U_ALPHABET[(n >> 6) & 63] + B64U_ALPHABET[n & 63];
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    chunk += B64U_ALPHABET[n >> 18] + B64U_ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    chunk += B64U_ALPHABET[n >> 18] + B64U_ALPHABET[(n >> 12) & 63] + B64U_ALPHABET[(n >> 6) & 63];
  }
  parts.push(chunk);
  return parts.join('');
}

const B64U_TEXT = /^[A-Za-z0-9_-]*$/;
// The engine's own decoder where it has one (Uint8Array.fromBase64: Chromium 140, Firefox 133, Safari 18.2),
// else atob; both only ever see text b64uLength has already checked.
const nativeBase64 = typeof Uint8Array.fromBase64 === 'function';

/**
 * The decoded length of strict base64url without padding (only the 64 letters, no padding, zero trailing
 * bits), checked without decoding; FormatError otherwise. `length` (if given) is the required decoded length.
 */
export function b64uLength(text, length = null, what = 'value') {
  if (typeof text !== 'string' || text.length % 4 === 1 || !B64U_TEXT.test(text)) throw new FormatError(`${what} is not base64url`);
  if (length !== null && text.length !== Math.floor((length * 4 + 2) / 3)) {
    throw new FormatError(`${what} has the wrong length`);
  }
  const rest = text.length % 4;
  // The last letter of a partial group carries 4 (two letters) or 2 (three letters) bits that must be zero.
  if (rest !== 0 && (B64U_VALUES[text.charCodeAt(text.length - 1)] & (rest === 2 ? 15 : 3)) !== 0) {
    throw new FormatError(`${what} is not canonical base64url`);
  }
  return Math.floor((text.length * 3) / 4);
}

/** Strict base64url without padding; `length` (if given) is the required decoded length. */
export function b64uDecode(text, length = null, what = 'value') {
  const size = b64uLength(text, length, what);
  if (nativeBase64) return Uint8Array.fromBase64(text, { alphabet: 'base64url' });
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

/** RFC 4648 base32, upper case, without padding. */
export function base32Encode(bytes) {
  if (!isBytes(bytes)) throw new FormatError('data must be a Uint8Array');
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32_ALPHABET[(value >> bits) & 31];
    }
  }
  if (bits > 0) out += B32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Strict upper-case base32 without padding (trailing bits must be zero). */
export function base32Decode(text, what = 'value') {
  if (typeof text !== 'string' || [1, 3, 6].includes(text.length % 8)) throw new FormatError(`${what} is not base32`);
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? B32_VALUES[code] : -1;
    if (digit < 0) throw new FormatError(`${what} is not base32`);
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index] = (value >> bits) & 0xff;
      index += 1;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) throw new FormatError(`${what} is not canonical base32`);
  return out;
}

/** True when `value` is `nbytes` bytes as lower-case hex. */
export function isHexId(value, nbytes) {
  return typeof value === 'string' && value.length === 2 * nbytes && HEX.test(value);
}

/** Return `value` if it is `nbytes` bytes as lower-case hex, else throw FormatError. */
export function checkHexId(value, nbytes, what) {
  if (!isHexId(value, nbytes)) throw new FormatError(`${what} must be ${2 * nbytes} lower-case hex characters`);
  return value;
}

/** Return `value` if it is a plan id (1-64 of A-Z a-z 0-9 _ -), else throw FormatError. */
export function checkPlanId(value) {
  if (typeof value !== 'string' || !PLAN_ID.test(value)) {
    throw new FormatError('plan id must be 1-64 characters from A-Z a-z 0-9 _ -');
  }
  return value;
}

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeString(text) {
  if (!isWellFormed(text)) throw new FormatError('strings must not contain unpaired surrogates');
  return JSON.stringify(text);
}

function encode(value, depth, out) {
  if (value === null) out.push('null');
  else if (value === true) out.push('true');
  else if (value === false) out.push('false');
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new FormatError('numbers must be integers within +/-(2**53 - 1)');
    out.push(String(value));
  } else if (typeof value === 'string') out.push(encodeString(value));
  else if (Array.isArray(value) || isPlainObject(value)) {
    if (depth >= MAX_JSON_DEPTH) throw new FormatError(`JSON nested deeper than ${MAX_JSON_DEPTH}`);
    if (Array.isArray(value)) {
      out.push('[');
      for (let i = 0; i < value.length; i += 1) {
        if (i) out.push(',');
        encode(value[i], depth + 1, out);
      }
      out.push(']');
    } else {
      const keys = Object.keys(value).sort();
      out.push('{');
      keys.forEach((key, i) => {
        if (i) out.push(',');
        out.push(encodeString(key), ':');
        encode(value[key], depth + 1, out);
      });
      out.push('}');
    }
  } else {
    throw new FormatError(`${typeof value} is not allowed in canonical JSON`);
  }
}

/**
 * True when JSON.stringify(value) is already its canonical JSON: only null, booleans, safe integers,
 * well-formed strings, arrays and plain objects whose keys come in sorted order (as parsing canonical JSON
 * leaves them), at most MAX_JSON_DEPTH deep. Anything else (unsorted keys, or a value canonical JSON cannot
 * hold) goes to the encoder, which sorts or throws.
 */
function stringifiesCanonically(value, depth) {
  if (value === null || value === true || value === false) return true;
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value === 'string') return isWellFormed(value);
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) if (!stringifiesCanonically(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value) || typeof value.toJSON === 'function') return false;
  let previous = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if (previous !== null && !(previous < key)) return false;
    if (!isWellFormed(key) || !stringifiesCanonically(value[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

/** Canonical JSON text (spec §3.4); throws FormatError for values it cannot hold. */
export function canonicalJsonText(value) {
  if (stringifiesCanonically(value, 0)) return JSON.stringify(value);
  const out = [];
  encode(value, 0, out);
  return out.join('');
}

/** Canonical JSON (spec §3.4) as UTF-8 bytes. */
export function canonicalJson(value) {
  return utf8Encoder.encode(canonicalJsonText(value));
}

/** Parse canonical JSON bytes; anything not byte-identical to its canonical form is a FormatError. */
export function parseCanonicalJson(bytes) {
  if (!isBytes(bytes)) throw new FormatError('canonical JSON must be bytes');
  let text;
  let value;
  try {
    text = utf8Decoder.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new FormatError('not canonical JSON');
  }
  // Strict UTF-8 decodes one way only, so the texts are equal exactly when the bytes are.
  if (canonicalJsonText(value) !== text) throw new FormatError('not canonical JSON');
  return value;
}
