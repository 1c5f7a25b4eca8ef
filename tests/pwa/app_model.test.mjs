// The app's plan model without a browser: field-by-field merging without the common ancestor, field
// statements that travel with the field versions, content hashes, and translation catalogs that cover
// every key the screens build from the model.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SignatureError, generateDeviceKeys, signField, verifyField } from '../../pwa/src/crypto/index.js';
import { contentHash } from '../../pwa/src/data/agreements.js';
import { compareField, editField, fieldsWentBack, mergeLeaves, resolveField } from '../../pwa/src/data/merge.js';
import { catalogKeys } from '../../pwa/src/data/kinds.js';
import { CHOICES, TYPES, WORDS } from '../../pwa/src/data/model.js';

const at = { dev: 'a'.repeat(32), at: 1 };
const catalog = (code) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${code}.json`, import.meta.url)));

test('edits to different fields merge; edits to the same field are kept for people to choose', async () => {
  const base = { text: await editField(undefined, 'Walk the dog', at), due: await editField(undefined, '2026-01-10', at) };
  const tablet = { ...base, text: await editField(base.text, 'Walk the dog every morning', at) };
  const phone = { ...base, due: await editField(base.due, '2026-02-01', at) };
  for (const leaves of [[tablet, phone], [phone, tablet]]) {
    const { fields, conflicts } = mergeLeaves(leaves);
    assert.deepEqual(conflicts, {});
    assert.equal(fields.text.v, 'Walk the dog every morning');
    assert.equal(fields.due.v, '2026-02-01');
  }
  const other = { ...base, text: await editField(base.text, 'Walk the dog at night', at) };
  const { conflicts } = mergeLeaves([tablet, other]);
  assert.deepEqual(conflicts.text.map((v) => v.v).sort(), ['Walk the dog at night', 'Walk the dog every morning']);
});

test('a later edit on one side wins over its own ancestor even many edits later; a resolution descends from both', async () => {
  let field = await editField(undefined, 'one', at);
  const start = field;
  for (let i = 0; i < 10; i += 1) field = await editField(field, `edit ${i}`, at);
  assert.equal(compareField(field, start), 'a');
  assert.equal(compareField(start, field), 'b');
  const a = await editField(start, 'left', at);
  const b = await editField(start, 'right', at);
  assert.equal(compareField(a, b), 'conflict');
  const resolved = await resolveField([a, b], 'left and right', at);
  assert.equal(compareField(resolved, a), 'a');
  assert.equal(compareField(resolved, b), 'a');
  assert.equal(compareField(await editField(start, 'same', at), await editField(start, 'same', at)), 'equal');
});

test('every new field version carries the statement of the device that set it; a merge copies it untouched', async () => {
  const keys = await generateDeviceKeys();
  const devices = new Map([[keys.deviceId, keys.public]]);
  const planId = 'p1';
  const docId = '0f'.repeat(16);
  const sign = (name, f) => signField({ planId, docId, name, value: f.v, h: f.h, at: f.at, author: keys });
  const stamp = { dev: keys.deviceId, at: 5 };
  const text = await editField(undefined, 'Walk the dog', stamp, { name: 'text', sign });
  const due = await editField(undefined, '2026-01-10', stamp, { name: 'due', sign });
  await verifyField({ planId, docId, name: 'text', field: text, devices });
  const { fields } = mergeLeaves([{ text }, { text, due }]);
  assert.equal(fields.due, due);
  await verifyField({ planId, docId, name: 'due', field: fields.due, devices });
  // The statement names the field: the same version under another name, or with another value, fails.
  await assert.rejects(verifyField({ planId, docId, name: 'due', field: text, devices }), SignatureError);
  await assert.rejects(verifyField({ planId, docId, name: 'text', field: { ...text, v: 'Sell the dog' }, devices }), SignatureError);
  const cat = await editField(text, 'Walk the cat', stamp, { name: 'text', sign });
  const resolved = await resolveField([text, cat], 'Walk both', stamp, { name: 'text', sign });
  await verifyField({ planId, docId, name: 'text', field: resolved, devices });
});

test('a field that goes back to an ancestor, or goes missing, is found; a newer or concurrent one is not', async () => {
  const one = await editField(undefined, 'one', at);
  const two = await editField(one, 'two', at);
  const other = await editField(one, 'other', at);
  const note = await editField(undefined, 'note', at);
  assert.deepEqual(fieldsWentBack({ text: two, note }, { text: one, note }), ['text']);
  assert.deepEqual(fieldsWentBack({ text: two, note }, { text: two }), ['note']);
  assert.deepEqual(fieldsWentBack({ text: one }, { text: two }), []);
  assert.deepEqual(fieldsWentBack({ text: two }, { text: other }), []);
});

test("an item's content hash covers its words, details and provenance, not where a step or goal is up to", async () => {
  const f = async (values) => {
    const out = {};
    for (const [name, value] of Object.entries(values)) out[name] = await editField(undefined, value, at);
    return out;
  };
  const step = await f({ text: 'Ring the pool', status: 'not_started', said_by: 'Dee' });
  const hash = await contentHash('step', step);
  assert.match(hash, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(await contentHash('step', { ...step, status: await editField(step.status, 'done', at) }), hash);
  assert.equal(await contentHash('step', { ...step, agree: await editField(undefined, 'yes', at) }), hash);
  assert.notEqual(await contentHash('step', { ...step, text: await editField(step.text, 'Ring the pool today', at) }), hash);
  assert.notEqual(await contentHash('step', { ...step, said_by: await editField(step.said_by, 'Ali', at) }), hash);
  assert.notEqual(await contentHash('goal', step), hash);
  const done = { ...step, status: await editField(step.status, 'done', at) };
  assert.notEqual(await contentHash('strength', done), await contentHash('strength', step)); // a strength's status is content
  // The same words typed again (a new field version, same value) are the same content.
  assert.equal(await contentHash('step', { ...step, text: await editField(step.text, 'Ring the pool', at) }), hash);
  for (const [type, words] of Object.entries(WORDS)) {
    for (const name of words) assert.ok(TYPES[type].fields.includes(name), `${type}.${name}`);
  }
});

test('every catalog has every English key; the model\'s keys are all in English', () => {
  const en = catalog('en');
  const plural = /\.(zero|one|two|few|many|other)$/;
  for (const code of ['cy', 'ar']) {
    const other = catalog(code);
    const missing = Object.keys(en).filter((key) => !plural.test(key) && !(key in other));
    assert.deepEqual(missing, [], `${code} is missing keys`);
    for (const key of Object.keys(en).filter((k) => plural.test(k))) {
      const stem = key.replace(plural, '');
      assert.ok(`${stem}.other` in other, `${code} lacks ${stem}.other`);
    }
  }
  const needed = catalogKeys();
  for (const [name, values] of Object.entries(CHOICES)) for (const value of values) needed.push(`choice.${name}.${value}`);
  assert.deepEqual(needed.filter((key) => !(key in en)), []);
});

test('no catalog uses words the practice avoids', () => {
  for (const code of ['en']) {
    const text = Object.values(catalog(code)).join(' ').toLowerCase();
    for (const word of ['service user', 'case ', 'assessment', 'non-compliant', 'client']) assert.ok(!text.includes(word), word);
  }
});
