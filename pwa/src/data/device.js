// This device's identity: its key pairs (made here, never sent anywhere), its server token and the
// plans it belongs to. The one module that touches the device store. With the app lock on, the store
// holds the private keys only wrapped under the PIN or passphrase (spec §13, `locked`), never raw
// (`secret`); they are unwrapped into memory when the app is unlocked.

import { DeviceKeys, DevicePublicKeys, generateDeviceKeys, lockDeviceKeys, unlockDeviceKeys } from '../crypto/index.js';
import { idbGet, idbSet } from '../lib/idb.js';
import { newPinProblem } from './safety.js';

const KEY = 'device';
let cached = null;

/**
 * {keys: DeviceKeys, token, deviceId, account, kind, name, label, plans: {planId: {...}}} or null (also
 * while locked). A device that joined a plan with no connection has no token yet (`joining` is true).
 */
export async function loadDevice() {
  if (cached) return cached;
  const stored = await idbGet(KEY);
  if (!stored || !(stored.token || stored.joining) || stored.locked) return null;
  const keys = await DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  cached = { ...stored, keys };
  return cached;
}

/** True when this device's keys are locked and not yet unlocked in this page. */
export async function isLocked() {
  if (cached) return false;
  const stored = await idbGet(KEY);
  return !!(stored && (stored.token || stored.joining) && stored.locked);
}

/** Unwrap the device keys with the PIN; DecryptionError when it is wrong. */
export async function unlockDevice(pin) {
  const stored = await idbGet(KEY);
  const keys = await unlockDeviceKeys(stored.locked, pin);
  cached = { ...stored, keys };
  return cached;
}

/** Turn the app lock on (or change the PIN): from now on only the wrapped keys are stored. */
export async function setLock(pin) {
  refuseWeakPin(pin);
  const device = await loadDevice();
  const locked = await lockDeviceKeys(device.keys, pin);
  return save({ ...device, locked });
}

/** Change the PIN: the old one must unwrap the stored keys (DecryptionError if not); they are re-wrapped under the new one. */
export async function changeLock(oldPin, newPin) {
  refuseWeakPin(newPin);
  const stored = await idbGet(KEY);
  const keys = await unlockDeviceKeys(stored.locked, oldPin);
  const locked = await lockDeviceKeys(keys, newPin);
  const device = await loadDevice();
  return save({ ...(device || { ...stored, keys }), locked });
}

/** A new PIN must have at least 6 characters (safety.js); a lock set before with a shorter one still opens. */
function refuseWeakPin(pin) {
  const problem = newPinProblem(pin);
  if (problem) throw new RangeError(problem);
}

/** Forget the unwrapped keys held in memory (the app lock closes the app). */
export function forgetKeys() {
  cached = null;
}

/** Turn the app lock off, after checking the PIN: the keys are stored unwrapped again. */
export async function removeLock(pin) {
  const device = await loadDevice();
  await unlockDeviceKeys(device.locked, pin);
  const { locked, ...rest } = device;
  return save(rest);
}

/**
 * Key pairs for a device that is about to enrol or join: made once and stored at once, so every try sends
 * the same keys (a repeat after a lost answer, api.md §4, §7). `fresh`: new ones instead of those stored
 * (the server has these keys enrolled, and their token is not here); never for a device that has a token.
 */
export async function newDeviceKeys({ fresh = false } = {}) {
  const stored = await idbGet(KEY);
  if (fresh && (stored?.token || stored?.joining || stored?.locked)) throw new Error('this device is set up already');
  if (stored && stored.secret && !fresh) return DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  const keys = await generateDeviceKeys();
  await idbSet(KEY, { secret: keys.privateBytes() });
  return keys;
}

async function save(device) {
  const { keys, secret, ...rest } = device;
  // Locked: only the wrapped form (rest.locked) is written; the raw private keys never are.
  await idbSet(KEY, rest.locked ? rest : { ...rest, secret: keys.privateBytes() });
  cached = device;
  return device;
}

/**
 * Record the server's answer to enrolment or an invite redemption; or, with `joining`, a device that
 * joined with no connection and has no token yet (the redemption is queued, see session.js).
 */
export async function saveIdentity(keys, { token, deviceId, account, kind, name, label, joining = false }) {
  const previous = (await loadDevice()) || { plans: {} };
  return save({ ...previous, keys, token, deviceId, account, kind, name, label, joining, plans: previous.plans || {} });
}

/** Remember a plan this device belongs to; `inviter` is the public keys of the device it joined through. */
export async function rememberPlan(planId, info = {}) {
  const device = await loadDevice();
  const plans = { ...device.plans, [planId]: { ...(device.plans[planId] || {}), ...info } };
  return save({ ...device, plans });
}

/**
 * Forget a plan on this device: its entry (role, the device it joined through, the devices a file
 * vouched for, where its names are) goes from the store. The plan's keys live only in its own
 * database, which the caller destroys.
 */
export async function forgetPlan(planId) {
  const device = await loadDevice();
  const plans = { ...device.plans };
  delete plans[planId];
  return save({ ...device, plans });
}

/**
 * Remember the devices a plan's roster vouched for (public keys only, no names). After a key change
 * (spec §10) the roster is sealed under the new key, and the new key reaches this device in a keyring
 * document from another member's device: this device must already know that device to accept it.
 */
export async function rememberRoster(planId, devices) {
  const device = await loadDevice();
  const info = device?.plans[planId];
  if (!info) return;
  const roster = info.roster || [];
  const known = new Set(roster.map((keys) => JSON.stringify(keys)));
  const added = devices.map((pub) => pub.toJSON()).filter((keys) => !known.has(JSON.stringify(keys)));
  if (added.length) await rememberPlan(planId, { roster: [...roster, ...added] });
}

/** The devices this device trusts without the roster: itself, the device it joined through, a plan file's. */
export async function trustedDevices(planId) {
  const device = await loadDevice();
  const trusted = new Map([[device.keys.deviceId, device.keys.public]]);
  const info = device.plans[planId] || {};
  // The device it joined through, for a plan opened from a file the devices the file vouches for, and
  // the devices the plan's roster vouched for before (so they stay known after the plan key changes).
  for (const keys of [info.inviter, ...(info.trusted || []), ...(info.roster || [])]) {
    if (!keys) continue;
    const pub = await DevicePublicKeys.fromJSON(keys);
    trusted.set(pub.deviceId, pub);
  }
  return trusted;
}

/**
 * Keep an invite's bind key until the device that joined with it is admitted (spec §11.5): {inviteId,
 * bindKey (base64url), role, access, expiresAt (Unix seconds), kept (ms)}. Never the invite's secret.
 */
export async function rememberInvite(planId, invite) {
  const device = await loadDevice();
  const invites = device?.plans[planId]?.invites || [];
  await rememberPlan(planId, { invites: [...invites.filter((i) => i.inviteId !== invite.inviteId), { ...invite, kept: Date.now() }] });
}

const KEEP_BIND_KEYS = 30 * 24 * 3600 * 1000; // at most 30 days (spec §11.5)

/** Forget the bind keys of invites now admitted (`done`) and of those kept longer than 30 days. */
export async function forgetInvites(planId, done = []) {
  const device = await loadDevice();
  const invites = device?.plans[planId]?.invites;
  if (!invites) return;
  const left = invites.filter((i) => !done.includes(i.inviteId) && Date.now() - (i.kept || 0) < KEEP_BIND_KEYS);
  if (left.length !== invites.length) await rememberPlan(planId, { invites: left });
}

export async function setPreference(name, value) {
  const device = await loadDevice();
  return save({ ...device, [name]: value });
}
