// Join requests (spec §11.6): what a device that joined with a pending invite tells the person's devices.
// The new device seals its own chosen name, its device label and its admission bind (§11.5) under the
// invite's request key Q; the server stores and hands out the sealed text without being able to read it.

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, canonicalJson, checkBytes, checkHexId, checkPlanId, concatBytes, parseCanonicalJson, utf8 } from './encoding.js';
import { pad, unpad } from './padding.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, draw, systemRandom } from './primitives.js';

export const JOIN_REQUEST_CONTEXT = 'alongside/v3/join-request';
const MAX_NAME = 80;
/** The longest sealed request in base64url: a 1024-byte padded plaintext, its nonce and tag. */
export const MAX_SEALED_JOIN_REQUEST = 2048;

/** "alongside/v3/join-request" || 0x00 || plan_id || 0x00 || invite_id || 0x00 || device_id (UTF-8). */
export function joinRequestAssociated({ planId, inviteId, deviceId }) {
  checkPlanId(planId);
  checkHexId(inviteId, 16, 'invite id');
  checkHexId(deviceId, 16, 'device id');
  const zero = Uint8Array.of(0);
  return concatBytes(utf8(JOIN_REQUEST_CONTEXT), zero, utf8(planId), zero, utf8(inviteId), zero, utf8(deviceId));
}

function checkRequest(value) {
  const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : [];
  if (keys.join() !== 'bind,label,name') throw new FormatError('a join request is {"name", "label", "bind"}');
  const { name, label, bind } = value;
  if (typeof name !== 'string' || [...name].length < 1 || [...name].length > MAX_NAME) {
    throw new FormatError(`a join request's name is 1 to ${MAX_NAME} characters`);
  }
  if (typeof label !== 'string' || [...label].length > MAX_NAME) throw new FormatError(`a join request's label is at most ${MAX_NAME} characters`);
  b64uDecode(bind, KEY_BYTES, 'bind');
  return { name, label, bind };
}

/** b64u(nonce || AES-256-GCM(Q, nonce, pad(canonical_json(request)), AD)); draws the 12-byte nonce. */
export async function sealJoinRequest(requestKey, request, { planId, inviteId, deviceId, random = systemRandom }) {
  checkBytes(requestKey, KEY_BYTES, 'request key');
  const plaintext = pad(canonicalJson(checkRequest(request)));
  const associated = joinRequestAssociated({ planId, inviteId, deviceId });
  const nonce = draw(random, NONCE_BYTES);
  const sealed = b64uEncode(concatBytes(nonce, await aeadSeal(requestKey, nonce, plaintext, associated)));
  if (sealed.length > MAX_SEALED_JOIN_REQUEST) throw new FormatError('join request too long');
  return sealed;
}

/**
 * The request a device sealed: {name, label, bind}. FormatError for a malformed text, DecryptionError when it
 * was not sealed under `requestKey` for this plan, invite and device, or any byte was altered.
 */
export async function openJoinRequest(requestKey, sealed, { planId, inviteId, deviceId }) {
  checkBytes(requestKey, KEY_BYTES, 'request key');
  const associated = joinRequestAssociated({ planId, inviteId, deviceId });
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_JOIN_REQUEST) throw new FormatError('a join request is base64url text');
  const raw = b64uDecode(sealed, null, 'join request');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new FormatError('join request too short');
  const plaintext = await aeadOpen(requestKey, raw.subarray(0, NONCE_BYTES), raw.subarray(NONCE_BYTES), associated);
  try {
    return checkRequest(parseCanonicalJson(unpad(plaintext)));
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
}
