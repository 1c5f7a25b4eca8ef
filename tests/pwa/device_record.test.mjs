// The device record's writes in turn (pwa/src/data/device.js): a change made while the app lock is being
// turned on, changed or turned off is neither lost nor written in clear. The record lives in IndexedDB, here
// fake-indexeddb's implementation of it (Node has none); the app's own module does every read and write.

import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { generateDeviceKeys, lockDeviceKeys } from '../../pwa/src/crypto/index.js';
import {
  changeLock,
  forgetKeys,
  loadDevice,
  rememberPlan,
  removeLock,
  saveIdentity,
  setLock,
  setPreference,
  unlockDevice,
} from '../../pwa/src/data/device.js';
import { idbGet, idbSet, idbSetMany } from '../../pwa/src/lib/idb.js';

const PERSON = 'Zephyrine Obuya';
const LABEL = "Zephyrine Obuya's phone";
const FIRST_PLAN = '0123456789abcdef0123456789abcdef';
const PIN = 'Tangerine kites at dawn';
const NEW_PIN = 'Walnut offcuts on Sunday';

const planId = (n) => `f${n.toString(16).padStart(31, '0')}`;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  forgetKeys();
  await idbSetMany([
    ['device', undefined],
    ['outbox', undefined],
  ]);
  const keys = await generateDeviceKeys();
  await saveIdentity(keys, { token: 'Tok-Quokkabench', deviceId: keys.deviceId, account: 'acct-1', kind: 'person', name: PERSON, label: LABEL });
  await rememberPlan(FIRST_PLAN, { role: 'owner' });
});

/** Remember a new plan every few milliseconds until `running` settles; the ids remembered. */
async function rememberPlansWhile(running) {
  let settled = false;
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  const ids = [];
  const writes = [];
  for (let n = 1; !settled; n += 1) {
    ids.push(planId(n));
    writes.push(rememberPlan(planId(n), { role: 'editor' }));
    await pause(2);
  }
  await running;
  await Promise.all(writes);
  assert.ok(ids.length > 3, `only ${ids.length} plans remembered while it ran`);
  return ids;
}

/** The record as stored, as text: nothing of the person's name, the label or a plan id may be in it when locked. */
async function expectSealedAtRest(ids) {
  const stored = await idbGet('device');
  assert.equal(stored.kind, 'locked-device', 'the record is stored sealed');
  const text = JSON.stringify(stored);
  for (const clear of [PERSON, LABEL, FIRST_PLAN, ...ids]) assert.ok(!text.includes(clear), `${clear} in clear at rest`);
}

test('a plan remembered while the lock is being turned on is kept, and nothing is written in clear', async () => {
  const ids = await rememberPlansWhile(setLock(PIN));
  await expectSealedAtRest(ids);
  forgetKeys();
  const device = await unlockDevice(PIN);
  assert.deepEqual(Object.keys(device.plans).sort(), [FIRST_PLAN, ...ids].sort());
  assert.equal(device.plans[FIRST_PLAN].role, 'owner');
});

test('a plan remembered while the PIN is being changed is kept, and the new PIN opens it', async () => {
  await setLock(PIN);
  const ids = await rememberPlansWhile(changeLock(PIN, NEW_PIN));
  await expectSealedAtRest(ids);
  forgetKeys();
  await assert.rejects(unlockDevice(PIN));
  const device = await unlockDevice(NEW_PIN);
  assert.deepEqual(Object.keys(device.plans).sort(), [FIRST_PLAN, ...ids].sort());
});

test('a plan remembered while the lock is being turned off is kept, and the record stays whole', async () => {
  await setLock(PIN);
  const ids = await rememberPlansWhile(removeLock(PIN));
  const stored = await idbGet('device');
  assert.equal(stored.locked, undefined);
  assert.equal(stored.name, PERSON);
  forgetKeys();
  const device = await loadDevice();
  assert.deepEqual(Object.keys(device.plans).sort(), [FIRST_PLAN, ...ids].sort());
});

test('changes made together each land: none overwrites another with the record it read before', async () => {
  await setLock(PIN);
  await Promise.all([
    rememberPlan(planId(1), { role: 'editor' }),
    setPreference('lockAfter', 'minute'),
    rememberPlan(planId(2), { role: 'reader' }),
    rememberPlan(FIRST_PLAN, { inviter: { enc: 'e', sig: 's' } }),
  ]);
  forgetKeys();
  const device = await unlockDevice(PIN);
  assert.equal(device.lockAfter, 'minute');
  assert.deepEqual(device.plans[FIRST_PLAN], { role: 'owner', inviter: { enc: 'e', sig: 's' } });
  assert.deepEqual(Object.keys(device.plans).sort(), [FIRST_PLAN, planId(1), planId(2)].sort());
});

test('while the app is locked, a change to the record is refused rather than written over the sealed one', async () => {
  await setLock(PIN);
  const sealed = await idbGet('device');
  forgetKeys();
  await assert.rejects(rememberPlan(planId(9), { role: 'editor' }), { name: 'Error', message: 'the app is locked' });
  assert.deepEqual(await idbGet('device'), sealed);
});

test('a record an earlier version locked (its keys wrapped, the rest in clear) opens with its PIN and is then sealed whole', async () => {
  const device = await loadDevice();
  const { keys, ...rest } = device;
  await idbSet('device', { ...rest, locked: await lockDeviceKeys(keys, '1357') });
  forgetKeys();
  await assert.rejects(unlockDevice('2468'));
  const opened = await unlockDevice('1357');
  assert.equal(opened.name, PERSON);
  assert.deepEqual(Object.keys(opened.plans), [FIRST_PLAN]);
  await expectSealedAtRest([]);
  forgetKeys();
  assert.equal((await unlockDevice('1357')).keys.deviceId, keys.deviceId);
});
