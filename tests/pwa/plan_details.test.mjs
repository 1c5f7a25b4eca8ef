// The plan's details and the caseload's facts (pwa/src/data/plandetails.js): statuses read sensibly from
// older plans, overdue steps counted against the day, sort orders, search by either name, and the readable
// copy saying the plan's real status and dates instead of "Draft".

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { caseloadFacts, detailsOf, matchesSearch, overdueCount, planStatus, sortPlans } from '../../pwa/src/data/plandetails.js';
import { readableCopy } from '../../pwa/src/data/readable.js';

const en = JSON.parse(readFileSync(new URL('../../pwa/src/i18n/en.json', import.meta.url), 'utf8'));
const t = (key, params = {}) => (en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
const DEV = 'b2'.repeat(16);

function item(id, type, values, at = 1000) {
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev: DEV };
  return { id: id.padStart(32, '0'), type, created: { at, dev: DEV }, f };
}

test('statuses: draft, active and closed; an older plan on hold is active, completed is closed, nothing is a draft', () => {
  assert.deepEqual(['draft', 'active', 'closed', 'on_hold', 'completed', undefined, 'nonsense'].map(planStatus), ['draft', 'active', 'closed', 'active', 'closed', 'draft', 'draft']);
  const header = item('1', 'plan', { title: 'Back to college', person: 'Amira', status: 'completed', visit: '2026-12-09', visit_time: '14:30', review: 'soon' });
  assert.deepEqual(detailsOf(header), { title: 'Back to college', person: 'Amira', status: 'closed', visit: '2026-12-09', visitTime: '14:30', review: '', address: '' });
  assert.equal(detailsOf(item('1', 'plan', { visit_time: '14:30' })).visitTime, '', 'a time without a day is no visit');
});

test('overdue steps: due before the day and neither done nor stopped; the last change is the newest field time', () => {
  const items = [
    item('1', 'plan', { person: 'Amira' }, 10),
    item('2', 'step', { text: 'Call the college', due: '2026-11-30', status: 'not_started' }, 20),
    item('3', 'step', { text: 'Fill in the form', due: '2026-12-01', status: 'in_progress' }, 30),
    item('4', 'step', { text: 'Buy a bag', due: '2026-11-01', status: 'done' }, 40),
    item('5', 'step', { text: 'Ask about the bus', due: '2026-11-01', status: 'stopped' }, 50),
    item('6', 'step', { text: 'Start the course', due: '2026-12-02' }, 60),
    item('7', 'step', { text: 'Some day', status: 'not_started' }, 70),
  ];
  const facts = caseloadFacts(items);
  assert.deepEqual(facts, { due: ['2026-11-30', '2026-12-01', '2026-12-02'], changed: 70 });
  assert.equal(overdueCount(facts.due, '2026-12-02'), 2, 'due today is not overdue yet');
  assert.equal(overdueCount(facts.due, '2026-12-03'), 3);
  assert.equal(overdueCount(undefined, '2026-12-03'), 0);
});

test('sort by next visit, review date (soonest first, unset last) or last change (newest first); search either name', () => {
  const row = (id, person, title, visit, visitTime, review, changed) => ({ id, details: { person, title, visit, visitTime, review }, facts: { changed } });
  const rows = [
    row('a', 'Amira', 'Back to college', '2026-12-09', '', '2026-12-20', 300),
    row('b', 'Ben', 'Moving home', '2026-12-09', '09:00', '', 100),
    row('c', 'Chloe', 'Getting out more', '', '', '2026-12-05', 200),
    { id: 'd', details: null, facts: null, added: 50 },
  ];
  const ids = (order) => sortPlans(rows, order).map((r) => r.id);
  assert.deepEqual(ids('visit'), ['b', 'a', 'c', 'd'], 'a set time comes before the same day without one');
  assert.deepEqual(ids('review'), ['c', 'a', 'b', 'd']);
  assert.deepEqual(ids('changed'), ['a', 'c', 'b', 'd']);
  assert.equal(matchesSearch(rows[0].details, 'amir'), true);
  assert.equal(matchesSearch(rows[0].details, 'COLLEGE'), true);
  assert.equal(matchesSearch({ person: 'Zoë', title: '' }, 'zoe'), true, 'accents ignored');
  assert.equal(matchesSearch(rows[1].details, 'college'), false);
  assert.equal(matchesSearch(null, ''), true);
});

test('the readable copy says the real status and the next visit, not "Draft" forever', () => {
  const copy = (values) =>
    readableCopy([item('1', 'plan', { title: 'Back to college', person: 'Amira', ...values })], {
      t,
      lang: 'en',
      dir: 'ltr',
      formatDay: (iso) => `day ${iso}`,
      formatDateTime: (ms) => `moment ${new Date(ms).getHours()}:${new Date(ms).getMinutes()}`,
      appName: 'Alongside',
    });
  const closed = copy({ status: 'closed', visit: '2026-12-09', visit_time: '14:30', review: '2027-01-15' });
  assert.match(closed, /data-plan-status="closed">Closed</);
  assert.match(closed, /Next visit<\/dt><dd>moment 14:30</);
  assert.match(closed, /Next review<\/dt><dd>day 2027-01-15</);
  assert.match(copy({ status: 'completed' }), /data-plan-status="closed">Closed</, 'an older "completed" reads as closed');
  assert.match(copy({ status: 'active', visit: '2026-12-09' }), /In use<\/dd>.*Next visit<\/dt><dd>day 2026-12-09</s);
});
