// Device keys, plan keys, key ids and the local keyring (spec §4, §5).

import { DecryptionError, FormatError } from './errors.js';
import { b64uDecode, b64uEncode, bytesToHex, checkBytes, checkHexId, checkPlanId, concatBytes, utf8 } from './encoding.js';
import {
  KEY_BYTES,
  aesKey,
  draw,
  ed25519PrivateKey,
  ed25519Public,
  hkdfSha256,
  labelledSha256,
  systemRandom,
  x25519PrivateKey,
  x25519Public,
  x25519Shared,
} from './primitives.js';

export const MAX_EPOCH = 2 ** 32 - 1;
// Only this module's factories construct key objects, so derived ids always match the keys.
const FACTORY = Symbol('factory');
const direct = (token, name) => {
  if (token !== FACTORY) throw new FormatError(`use ${name} to build this object`);
};

/**
 * {epk, shared} for sealing to the X25519 public key `recipient` (bytes): draws the 32-byte ephemeral private
 * key, and refuses (FormatError) a recipient key that gives the all-zero secret. `what` names that key.
 */
export async function ephemeralAgreement(random, recipient, what) {
  const ephemeral = draw(random, KEY_BYTES);
  let shared;
  try {
    shared = await x25519Shared(ephemeral, recipient);
  } catch (error) {
    if (error instanceof DecryptionError) throw new FormatError(`the ${what} is not usable`);
    throw error;
  }
  return { epk: await x25519Public(ephemeral), shared };
}

/** A random document id: 16 random bytes as 32 lower-case hex characters. */
export function newDocumentId(random = systemRandom) {
  return bytesToHex(draw(random, 16));
}

/** A random plan id (a plan made without a creator device): 16 random bytes as 32 lower-case hex characters. */
export function newPlanId(random = systemRandom) {
  return bytesToHex(draw(random, 16));
}

export const PLAN_SALT_BYTES = 16;

/** The plan id that names its creator (spec §4.1): hex(H("alongside/v2/plan-id", salt || sig_pub)[0:16]). */
export async function planIdFor(signingPublic, salt) {
  checkBytes(signingPublic, KEY_BYTES, 'Ed25519 public key');
  checkBytes(salt, PLAN_SALT_BYTES, 'plan salt');
  const digest = await labelledSha256('alongside/v2/plan-id', concatBytes(salt, signingPublic));
  return bytesToHex(digest.subarray(0, 16));
}

/** A new plan id naming `publicKeys`' device as its creator (spec §4.1). Draws the 16-byte salt; returns {planId, salt}. */
export async function newPlanIdFor(publicKeys, { random = systemRandom } = {}) {
  if (!(publicKeys instanceof DevicePublicKeys)) throw new FormatError('the creator must be DevicePublicKeys');
  const salt = draw(random, PLAN_SALT_BYTES);
  return { planId: await planIdFor(publicKeys.signing, salt), salt };
}

/** The id of `deviceId`'s roster entry in plan `planId` (spec §4.2). */
export async function rosterDocumentId(planId, deviceId) {
  checkPlanId(planId);
  checkHexId(deviceId, 16, 'device id');
  const digest = await labelledSha256('alongside/v2/roster-id', concatBytes(utf8(planId), Uint8Array.of(0), utf8(deviceId)));
  return bytesToHex(digest.subarray(0, 16));
}

/** hex(SHA-256("alongside/v1/device-id" || 0x00 || enc_pub || sig_pub)[0:16]). */
export async function deviceIdFor(encryptionPublic, signingPublic) {
  checkBytes(encryptionPublic, KEY_BYTES, 'X25519 public key');
  checkBytes(signingPublic, KEY_BYTES, 'Ed25519 public key');
  const digest = await labelledSha256('alongside/v1/device-id', concatBytes(encryptionPublic, signingPublic));
  return bytesToHex(digest.subarray(0, 16));
}

/** A device's public keys (X25519 `encryption`, Ed25519 `signing`) and the id they hash to. */
export class DevicePublicKeys {
  constructor(encryption, signing, deviceId, token) {
    direct(token, 'DevicePublicKeys.create()');
    this.encryption = encryption;
    this.signing = signing;
    this.deviceId = deviceId;
    Object.freeze(this);
  }

  /** Build from the two raw public keys, computing the device id. */
  static async create(encryption, signing) {
    const deviceId = await deviceIdFor(encryption, signing);
    return new DevicePublicKeys(encryption.slice(), signing.slice(), deviceId, FACTORY);
  }

  /** `{"enc": b64u, "sig": b64u}`. */
  toJSON() {
    return { enc: b64uEncode(this.encryption), sig: b64uEncode(this.signing) };
  }

  /** Parse `{"enc", "sig"}`; FormatError on anything else. */
  static async fromJSON(value) {
    if (value === null || typeof value !== 'object' || Object.keys(value).sort().join() !== 'enc,sig') {
      throw new FormatError('public keys must be an object with enc and sig');
    }
    return DevicePublicKeys.create(b64uDecode(value.enc, KEY_BYTES, 'enc'), b64uDecode(value.sig, KEY_BYTES, 'sig'));
  }
}

/** A device's private keys (raw X25519 key and Ed25519 seed), their CryptoKeys and the public keys. */
export class DeviceKeys {
  constructor(encryptionPrivate, signingPrivate, publicKeys, encryptionKey, signingKey, token) {
    direct(token, 'DeviceKeys.fromPrivate()');
    this.encryptionPrivate = encryptionPrivate;
    this.signingPrivate = signingPrivate;
    this.public = publicKeys;
    this.deviceId = publicKeys.deviceId;
    this.encryptionKey = encryptionKey;
    this.signingKey = signingKey;
    Object.freeze(this);
  }

  /** Build from the raw 32-byte private keys. */
  static async fromPrivate(encryptionPrivate, signingPrivate) {
    const encryptionKey = await x25519PrivateKey(encryptionPrivate);
    const signingKey = await ed25519PrivateKey(signingPrivate);
    const pub = await DevicePublicKeys.create(await x25519Public(encryptionKey), await ed25519Public(signingKey));
    return new DeviceKeys(encryptionPrivate.slice(), signingPrivate.slice(), pub, encryptionKey, signingKey, FACTORY);
  }

  /** enc_priv || sig_priv (64 bytes), the secret a PIN lock wraps. */
  privateBytes() {
    return concatBytes(this.encryptionPrivate, this.signingPrivate);
  }

  /** Inverse of privateBytes(). */
  static async fromPrivateBytes(secret) {
    checkBytes(secret, 2 * KEY_BYTES, 'device private keys');
    return DeviceKeys.fromPrivate(secret.slice(0, KEY_BYTES), secret.slice(KEY_BYTES));
  }
}

/** New device keys: draws 32 bytes for X25519, then 32 for Ed25519. */
export async function generateDeviceKeys(random = systemRandom) {
  const encryptionPrivate = draw(random, KEY_BYTES);
  const signingPrivate = draw(random, KEY_BYTES);
  return DeviceKeys.fromPrivate(encryptionPrivate, signingPrivate);
}

/** Return `epoch` if it is an integer in 1 ... 2**32 - 1. */
export function checkEpoch(epoch) {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) {
    throw new FormatError('epoch must be an integer from 1 to 2**32 - 1');
  }
  return epoch;
}

/** u32 big-endian. */
export function u32(value) {
  return Uint8Array.of((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** The audiences of a plan (spec §5.3): each has its own key line; `everyone` is the plan key of §5.2. */
export const EVERYONE = 'everyone';
export const AUDIENCES = Object.freeze([EVERYONE, 'worker', 'family']);

/** Return `audience` if it is one of AUDIENCES. */
export function checkAudience(audience) {
  if (!AUDIENCES.includes(audience)) throw new FormatError('audience must be everyone, worker or family');
  return audience;
}

/**
 * The key id of a plan key (spec §5.2) or an audience key (§5.3). everyone:
 * hex(HKDF(K, utf8(plan_id), "alongside/v1/key-id" || 0x00 || u32(epoch), 8)); any other audience:
 * hex(HKDF(K, utf8(plan_id), "alongside/v2/audience-key-id" || 0x00 || utf8(audience) || 0x00 || u32(epoch), 8)).
 */
export async function deriveKeyId(planId, epoch, secret, audience = EVERYONE) {
  checkPlanId(planId);
  checkEpoch(epoch);
  checkBytes(secret, KEY_BYTES, 'plan key');
  checkAudience(audience);
  const info =
    audience === EVERYONE
      ? concatBytes(utf8('alongside/v1/key-id'), Uint8Array.of(0), u32(epoch))
      : concatBytes(utf8('alongside/v2/audience-key-id'), Uint8Array.of(0), utf8(audience), Uint8Array.of(0), u32(epoch));
  return bytesToHex(await hkdfSha256(secret, utf8(planId), info, 8));
}

/** One epoch's key of one audience's key line (spec §5.2, §5.3); `kid` and the item encryption key (`aesKey`) are derived. */
export class PlanKey {
  constructor(planId, epoch, secret, kid, itemKey, audience, token) {
    direct(token, 'PlanKey.fromSecret()');
    this.planId = planId;
    this.epoch = epoch;
    this.secret = secret;
    this.kid = kid;
    this.itemKey = itemKey;
    this.audience = audience;
    Object.freeze(this);
  }

  /** Build from (plan id, epoch, 32-byte secret) and the audience whose line it belongs to (default everyone). */
  static async fromSecret(planId, epoch, secret, audience = EVERYONE) {
    const kid = await deriveKeyId(planId, epoch, secret, audience);
    const raw = await hkdfSha256(secret, utf8(planId), utf8('alongside/v1/item-key'), KEY_BYTES);
    return new PlanKey(planId, epoch, secret.slice(), kid, await aesKey(raw), audience, FACTORY);
  }
}

/** A fresh key for `epoch` of `audience`'s line (default: the plan key): draws 32 bytes. */
export async function newPlanKey(planId, { epoch = 1, random = systemRandom, audience = EVERYONE } = {}) {
  checkPlanId(planId);
  checkEpoch(epoch);
  checkAudience(audience);
  return PlanKey.fromSecret(planId, epoch, draw(random, KEY_BYTES), audience);
}

/** The plan keys one device holds for one plan, by key id. Immutable; withKey() returns a new one. */
export class Keyring {
  constructor(planId, keys = []) {
    this.planId = checkPlanId(planId);
    this.keys = new Map();
    for (const key of keys) {
      if (!(key instanceof PlanKey) || key.planId !== planId) {
        throw new FormatError("keyring keys must belong to the keyring's plan");
      }
      this.keys.set(key.kid, key);
    }
    Object.freeze(this);
  }

  get size() {
    return this.keys.size;
  }

  get(kid) {
    return this.keys.get(kid);
  }

  has(kid) {
    return this.keys.has(kid);
  }

  /** A keyring with `key` added. */
  withKey(key) {
    return new Keyring(this.planId, [...this.keys.values(), key]);
  }

  /** The current plan key (audience everyone): highest epoch, then highest kid (spec §5.2). */
  get current() {
    return this.currentOf(EVERYONE);
  }

  /** The current key of `audience`'s line (spec §5.3), or, with `orNull`, null when none is held. */
  currentOf(audience, { orNull = false } = {}) {
    checkAudience(audience);
    let best = null;
    for (const key of this.keys.values()) {
      if (key.audience !== audience) continue;
      if (best === null || key.epoch > best.epoch || (key.epoch === best.epoch && key.kid > best.kid)) best = key;
    }
    if (best === null && !orNull) throw new FormatError(`the keyring holds no ${audience} key`);
    return best;
  }

  /** The audiences this keyring holds keys of, in the order of AUDIENCES. */
  get audiences() {
    const held = new Set([...this.keys.values()].map((key) => key.audience));
    return AUDIENCES.filter((audience) => held.has(audience));
  }

  /** True when `kid` is in this keyring but is not the current key of its audience's line. */
  isRetired(kid) {
    const key = this.keys.get(kid);
    return !!key && kid !== this.currentOf(key.audience).kid;
  }
}
