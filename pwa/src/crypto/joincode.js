// Join codes (spec §21): a short code a person can type, that fetches and opens an invite kept on the server.
// 16 characters of Crockford's base32 (80 random bits), shown as four groups of four; PBKDF2-SHA-256 stretches
// it into the lookup id the server files the box under and the key of that box (AES-256-GCM).

import { DecryptionError, FormatError } from './errors.js';
import { bytesToHex, checkBytes, concatBytes, isBytes, utf8 } from './encoding.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, draw, hkdfSha256, pbkdf2Sha256, systemRandom } from './primitives.js';

export const JOIN_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LOOK_ALIKES = { O: '0', I: '1', L: '1' };
export const JOIN_CODE_LENGTH = 16;
const CODE_BYTES = 10;
const GROUP_LENGTH = 4;
export const JOIN_CODE_ITERATIONS = 300_000;
const SALT = utf8('alongside/v2/join-code');
const LOOKUP_INFO = utf8('alongside/v2/join-code-lookup');
const BOX_KEY_INFO = utf8('alongside/v2/join-code-box');
const BOX_CONTEXT = utf8('alongside/v2/join-code');
const LOOKUP_BYTES = 16;
export const MAX_JOIN_PAYLOAD_BYTES = 1024;
const MAX_BOX_BYTES = NONCE_BYTES + MAX_JOIN_PAYLOAD_BYTES + TAG_BYTES;
const NOT_A_CODE = 'a join code is 16 letters and digits';

/** A new join code: 10 random bytes as 16 base32 characters (canonical form, no spaces). */
export function newJoinCode(random = systemRandom) {
  const bytes = draw(random, CODE_BYTES);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let code = '';
  for (let i = JOIN_CODE_LENGTH - 1; i >= 0; i -= 1) code += JOIN_CODE_ALPHABET[Number((value >> BigInt(5 * i)) & 31n)];
  return code;
}

/**
 * The canonical form of a typed join code; FormatError when it is not one. Spaces, tabs, line breaks and
 * `-` are dropped, ASCII letters upper-cased, O read as 0 and I, L as 1; 16 characters of the alphabet remain.
 */
export function parseJoinCode(text) {
  if (typeof text !== 'string' || text.length > 64) throw new FormatError(NOT_A_CODE);
  const compact = text.replace(/[ \t\r\n-]/g, '');
  if (!/^[\x00-\x7f]*$/.test(compact)) throw new FormatError(NOT_A_CODE);
  const canonical = [...compact.toUpperCase()].map((ch) => LOOK_ALIKES[ch] || ch).join('');
  if (canonical.length !== JOIN_CODE_LENGTH || [...canonical].some((ch) => !JOIN_CODE_ALPHABET.includes(ch))) {
    throw new FormatError(NOT_A_CODE);
  }
  return canonical;
}

/** True when `text` reads as a join code (rather than an invite's `AS1:` text or a join link). */
export function isJoinCode(text) {
  try {
    parseJoinCode(text);
    return true;
  } catch {
    return false;
  }
}

/** A join code as people see it: four groups of four characters separated by spaces. */
export function formatJoinCode(code) {
  const canonical = parseJoinCode(code);
  return canonical.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g')).join(' ');
}

/** Stretch a join code (typed or canonical) into {lookup (32 hex characters), boxKey (32 bytes)}. */
export async function joinCodeKeys(code) {
  const stretched = await pbkdf2Sha256(utf8(parseJoinCode(code)), SALT, JOIN_CODE_ITERATIONS, KEY_BYTES);
  const lookup = bytesToHex(await hkdfSha256(stretched, new Uint8Array(0), LOOKUP_INFO, LOOKUP_BYTES));
  return { lookup, boxKey: await hkdfSha256(stretched, new Uint8Array(0), BOX_KEY_INFO, KEY_BYTES) };
}

const associated = (lookup) => concatBytes(BOX_CONTEXT, Uint8Array.of(0), utf8(lookup));

/** The box for `payload` (an invite's binary form, 1 to 1024 bytes): nonce || AES-256-GCM. Draws 12 bytes. */
export async function sealJoinBox(keys, payload, { random = systemRandom } = {}) {
  if (!isBytes(payload) || payload.length < 1 || payload.length > MAX_JOIN_PAYLOAD_BYTES) {
    throw new FormatError(`a join box holds 1 to ${MAX_JOIN_PAYLOAD_BYTES} bytes`);
  }
  checkBytes(keys.boxKey, KEY_BYTES, 'box key');
  const nonce = draw(random, NONCE_BYTES);
  return concatBytes(nonce, await aeadSeal(keys.boxKey, nonce, payload, associated(keys.lookup)));
}

/** The payload in `box`; any failure (another code, another lookup, an altered box) is a DecryptionError. */
export async function openJoinBox(keys, box) {
  if (!isBytes(box) || box.length <= NONCE_BYTES + TAG_BYTES || box.length > MAX_BOX_BYTES) throw new DecryptionError();
  return aeadOpen(keys.boxKey, box.subarray(0, NONCE_BYTES), box.subarray(NONCE_BYTES), associated(keys.lookup));
}
