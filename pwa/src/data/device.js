// This device's identity: its key pairs (made here, never sent anywhere), its server token and the
// plans it belongs to. The one module that touches the device store, so that wrapping the private
// keys under a PIN (a later issue) changes only this file.

import { DeviceKeys, DevicePublicKeys, generateDeviceKeys } from '../crypto/index.js';
import { idbGet, idbSet } from '../lib/idb.js';

const KEY = 'device';
let cached = null;

/** {keys: DeviceKeys, token, deviceId, account, kind, name, label, plans: {planId: {...}}} or null. */
export async function loadDevice() {
  if (cached) return cached;
  const stored = await idbGet(KEY);
  if (!stored || !stored.token) return null;
  const keys = await DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  cached = { ...stored, keys };
  return cached;
}

/** New key pairs for a device that is about to enrol or join (kept in memory until saved). */
export async function newDeviceKeys() {
  const stored = await idbGet(KEY);
  if (stored && stored.secret) return DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  const keys = await generateDeviceKeys();
  await idbSet(KEY, { secret: keys.privateBytes() });
  return keys;
}

async function save(device) {
  const { keys, ...rest } = device;
  await idbSet(KEY, { ...rest, secret: keys.privateBytes() });
  cached = device;
  return device;
}

/** Record the server's answer to enrolment or an invite redemption. */
export async function saveIdentity(keys, { token, deviceId, account, kind, name, label }) {
  const previous = (await loadDevice()) || { plans: {} };
  return save({ ...previous, keys, token, deviceId, account, kind, name, label, plans: previous.plans || {} });
}

/** Remember a plan this device belongs to; `inviter` is the public keys of the device it joined through. */
export async function rememberPlan(planId, info = {}) {
  const device = await loadDevice();
  const plans = { ...device.plans, [planId]: { ...(device.plans[planId] || {}), ...info } };
  return save({ ...device, plans });
}

/** The devices this device trusts without the roster: itself and the devices it joined through. */
export async function trustedDevices(planId) {
  const device = await loadDevice();
  const trusted = new Map([[device.keys.deviceId, device.keys.public]]);
  const inviter = device.plans[planId]?.inviter;
  if (inviter) {
    const pub = await DevicePublicKeys.fromJSON(inviter);
    trusted.set(pub.deviceId, pub);
  }
  return trusted;
}

export async function setPreference(name, value) {
  const device = await loadDevice();
  return save({ ...device, [name]: value });
}
