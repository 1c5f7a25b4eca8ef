// A worker's private reflective notes (spec §23): each note sealed with AES-256-GCM under a notes key derived
// from the device's own private keys, so only that device opens it; never part of a plan, never sent anywhere.

import { FormatError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, isBytes, utf8 } from './encoding.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, draw, hkdfSha256, systemRandom } from './primitives.js';

export const NOTE_VERSION = 1;
const NOTE_FIELDS = 'ct,id,kind,nonce,v';
const MAX_NOTE_BYTES = 65536;
const ID = /^[0-9a-f]{32}$/;

const noteAssociated = (id) => canonicalJson({ ctx: 'alongside/v1/reflective-note', id, v: NOTE_VERSION });

function checkKey(key) {
  if (!isBytes(key) || key.length !== KEY_BYTES) throw new FormatError('a notes key is 32 bytes');
}

function checkId(id) {
  if (typeof id !== 'string' || !ID.test(id)) throw new FormatError('a note id is 32 lower-case hex digits');
}

/**
 * The key that seals a worker's reflective notes (spec §23): HKDF(deviceSecret, "", "alongside/v1/reflective-notes", 32),
 * `deviceSecret` being the device's private keys (64 bytes), held only in the device record (sealed with the lock on).
 */
export async function notesKey(deviceSecret) {
  if (!isBytes(deviceSecret) || deviceSecret.length !== 2 * KEY_BYTES) throw new FormatError('a device secret is 64 bytes');
  return hkdfSha256(deviceSecret, new Uint8Array(0), utf8('alongside/v1/reflective-notes'), KEY_BYTES);
}

/** Seal a note's `plaintext` (bytes) as note `id` under `key`: {v: 1, kind: "reflective-note", id, nonce, ct}. Draws 12 bytes. */
export async function sealNote(key, id, plaintext, { random = systemRandom } = {}) {
  checkKey(key);
  checkId(id);
  if (!isBytes(plaintext) || plaintext.length < 1 || plaintext.length > MAX_NOTE_BYTES) {
    throw new FormatError(`a note is 1 to ${MAX_NOTE_BYTES} bytes`);
  }
  const nonce = draw(random, NONCE_BYTES);
  const ct = await aeadSeal(key, nonce, plaintext, noteAssociated(id));
  return { v: NOTE_VERSION, kind: 'reflective-note', id, nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/** Open a sealed note; DecryptionError for another key, another id or an altered note, FormatError if malformed. */
export async function openNote(key, sealed) {
  checkKey(key);
  if (sealed === null || typeof sealed !== 'object' || Array.isArray(sealed) || Object.keys(sealed).sort().join() !== NOTE_FIELDS) {
    throw new FormatError('a sealed note has exactly v, kind, id, nonce, ct');
  }
  if (sealed.v !== NOTE_VERSION || sealed.kind !== 'reflective-note') throw new FormatError('unknown note version');
  checkId(sealed.id);
  const nonce = b64uDecode(sealed.nonce, NONCE_BYTES, 'nonce');
  if (typeof sealed.ct !== 'string' || sealed.ct.length > 2 * (MAX_NOTE_BYTES + TAG_BYTES)) throw new FormatError('ct is too long');
  const ct = b64uDecode(sealed.ct, null, 'ct');
  if (ct.length <= TAG_BYTES || ct.length > MAX_NOTE_BYTES + TAG_BYTES) throw new FormatError('ct has an implausible length');
  return aeadOpen(key, nonce, ct, noteAssociated(sealed.id));
}
