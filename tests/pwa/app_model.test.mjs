// The app's plan model without a browser: field-by-field merging without the common ancestor, and
// translation catalogs that cover every key the screens build from the model.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compareField, editField, mergeLeaves, resolveField } from '../../pwa/src/data/merge.js';
import { CHOICES, SECTIONS, TYPES } from '../../pwa/src/data/model.js';

const at = { dev: 'a'.repeat(32), at: 1 };
const catalog = (code) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${code}.json`, import.meta.url)));

test('edits to different fields merge; edits to the same field are kept for people to choose', () => {
  const base = { text: editField(undefined, 'Walk the dog', at), due: editField(undefined, '2026-01-10', at) };
  const tablet = { ...base, text: editField(base.text, 'Walk the dog every morning', at) };
  const phone = { ...base, due: editField(base.due, '2026-02-01', at) };
  for (const leaves of [[tablet, phone], [phone, tablet]]) {
    const { fields, conflicts } = mergeLeaves(leaves);
    assert.deepEqual(conflicts, {});
    assert.equal(fields.text.v, 'Walk the dog every morning');
    assert.equal(fields.due.v, '2026-02-01');
  }
  const other = { ...base, text: editField(base.text, 'Walk the dog at night', at) };
  const { conflicts } = mergeLeaves([tablet, other]);
  assert.deepEqual(conflicts.text.map((v) => v.v).sort(), ['Walk the dog at night', 'Walk the dog every morning']);
});

test('a later edit on one side wins over its own ancestor even many edits later; a resolution descends from both', () => {
  let field = editField(undefined, 'one', at);
  const start = field;
  for (let i = 0; i < 10; i += 1) field = editField(field, `edit ${i}`, at);
  assert.equal(compareField(field, start), 'a');
  assert.equal(compareField(start, field), 'b');
  const a = editField(start, 'left', at);
  const b = editField(start, 'right', at);
  assert.equal(compareField(a, b), 'conflict');
  const resolved = resolveField([a, b], 'left and right', at);
  assert.equal(compareField(resolved, a), 'a');
  assert.equal(compareField(resolved, b), 'a');
  assert.equal(compareField(editField(start, 'same', at), editField(start, 'same', at)), 'equal');
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
  const needed = [];
  for (const [name, values] of Object.entries(CHOICES)) for (const value of values) needed.push(`choice.${name}.${value}`);
  for (const section of SECTIONS) needed.push(`section.${section.id}`);
  for (const [type, spec] of Object.entries(TYPES)) {
    if (spec.content) needed.push(`add.${type}`, `change.${type}`, `conflict.you.${type}`, `conflict.two.${type}`);
  }
  assert.deepEqual(needed.filter((key) => !(key in en)), []);
});

test('no catalog uses words the practice avoids', () => {
  for (const code of ['en']) {
    const text = Object.values(catalog(code)).join(' ').toLowerCase();
    for (const word of ['service user', 'case ', 'assessment', 'non-compliant', 'client']) assert.ok(!text.includes(word), word);
  }
});
