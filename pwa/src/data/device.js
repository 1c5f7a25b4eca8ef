// This device's identity: its key pairs (made here, never sent anywhere), its server token and the
// plans it belongs to. The one module that touches the device store. With the app lock on, the whole
// record (keys, token, names, device label, plans, roles, invite bind keys) is stored as one sealed blob
// (spec §13.2): sealed under a random record key that is itself wrapped under the PIN or passphrase
// (spec §13), with the outbox sealed under the same record key. Only that a lock is set and its KDF
// parameters stay readable. It is unsealed into memory when the app is unlocked.

import {
  DeviceKeys,
  DevicePublicKeys,
  b64uDecode,
  b64uEncode,
  generateDeviceKeys,
  lockSecret,
  openAtRest,
  sealAtRest,
  systemRandom,
  unlockDeviceKeys,
  unlockSecret,
} from '../crypto/index.js';
import { idbGet, idbSet, idbSetMany } from '../lib/idb.js';
import { newPinProblem } from './safety.js';

const KEY = 'device';
const OUTBOX = 'outbox'; // the outbox's store (outbox.js), sealed with the record while the lock is on
let cached = null;
let writing = Promise.resolve();

/** Thrown when something kept sealed at rest is read or written while the app is locked. */
export class AppLocked extends Error {
  constructor() {
    super('the app is locked');
  }
}

// Writes go one at a time, so turning the lock on or off is never overtaken by a write begun before it.
function serially(task) {
  const run = writing.then(task, task);
  writing = run.catch(() => {});
  return run;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// The record as JSON, its byte arrays (the private keys, the database key) written {"$b64u": ...}.
function bytesOut(_, v) {
  if (v instanceof ArrayBuffer) return { $b64u: b64uEncode(new Uint8Array(v)) };
  return v instanceof Uint8Array ? { $b64u: b64uEncode(v) } : v;
}
function bytesIn(_, v) {
  const bytes = v && typeof v === 'object' && typeof v.$b64u === 'string' && Object.keys(v).length === 1;
  return bytes ? b64uDecode(v.$b64u) : v;
}
const toBytes = (value) => encoder.encode(JSON.stringify(value, bytesOut));
const fromBytes = (bytes) => JSON.parse(decoder.decode(bytes), bytesIn);

const isSealed = (stored, name = KEY) => stored?.v === 2 && stored.kind === `locked-${name}`;

/** The record as stored with no lock: the private keys raw (`secret`), nothing of what is only held in memory. */
function plainForm(device) {
  const { keys, locked, recordKey, ...rest } = device;
  return { ...rest, secret: keys.privateBytes() };
}

/** The record as stored with the lock on: one sealed blob and the wrapped record key (spec §13.2). */
async function sealedForm(device) {
  const { keys, locked, recordKey, ...rest } = device;
  const sealed = await sealAtRest(recordKey, KEY, toBytes({ ...rest, secret: keys.privateBytes() }));
  return { v: 2, kind: `locked-${KEY}`, locked, ...sealed };
}

async function sealedStore(recordKey, name, value) {
  if (value === undefined) return undefined;
  return { v: 2, kind: `locked-${name}`, ...(await sealAtRest(recordKey, name, toBytes(value))) };
}

async function fromRecord(record) {
  const { secret, ...rest } = record;
  return { ...rest, keys: await DeviceKeys.fromPrivateBytes(new Uint8Array(secret)) };
}

/** What a store holds, unsealed with the record key in memory; AppLocked when it is sealed and the app is locked. */
async function unsealed(name, stored) {
  if (!isSealed(stored, name)) return stored;
  if (!cached?.recordKey) throw new AppLocked();
  return fromBytes(await openAtRest(cached.recordKey, name, stored));
}

/**
 * {keys: DeviceKeys, token, deviceId, account, kind, name, label, plans: {planId: {...}}, dbKey} or null
 * (also while locked). A device that joined a plan with no connection has no token yet (`joining` is true).
 * `dbKey`, once set (the lock was turned on once), names the plans' local databases (localdb.js).
 */
export async function loadDevice() {
  if (cached) return cached;
  const stored = await idbGet(KEY);
  if (!stored || isSealed(stored) || stored.locked || !(stored.token || stored.joining)) return null;
  cached = await fromRecord(stored);
  return cached;
}

/** True when this device's record is locked and not yet unlocked in this page. */
export async function isLocked() {
  if (cached) return false;
  const stored = await idbGet(KEY);
  return isSealed(stored) || !!(stored && (stored.token || stored.joining) && stored.locked);
}

/** Unseal the device record with the PIN; DecryptionError when it is wrong. */
export async function unlockDevice(pin) {
  const stored = await idbGet(KEY);
  if (isSealed(stored)) {
    const recordKey = await unlockSecret(stored.locked, pin);
    const record = fromBytes(await openAtRest(recordKey, KEY, stored));
    cached = { ...(await fromRecord(record)), locked: stored.locked, recordKey };
    return cached;
  }
  // Locked by an earlier version of the app (spec §13: only the keys wrapped): sealed whole at once.
  const keys = await unlockDeviceKeys(stored.locked, pin);
  const { locked, ...rest } = stored;
  return lockWith(pin, { ...rest, keys });
}

/**
 * Seal the record under a new record key wrapped under `pin`, and the outbox under the same key, in one
 * transaction (a crash leaves the one form or the other, never half of each). The slow part (the PIN's key
 * derivation) comes first; the record sealed is the one as it is when this write's turn comes, so a change
 * made meanwhile is neither lost nor written in clear after it. `legacy`: the record of a device locked by
 * an earlier version (only its keys wrapped, the record itself in clear), sealed whole when none is held in
 * memory yet (its unlocking).
 */
async function lockWith(pin, legacy = null) {
  const recordKey = systemRandom(32);
  const locked = await lockSecret(recordKey, pin);
  return serially(async () => {
    const device = cached || legacy || (await current());
    const outbox = await unsealed(OUTBOX, await idbGet(OUTBOX));
    const next = { ...device, dbKey: device.dbKey || systemRandom(32), locked, recordKey };
    await idbSetMany([
      [KEY, await sealedForm(next)],
      [OUTBOX, await sealedStore(recordKey, OUTBOX, outbox)],
    ]);
    cached = next;
    return next;
  });
}

/** Turn the app lock on: from now on the record (and the outbox) are stored only sealed. Move the databases after (localdb.js). */
export async function setLock(pin) {
  refuseWeakPin(pin);
  return lockWith(pin);
}

/** Change the PIN: the old one must unwrap the record key (DecryptionError if not); it is wrapped again under the new one. */
export async function changeLock(oldPin, newPin) {
  refuseWeakPin(newPin);
  const stored = await idbGet(KEY);
  if (!isSealed(stored)) {
    const keys = await unlockDeviceKeys(stored.locked, oldPin);
    const { locked, recordKey, ...rest } = stored;
    return lockWith(newPin, { ...rest, keys });
  }
  const recordKey = await unlockSecret(stored.locked, oldPin);
  if (!cached) cached = { ...(await fromRecord(fromBytes(await openAtRest(recordKey, KEY, stored)))), locked: stored.locked, recordKey };
  const locked = await lockSecret(recordKey, newPin);
  return update((device) => ({ ...device, locked, recordKey }));
}

/** A new PIN must have at least 6 characters (safety.js); a lock set before with a shorter one still opens. */
function refuseWeakPin(pin) {
  const problem = newPinProblem(pin);
  if (problem) throw new RangeError(problem);
}

/** Forget the unsealed record and keys held in memory (the app lock closes the app, the quick exit). */
export function forgetKeys() {
  cached = null;
}

/** Turn the app lock off, after checking the PIN: the record and the outbox are stored unsealed again (one transaction). */
export async function removeLock(pin) {
  const stored = await idbGet(KEY);
  if (isSealed(stored)) await unlockSecret(stored.locked, pin);
  else await unlockDeviceKeys(stored.locked, pin);
  return serially(async () => {
    const { locked, recordKey, ...rest } = await current();
    const outbox = await unsealed(OUTBOX, await idbGet(OUTBOX));
    await idbSetMany([
      [KEY, plainForm(rest)],
      [OUTBOX, outbox],
    ]);
    cached = rest;
    return rest;
  });
}

/** Read a store kept sealed with the record while the lock is on (the outbox); AppLocked before unlocking. */
export async function readPrivate(name) {
  return unsealed(name, await idbGet(name));
}

/** Write such a store: sealed under the record key while the lock is on; AppLocked while the app is locked. */
export function writePrivate(name, value) {
  return serially(async () => {
    if (cached?.recordKey) return idbSet(name, await sealedStore(cached.recordKey, name, value));
    if (!cached && (await isLocked())) throw new AppLocked();
    return idbSet(name, value);
  });
}

const CASELOAD = 'caseload'; // the caseload summary, sealed by caseloadcache.js under a key of its own

/** The caseload summary as stored (sealed: caseloadcache.js opens it), or undefined. */
export const readCaseloadRecord = () => idbGet(CASELOAD);

/** Store the caseload summary, sealed already; in turn with the record's writes. */
export function writeCaseloadRecord(sealed) {
  return serially(() => idbSet(CASELOAD, sealed));
}

const NOTES = 'reflective-notes'; // a worker's reflective notes, each sealed by reflectivenotes.js under a key of its own

/** The worker's reflective notes as stored ({v: 1, notes: [sealed note, …]}: reflectivenotes.js opens them), or undefined. */
export const readNotesRecord = () => idbGet(NOTES);

/** Store the reflective notes, each sealed already; in turn with the record's writes. */
export function writeNotesRecord(record) {
  return serially(() => idbSet(NOTES, record));
}

/**
 * Key pairs for a device that is about to enrol or join: made once and stored at once, so every try sends
 * the same keys (a repeat after a lost answer, api.md §4, §7). `fresh`: new ones instead of those stored
 * (the server has these keys enrolled, and their token is not here); never for a device that has a token.
 */
export async function newDeviceKeys({ fresh = false } = {}) {
  const stored = await idbGet(KEY);
  if (fresh && (stored?.token || stored?.joining || stored?.locked || isSealed(stored))) throw new Error('this device is set up already');
  if (isSealed(stored) || stored?.locked) throw new AppLocked(); // never new keys over a locked record
  if (stored && stored.secret && !fresh) return DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  const keys = await generateDeviceKeys();
  await idbSet(KEY, { secret: keys.privateBytes() });
  return keys;
}

/**
 * The record as it is now, for a write whose turn has come: the one held in memory, else the one stored
 * unlocked (null before the device has an identity); AppLocked when it is stored sealed and not unlocked.
 */
async function current() {
  const device = await loadDevice();
  if (!device && (await isLocked())) throw new AppLocked();
  return device;
}

/**
 * Change the record in turn with every other write to it: `change` is given the record as it is when this
 * write's turn comes (never a copy read before an earlier write finished, such as turning the lock on) and
 * returns the next one (or the same one: nothing is written), stored sealed when it carries a lock. Two
 * changes made together both land.
 */
function update(change) {
  return serially(async () => {
    const now = await current();
    const device = await change(now);
    if (device === now) return device; // nothing changed: nothing to write
    // Locked: only the sealed form is written; the raw private keys and the record never are.
    await idbSet(KEY, device.locked ? await sealedForm(device) : plainForm(device));
    cached = device;
    return device;
  });
}

/**
 * Record the server's answer to enrolment or an invite redemption; or, with `joining`, a device that
 * joined with no connection and has no token yet (the redemption is queued, see session.js).
 */
export function saveIdentity(keys, { token, deviceId, account, kind, name, label, joining = false }) {
  return update((previous) => ({ ...previous, keys, token, deviceId, account, kind, name, label, joining, plans: previous?.plans || {} }));
}

/** Remember a plan this device belongs to; `inviter` is the public keys of the device it joined through. */
export function rememberPlan(planId, info = {}) {
  return update((device) => withPlan(device, planId, info));
}

const withPlan = (device, planId, info) => ({ ...device, plans: { ...device.plans, [planId]: { ...device.plans[planId], ...info } } });

/**
 * Forget a plan on this device: its entry (role, the device it joined through, the devices a file
 * vouched for, where its names are) goes from the store. The plan's keys live only in its own
 * database, which the caller destroys.
 */
export function forgetPlan(planId) {
  return update((device) => {
    const { [planId]: _forgotten, ...plans } = device.plans;
    return { ...device, plans };
  });
}

/**
 * Remember the devices a plan's roster vouched for (public keys only, no names). After a key change
 * (spec §10) the roster is sealed under the new key, and the new key reaches this device in a keyring
 * document from another member's device: this device must already know that device to accept it.
 */
export async function rememberRoster(planId, devices) {
  const vouched = devices.map((pub) => pub.toJSON());
  await update((device) => {
    const info = device?.plans[planId];
    if (!info) return device;
    const roster = info.roster || [];
    const known = new Set(roster.map((keys) => JSON.stringify(keys)));
    const added = vouched.filter((keys) => !known.has(JSON.stringify(keys)));
    return added.length ? withPlan(device, planId, { roster: [...roster, ...added] }) : device;
  });
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
  const kept = { ...invite, kept: Date.now() };
  await update((device) => {
    const invites = device.plans[planId]?.invites || [];
    return withPlan(device, planId, { invites: [...invites.filter((i) => i.inviteId !== invite.inviteId), kept] });
  });
}

const KEEP_BIND_KEYS = 30 * 24 * 3600 * 1000; // at most 30 days (spec §11.5)

/** Forget the bind keys of invites now admitted (`done`) and of those kept longer than 30 days. */
export async function forgetInvites(planId, done = []) {
  await update((device) => {
    const invites = device?.plans[planId]?.invites;
    if (!invites) return device;
    const left = invites.filter((i) => !done.includes(i.inviteId) && Date.now() - (i.kept || 0) < KEEP_BIND_KEYS);
    return left.length === invites.length ? device : withPlan(device, planId, { invites: left });
  });
}

export function setPreference(name, value) {
  return update((device) => ({ ...device, [name]: value }));
}
