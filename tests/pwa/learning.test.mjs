// Learning what helps (pwa/src/data/learning.js; docs/app.md, "Learning"): the facts a plan gives (activity tags
// with went and again, scales' movement in bands; never words, names, dates or ids), checked by the crypto
// module's own facts check; whose choice counts (the person's device, or a worker's in person); what a yes
// and a stop record; and what an admin's device shows: only groups of at least MIN_GROUP plans.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFacts, openFacts, newLearningKey, sealFacts } from '../../pwa/src/crypto/index.js';
import { TYPES } from '../../pwa/src/data/kinds.js';
import { MIN_GROUP, aggregateFacts, band, consentValues, factTag, learningConsentOf, learningFacts, setsToWithdraw } from '../../pwa/src/data/learning.js';

const PERSON = 'a1'.repeat(16);
const WORKER = 'b2'.repeat(16);
const FRIEND = 'c3'.repeat(16);
const T0 = Date.UTC(2026, 10, 1);

function item(id, type, values, { at = T0, dev = WORKER, audience = 'everyone' } = {}) {
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev };
  return { id, type, created: { at, dev }, f, audience };
}

const step = (id, tags, options) => item(id, 'step', { text: `Words ${id}`, activity: { id: `a-${id}`, name: `Name ${id}`, tags } }, options);
const followup = (id, stepId, went, again, date, options) => item(id, 'followup', { step: stepId, went, again, how: 'Lovely people, Sam says', date }, options);
const reading = (id, goal, party, value, date, options) => item(id, 'reading', { goal, party, value, date, why: 'because' }, options);

function planOf(items, roles = { [PERSON]: 'owner', [WORKER]: 'worker', [FRIEND]: 'supporter' }, me = { role: 'worker', access: 'write' }) {
  return {
    items: new Map(items.map((i) => [i.id, i])),
    list: (...types) => items.filter((i) => types.includes(i.type)).sort((a, b) => a.created.at - b.created.at),
    roles: new Map(Object.entries(roles).map(([dev, role]) => [dev, { role, access: 'write', proven: true }])),
    proven: true,
    me,
    header: item('h', 'plan', { person: 'Sam', title: 'Getting out' }),
  };
}

test('a plan gives one fact per linked tag (the newest follow-up answering, the best answer where a tag is linked twice) and its scales in bands', () => {
  const items = [
    item('g1', 'goal', { text: 'Feel less alone' }),
    item('g2', 'goal', { text: 'Sleep better' }),
    step('s1', ['walking', 'outdoors']),
    step('s2', ['walking']),
    step('s3', ['music']),
    step('s4', ['family only'], { audience: 'family' }), // shared with the family only: not the organisation's
    item('s5', 'step', { text: 'No activity here' }),
    followup('f1', 's1', 'not_yet', 'maybe', '2026-11-02'),
    followup('f2', 's1', 'yes', 'maybe', '2026-11-09'),
    followup('f3', 's2', 'no', 'no', '2026-11-03'),
    followup('f4', 's3', 'yes', 'yes', '2026-11-04'),
    reading('r1', 'g1', 'Sam', 3, '2026-10-01'),
    reading('r2', 'g1', 'Sam', 6, '2026-11-01'),
    reading('r3', 'g1', 'Ali', 5, '2026-10-01'),
    reading('r4', 'g1', 'Ali', 4, '2026-11-01'),
    reading('r5', 'g2', 'Sam', 7, '2026-10-01'), // one rating only: no movement
    item('t1', 'strength', { text: 'Kind to my neighbours' }),
  ];
  const facts = learningFacts(items);
  assert.deepEqual(facts, {
    v: 1,
    activities: [
      { tag: 'music', went: 'yes', again: 'yes' },
      { tag: 'outdoors', went: 'yes', again: 'unknown' },
      { tag: 'walking', went: 'yes', again: 'no' },
    ],
    scales: ['down_a_little', 'up'],
  });
  assert.equal(checkFacts(facts), facts, "the crypto module's own check holds");
  const text = JSON.stringify(facts);
  for (const never of ['Sam', 'Ali', 'Lovely', '2026', 's1', 'a-s1', 'Name', 'Words', 'Kind', 'family only', WORKER]) assert.ok(!text.includes(never), never);
  assert.deepEqual(learningFacts([]), { v: 1, activities: [], scales: [] });
});

test('scales move in bands; tags are the directory’s own, and at most 50 of each go', () => {
  assert.deepEqual([3, 2, 1, 0, -1, -2, -7].map(band), ['up', 'up', 'up_a_little', 'same', 'down_a_little', 'down', 'down']);
  assert.equal(factTag('gardd gymunedol'), 'gardd gymunedol');
  assert.equal(factTag('مشي'), 'مشي');
  for (const bad of ['', 'a,b', 'a;b', 'tab\there', 'x'.repeat(61), 7]) assert.equal(factTag(bad), '');
  const many = Array.from({ length: 60 }, (_, n) => step(`s${n}`, [`tag-${String(n).padStart(2, '0')}`]));
  const readings = Array.from({ length: 60 }, (_, n) => [item(`g${n}`, 'goal', { text: 'g' }), reading(`a${n}`, `g${n}`, 'Sam', 1, '2026-10-01'), reading(`b${n}`, `g${n}`, 'Sam', 2, '2026-11-01')]).flat();
  const facts = learningFacts([...many, ...readings]);
  assert.equal(facts.activities.length, 50);
  assert.equal(facts.scales.length, 50);
  checkFacts(facts);
});

test("only the person's choice counts: on their own device, or on a worker's recorded in person; the latest holds", () => {
  const set = 'ab'.repeat(16);
  const proof = 'p'.repeat(43);
  const yes = (dev, at, extra = {}) => item(`c${at}`, 'learning-consent', { share: true, set, proof, ...extra }, { dev, at });
  assert.ok(TYPES['learning-consent'].record, 'a record, not plan content');
  assert.equal(learningConsentOf(planOf([])), null);
  assert.equal(learningConsentOf(planOf([yes(FRIEND, 1)])), null, "a supporter's device cannot say it");
  assert.equal(learningConsentOf(planOf([yes(WORKER, 1)])), null, "a worker's device alone cannot say it");
  const inPerson = learningConsentOf(planOf([yes(WORKER, 1, { agreed: 'in person', said_by: 'Sam' })]));
  assert.deepEqual({ ...inPerson, at: 0 }, { share: true, set, proof, agreed: 'in person', said_by: 'Sam', by: WORKER, at: 0 });
  assert.equal(learningConsentOf(planOf([yes(PERSON, 1)])).share, true);
  const stop = item('c9', 'learning-consent', { share: false, set, proof, agreed: 'own device' }, { dev: PERSON, at: 9 });
  assert.equal(learningConsentOf(planOf([yes(PERSON, 1), stop])).share, false);
  const forged = { ...yes(PERSON, 20), fieldChecks: { share: false } };
  assert.equal(learningConsentOf(planOf([yes(PERSON, 1), stop, forged])).share, false, 'a field whose statement fails does not count');
});

test('a yes draws a new set and proof, a stop keeps them so any device can withdraw; a yes after a stop draws anew', () => {
  let n = 0;
  const random = (count) => Uint8Array.from({ length: count }, () => (n += 1));
  const person = { role: 'owner', access: 'write' };
  const first = consentValues(planOf([], undefined, person), true, { random });
  assert.match(first.set, /^[0-9a-f]{32}$/);
  assert.match(first.proof, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(first.agreed, 'own device');
  const atTable = consentValues(planOf([]), true, { random, saidBy: 'Sam' });
  assert.deepEqual([atTable.agreed, atTable.said_by], ['in person', 'Sam']);
  const shared = item('c1', 'learning-consent', first, { dev: PERSON, at: 1 });
  const stop = consentValues(planOf([shared], undefined, person), false, { random });
  assert.deepEqual([stop.share, stop.set, stop.proof], [false, first.set, first.proof]);
  const stopped = item('c2', 'learning-consent', stop, { dev: PERSON, at: 2 });
  assert.deepEqual(setsToWithdraw(planOf([shared, stopped])), [{ set: first.set, proof: first.proof }]);
  const again = consentValues(planOf([shared, stopped], undefined, person), true, { random });
  assert.notEqual(again.set, first.set);
  assert.notEqual(again.proof, first.proof);
  const yesAgain = item('c3', 'learning-consent', again, { dev: PERSON, at: 3 });
  assert.deepEqual(setsToWithdraw(planOf([shared, stopped, yesAgain])), [{ set: first.set, proof: first.proof }], 'the old set, never the one shared now');
  assert.equal(consentValues(planOf([], undefined, person), false, { random }), null, 'a stop with nothing shared records nothing');
});

test(`the admin's page shows only groups of at least ${MIN_GROUP} plans`, () => {
  const facts = (activities, scales = []) => ({ v: 1, activities: activities.map(([tag, went, again]) => ({ tag, went, again })), scales });
  assert.deepEqual(aggregateFacts([facts([['walking', 'yes', 'yes']])]), { plans: 1, shown: false, activities: [], hidden: true, scales: null });
  const sets = [
    facts([['walking', 'yes', 'yes'], ['canary', 'yes', 'yes']], ['up']),
    facts([['walking', 'yes', 'no']], ['up', 'same']),
    facts([['walking', 'no', 'unknown']], ['down']),
    facts([['walking', 'yes', 'yes'], ['music', 'yes', 'yes']], ['up_a_little']),
    facts([['walking', 'unknown', 'unknown'], ['music', 'no', 'no']]),
    facts([['music', 'yes', 'yes']]),
  ];
  const seen = aggregateFacts(sets);
  assert.deepEqual(seen.activities, [{ tag: 'walking', tried: 5, went: 3, again: 2 }]);
  assert.equal(seen.hidden, true, 'music (3 plans) and canary (1) are left out, not even named');
  assert.equal(seen.scales, null, 'only 4 plans have scales');
  const withScales = aggregateFacts([...sets, facts([], ['down_a_little'])]);
  assert.deepEqual(withScales.scales, { plans: 5, counts: { up: 2, up_a_little: 1, same: 1, down_a_little: 1, down: 1 } });
});

test('the facts sealed to the learning key open to the same facts with its private key only', async () => {
  const key = await newLearningKey();
  const facts = learningFacts([step('s1', ['walking']), followup('f1', 's1', 'yes', 'yes', '2026-11-02')]);
  const sealed = await sealFacts(facts, { pub: key.pub, kid: key.kid });
  assert.ok(!JSON.stringify(sealed).includes('walking'));
  assert.deepEqual(await openFacts(sealed, { priv: key.priv, kid: key.kid }), facts);
  const other = await newLearningKey();
  await assert.rejects(openFacts(sealed, { priv: other.priv, kid: key.kid }));
});
