// The shape check of wire documents (spec §14). Pure: no keys.

import { FormatError, WireFormatError } from './errors.js';
import { b64uLength, isHexId } from './encoding.js';
import { MAX_PADDED, isBucketSize } from './padding.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './primitives.js';

/** Envelope versions (spec §7.1, §9.1): items are written as 2 and read as 1 or 2; keyring documents are 1. */
export const ITEM_VERSIONS = Object.freeze([1, 2]);
export const KEYRING_VERSION = 1;
export const DEFAULT_MAX_PADDED_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REVISIONS = 1000;
export const MAX_GRANT_PLAINTEXT = 1024;

const COUCH_FIELDS = ['_id', '_rev', '_deleted', '_revisions'];
export const ITEM_FIELDS = ['v', 'kind', 'kid', 'nonce', 'ct'];
export const KEYRING_FIELDS = ['v', 'kind', 'kid', 'to', 'epk', 'nonce', 'ct'];
const ENVELOPE_FIELDS = new Set([...ITEM_FIELDS, ...KEYRING_FIELDS]);
const ALLOWED_FIELDS = new Set([...COUCH_FIELDS, ...ENVELOPE_FIELDS]);
const REV = /^([1-9][0-9]{0,8})-([0-9a-zA-Z_-]{1,128})$/;
const REV_HASH = /^[0-9a-zA-Z_-]{1,128}$/;
const FIELD_NAME_SHOWN = /^[A-Za-z0-9_]{1,40}$/;

const own = (doc, name) => Object.prototype.hasOwnProperty.call(doc, name);
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const shown = (name) => (FIELD_NAME_SHOWN.test(name) ? `'${name}'` : '(a field with an unusual name)');

function checkRevisions(value, rev, maxRevisions) {
  if (!isObject(value) || Object.keys(value).sort().join() !== 'ids,start') {
    throw new WireFormatError('_revisions must be an object with start and ids');
  }
  const { start, ids } = value;
  if (!Number.isInteger(start) || start < 1 || start > 999_999_999) {
    throw new WireFormatError('_revisions.start must be a positive integer');
  }
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > maxRevisions) {
    throw new WireFormatError(`_revisions.ids must be a list of 1 to ${maxRevisions} revision hashes`);
  }
  if (ids.length > start) throw new WireFormatError('_revisions lists more ids than its start allows');
  for (const hash of ids) {
    if (typeof hash !== 'string' || !REV_HASH.test(hash)) throw new WireFormatError('_revisions.ids must hold revision hashes');
  }
  if (rev !== undefined && rev !== `${start}-${ids[0]}`) throw new WireFormatError('_revisions does not match _rev');
}

function checkB64(doc, name, length) {
  try {
    b64uLength(doc[name], length, name);
  } catch (error) {
    if (error instanceof FormatError) throw new WireFormatError(`${name} must be base64url of ${length} bytes`);
    throw error;
  }
}

function ciphertextLength(value, maxBytes) {
  if (typeof value !== 'string') throw new WireFormatError('ct must be base64url');
  if (value.length > Math.floor((maxBytes * 4 + 2) / 3)) throw new WireFormatError('document too large: ct is over the size limit');
  try {
    return b64uLength(value, null, 'ct');
  } catch (error) {
    if (error instanceof FormatError) throw new WireFormatError('ct must be base64url');
    throw error;
  }
}

/**
 * Throw WireFormatError unless `doc` is an item envelope (v 1 or 2), a keyring document (v 1, never
 * deleted; `_deleted: false` means the same as its absence) or a bare tombstone (spec §14.1). Shape only:
 * whether a tombstone may be written is the server's rule (§14.3). Options: maxPaddedBytes (default
 * 1 MiB), maxRevisions (default 1000).
 */
export function checkWireDocument(doc, { maxPaddedBytes = DEFAULT_MAX_PADDED_BYTES, maxRevisions = DEFAULT_MAX_REVISIONS } = {}) {
  if (!isObject(doc)) throw new WireFormatError('a document must be a JSON object');
  for (const name of Object.keys(doc)) {
    if (!ALLOWED_FIELDS.has(name)) {
      throw new WireFormatError(`field ${shown(name)} is not allowed: documents carry only an encrypted envelope`);
    }
  }
  if (!isHexId(doc._id, 16)) throw new WireFormatError('_id must be 32 lower-case hex characters');
  const rev = doc._rev;
  if (own(doc, '_rev') && (typeof rev !== 'string' || !REV.test(rev))) throw new WireFormatError('_rev must look like N-hash');
  if (own(doc, '_revisions')) checkRevisions(doc._revisions, own(doc, '_rev') ? rev : undefined, maxRevisions);
  const deleted = own(doc, '_deleted') ? doc._deleted : false;
  if (typeof deleted !== 'boolean') throw new WireFormatError('_deleted must be true or false');
  const present = Object.keys(doc).filter((name) => ENVELOPE_FIELDS.has(name));
  if (present.length === 0) {
    if (deleted) return;
    throw new WireFormatError('a document must carry an encrypted envelope (v, kind, kid, nonce, ct)');
  }
  if (!Number.isInteger(doc.v)) throw new WireFormatError('unknown envelope version: v must be an integer');
  let expected;
  if (doc.kind === 'item') {
    expected = ITEM_FIELDS;
    if (!ITEM_VERSIONS.includes(doc.v)) throw new WireFormatError('unknown envelope version: an item has v 1 or 2');
  } else if (doc.kind === 'keyring') {
    expected = KEYRING_FIELDS;
    if (doc.v !== KEYRING_VERSION) throw new WireFormatError('unknown envelope version: a keyring document has v 1');
    if (deleted) throw new WireFormatError('keyring documents cannot be deleted');
  } else throw new WireFormatError('kind must be "item" or "keyring"');
  const missing = expected.filter((name) => !present.includes(name)).sort();
  if (missing.length) throw new WireFormatError(`${doc.kind} envelope is missing ${missing.join(', ')}`);
  const extra = present.filter((name) => !expected.includes(name)).sort();
  if (extra.length) throw new WireFormatError(`${doc.kind} envelope must not have ${extra.join(', ')}`);
  if (!isHexId(doc.kid, 8)) throw new WireFormatError('kid must be 16 lower-case hex characters');
  checkB64(doc, 'nonce', NONCE_BYTES);
  if (doc.kind === 'item') {
    const limit = Math.min(maxPaddedBytes, MAX_PADDED);
    const padded = ciphertextLength(doc.ct, limit + TAG_BYTES) - TAG_BYTES;
    if (!isBucketSize(padded)) throw new WireFormatError('ct length is not a padded size plus the 16-byte tag');
    if (padded > limit) throw new WireFormatError(`document too large: padded size ${padded} exceeds ${limit} bytes`);
  } else {
    if (!isHexId(doc.to, 16)) throw new WireFormatError('to must be a device id, 32 lower-case hex characters');
    checkB64(doc, 'epk', KEY_BYTES);
    const length = ciphertextLength(doc.ct, MAX_GRANT_PLAINTEXT + TAG_BYTES);
    if (!(length > TAG_BYTES && length <= MAX_GRANT_PLAINTEXT + TAG_BYTES)) {
      throw new WireFormatError('keyring ct has an implausible length');
    }
  }
}

/**
 * "item", "keyring" or "tombstone" (a bare `{_id, _rev, _deleted: true}` with no envelope members) for a
 * document that passes checkWireDocument; WireFormatError otherwise.
 */
export function documentKind(doc) {
  checkWireDocument(doc, { maxPaddedBytes: MAX_PADDED });
  return doc.kind === 'item' || doc.kind === 'keyring' ? doc.kind : 'tombstone';
}

/** The key id of a wire document, or null for a bare tombstone; WireFormatError if malformed. */
export function documentKeyId(doc) {
  checkWireDocument(doc, { maxPaddedBytes: MAX_PADDED });
  return typeof doc.kid === 'string' ? doc.kid : null;
}
