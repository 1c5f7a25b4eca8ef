// Join codes (docs/crypto.md §21): the short code a person types instead of scanning the QR code. The inviting
// device puts the invite, sealed under a key derived from a new code, on the server under the code's lookup id;
// the joining device derives the same from the typed code, fetches the box and opens it back into the invite's
// text, which then joins exactly as a scanned QR code does. The server never sees the code.

import { b64uDecode, b64uEncode, base32Decode, base32Encode } from '../crypto/index.js';
import { formatJoinCode, isJoinCode, joinCodeKeys, newJoinCode, openJoinBox, sealJoinBox } from '../crypto/joincode.js';
import { api } from './api.js';
import { loadDevice } from './device.js';

export { isJoinCode };

/** Why a typed code did not find an invite: 'unknown' (no such code, expired, used) or 'limited' (too many tries). */
export class JoinCodeError extends Error {
  constructor(kind) {
    super(`join code: ${kind}`);
    this.name = 'JoinCodeError';
    this.kind = kind;
  }
}

/**
 * Put `invite` ({text, inviteId, expiresAt}, as inviteDevice returns it) on the server under a new join code, for
 * as long as the invite lives. Returns the code as people see it ("7D3H ZK1K CW66 G2YY"). Needs a connection and
 * this device's token: throws otherwise (the QR code still works).
 */
export async function shareJoinCode(planId, invite) {
  const device = await loadDevice();
  if (!device?.token) throw new Error('this device is not on the server yet');
  const code = newJoinCode();
  const keys = await joinCodeKeys(code);
  const box = await sealJoinBox(keys, base32Decode(invite.text.replace(/^AS1:/, ''), 'invite'));
  const body = { plan_id: planId, invite_id: invite.inviteId, box: b64uEncode(box), expires_at: invite.expiresAt };
  await api(`/join-codes/${keys.lookup}`, { method: 'PUT', token: device.token, body });
  return formatJoinCode(code);
}

/**
 * The invite's text (`AS1:…`) for a typed join code: fetch the box kept under its lookup id and open it. A code
 * that finds nothing, or a box that does not open, is JoinCodeError 'unknown'; too many wrong codes from this
 * connection, 'limited'. No connection: the ApiError (status 0).
 */
export async function inviteTextFromCode(typed) {
  const keys = await joinCodeKeys(typed);
  let answer;
  try {
    answer = await api(`/join-codes/${keys.lookup}/open`, { method: 'POST' });
  } catch (error) {
    if (error.status === 404) throw new JoinCodeError('unknown');
    if (error.status === 429) throw new JoinCodeError('limited');
    throw error;
  }
  try {
    return `AS1:${base32Encode(await openJoinBox(keys, b64uDecode(answer.box)))}`;
  } catch {
    throw new JoinCodeError('unknown'); // not what the inviting device put there: it says nothing more
  }
}
