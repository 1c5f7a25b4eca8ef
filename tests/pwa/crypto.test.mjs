// The JS crypto (pwa/src/crypto) passes every known-answer vector in tests/vectors, in Node; and the
// version-2 helpers that vectors do not pin down byte for byte behave as docs/crypto.md says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import * as c from '../../pwa/src/crypto/index.js';
import { FILES, collectCases } from './vector_checks.mjs';

const loadJson = async (name) => JSON.parse(await readFile(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));

for (const { label, run } of await collectCases(loadJson)) {
  test(label, run);
}

test('the harness runs every vector file there is', async () => {
  const present = (await readdir(new URL('../vectors/', import.meta.url))).filter((name) => name.endsWith('.json'));
  assert.deepEqual([...FILES].sort(), present.sort());
});

const hashOf = (byte) => c.b64uEncode(new Uint8Array(32).fill(byte));

test('nextVersion: 1 + the highest n, prev sorted and distinct; none gives {n: 1, prev: []}', () => {
  assert.deepEqual(c.nextVersion([]), { n: 1, prev: [] });
  const a = hashOf(200);
  const b = hashOf(3);
  assert.deepEqual(c.nextVersion([{ n: 4, vh: a }, { n: 0, vh: b }, { n: 4, vh: a }]), { n: 5, prev: [b, a].sort() });
  assert.throws(() => c.nextVersion([{ n: 4, vh: a }, { n: 5, vh: a }]), c.FormatError);
  assert.throws(() => c.nextVersion([{ n: -1, vh: a }]), c.FormatError);
  assert.throws(() => c.nextVersion([{ n: 1, vh: 'short' }]), c.FormatError);
});

test('nextVersion keeps the 16 versions with the highest n, ties broken in favour of the higher hash', () => {
  const versions = Array.from({ length: 20 }, (_, i) => ({ n: i < 10 ? 7 : 3 + (i % 2), vh: hashOf(i * 10) }));
  const { n, prev } = c.nextVersion(versions);
  assert.equal(n, 8);
  assert.equal(prev.length, 16);
  assert.deepEqual(prev, [...prev].sort());
  // All ten of n 7, then the five of n 4, then the one of n 3 with the highest hash.
  const expected = [...versions.filter((v) => v.n >= 4).map((v) => v.vh)];
  const threes = versions.filter((v) => v.n === 3).map((v) => v.vh).sort();
  expected.push(threes[threes.length - 1]);
  assert.deepEqual(prev, expected.sort());
});

test('signItem refuses a prev that is unsorted, repeated or longer than 16, and an n below 1', async () => {
  const author = await c.generateDeviceKeys();
  const where = { planId: 'p1', docId: c.newDocumentId(), author };
  const seventeen = Array.from({ length: 17 }, (_, i) => hashOf(i)).sort();
  for (const bad of [{ prev: [hashOf(9), hashOf(1)] }, { prev: [hashOf(1), hashOf(1)] }, { prev: seventeen }, { n: 0 }, { n: 1.5 }]) {
    await assert.rejects(c.signItem({ text: 'x' }, { ...where, ...bad }), c.FormatError);
  }
  const signed = await c.signItem({ text: 'x' }, { ...where, n: 2 ** 53 - 1, prev: [hashOf(1)] });
  assert.deepEqual([signed.version, signed.n, signed.prev], [2, 2 ** 53 - 1, [hashOf(1)]]);
});

test('rotatePlanKey takes an epoch above the current one (superseding a stuck rotation) and refuses any other', async () => {
  const granter = await c.generateDeviceKeys();
  const key = await c.newPlanKey('p1', { epoch: 2 });
  const keyring = new c.Keyring('p1', [key]);
  assert.equal((await c.rotatePlanKey(keyring, { remaining: [granter.public], granter })).key.epoch, 3);
  assert.equal((await c.rotatePlanKey(keyring, { remaining: [granter.public], granter, epoch: 7 })).key.epoch, 7);
  for (const epoch of [2, 1, 0, 2 ** 32, 3.5]) {
    await assert.rejects(c.rotatePlanKey(keyring, { remaining: [granter.public], granter, epoch }), c.FormatError);
  }
});

test('the joining device and the inviter derive the same bind key, and the bind names one device of one plan', async () => {
  const inviter = await c.generateDeviceKeys();
  const joiner = await c.generateDeviceKeys();
  const key = await c.newPlanKey('p1');
  const invite = await c.createInvite(key, { inviter, role: 'owner', access: 'write' });
  const joined = await c.openInvite(invite.toText());
  assert.deepEqual(joined.bindKey, await c.inviteBindKey(invite));
  const bind = await c.admissionBind(joined.bindKey, { planId: 'p1', deviceId: joiner.deviceId });
  assert.equal(bind, await c.admissionBind(await c.inviteBindKey(invite), { planId: 'p1', deviceId: joiner.deviceId }));
  assert.notEqual(bind, await c.admissionBind(joined.bindKey, { planId: 'p1', deviceId: inviter.deviceId }));
  assert.notEqual(bind, await c.admissionBind(joined.bindKey, { planId: 'p2', deviceId: joiner.deviceId }));
  await assert.rejects(c.admissionBind(joined.bindKey.slice(1), { planId: 'p1', deviceId: joiner.deviceId }), c.FormatError);
});

test('a plan id started on a device names that device, and roster ids differ per device and per plan', async () => {
  const creator = await c.generateDeviceKeys();
  const other = await c.generateDeviceKeys();
  const salts = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
  const { planId, salt } = await c.newPlanIdFor(creator.public, { random: () => salts.shift() });
  assert.equal(planId, await c.planIdFor(creator.public.signing, salt));
  assert.notEqual(planId, await c.planIdFor(other.public.signing, salt));
  assert.notEqual(planId, await c.planIdFor(creator.public.signing, salts[1]));
  assert.match(await c.rosterDocumentId(planId, creator.deviceId), /^[0-9a-f]{32}$/);
  assert.notEqual(await c.rosterDocumentId(planId, creator.deviceId), await c.rosterDocumentId(planId, other.deviceId));
  assert.notEqual(await c.rosterDocumentId(planId, creator.deviceId), await c.rosterDocumentId('p2', creator.deviceId));
  await assert.rejects(c.rosterDocumentId(planId, 'ABC'), c.FormatError);
});
