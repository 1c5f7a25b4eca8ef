// The person's own view without a browser: ticking a step off and back, good news as an item kind
// (its place in the plan and the read-back) and how both merge when two devices edit at once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editField, mergeLeaves } from '../../pwa/src/data/merge.js';
import { SECTIONS, TYPES, contentItems, mainText, tickedStatus } from '../../pwa/src/data/model.js';

const phone = { dev: 'p'.repeat(32), at: 2 };
const tablet = { dev: 't'.repeat(32), at: 3 };

test('ticking a step marks it done; unticking puts back where it was, or not started', () => {
  assert.equal(tickedStatus(true, 'in_progress'), 'done');
  assert.equal(tickedStatus(true), 'done');
  assert.equal(tickedStatus(false, 'in_progress'), 'in_progress');
  assert.equal(tickedStatus(false, 'stopped'), 'stopped');
  assert.equal(tickedStatus(false, 'done'), 'not_started');
  assert.equal(tickedStatus(false), 'not_started');
});

test('good news is content of its own part, after the next steps and before the read-back', () => {
  assert.deepEqual(TYPES.good_news, { fields: ['text'], text: 'text', content: true });
  const ids = SECTIONS.map((s) => s.id);
  assert.equal(ids.indexOf('news'), ids.indexOf('steps') + 1);
  assert.equal(ids.at(-1), 'readback');
  const item = (type, at, f) => ({ type, created: { at, dev: phone.dev }, f });
  const news = item('good_news', 1, { text: { v: 'I went swimming', h: ['a'] } });
  const step = item('step', 5, { text: { v: 'Ring the pool', h: ['b'] } });
  const strength = item('strength', 9, { text: { v: 'I keep going', h: ['c'] } });
  assert.deepEqual(contentItems([news, step, strength]).map(mainText), ['I keep going', 'Ring the pool', 'I went swimming']);
});

test('the person ticking a step while the worker rewords it merges with nothing lost', async () => {
  const base = { text: await editField(undefined, 'Ring the pool', tablet), status: await editField(undefined, 'not_started', tablet) };
  const ticked = { ...base, status: await editField(base.status, tickedStatus(true, 'not_started'), phone) };
  const reworded = { ...base, text: await editField(base.text, 'Ring the pool about quiet hours', tablet) };
  for (const leaves of [[ticked, reworded], [reworded, ticked]]) {
    const { fields, conflicts } = mergeLeaves(leaves);
    assert.deepEqual(conflicts, {});
    assert.equal(fields.status.v, 'done');
    assert.equal(fields.status.dev, phone.dev); // who ticked it stays with the field
    assert.equal(fields.text.v, 'Ring the pool about quiet hours');
  }
});

test('good news changed on two devices at once keeps both versions for people to choose', async () => {
  const base = { text: await editField(undefined, 'I went swimming', phone) };
  const mine = { text: await editField(base.text, 'I went swimming with Mo', phone) };
  const theirs = { text: await editField(base.text, 'I went swimming twice', tablet) };
  const { conflicts } = mergeLeaves([mine, theirs]);
  assert.deepEqual(conflicts.text.map((v) => v.v).sort(), ['I went swimming twice', 'I went swimming with Mo']);
});
