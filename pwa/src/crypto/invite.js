// Invites (spec §11): what a QR code carries so that one new device can join a plan once. Layout
// version 2 also carries the role and access the invite grants and the inviting device's signature over
// the registration the server needs, so the new device can register and redeem it in one step. Layout
// version 3 is a pending invite (spec §11.6): for a supporter, made by anyone but the person's own device,
// it carries no plan key but a request key Q under which the new device sends its join request.

import { DecryptionError, FormatError, InviteExpiredError, SignatureError } from './errors.js';
import {
  b64uDecode,
  b64uEncode,
  base32Decode,
  base32Encode,
  bytesEqual,
  bytesToHex,
  canonicalJson,
  checkBytes,
  checkHexId,
  checkPlanId,
  concatBytes,
  utf8,
} from './encoding.js';
import { DeviceKeys, DevicePublicKeys, PlanKey, checkEpoch, u32 } from './keys.js';
import {
  KEY_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
  TAG_BYTES,
  aeadOpen,
  aeadSeal,
  draw,
  ed25519Sign,
  ed25519Verify,
  hkdfSha256,
  sha256,
  systemRandom,
} from './primitives.js';

export const INVITE_VERSION = 2;
export const PENDING_INVITE_VERSION = 3;
export const TEXT_PREFIX = 'AS1:';
export const DEFAULT_INVITE_LIFETIME = 15 * 60;
export const MAX_EXPIRY = 2 ** 32 - 1;
export const REGISTRATION_CONTEXT = 'alongside/v1/invite-registration';
const INVITE_ID_BYTES = 16;
const SECRET_BYTES = 16;
const WRAPPED_BYTES = 4 + KEY_BYTES + TAG_BYTES;
const FIXED_BYTES = 2 + INVITE_ID_BYTES + SECRET_BYTES + 4 + 1 + 2 * KEY_BYTES + SIGNATURE_BYTES + NONCE_BYTES + WRAPPED_BYTES;
/** The grant byte: which role and access an invite gives (spec §11.2). */
const GRANTS = new Map([
  [1, ['owner', 'write']],
  [2, ['supporter', 'write']],
  [3, ['supporter', 'read']],
  [4, ['worker', 'write']], // a handover to a colleague (spec §11.7): only ever pending
]);

/** The grant byte for (role, access); FormatError for a combination invites cannot carry. */
export function grantCode(role, access) {
  for (const [code, [r, a]] of GRANTS) if (r === role && a === access) return code;
  throw new FormatError('an invite grants owner/write, supporter/write, supporter/read or worker/write');
}

/** The person's own device is never pending (spec §11.6); a worker's always is (a handover, §11.7). */
function checkPendingGrant(role, pending) {
  if (pending && role === 'owner') throw new FormatError("a pending invite is for a supporter; the person's own device is never pending");
  if (!pending && role === 'worker') throw new FormatError('an invite for a worker is pending: the person says yes first');
}

/** A parsed invite payload. `secret` and `wrapped` never leave the QR code. */
export class Invite {
  constructor({ planId, inviteId, secret, expiresAt, role, access, inviter, signature, nonce, wrapped, pending = false }) {
    checkPendingGrant(role, pending);
    Object.assign(this, { planId, inviteId, secret, expiresAt, role, access, inviter, signature, nonce, wrapped, pending });
    Object.freeze(this);
  }

  /** The invite id as 32 lower-case hex characters (what the server is told). */
  get inviteIdHex() {
    return bytesToHex(this.inviteId);
  }

  /** Every payload byte before the nonce (the associated data's tail). */
  header() {
    const plan = utf8(this.planId);
    return concatBytes(
      Uint8Array.of(this.pending ? PENDING_INVITE_VERSION : INVITE_VERSION, plan.length),
      plan,
      this.inviteId,
      this.secret,
      u32(this.expiresAt),
      Uint8Array.of(grantCode(this.role, this.access)),
      this.inviter.encryption,
      this.inviter.signing,
      this.signature,
    );
  }

  /** The binary payload (spec §11.2). */
  toBytes() {
    return concatBytes(this.header(), this.nonce, this.wrapped);
  }

  /** The text form the QR code carries: "AS1:" + base32(payload). */
  toText() {
    return TEXT_PREFIX + base32Encode(this.toBytes());
  }
}

const inviteKey = (secret, inviteId) => hkdfSha256(secret, inviteId, utf8('alongside/v1/invite-key'), KEY_BYTES);
const authTokenBytes = (secret, inviteId) => hkdfSha256(secret, inviteId, utf8('alongside/v1/invite-auth'), KEY_BYTES);
const bindKeyBytes = (secret, inviteId) => hkdfSha256(secret, inviteId, utf8('alongside/v2/invite-bind'), KEY_BYTES);
const associated = (header) => concatBytes(utf8('alongside/v1/invite'), Uint8Array.of(0), header);

function checkExpiry(value) {
  if (!Number.isInteger(value) || value < 0 || value > MAX_EXPIRY) {
    throw new FormatError('expiry must be Unix seconds from 0 to 2**32 - 1');
  }
  return value;
}

const clock = (now) => (now === null || now === undefined ? Math.floor(Date.now() / 1000) : checkExpiry(now));

/**
 * The canonical JSON the inviting device signs (spec §11.1): the registration the server stores. A pending
 * invite's registration (spec §11.6) also carries "pending": true.
 */
export function registrationMessage({ planId, inviteId, verifier, expiresAt, role, access, pending = false }) {
  checkPlanId(planId);
  checkHexId(inviteId, INVITE_ID_BYTES, 'invite id');
  b64uDecode(verifier, KEY_BYTES, 'verifier');
  checkExpiry(expiresAt);
  grantCode(role, access);
  if (pending !== true && pending !== false) throw new FormatError('pending is true or false');
  checkPendingGrant(role, pending);
  const fields = { access, ctx: REGISTRATION_CONTEXT, expires_at: expiresAt, invite_id: inviteId, plan_id: planId, role, verifier };
  return canonicalJson(pending ? { ...fields, pending: true } : fields);
}

/** True when `signature` (base64url) is the inviter's signature over the registration fields. */
export async function verifyInviteRegistration(inviterSigningKey, signature, fields) {
  let message;
  let raw;
  try {
    message = registrationMessage(fields);
    raw = b64uDecode(signature, SIGNATURE_BYTES, 'signature');
  } catch (error) {
    if (error instanceof FormatError) return false;
    throw error;
  }
  return ed25519Verify(inviterSigningKey, raw, message);
}

/**
 * An invite to `key`'s plan from `inviter` granting `role`/`access`, expiring `lifetime` seconds after
 * `now` (default: the system clock). Draws 16 bytes (invite id), 16 (secret), 12 (nonce). The inviter
 * signs the registration (spec §11.1).
 */
export async function createInvite(
  key,
  { inviter, role = 'supporter', access = 'read', now = null, lifetime = DEFAULT_INVITE_LIFETIME, random = systemRandom },
) {
  if (!(key instanceof PlanKey)) throw new FormatError('key must be a PlanKey and inviter DeviceKeys');
  const draft = await inviteDraft(key.planId, { inviter, role, access, now, lifetime, random, pending: false });
  return sealInvite(draft, concatBytes(u32(key.epoch), key.secret));
}

/**
 * A pending invite (layout version 3, spec §11.6) to `planId`: it carries no plan key. Returns {invite,
 * requestKey}: the inviting device records the request key Q in the plan (an `invite` item) so that the
 * person's devices can read the join request. Draws 16 bytes (invite id), 16 (secret), 12 (nonce), 32 (Q).
 */
export async function createPendingInvite(
  planId,
  { inviter, role = 'supporter', access = 'read', now = null, lifetime = DEFAULT_INVITE_LIFETIME, random = systemRandom },
) {
  checkPlanId(planId);
  const draft = await inviteDraft(planId, { inviter, role, access, now, lifetime, random, pending: true });
  const requestKey = draw(random, KEY_BYTES);
  return { invite: await sealInvite(draft, concatBytes(u32(0), requestKey)), requestKey };
}

async function inviteDraft(planId, { inviter, role, access, now, lifetime, random, pending }) {
  if (!(inviter instanceof DeviceKeys)) throw new FormatError('key must be a PlanKey and inviter DeviceKeys');
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw new FormatError('lifetime must be a positive number of seconds');
  grantCode(role, access);
  checkPendingGrant(role, pending);
  const expiresAt = checkExpiry(clock(now) + lifetime);
  const inviteId = draw(random, INVITE_ID_BYTES);
  const secret = draw(random, SECRET_BYTES);
  const nonce = draw(random, NONCE_BYTES);
  const verifier = b64uEncode(await sha256(await authTokenBytes(secret, inviteId)));
  const message = registrationMessage({ planId, inviteId: bytesToHex(inviteId), verifier, expiresAt, role, access, pending });
  const signature = await ed25519Sign(inviter.signingKey, message);
  const fields = { planId, inviteId, secret, expiresAt, role, access, inviter: inviter.public, signature, nonce, pending };
  return new Invite({ ...fields, wrapped: new Uint8Array(0) });
}

async function sealInvite(draft, plaintext) {
  const wrapped = await aeadSeal(await inviteKey(draft.secret, draft.inviteId), draft.nonce, plaintext, associated(draft.header()));
  return new Invite({ ...draft, wrapped });
}

/**
 * Parse the binary payload (Uint8Array) or its text form; FormatError on anything else. The text form
 * may contain spaces, line breaks and "-" and may be in lower case.
 */
export async function parseInvite(data) {
  let raw;
  if (typeof data === 'string') {
    const compact = data.replace(/[ \t\r\n-]/g, '');
    if (!/^[\x00-\x7f]*$/.test(compact)) throw new FormatError('an invite text is ASCII');
    const text = compact.toUpperCase();
    if (!text.startsWith(TEXT_PREFIX)) throw new FormatError('an invite text starts with AS1:');
    raw = base32Decode(text.slice(TEXT_PREFIX.length), 'invite');
  } else if (data instanceof Uint8Array) raw = data;
  else throw new FormatError('an invite is bytes or text');
  if (raw.length < FIXED_BYTES + 1 || (raw[0] !== INVITE_VERSION && raw[0] !== PENDING_INVITE_VERSION)) throw new FormatError('unknown invite version or truncated invite');
  const planLength = raw[1];
  if (planLength < 1 || planLength > 64 || raw.length !== FIXED_BYTES + planLength) throw new FormatError('invite has the wrong length');
  let planId = '';
  for (const byte of raw.subarray(2, 2 + planLength)) planId += String.fromCharCode(byte);
  checkPlanId(planId);
  let offset = 2 + planLength;
  const take = (size) => {
    const chunk = raw.slice(offset, offset + size);
    offset += size;
    return chunk;
  };
  const inviteId = take(INVITE_ID_BYTES);
  const secret = take(SECRET_BYTES);
  const e = take(4);
  const expiresAt = ((e[0] << 24) >>> 0) + (e[1] << 16) + (e[2] << 8) + e[3];
  const grant = GRANTS.get(take(1)[0]);
  if (!grant) throw new FormatError('unknown invite grant');
  const inviter = await DevicePublicKeys.create(take(KEY_BYTES), take(KEY_BYTES));
  const signature = take(SIGNATURE_BYTES);
  const nonce = take(NONCE_BYTES);
  const wrapped = take(WRAPPED_BYTES);
  const pending = raw[0] === PENDING_INVITE_VERSION;
  checkPendingGrant(grant[0], pending);
  return new Invite({ planId, inviteId, secret, expiresAt, role: grant[0], access: grant[1], inviter, signature, nonce, wrapped, pending });
}

/** b64u(HKDF(secret, invite_id, "alongside/v1/invite-auth", 32)): what the new device shows the server. */
export async function inviteAuthToken(invite) {
  return b64uEncode(await authTokenBytes(invite.secret, invite.inviteId));
}

/** b64u(SHA-256(token)): what the inviting device registers with the server. */
export async function inviteVerifier(authToken) {
  return b64uEncode(await sha256(b64uDecode(authToken, KEY_BYTES, 'invite token')));
}

/**
 * The signed registration (spec §11.4) either device may send: {plan_id, invite_id, verifier, expires_at, role,
 * access, inviter, signature}, and "pending": true for a pending invite (spec §11.6).
 */
export async function inviteRegistration(invite) {
  const registration = {
    plan_id: invite.planId,
    invite_id: invite.inviteIdHex,
    verifier: await inviteVerifier(await inviteAuthToken(invite)),
    expires_at: invite.expiresAt,
    role: invite.role,
    access: invite.access,
    inviter: invite.inviter.deviceId,
    signature: b64uEncode(invite.signature),
  };
  return invite.pending ? { ...registration, pending: true } : registration;
}

/**
 * The invite's bind key (spec §11.1): HKDF(secret, invite_id, "alongside/v2/invite-bind", 32). Only the
 * inviting device and the device that scanned the invite hold it; the server never sees it.
 */
export async function inviteBindKey(invite) {
  const parsed = invite instanceof Invite ? invite : await parseInvite(invite);
  return bindKeyBytes(parsed.secret, parsed.inviteId);
}

/**
 * The admission bind a joining device puts in its roster entry (spec §11.5):
 * b64u(HKDF(bind_key, "", "alongside/v2/admission-bind" || 0x00 || utf8(plan_id) || 0x00 || utf8(device_id), 32)).
 */
export async function admissionBind(bindKey, { planId, deviceId }) {
  checkBytes(bindKey, KEY_BYTES, 'bind key');
  checkPlanId(planId);
  checkHexId(deviceId, 16, 'device id');
  const info = concatBytes(utf8('alongside/v2/admission-bind'), Uint8Array.of(0), utf8(planId), Uint8Array.of(0), utf8(deviceId));
  return b64uEncode(await hkdfSha256(bindKey, new Uint8Array(0), info, KEY_BYTES));
}

/** True when `authToken` matches `verifier`. */
export async function checkInviteToken(authToken, verifier) {
  try {
    const expected = b64uDecode(verifier, KEY_BYTES, 'verifier');
    return bytesEqual(expected, await sha256(b64uDecode(authToken, KEY_BYTES, 'invite token')));
  } catch (error) {
    if (error instanceof FormatError) return false;
    throw error;
  }
}

async function openPayload(parsed, now) {
  if (clock(now) >= parsed.expiresAt) throw new InviteExpiredError();
  const key = await inviteKey(parsed.secret, parsed.inviteId);
  const plaintext = await aeadOpen(key, parsed.nonce, parsed.wrapped, associated(parsed.header()));
  if (plaintext.length !== 4 + KEY_BYTES) throw new DecryptionError();
  const epoch = ((plaintext[0] << 24) >>> 0) + (plaintext[1] << 16) + (plaintext[2] << 8) + plaintext[3];
  const registration = await inviteRegistration(parsed);
  const fields = {
    planId: parsed.planId,
    inviteId: parsed.inviteIdHex,
    verifier: registration.verifier,
    expiresAt: parsed.expiresAt,
    role: parsed.role,
    access: parsed.access,
    pending: parsed.pending,
  };
  if (!(await verifyInviteRegistration(parsed.inviter.signing, registration.signature, fields))) throw new SignatureError();
  const opened = {
    inviter: parsed.inviter,
    inviteId: parsed.inviteIdHex,
    expiresAt: parsed.expiresAt,
    role: parsed.role,
    access: parsed.access,
    authToken: await inviteAuthToken(parsed),
    bindKey: await bindKeyBytes(parsed.secret, parsed.inviteId),
    registration,
  };
  return { epoch, secret: plaintext.slice(4), opened };
}

/**
 * Check expiry, unwrap the plan key an invite carries and check the inviter's registration signature.
 * Returns {planKey, inviter, inviteId, expiresAt, role, access, authToken, bindKey, registration}. Throws
 * FormatError (malformed, or a pending invite, which carries no plan key), InviteExpiredError (now >=
 * expiresAt), DecryptionError (any byte altered), SignatureError (the registration signature does not verify).
 */
export async function openInvite(invite, { now = null } = {}) {
  const parsed = invite instanceof Invite ? invite : await parseInvite(invite);
  if (parsed.pending) throw new FormatError("this invite waits for the person's yes: it carries no plan key");
  const { epoch, secret, opened } = await openPayload(parsed, now);
  if (epoch < 1) throw new DecryptionError();
  return { planKey: await PlanKey.fromSecret(parsed.planId, checkEpoch(epoch), secret), ...opened };
}

/**
 * Open a pending invite (version 3, spec §11.6): {planId, requestKey, inviter, inviteId, expiresAt, role, access,
 * authToken, bindKey, registration}, never a plan key. The same checks as openInvite; the wrapped epoch must be 0.
 */
export async function openPendingInvite(invite, { now = null } = {}) {
  const parsed = invite instanceof Invite ? invite : await parseInvite(invite);
  if (!parsed.pending) throw new FormatError('this invite is not a pending invite');
  const { epoch, secret, opened } = await openPayload(parsed, now);
  if (epoch !== 0) throw new DecryptionError();
  return { planId: parsed.planId, requestKey: secret, ...opened };
}
