// "What's new since you last looked" in the data layer: what another device wrote after the look mark,
// from the items as the plan verified them; the look mark stays on the device (a `_local` document).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { changesSince, readLook, watermarks, writeLook } from '../../pwa/src/data/whatsnew.js';
import { cleanUp, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

const items = (plan) => [...plan.items.values()];

test("the person's ticked step and good news are new on the worker's device, and no longer after it looked", async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  const step = await tablet.createNow('step', { text: 'Ring the pool', status: 'not_started' });
  const strength = await tablet.createNow('strength', { text: 'I keep going' });
  await sync(hub, tablet, phone);
  const me = tablet.device.deviceId;
  assert.deepEqual(changesSince(items(tablet), null, me).marks, new Map()); // before the first look nothing is new

  const look = await writeLook(tablet.db, watermarks(items(tablet)));
  assert.deepEqual((await readLook(tablet.db)).seen, look.seen);
  await phone.updateNow(step, { status: 'done' });
  const news = await phone.createNow('good_news', { text: 'I went swimming with Mo' });
  await tablet.updateNow(strength, { text: 'I keep going, even on hard days' }); // this device's own change is not news
  await sync(hub, tablet, phone);

  const { counts, marks } = changesSince(items(tablet), await readLook(tablet.db), me);
  assert.deepEqual(counts, { stepsDone: 1, goodNews: 1, added: 0, changed: 0, clashes: 0 });
  assert.deepEqual(marks, new Map([[step, 'changed'], [news, 'new']]));
  // The phone's own writes are not news to the phone.
  const onPhone = changesSince(items(phone), { seen: watermarks(items(tablet)) }, phone.device.deviceId);
  assert.equal(onPhone.counts.stepsDone + onPhone.counts.goodNews, 0);

  await writeLook(tablet.db, watermarks(items(tablet)));
  assert.deepEqual(changesSince(items(tablet), await readLook(tablet.db), me).marks, new Map());
  // The look mark never leaves the device: replication does not carry `_local` documents.
  await sync(hub, tablet, phone);
  await assert.rejects(hub.get('_local/alongside-looked'), { status: 404 });
  assert.equal(await readLook(phone.db), null);
});

const field = (v, dev, at) => ({ v, dev, at, sig: 'x' });

test('only verified fields from another device count, compared with the times the item carried at the look', () => {
  const me = 'm'.repeat(32);
  const other = 'o'.repeat(32);
  // The other device's clock is far behind this one's: its change is still later than the item's own times.
  const step = {
    id: 's1',
    type: 'step',
    f: { text: field('Ring the pool', me, 1000), status: field('done', other, 1500) },
    fieldChecks: { text: true, status: true },
  };
  const look = { seen: { s1: 1000, g1: 10 } };
  assert.deepEqual(changesSince([step], look, me).counts, { stepsDone: 1, goodNews: 0, added: 0, changed: 0, clashes: 0 });
  // A field whose statement failed, or was never made or checked, is nobody's: not news.
  for (const check of [false, null, undefined]) {
    const unverified = { ...step, fieldChecks: { text: true, status: check } };
    assert.equal(changesSince([unverified], look, me).marks.size, 0);
  }
  // Reworded by another device: changed, not new; unticked: changed, not a step done.
  const reworded = { ...step, f: { ...step.f, status: field('not_started', other, 1500) } };
  assert.deepEqual(changesSince([reworded], look, me).counts, { stepsDone: 0, goodNews: 0, added: 0, changed: 1, clashes: 0 });
  // A clash waiting to be decided is said as one.
  const clash = { ...reworded, conflicts: { text: [] } };
  assert.equal(changesSince([clash], look, me).counts.clashes, 1);
  // An item not in the mark is new: a strength is "added", good news is good news; records are never news.
  const strength = { id: 'n1', type: 'strength', f: { text: field('Kind', other, 5) }, fieldChecks: { text: true } };
  const goodNews = { id: 'g2', type: 'good_news', f: { text: field('Swam', other, 5) }, fieldChecks: { text: true } };
  const record = { id: 'a1', type: 'agreement', f: { value: field('yes', other, 5000) }, fieldChecks: { value: true } };
  const { counts, marks } = changesSince([strength, goodNews, record], look, me);
  assert.deepEqual(counts, { stepsDone: 0, goodNews: 1, added: 1, changed: 0, clashes: 0 });
  assert.deepEqual([...marks.keys()], ['n1', 'g2']);
  // The mark holds each item's newest field time.
  assert.deepEqual(watermarks([step, strength]), { s1: 1500, n1: 5 });
});
