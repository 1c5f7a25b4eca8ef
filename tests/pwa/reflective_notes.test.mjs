// A worker's private reflective notes (docs/crypto.md §23, pwa/src/crypto/notes.js and data/reflectivenotes.js):
// the notes key is HKDF of the device's own private keys and a note is AES-256-GCM with its id bound in, checked
// against Node's own HKDF and AES-GCM; and the crypto-level check: nothing the person's device, another worker's
// device or the server holds opens a note. (The known-answer vectors are checked in crypto.test.mjs.)

import assert from 'node:assert/strict';
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import { DecryptionError, caseloadKey, generateDeviceKeys, notesKey, openNote, sealNote } from '../../pwa/src/crypto/index.js';
import { noteBytes, noteFrom } from '../../pwa/src/data/reflectivenotes.js';

const CANARY = 'canary-reflection-b41c';
const ID = '00112233445566778899aabbccddeeff';
const b64u = (text) => Buffer.from(text, 'base64url');
const publicBytes = (keys) => new Uint8Array([...keys.public.encryption, ...keys.public.signing]);

test("a note is AES-256-GCM under HKDF of the worker's device keys, with the note's id in the associated data", async () => {
  const worker = await generateDeviceKeys();
  const key = await notesKey(worker.privateBytes());
  const expected = Buffer.from(hkdfSync('sha256', worker.privateBytes(), Buffer.alloc(0), Buffer.from('alongside/v1/reflective-notes'), 32));
  assert.deepEqual(Buffer.from(key), expected);
  assert.notDeepEqual(Buffer.from(key), Buffer.from(await caseloadKey(worker.privateBytes())));
  // A plan id long enough never to turn up inside the base64 ciphertext by chance (a two-letter one did, once in ten runs).
  const PLAN = 'plan-5b1e0c9d7a3f4e2b8c6d0a1f9e7b3c5d';
  const plaintext = noteBytes({ id: ID, written: '2026-03-03T15:20:00.000Z', plan: PLAN, planTitle: "Sam's plan", text: CANARY });
  const sealed = await sealNote(key, ID, plaintext);
  const ct = b64u(sealed.ct);
  const decipher = createDecipheriv('aes-256-gcm', key, b64u(sealed.nonce));
  decipher.setAAD(Buffer.from(`{"ctx":"alongside/v1/reflective-note","id":"${ID}","v":1}`));
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  assert.deepEqual(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]), Buffer.from(plaintext));
  assert.ok(!JSON.stringify(sealed).includes(CANARY) && !JSON.stringify(sealed).includes(PLAN), 'the plan and the words only inside');
  const note = noteFrom(await openNote(key, sealed), ID);
  assert.deepEqual(note, { id: ID, written: '2026-03-03T15:20:00.000Z', plan: PLAN, planTitle: "Sam's plan", text: CANARY });
  assert.equal(noteFrom(await openNote(key, sealed), 'ff'.repeat(16)), null, 'a body under another id is not this note');
});

test("the person's device, another worker's device and the server hold nothing that opens a worker's note", async () => {
  const [worker, person, colleague] = await Promise.all([generateDeviceKeys(), generateDeviceKeys(), generateDeviceKeys()]);
  const sealed = await sealNote(await notesKey(worker.privateBytes()), ID, new TextEncoder().encode(CANARY));
  const candidates = [
    ["the person's device", person.privateBytes()],
    ["another worker's device", colleague.privateBytes()],
    ["the server: the worker's public keys", publicBytes(worker)],
    ["the server: the person's public keys", publicBytes(person)],
  ];
  for (const [who, material] of candidates) {
    await assert.rejects(openNote(await notesKey(material), sealed), DecryptionError, who);
  }
  // Keys the person's and the other worker's devices use for their own records at rest do not open it either.
  for (const other of [person, colleague, worker]) {
    await assert.rejects(openNote(await caseloadKey(other.privateBytes()), sealed), DecryptionError);
  }
  assert.equal(new TextDecoder().decode(await openNote(await notesKey(worker.privateBytes()), sealed)), CANARY);
});
