// Progress over time in the data layer (data/progress.js), on real plans synced between a tablet and a
// phone: the day each reading was given (its date, or for an older reading the day it was typed), a goal's
// readings as one series per participant in day order, agreed versions on the day of the review that kept
// them, and how each participant's rating moved.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dayTime, goalSeries, isoDay, progressOf, readingDay, reviewsOf, validDay, versionMarks } from '../../pwa/src/data/progress.js';
import { cleanUp, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

test('a day is a real YYYY-MM-DD day, on an axis where days are evenly spaced', () => {
  assert.equal(validDay('2026-03-03'), '2026-03-03');
  for (const bad of ['2026-02-30', '3 March', '', null, undefined, '2026-3-3']) assert.equal(validDay(bad), null, String(bad));
  assert.equal(dayTime('2026-04-14') - dayTime('2026-03-03'), 42 * 86_400_000);
  assert.equal(dayTime('2026-03-30') - dayTime('2026-03-29'), 86_400_000); // a clock change is still one day
});

test("readings by participant and day, versions on their review's day, and each rating's progress", async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  const goal = await tablet.createNow('goal', { text: 'Back to college', low: "I can't face it", high: 'Every weekday' });
  const other = await tablet.createNow('goal', { text: 'Sleep better' });
  // An older reading, written before readings had a date: it was given the day it was typed.
  const old = await tablet.createNow('reading', { goal: other, party: 'Sam', value: 2 });
  await tablet.createNow('reading', { goal, party: 'Sam', value: 3, date: '2026-03-03' });
  await tablet.createNow('reading', { goal, party: 'Ali', value: 4, date: '2026-03-03' });
  const first = await tablet.createNow('version', { number: 1, snapshot: [], person: 'Sam' });
  await tablet.createNow('review', { date: '2026-03-03', changed: 'I go to the library', changed_by: 'Sam', version: first });
  await sync(hub, tablet, phone);
  // Typed on the phone later, but given at the June visit (a reading taken on paper); and one in April.
  await phone.createNow('reading', { goal, party: 'sam ', value: 7, date: '2026-06-02' });
  await phone.createNow('reading', { goal, party: 'Sam', value: 5, date: '2026-04-14' });
  await phone.createNow('reading', { goal, party: 'Ali', value: 4, date: '2026-06-02' });
  const second = await phone.createNow('version', { number: 2, snapshot: [], person: 'Sam' });
  await sync(hub, tablet, phone);

  assert.equal(readingDay(tablet.items.get(old)), isoDay(tablet.items.get(old).created.at));
  const series = goalSeries(tablet, goal);
  assert.deepEqual(
    series.map((s) => [s.party, s.points.map((p) => [p.day, p.value])]),
    [
      ['Sam', [['2026-03-03', 3], ['2026-04-14', 5], ['2026-06-02', 7]]],
      ['Ali', [['2026-03-03', 4], ['2026-06-02', 4]]],
    ],
  );
  // Version 1 belongs to its review's day; version 2, kept without a review, to the day it was kept.
  const marks = versionMarks(tablet);
  assert.deepEqual(marks.map((m) => [m.number, m.day]), [[1, '2026-03-03'], [2, isoDay(tablet.items.get(second).created.at)]]);
  assert.deepEqual(reviewsOf(phone).map(({ day }) => day), ['2026-03-03']);

  const progress = progressOf(tablet, [tablet.items.get(goal)]);
  assert.deepEqual(
    progress[0].lines.map((l) => [l.party, l.trend, l.first.value, l.last.value, l.first.day, l.last.day]),
    [
      ['Sam', 'up', 3, 7, '2026-03-03', '2026-06-02'],
      ['Ali', 'same', 4, 4, '2026-03-03', '2026-06-02'],
    ],
  );
  assert.equal(progressOf(tablet, [tablet.items.get(other)])[0].lines[0].trend, 'once');
});
