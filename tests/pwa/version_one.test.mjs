// Reading version 1 (docs/crypto.md §20) with the version-2 JS code: version-1 envelopes from the vectors
// open (n 0, prev [], their version-1 version hash), re-sealing keeps them version 1, a version-2 edit of
// one has n 1 and prev [its hash], and a version-1 envelope replayed over a version-2 one is a rollback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as c from '../../pwa/src/crypto/index.js';
import { itemAssociatedData } from '../../pwa/src/crypto/envelope.js';
import { pad } from '../../pwa/src/crypto/padding.js';
import { aeadSeal, sha256 } from '../../pwa/src/crypto/primitives.js';
import { signItemVersionOne } from '../../pwa/src/crypto/provenance.js';
import { devicesFrom, keyringFrom } from './vector_checks.mjs';

const vectors = JSON.parse(await readFile(new URL('../vectors/envelope.json', import.meta.url), 'utf8'));
const legacy = vectors.verify.filter((v) => v.document.v === 1);

const leafOf = (opened, rev) => ({ rev, state: 'valid', n: opened.n, vh: opened.vh, deleted: opened.deleted });

async function openLegacy(v) {
  const keyring = await keyringFrom(v.plan_id, v.keys);
  const devices = await devicesFrom(v.devices);
  const opened = await c.openItem(v.document, { planId: v.plan_id, keyring, devices, allowRetired: true });
  return { keyring, devices, opened };
}

test('the vectors hold version-1 envelopes to read', () => {
  assert.ok(legacy.length >= 1, 'envelope.json has no version-1 envelope in verify');
});

test('version-1 envelopes from the vectors open with the version-2 code, with n 0, prev [] and the version-1 hash', async () => {
  for (const v of legacy) {
    const { opened } = await openLegacy(v);
    assert.equal(opened.version, 1, v.name);
    assert.equal(opened.n, 0, v.name);
    assert.deepEqual(opened.prev, [], v.name);
    assert.deepEqual(opened.body, v.expected.body, v.name);
    assert.equal(opened.author, v.expected.author, v.name);
    if ('vh' in v.expected) assert.equal(opened.vh, v.expected.vh, v.name);
    // The version hash of a version-1 item is SHA-256 of its version-1 signed message (spec §8.2).
    const message = c.canonicalJson({
      body: opened.body,
      by: opened.author,
      ctx: 'alongside/v1/item',
      del: opened.deleted,
      id: opened.docId,
      plan: v.plan_id,
    });
    assert.equal(opened.vh, c.b64uEncode(await sha256(message)), v.name);
  }
});

test('re-sealing a version-1 item keeps it version 1, with the same author and version hash', async () => {
  for (const v of legacy) {
    const { keyring, devices, opened } = await openLegacy(v);
    const resealed = await c.resealItem(v.document, { planId: v.plan_id, keyring, devices, key: keyring.current });
    assert.equal(resealed.v, 1, v.name);
    const again = await c.openItem(resealed, { planId: v.plan_id, keyring, devices });
    assert.deepEqual([again.version, again.n, again.vh, again.author], [1, 0, opened.vh, opened.author], v.name);
  }
});

test('a version-2 edit of a version-1 item has n 1 and prev [the version-1 hash]', async () => {
  const v = legacy[0];
  const { keyring, devices, opened } = await openLegacy(v);
  const editor = await c.generateDeviceKeys();
  devices.set(editor.deviceId, editor.public);
  const next = c.nextVersion([opened]);
  assert.deepEqual(next, { n: 1, prev: [opened.vh] });
  const where = { planId: v.plan_id, docId: opened.docId, key: keyring.current, author: editor };
  const edited = await c.sealItem({ ...opened.body, edited: true }, { ...where, ...next });
  assert.equal(edited.v, 2);
  const reopened = await c.openItem(edited, { planId: v.plan_id, keyring, devices });
  assert.deepEqual([reopened.version, reopened.n, reopened.prev], [2, 1, [opened.vh]]);
});

test('a version-1 envelope replayed over a version-2 edit is judged a rollback and the newer version is kept', async () => {
  const v = legacy[0];
  const { keyring, devices, opened } = await openLegacy(v);
  const editor = await c.generateDeviceKeys();
  devices.set(editor.deviceId, editor.public);
  const where = { planId: v.plan_id, docId: opened.docId, key: keyring.current, author: editor };
  const edited = await c.sealItem({ ...opened.body, edited: true }, { ...where, ...c.nextVersion([opened]) });
  const newer = await c.openItem(edited, { planId: v.plan_id, keyring, devices });

  const first = c.judgeVersions(null, '1-a', [leafOf(opened, '1-a')]);
  assert.deepEqual([first.current, first.memory.n, first.memory.vh], ['winner', 0, opened.vh]);
  const second = c.judgeVersions(first.memory, '2-b', [leafOf(newer, '2-b')]);
  assert.deepEqual([second.current, second.reports, second.memory.n, second.memory.old], ['winner', [], 1, [opened.vh]]);
  // The old envelope pushed again as a new revision on top of the edit.
  const replayed = await c.openItem({ ...v.document, _rev: '3-c' }, { planId: v.plan_id, keyring, devices, allowRetired: true });
  const third = c.judgeVersions(second.memory, '3-c', [leafOf(replayed, '3-c')]);
  assert.deepEqual(third, { current: 'memory', reports: ['rollback'], memory: second.memory, restore: true, replays: ['3-c'] });
});

test('an envelope whose version disagrees with its signed item fails to open with DecryptionError', async () => {
  const planId = 'p1';
  const author = await c.generateDeviceKeys();
  const key = await c.newPlanKey(planId);
  const keyring = new c.Keyring(planId, [key]);
  const devices = new Map([[author.deviceId, author.public]]);
  const docId = c.newDocumentId();
  const sealAs = async (signed, version) => {
    const nonce = c.systemRandom(12);
    const ad = itemAssociatedData({ planId, docId, kid: key.kid, deleted: false, version });
    const ct = await aeadSeal(key.itemKey, nonce, pad(c.canonicalJson(signed.toJSON())), ad);
    return { _id: docId, v: version, kind: 'item', kid: key.kid, nonce: c.b64uEncode(nonce), ct: c.b64uEncode(ct) };
  };
  const v1 = await signItemVersionOne({ text: 'old' }, { planId, docId, author });
  const v2 = await c.signItem({ text: 'new' }, { planId, docId, author });
  // Correctly labelled, both open; crossed over, neither does.
  assert.equal((await c.openItem(await sealAs(v1, 1), { planId, keyring, devices })).version, 1);
  assert.equal((await c.openItem(await sealAs(v2, 2), { planId, keyring, devices })).version, 2);
  await assert.rejects(c.openItem(await sealAs(v1, 2), { planId, keyring, devices }), c.DecryptionError);
  await assert.rejects(c.openItem(await sealAs(v2, 1), { planId, keyring, devices }), c.DecryptionError);
});
