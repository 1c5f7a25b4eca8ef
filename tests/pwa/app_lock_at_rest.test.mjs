// The device at rest with the app lock on (spec §13.2): the record and the outbox sealed under the record key,
// each bound to its slot; the opaque names of the plans' local databases and the key of their look marks; the
// caseload summary sealed under a key derived from the device's private keys (§13.3), checked against Node's
// own HKDF and AES-GCM (an implementation apart from the app's WebCrypto calls).

import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import {
  DecryptionError,
  caseloadKey,
  localDatabaseId,
  localMarkKey,
  openAtRest,
  openedVersionsKey,
  sealAtRest,
} from '../../pwa/src/crypto/index.js';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const PLAN = '0123456789abcdef0123456789abcdef';
const fixed = (byte) => (n) => new Uint8Array(n).fill(byte);
const b64u = (text) => Buffer.from(text, 'base64url');

test('a sealed record is AES-256-GCM under the record key, its slot bound in the associated data', async () => {
  const record = new TextEncoder().encode(JSON.stringify({ token: 'Tok-Quokka', name: 'Zephyrine' }));
  const sealed = await sealAtRest(KEY, 'device', record, { random: fixed(7) });
  assert.deepEqual(Object.keys(sealed).sort(), ['ct', 'nonce']);
  assert.equal(sealed.nonce, Buffer.alloc(12, 7).toString('base64url'));
  const ct = b64u(sealed.ct);
  const decipher = createDecipheriv('aes-256-gcm', KEY, b64u(sealed.nonce));
  decipher.setAAD(Buffer.from('{"ctx":"alongside/v1/at-rest","v":1,"what":"device"}'));
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  assert.deepEqual(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]), Buffer.from(record));
  assert.deepEqual(await openAtRest(KEY, 'device', sealed), record);
  assert.ok(!sealed.ct.includes('Zephyrine') && !Buffer.from(ct).includes('Zephyrine'));
});

test('a record opens only in its own slot, under its own key, unaltered', async () => {
  const cipher = createCipheriv('aes-256-gcm', KEY, Buffer.alloc(12, 1));
  cipher.setAAD(Buffer.from('{"ctx":"alongside/v1/at-rest","v":1,"what":"outbox"}'));
  const ct = Buffer.concat([cipher.update('[{"plan":"p1"}]'), cipher.final(), cipher.getAuthTag()]);
  const sealed = { nonce: Buffer.alloc(12, 1).toString('base64url'), ct: ct.toString('base64url') };
  assert.equal(new TextDecoder().decode(await openAtRest(KEY, 'outbox', sealed)), '[{"plan":"p1"}]');
  await assert.rejects(openAtRest(KEY, 'device', sealed), DecryptionError);
  await assert.rejects(openAtRest(new Uint8Array(32).fill(9), 'outbox', sealed), DecryptionError);
  const flipped = Buffer.from(ct);
  flipped[0] ^= 1;
  await assert.rejects(openAtRest(KEY, 'outbox', { ...sealed, ct: flipped.toString('base64url') }), DecryptionError);
  await assert.rejects(sealAtRest(KEY, 'plans', new Uint8Array(1)), /unknown record at rest/);
});

test("a plan's local database name is HKDF of its plan id under the database key: 32 hex characters, nothing of the plan", async () => {
  const info = Buffer.concat([Buffer.from('alongside/v1/local-db'), Buffer.of(0), Buffer.from(PLAN)]);
  const expected = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), info, 16)).toString('hex');
  const name = await localDatabaseId(KEY, PLAN);
  assert.equal(name, expected);
  assert.match(name, /^[0-9a-f]{32}$/);
  assert.notEqual(name, PLAN);
  assert.notEqual(await localDatabaseId(KEY, PLAN.replace('0', '1')), name);
  assert.notEqual(await localDatabaseId(new Uint8Array(32), PLAN), name);
});

test('the look marks are sealed under their own key, derived apart from the names', async () => {
  const expected = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), Buffer.from('alongside/v1/local-mark'), 32));
  assert.deepEqual(Buffer.from(await localMarkKey(KEY)), expected);
  await assert.rejects(localMarkKey(new Uint8Array(16)), /32 bytes/);
});

test("the caseload summary is sealed under a key derived from the device's private keys, in its own slot", async () => {
  const secret = Uint8Array.from({ length: 64 }, (_, i) => 200 - i);
  const expected = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.from('alongside/v1/caseload'), 32));
  const key = await caseloadKey(secret);
  assert.deepEqual(Buffer.from(key), expected);
  assert.notDeepEqual(Buffer.from(key), Buffer.from(await localMarkKey(secret.subarray(0, 32))));
  await assert.rejects(caseloadKey(new Uint8Array(32)), /64 bytes/);

  const summary = JSON.stringify({ v: 1, plans: { p1: { person: 'Zephyrine Obuya', title: 'Moving home', seq: 7 } } });
  const sealed = await sealAtRest(key, 'caseload', new TextEncoder().encode(summary), { random: fixed(3) });
  const ct = b64u(sealed.ct);
  const decipher = createDecipheriv('aes-256-gcm', expected, Buffer.alloc(12, 3));
  decipher.setAAD(Buffer.from('{"ctx":"alongside/v1/at-rest","v":1,"what":"caseload"}'));
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  assert.equal(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]).toString(), summary);
  assert.equal(new TextDecoder().decode(await openAtRest(key, 'caseload', sealed)), summary);
  assert.ok(!ct.includes('Zephyrine') && !sealed.ct.includes('Zephyrine'));

  // Another slot, another device's keys, or one byte altered: it does not open.
  await assert.rejects(openAtRest(key, 'looked', sealed), DecryptionError);
  await assert.rejects(openAtRest(key, 'device', sealed), DecryptionError);
  const other = Uint8Array.from(secret);
  other[63] ^= 1;
  await assert.rejects(openAtRest(await caseloadKey(other), 'caseload', sealed), DecryptionError);
  for (const at of [0, ct.length - 1]) {
    const flipped = Buffer.from(ct);
    flipped[at] ^= 0x80;
    await assert.rejects(openAtRest(key, 'caseload', { ...sealed, ct: flipped.toString('base64url') }), DecryptionError);
  }
  const nonce = Buffer.alloc(12, 3);
  nonce[5] ^= 1;
  await assert.rejects(openAtRest(key, 'caseload', { ...sealed, nonce: nonce.toString('base64url') }), DecryptionError);
});

test("a plan's opened versions are sealed under a key derived from the device's private keys and the plan id", async () => {
  const secret = Uint8Array.from({ length: 64 }, (_, i) => 200 - i);
  const info = Buffer.concat([Buffer.from('alongside/v1/opened-versions'), Buffer.from([0]), Buffer.from(PLAN)]);
  const expected = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
  const key = await openedVersionsKey(secret, PLAN);
  assert.deepEqual(Buffer.from(key), expected);
  assert.notDeepEqual(Buffer.from(key), Buffer.from(await caseloadKey(secret)));
  assert.notDeepEqual(Buffer.from(key), Buffer.from(await openedVersionsKey(secret, `${PLAN.slice(0, -1)}0`)));
  await assert.rejects(openedVersionsKey(new Uint8Array(32), PLAN), /64 bytes/);

  const kept = new TextEncoder().encode(JSON.stringify({ v: 1, versions: [['a', '1-x', 0, 'k', { body: { f: 'Zephyrine' } }, 'vh', null]] }));
  const sealed = await sealAtRest(key, 'opened', kept, { random: fixed(4) });
  const ct = b64u(sealed.ct);
  const decipher = createDecipheriv('aes-256-gcm', expected, Buffer.alloc(12, 4));
  decipher.setAAD(Buffer.from('{"ctx":"alongside/v1/at-rest","v":1,"what":"opened"}'));
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  assert.deepEqual(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]), Buffer.from(kept));
  await assert.rejects(openAtRest(key, 'caseload', sealed), DecryptionError); // another slot
});

test('a record at rest may be kept as bytes where the store keeps bytes: the same nonce and ciphertext, opened alike', async () => {
  const record = new TextEncoder().encode('{"v":1,"versions":[]}');
  const asText = await sealAtRest(KEY, 'opened', record, { random: fixed(9) });
  const asBytes = await sealAtRest(KEY, 'opened', record, { random: fixed(9), bytes: true });
  assert.ok(asBytes.nonce instanceof Uint8Array && asBytes.ct instanceof Uint8Array);
  assert.equal(Buffer.from(asBytes.ct).toString('base64url'), asText.ct);
  assert.equal(Buffer.from(asBytes.nonce).toString('base64url'), asText.nonce);
  assert.deepEqual(await openAtRest(KEY, 'opened', asBytes), record);
  const altered = Uint8Array.from(asBytes.ct);
  altered[0] ^= 1;
  await assert.rejects(openAtRest(KEY, 'opened', { ...asBytes, ct: altered }), DecryptionError);
  await assert.rejects(openAtRest(KEY, 'opened', { ...asBytes, nonce: new Uint8Array(11) }), /12 bytes/);
});
