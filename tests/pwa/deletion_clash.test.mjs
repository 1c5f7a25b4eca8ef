// An edit that clashes with a deletion, with real PouchDB (Node, LevelDB in a scratch folder): the
// deleted leaf PouchDB hides behind the live edit is found from a changes feed read with style
// 'all_docs', told apart from a leaf a merge retired, and both ways of settling it leave one answer.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import PouchDB from 'pouchdb';
import { hiddenLeaves, isDeletion, latestDeletion } from '../../pwa/src/data/merge.js';
import { cleanUp, joinPlan, leaves, newDevice, sync, tabletAndPhone } from './plan_harness.mjs';

const folder = mkdtempSync(join(tmpdir(), 'alongside-clash-'));
const Local = PouchDB.defaults({ prefix: `${folder}/` });
after(() => rmSync(folder, { recursive: true, force: true }));
after(cleanUp);

let counter = 0;
const pair = () => {
  counter += 1;
  return [new Local(`tablet-${counter}`), new Local(`phone-${counter}`)];
};

/** What plan.js computes: the live items (winner and live losers) and the leaves hidden beside them. */
async function hidden(db) {
  const { rows } = await db.allDocs({ include_docs: true, conflicts: true });
  const live = new Map(rows.map((row) => [row.id, { rev: row.value.rev, losers: row.doc._conflicts }]));
  const { results } = await db.changes({ since: 0, style: 'all_docs' });
  return hiddenLeaves(results, live);
}

async function bothWays(a, b) {
  await a.replicate.to(b);
  await b.replicate.to(a);
}

/** One device deletes the step while the other changes it; both sync. */
async function deletedAndChanged() {
  const [tablet, phone] = pair();
  const first = await tablet.put({ _id: 'step', body: { text: 'Ring the college' } });
  await tablet.replicate.to(phone);
  const removed = await tablet.put({ _id: 'step', _rev: first.rev, _deleted: true, body: { deleted: { at: 5, dev: 't' } } });
  await phone.put({ _id: 'step', _rev: first.rev, body: { text: 'Ring the college on Monday' } });
  await bothWays(tablet, phone);
  return { tablet, phone, removedRev: removed.rev };
}

test('a deletion hidden behind a live edit is found on both devices; a plain two-sided edit is not', async () => {
  const { tablet, phone, removedRev } = await deletedAndChanged();
  for (const db of [tablet, phone]) {
    const doc = await db.get('step', { conflicts: true });
    assert.equal(doc.body.text, 'Ring the college on Monday'); // the live edit wins, silently
    assert.equal(doc._conflicts, undefined); // and `conflicts: true` does not mention the deletion
    assert.deepEqual([...(await hidden(db))], [['step', [removedRev]]]);
    const leaf = await db.get('step', { rev: removedRev });
    assert.equal(leaf._deleted, true);
    assert.ok(isDeletion(leaf.body));
  }

  const [a, b] = pair();
  const base = await a.put({ _id: 'goal', body: { text: 'Swim' } });
  await a.replicate.to(b);
  await a.put({ _id: 'goal', _rev: base.rev, body: { text: 'Swim on Sundays' } });
  await b.put({ _id: 'goal', _rev: base.rev, body: { text: 'Swim with Mo' } });
  await bothWays(a, b);
  assert.equal((await hidden(a)).size, 0); // a live conflict: allDocs reports it, nothing is hidden
});

test('keeping the item retires the deletion on every device; only a retired leaf is left beside it', async () => {
  const { tablet, phone, removedRev } = await deletedAndChanged();
  await phone.bulkDocs([{ _id: 'step', _rev: removedRev, _deleted: true, body: { superseded: { at: 9, dev: 'p' } } }]);
  await bothWays(phone, tablet);
  for (const db of [tablet, phone]) {
    const [[, revs]] = [...(await hidden(db))];
    const bodies = await Promise.all(revs.map((rev) => db.get('step', { rev }).then((doc) => doc.body)));
    assert.deepEqual(bodies.filter(isDeletion), []);
    assert.equal((await db.get('step')).body.text, 'Ring the college on Monday');
  }
});

test('removing the item deletes the live edit too: gone on every device, nothing left to decide', async () => {
  const { tablet, phone } = await deletedAndChanged();
  const live = await phone.get('step');
  await phone.bulkDocs([{ _id: 'step', _rev: live._rev, _deleted: true, body: { deleted: { at: 9, dev: 'p' } } }]);
  await bothWays(phone, tablet);
  for (const db of [tablet, phone]) {
    await assert.rejects(db.get('step'), { status: 404 });
    assert.equal((await hidden(db)).size, 0);
  }
});

test('a retired leaf is not a deletion; the latest of several deletions is the one shown', () => {
  assert.equal(isDeletion({ superseded: { at: 1, dev: 'a' } }), false);
  assert.equal(isDeletion({ deleted: { at: 1, dev: 'a' } }), true);
  assert.equal(isDeletion(null), false);
  const latest = latestDeletion([
    { rev: '2-a', at: 5, dev: 'a' },
    { rev: '3-b', at: 8, dev: 'b' },
  ]);
  assert.equal(latest.dev, 'b');
  assert.deepEqual(latest.revs, ['2-a', '3-b']);
  assert.equal(latestDeletion([]), null);
});

// -- the same with the app's Plan: signed versions, each write replacing the versions it read -------------

/** The worker's tablet and the person's phone, both holding a step, then offline from each other. */
async function twoDevicesWithStep() {
  const { hub, tablet, phone } = await tabletAndPhone();
  const id = await tablet.create('step', { text: 'Ring the college', status: 'not_started' });
  await sync(hub, tablet, phone);
  return { hub, tablet, phone, id };
}

test('two devices changing different fields at once merge into one version that replaces both', async () => {
  const { hub, tablet, phone, id } = await twoDevicesWithStep();
  await tablet.update(id, { text: 'Ring the college on Monday' });
  await phone.update(id, { status: 'done' });
  const replaced = [tablet.items.get(id).vh, phone.items.get(id).vh].sort();
  await sync(hub, tablet, phone);
  for (const plan of [tablet, phone]) {
    const item = plan.items.get(id);
    assert.deepEqual([item.f.text.v, item.f.status.v, item.conflicts], ['Ring the college on Monday', 'done', undefined]);
    assert.equal(item.n, 3);
    assert.deepEqual(plan.opened.get(`${id}/${item.rev}`).prev, replaced);
  }
  const live = (await leaves(hub, id)).filter((doc) => !doc._deleted);
  assert.equal(live.length, 1); // the other leaf was retired with a signed `superseded` deletion
});

test('the same field changed on two devices waits for people, then their choice replaces both', async () => {
  const { hub, tablet, phone, id } = await twoDevicesWithStep();
  await tablet.update(id, { text: 'Ring the college on Monday' });
  await phone.update(id, { text: 'Ring the college about the course' });
  await sync(hub, tablet, phone);
  const item = phone.items.get(id);
  assert.deepEqual(item.conflicts.text.map((v) => v.v).sort(), ['Ring the college about the course', 'Ring the college on Monday']);
  assert.ok(phone.conflicted.some((i) => i.id === id));
  await phone.resolve(id, { text: 'Ring the college on Monday about the course' });
  await sync(hub, tablet, phone);
  for (const plan of [tablet, phone]) {
    assert.equal(plan.items.get(id).f.text.v, 'Ring the college on Monday about the course');
    assert.equal(plan.items.get(id).conflicts, undefined);
  }
});

test('a signed deletion beside a live edit is asked about; keeping or removing ends the same on both devices', async () => {
  for (const keep of [true, false]) {
    const { hub, tablet, phone, id } = await twoDevicesWithStep();
    await tablet.remove(id);
    await phone.update(id, { text: 'Ring the college on Monday' });
    await sync(hub, tablet, phone);
    for (const plan of [tablet, phone]) {
      const item = plan.items.get(id);
      assert.equal(item.f.text.v, 'Ring the college on Monday');
      assert.deepEqual([item.removed.by, item.removed.dev], [tablet.device.deviceId, tablet.device.deviceId]);
    }
    await phone.settleRemoval(id, keep);
    await sync(hub, tablet, phone);
    for (const plan of [tablet, phone]) {
      assert.equal(plan.items.has(id), keep);
      if (keep) assert.equal(plan.items.get(id).removed, undefined);
    }
  }
});

test('removing an item two devices changed apart and a third deleted deletes every leaf, so none reads as a removal nobody signed', async () => {
  const { hub, tablet, phone, id } = await twoDevicesWithStep();
  const laptop = await joinPlan(hub, phone, await newDevice('Dee', 'laptop'), { role: 'owner', access: 'write' });
  await sync(hub, tablet, phone, laptop);
  await tablet.remove(id);
  await phone.update(id, { text: 'Ring the college on Monday' });
  await laptop.update(id, { text: 'Ring the college about the course' });
  await sync(hub, tablet, phone, laptop);
  const item = phone.items.get(id);
  assert.ok(item.removed && item.loserVersions?.length === 1, 'two live leaves beside a signed deletion');
  await phone.settleRemoval(id, false);
  await sync(hub, tablet, phone, laptop);
  for (const plan of [tablet, phone, laptop]) assert.equal(plan.items.has(id), false);
  // Whichever deleted leaf wins (by its revision's hash), it is a deletion someone signed, not a retirement.
  const all = await leaves(hub, id);
  assert.ok(all.every((doc) => doc._deleted));
  for (const doc of all) {
    const opened = phone.opened.get(`${id}/${doc._rev}`);
    assert.ok(opened?.body && isDeletion(opened.body), `leaf ${doc._rev} is a deletion`);
  }
});

test('a rotation keeps a clash people have not settled: the other side is sealed under the new key too', async () => {
  const { hub, tablet, phone, id } = await twoDevicesWithStep();
  await tablet.update(id, { text: 'Ring the college on Monday' });
  await phone.update(id, { text: 'Ring the college about the course' });
  await sync(hub, tablet, phone);
  const both = ['Ring the college about the course', 'Ring the college on Monday'];
  assert.deepEqual(phone.items.get(id).conflicts.text.map((v) => v.v).sort(), both);
  // The person's phone rotates the key; the tablet is away (its own leaf is not sealed again by it).
  const { key } = await phone.rotate([phone.device.keys.public, tablet.device.keys.public]);
  await sync(hub, phone);
  assert.deepEqual(phone.items.get(id).conflicts?.text.map((v) => v.v).sort(), both);
  for (const doc of await leaves(hub, id)) assert.equal(doc.kid, key.kid);
});

test('a rotation keeps a signed deletion beside a change: the question stays until people answer it', async () => {
  const { hub, tablet, phone, id } = await twoDevicesWithStep();
  await tablet.remove(id);
  await phone.update(id, { text: 'Ring the college on Monday' });
  await sync(hub, tablet, phone);
  assert.equal(phone.items.get(id).removed?.by, tablet.device.deviceId);
  const { key } = await phone.rotate([phone.device.keys.public, tablet.device.keys.public]);
  await sync(hub, phone);
  assert.equal(phone.items.get(id).removed?.by, tablet.device.deviceId);
  for (const doc of await leaves(hub, id)) assert.equal(doc.kid, key.kid);
});
