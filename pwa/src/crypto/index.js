// Alongside end-to-end encryption for the browser and Node (WebCrypto only). docs/crypto.md is the spec.
// Randomness (`random(n) -> Uint8Array`) and the clock (`now`, Unix seconds) are injectable options.

export * from './errors.js';
export {
  b64uDecode,
  b64uLength,
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
  AUDIENCES,
  DeviceKeys,
  DevicePublicKeys,
  EVERYONE,
  Keyring,
  PlanKey,
  checkAudience,
  deriveKeyId,
  deviceIdFor,
  generateDeviceKeys,
  newDocumentId,
  newPlanId,
  newPlanIdFor,
  newPlanKey,
  planIdFor,
  rosterDocumentId,
} from './keys.js';
export {
  ITEM_VERSION,
  LEGACY_ITEM_VERSION,
  SignedItem,
  itemSignatureMessage,
  nextVersion,
  signItem,
  verifyItem,
  versionHash,
} from './provenance.js';
export { judgeVersions } from './history.js';
export { FIELD_CONTEXT, signField, signStatement, statementMessage, verifyField, verifyStatement } from './statements.js';
export { CATALOGUE_CONTEXT, catalogueMessage, checkCatalogue, verifyCatalogue } from './catalogue.js';
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
  admissionBind,
  checkInviteToken,
  createInvite,
  createPendingInvite,
  grantCode,
  inviteAuthToken,
  inviteBindKey,
  inviteRegistration,
  inviteVerifier,
  openInvite,
  openPendingInvite,
  parseInvite,
  registrationMessage,
  verifyInviteRegistration,
} from './invite.js';
export { openJoinRequest, sealJoinRequest } from './joinrequest.js';
export { deviceFingerprint, planFingerprint } from './fingerprint.js';
export {
  caseloadKey,
  openedVersionsKey,
  localDatabaseId,
  localMarkKey,
  lockDeviceKeys,
  lockSecret,
  openAtRest,
  parsePinlock,
  sealAtRest,
  unlockDeviceKeys,
  unlockSecret,
} from './pinlock.js';
export { NOTE_VERSION, notesKey, openNote, sealNote } from './notes.js';
export {
  LEARNING_ANSWERS,
  LEARNING_MOVEMENTS,
  LEARNING_VERSION,
  MAX_LEARNING_ACTIVITIES,
  MAX_LEARNING_SCALES,
  checkFacts,
  checkLearningKey,
  checkSealedFacts,
  learningKid,
  newLearningKey,
  openFacts,
  openLearningGrant,
  sealFacts,
  signLearningKey,
  verifyLearningKey,
  wrapLearningKeyFor,
} from './learning.js';
export { checkWireDocument, documentKeyId, documentKind } from './wire.js';
