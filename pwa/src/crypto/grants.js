// Keyring documents (spec §9): a plan key wrapped for one device's X25519 key, signed by the granter.
// Also key rotation (spec §10): a new epoch key granted only to the remaining devices.

import { DecryptionError, FormatError, SignatureError } from './errors.js';
import {
  b64uDecode,
  b64uEncode,
  canonicalJson,
  checkHexId,
  checkPlanId,
  concatBytes,
  parseCanonicalJson,
  utf8,
} from './encoding.js';
import {
  DeviceKeys,
  DevicePublicKeys,
  EVERYONE,
  Keyring,
  PlanKey,
  checkAudience,
  checkEpoch,
  deriveKeyId,
  ephemeralAgreement,
  newDocumentId,
} from './keys.js';
import {
  KEY_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
  aeadOpen,
  aeadSeal,
  draw,
  ed25519Sign,
  ed25519Verify,
  hkdfSha256,
  systemRandom,
  x25519Shared,
} from './primitives.js';
import { lookupDevice } from './provenance.js';
import { KEYRING_VERSION, checkWireDocument } from './wire.js';

const GRANT_FIELDS = 'by,epoch,key,kid,plan,sig,to';
const AUDIENCE_GRANT_FIELDS = 'aud,by,epoch,key,kid,plan,sig,to';

/** Parse a keyring document's shape; FormatError if it is not one. */
export function parseKeyringDocument(doc) {
  checkWireDocument(doc);
  if (doc.kind !== 'keyring') throw new FormatError('not a keyring document');
  return {
    docId: doc._id,
    kid: doc.kid,
    to: doc.to,
    epk: b64uDecode(doc.epk, KEY_BYTES, 'epk'),
    nonce: b64uDecode(doc.nonce, NONCE_BYTES, 'nonce'),
    ct: b64uDecode(doc.ct, null, 'ct'),
  };
}

/** canonical_json({"by", "ctx": "alongside/v1/grant", "epoch", "kid", "plan", "to"}), plus "aud" for an audience other than everyone (spec §5.3). */
export function grantSignatureMessage({ planId, epoch, kid, by, to, audience = EVERYONE }) {
  const message = { by, ctx: 'alongside/v1/grant', epoch, kid, plan: planId, to };
  if (checkAudience(audience) !== EVERYONE) message.aud = audience;
  return canonicalJson(message);
}

/** canonical_json({"ctx": "alongside/v1/keyring", "epk", "id", "kid", "plan", "to", "v": 1}). */
export function keyringAssociatedData({ planId, docId, kid, to, epk }) {
  return canonicalJson({ ctx: 'alongside/v1/keyring', epk: b64uEncode(epk), id: docId, kid, plan: planId, to, v: KEYRING_VERSION });
}

function wrapKey(shared, epk, recipientEncryption) {
  return hkdfSha256(shared, concatBytes(epk, recipientEncryption), utf8('alongside/v1/keyring-wrap'), KEY_BYTES);
}

/**
 * A keyring document giving `key` to `recipient`, signed by `granter`. Draws, in order: 16 bytes for
 * the _id (only when docId is null), 32 for the ephemeral X25519 key, 12 for the nonce.
 */
export async function grantPlanKey(key, { recipient, granter, docId = null, random = systemRandom }) {
  if (!(key instanceof PlanKey)) throw new FormatError('key must be a PlanKey');
  if (!(recipient instanceof DevicePublicKeys) || !(granter instanceof DeviceKeys)) {
    throw new FormatError('recipient must be DevicePublicKeys and granter DeviceKeys');
  }
  const id = docId === null ? newDocumentId(random) : checkHexId(docId, 16, 'document id');
  const { epk, shared } = await ephemeralAgreement(random, recipient.encryption, 'recipient X25519 public key');
  const nonce = draw(random, NONCE_BYTES);
  const to = recipient.deviceId;
  const by = granter.deviceId;
  const message = grantSignatureMessage({ planId: key.planId, epoch: key.epoch, kid: key.kid, by, to, audience: key.audience });
  const grant = {
    ...(key.audience !== EVERYONE && { aud: key.audience }),
    by,
    epoch: key.epoch,
    key: b64uEncode(key.secret),
    kid: key.kid,
    plan: key.planId,
    sig: b64uEncode(await ed25519Sign(granter.signingKey, message)),
    to,
  };
  const associated = keyringAssociatedData({ planId: key.planId, docId: id, kid: key.kid, to, epk });
  const ct = await aeadSeal(await wrapKey(shared, epk, recipient.encryption), nonce, canonicalJson(grant), associated);
  return { _id: id, v: KEYRING_VERSION, kind: 'keyring', kid: key.kid, to, epk: b64uEncode(epk), nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

async function unwrap(doc, planId, device) {
  checkPlanId(planId);
  const envelope = parseKeyringDocument(doc);
  if (envelope.to !== device.deviceId) throw new DecryptionError();
  const shared = await x25519Shared(device.encryptionKey, envelope.epk);
  const associated = keyringAssociatedData({ planId, docId: envelope.docId, kid: envelope.kid, to: envelope.to, epk: envelope.epk });
  const plaintext = await aeadOpen(await wrapKey(shared, envelope.epk, device.public.encryption), envelope.nonce, envelope.ct, associated);
  const grant = parseCanonicalJson(plaintext);
  const members = grant !== null && typeof grant === 'object' && !Array.isArray(grant) ? Object.keys(grant).sort().join() : '';
  if (members !== GRANT_FIELDS && members !== AUDIENCE_GRANT_FIELDS) {
    throw new FormatError('a grant has exactly by, epoch, key, kid, plan, sig, to and, for an audience key, aud');
  }
  if ('aud' in grant && grant.aud === EVERYONE) throw new FormatError('a grant of the plan key carries no aud');
  const audience = checkAudience(grant.aud ?? EVERYONE);
  const epoch = checkEpoch(grant.epoch);
  const secret = b64uDecode(grant.key, KEY_BYTES, 'key');
  const by = checkHexId(grant.by, 16, 'granter');
  const signature = b64uDecode(grant.sig, SIGNATURE_BYTES, 'sig');
  if (grant.plan !== planId || grant.kid !== envelope.kid || grant.to !== envelope.to) throw new DecryptionError();
  if ((await deriveKeyId(planId, epoch, secret, audience)) !== envelope.kid) throw new DecryptionError();
  return { envelope, epoch, secret, by, signature, audience };
}

/**
 * Unwrap the plan key a keyring document grants to `device`. Returns {key, granter}. Throws
 * DecryptionError (same message whatever the cause) when malformed, not addressed to `device`, altered
 * or moved; SignatureError when the granter is not in `trusted` or its signature does not verify.
 */
export async function openGrant(doc, { planId, device, trusted }) {
  if (!(device instanceof DeviceKeys)) throw new FormatError('device must be DeviceKeys');
  let unwrapped;
  try {
    unwrapped = await unwrap(doc, planId, device);
  } catch (error) {
    if (error instanceof FormatError) throw new DecryptionError();
    throw error;
  }
  const { envelope, epoch, secret, by, signature, audience } = unwrapped;
  const granter = await lookupDevice(trusted, by);
  const message = grantSignatureMessage({ planId, epoch, kid: envelope.kid, by, to: envelope.to, audience });
  if (!(await ed25519Verify(granter.signing, signature, message))) throw new SignatureError();
  return { key: await PlanKey.fromSecret(planId, epoch, secret, audience), granter: by };
}

/**
 * Start a new epoch (spec §10): a new key, granted only to `remaining` (in order). `epoch` defaults to one
 * more than the keyring's current epoch; a steward superseding a stuck rotation (spec §10.3) passes the
 * recorded epoch + 1, which must be greater than the keyring's current epoch. `audience` names the key line
 * rotated (spec §5.3; its epochs count on their own, from 1 when the keyring holds none). Draws 32 bytes for the key,
 * then for each remaining device 16 (_id), 32 and 12. Returns {key, documents}.
 */
export async function rotatePlanKey(keyring, { remaining, granter, random = systemRandom, epoch = null, audience = EVERYONE }) {
  if (!(keyring instanceof Keyring) || keyring.size === 0) throw new FormatError('rotation needs the plan\'s current keyring');
  if (!Array.isArray(remaining) || !remaining.every((device) => device instanceof DevicePublicKeys)) {
    throw new FormatError('remaining must be a list of DevicePublicKeys');
  }
  if (!(granter instanceof DeviceKeys)) throw new FormatError('granter must be DeviceKeys');
  const current = keyring.currentOf(checkAudience(audience), { orNull: true })?.epoch ?? 0;
  const next = checkEpoch(epoch === null || epoch === undefined ? current + 1 : epoch);
  if (next <= current) throw new FormatError("a rotation's epoch must be greater than the current epoch");
  const key = await PlanKey.fromSecret(keyring.planId, next, draw(random, KEY_BYTES), audience);
  const documents = [];
  for (const device of remaining) documents.push(await grantPlanKey(key, { recipient: device, granter, random }));
  return { key, documents };
}
