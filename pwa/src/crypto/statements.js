// Statements (spec §8.4): facts signed on their own, outside any envelope; and field statements (§8.5):
// who set each field of an item body, signed by that device, so that whoever writes the next version of
// the item can neither change who set a field nor make a field look untouched.

import { FormatError, SignatureError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkHexId, checkPlanId } from './encoding.js';
import { DeviceKeys } from './keys.js';
import { SIGNATURE_BYTES, ed25519Sign, ed25519Verify } from './primitives.js';
import { lookupDevice } from './provenance.js';

export const FIELD_CONTEXT = 'alongside/v2/field';
const FIELD_MEMBERS = 'at,dev,h,sig,v';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** S = canonical_json(fields ∪ {"ctx": context}) (spec §8.4); FormatError for a bad context or fields. */
export function statementMessage(context, fields) {
  if (typeof context !== 'string' || !context.startsWith('alongside/')) throw new FormatError('a statement context begins alongside/');
  if (!isObject(fields) || Object.hasOwn(fields, 'ctx')) throw new FormatError('statement fields are an object without ctx');
  return canonicalJson({ ...fields, ctx: context });
}

/** Sign a statement as `author` (DeviceKeys); returns the signature as base64url. */
export async function signStatement(context, fields, author) {
  if (!(author instanceof DeviceKeys)) throw new FormatError('author must be DeviceKeys');
  return b64uEncode(await ed25519Sign(author.signingKey, statementMessage(context, fields)));
}

/**
 * Throw SignatureError unless `sig` (base64url) is the known device `signer`'s signature over the statement
 * (`devices`: a Map or object of DevicePublicKeys by device id, whose keys must hash to `signer`).
 * FormatError for a bad context or fields.
 */
export async function verifyStatement(context, fields, sig, { signer, devices }) {
  const message = statementMessage(context, fields);
  const known = await lookupDevice(devices, signer);
  let signature;
  try {
    signature = b64uDecode(sig, SIGNATURE_BYTES, 'signature');
  } catch (error) {
    if (error instanceof FormatError) throw new SignatureError();
    throw error;
  }
  if (!(await ed25519Verify(known.signing, signature, message))) throw new SignatureError();
}

function checkAt(at) {
  if (!Number.isSafeInteger(at) || at < 0) throw new FormatError('at must be an integer number of milliseconds from 0');
  return at;
}

function checkName(name) {
  if (typeof name !== 'string' || name.length === 0) throw new FormatError('a field name is a non-empty string');
  return name;
}

function checkHistory(h) {
  if (!Array.isArray(h) || h.length === 0 || !h.every((id) => typeof id === 'string') || new Set(h).size !== h.length) {
    throw new FormatError('h must be a non-empty list of distinct strings');
  }
  return [...h];
}

/** The fields of a field statement (spec §8.5): {at, dev, h, id, name, plan, v}. */
export function fieldStatementFields({ planId, docId, name, value, h, at, dev }) {
  checkPlanId(planId);
  checkHexId(docId, 16, 'document id');
  checkHexId(dev, 16, 'device id');
  const history = checkHistory(h);
  return { at: checkAt(at), dev, h: history, id: docId, name: checkName(name), plan: planId, v: value };
}

/**
 * The field statement of a field version `{v: value, h, at, dev: author}` of document `docId` (spec §8.5),
 * signed by `author`; returns the signature as base64url. `h` is the version's whole history (its own id
 * first), so nobody can later make an old field version claim to descend from a newer one.
 */
export async function signField({ planId, docId, name, value, h, at, author }) {
  if (!(author instanceof DeviceKeys)) throw new FormatError('author must be DeviceKeys');
  const fields = fieldStatementFields({ planId, docId, name, value, h, at, dev: author.deviceId });
  return signStatement(FIELD_CONTEXT, fields, author);
}

/**
 * Throw unless `field` (`{v, h, at, dev, sig}`, exactly these members) carries a valid field statement of
 * the device `dev` for field `name` of document `docId`: FormatError when the field is malformed,
 * SignatureError when `dev` is not a known device or the signature does not verify.
 */
export async function verifyField({ planId, docId, name, field, devices }) {
  if (!isObject(field) || Object.keys(field).sort().join() !== FIELD_MEMBERS) {
    throw new FormatError('a field version has exactly v, h, at, dev and sig');
  }
  const { v, h, at, dev, sig } = field;
  const fields = fieldStatementFields({ planId, docId, name, value: v, h, at, dev });
  await verifyStatement(FIELD_CONTEXT, fields, sig, { signer: dev, devices });
}
