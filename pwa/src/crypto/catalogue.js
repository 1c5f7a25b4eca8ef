// The signed activities catalogue (spec §22): what an organisation's server hands its devices, signed so that
// a device can tell that nobody on the way (a proxy, a cache) altered it. The signed message is a statement
// (§8.4): canonical_json(catalogue ∪ {"ctx": "alongside/v1/activities"}), catalogue = {v: 1, org, version,
// issued_at, activities}. The wire form is {catalogue, key, sig}; a device checks `sig` under the key it
// pinned, never under the `key` it was sent.

import { FormatError, SignatureError } from './errors.js';
import { b64uDecode } from './encoding.js';
import { SIGNATURE_BYTES, ed25519Verify } from './primitives.js';
import { statementMessage } from './statements.js';

export const CATALOGUE_CONTEXT = 'alongside/v1/activities';
export const CATALOGUE_VERSION = 1;
const MEMBERS = 'activities,issued_at,org,v,version';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isCount = (value) => Number.isSafeInteger(value) && value >= 0;

/** `catalogue` if it has exactly the members of a catalogue of version 1; FormatError otherwise. */
export function checkCatalogue(catalogue) {
  if (!isObject(catalogue) || Object.keys(catalogue).sort().join(',') !== MEMBERS) {
    throw new FormatError('a catalogue has exactly v, org, version, issued_at and activities');
  }
  if (catalogue.v !== CATALOGUE_VERSION) throw new FormatError('unknown catalogue version');
  if (typeof catalogue.org !== 'string' || !catalogue.org) throw new FormatError('org must be a non-empty string');
  if (!isCount(catalogue.version) || !isCount(catalogue.issued_at)) throw new FormatError('version and issued_at are counts');
  if (!Array.isArray(catalogue.activities) || !catalogue.activities.every(isObject)) {
    throw new FormatError('activities must be a list of objects');
  }
  return catalogue;
}

/** The bytes an organisation's catalogue key signs. */
export function catalogueMessage(catalogue) {
  return statementMessage(CATALOGUE_CONTEXT, checkCatalogue(catalogue));
}

/**
 * The catalogue of `signed` ({catalogue, key, sig}) if `sig` verifies under `pinnedKey` (base64url Ed25519
 * public key). SignatureError when it does not (altered, another key, no signature); FormatError when malformed.
 */
export async function verifyCatalogue(signed, pinnedKey) {
  if (!isObject(signed) || !('catalogue' in signed) || !('sig' in signed)) throw new SignatureError();
  const message = catalogueMessage(signed.catalogue);
  const publicKey = b64uDecode(pinnedKey, 32, 'catalogue key');
  let signature;
  try {
    signature = b64uDecode(signed.sig, SIGNATURE_BYTES, 'signature');
  } catch (error) {
    if (error instanceof FormatError) throw new SignatureError();
    throw error;
  }
  if (!(await ed25519Verify(publicKey, signature, message))) throw new SignatureError();
  return signed.catalogue;
}
