// Alongside end-to-end encryption for the browser and Node (WebCrypto only). docs/crypto.md is the spec.
// Randomness (`random(n) -> Uint8Array`) and the clock (`now`, Unix seconds) are injectable options.

export * from './errors.js';
export {
  b64uDecode,
  b64uEncode,
  base32Decode,
  base32Encode,
  bytesToHex,
  canonicalJson,
  canonicalJsonText,
  hexToBytes,
  parseCanonicalJson,
} from './encoding.js';
export { bucketSize, isBucketSize, pad, unpad } from './padding.js';
export { systemRandom } from './primitives.js';
export {
  DeviceKeys,
  DevicePublicKeys,
  Keyring,
  PlanKey,
  deriveKeyId,
  deviceIdFor,
  generateDeviceKeys,
  newDocumentId,
  newPlanId,
  newPlanKey,
} from './keys.js';
export { SignedItem, itemSignatureMessage, signItem, verifyItem } from './provenance.js';
export {
  decryptItem,
  itemAssociatedData,
  openItem,
  parseItemEnvelope,
  resealItem,
  sealItem,
  sealSignedItem,
} from './envelope.js';
export { grantPlanKey, openGrant, parseKeyringDocument, rotatePlanKey } from './grants.js';
export {
  Invite,
  checkInviteToken,
  createInvite,
  grantCode,
  inviteAuthToken,
  inviteRegistration,
  inviteVerifier,
  openInvite,
  parseInvite,
  registrationMessage,
  verifyInviteRegistration,
} from './invite.js';
export { deviceFingerprint, planFingerprint } from './fingerprint.js';
export { lockDeviceKeys, lockSecret, parsePinlock, unlockDeviceKeys, unlockSecret } from './pinlock.js';
export { checkWireDocument, documentKeyId, documentKind } from './wire.js';
