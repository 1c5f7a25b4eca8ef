// What changed between two agreed versions (pwa/src/data/versiondiff.js) from fixture snapshots: items
// added, changed field by field (and the person's agreement), and taken out, in the plan's section order;
// unchanged items and empty-for-empty fields not listed; the comparison path; and the readable copy's part
// on what changed (between two chosen versions, or since the last one).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readableCopy } from '../../pwa/src/data/readable.js';
import { bySection, changedFields, comparisonPath, diffVersions, keptAgreement, parseComparison, sameValue } from '../../pwa/src/data/versiondiff.js';

const words = JSON.parse(readFileSync(new URL('../../pwa/src/i18n/en.json', import.meta.url), 'utf8'));
const t = (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));

const TABLET = 'b2'.repeat(16);
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const DAY = 24 * 3600 * 1000;
const id = (n) => String(n).padStart(32, '0');
const yes = (at = T0) => ({ value: 'yes', note: '', by: TABLET, recorded: true, current: true, at });

/** A snapshot entry as ui/readback.jsx keeps it. */
const entry = (n, type, values, agreement = null) => ({ id: id(n), type, values, typed_by: 'Ali', at: T0, ...(agreement ? { agreement } : {}) });

const FIRST = [
  entry(1, 'strength', { text: 'I make people laugh', kind: 'personal', said_by: 'Sam', voice: 'own' }, yes()),
  entry(2, 'goal', { text: 'Swim once a week', horizon: 'possible', status: 'proposed', low: '', high: 'Every Sunday' }, yes()),
  entry(3, 'step', { text: 'Ask about quiet hours', who: 'Sam', status: 'not_started', goals: [id(2)] }, yes()),
  entry(4, 'person', { name: 'Auntie Mo', circle: 'family', safe: 'yes', goals: [], steps: [] }),
];

const LAST = [
  entry(1, 'strength', { text: 'I make people laugh', kind: 'personal', said_by: 'Sam', voice: 'own' }, yes()),
  entry(2, 'goal', { text: 'Swim twice a week', horizon: 'possible', status: 'proposed', high: 'Every Sunday', due: '2026-03-01' }, yes(T0 + DAY)),
  entry(4, 'person', { name: 'Auntie Mo', circle: 'family', safe: 'yes', goals: [id(2)], steps: [] }, { value: 'no', note: 'Not Mo, my sister', by: TABLET, recorded: true, current: true, at: T0 }),
  entry(6, 'step', { text: 'Buy a swimming costume', status: 'not_started' }),
  entry(5, 'strength', { text: 'Good with animals', said_by: 'Sam', voice: 'own' }),
];

test('added, changed and taken out between two versions, each in section order', () => {
  const { added, changed, removed } = diffVersions(FIRST, LAST);
  // Added: the strength before the step (strengths come first in a plan), whatever the snapshot's order.
  assert.deepEqual(
    added.map((e) => e.values.text),
    ['Good with animals', 'Buy a swimming costume'],
  );
  assert.deepEqual(
    removed.map((e) => e.values.text),
    ['Ask about quiet hours'],
  );
  assert.deepEqual(
    changed.map((e) => e.id),
    [id(2), id(4)],
  );
  const [goal, person] = changed;
  // Field by field, in form order, with the words before and after; '' and absent are no change.
  assert.deepEqual(goal.fields, [
    { name: 'text', before: 'Swim once a week', after: 'Swim twice a week' },
    { name: 'due', before: undefined, after: '2026-03-01' },
  ]);
  // The same "yes" recorded again for the new words is no change of agreement.
  assert.equal(goal.agreement, null);
  assert.deepEqual(person.fields, [{ name: 'goals', before: [], after: [id(2)] }]);
  assert.equal(person.agreement.before, null);
  assert.equal(person.agreement.after.note, 'Not Mo, my sister');
  assert.deepEqual(
    bySection(added).map((group) => [group.section, group.entries.length]),
    [
      ['strengths', 1],
      ['steps', 1],
    ],
  );
});

test('the same version twice, or an unchanged item, lists nothing', () => {
  assert.deepEqual(diffVersions(FIRST, FIRST), { added: [], changed: [], removed: [] });
  assert.deepEqual(diffVersions([], []), { added: [], changed: [], removed: [] });
  // Members of an object in another order are the same value.
  assert.ok(sameValue({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
  assert.ok(!sameValue(['a', 'b'], ['b', 'a']));
  assert.ok(sameValue(undefined, ''));
  assert.ok(sameValue([], null));
});

test('an agreement taken back, agreed to an earlier wording, or with another note is a change', () => {
  const before = entry(1, 'strength', { text: 'Kind' }, yes());
  const earlier = entry(1, 'strength', { text: 'Kind' }, { ...yes(), current: false });
  const none = entry(1, 'strength', { text: 'Kind' });
  const no = (note) => entry(1, 'strength', { text: 'Kind' }, { value: 'no', note, by: TABLET, recorded: true, current: true, at: T0 });
  assert.ok(diffVersions([before], [earlier]).changed[0].agreement);
  assert.ok(diffVersions([before], [none]).changed[0].agreement);
  assert.ok(diffVersions([no('a')], [no('b')]).changed[0].agreement);
  assert.equal(diffVersions([no('a')], [no('a')]).changed.length, 0);
  // A version from before agreements named the words kept the item's own `agree` field: read as the agreement.
  const legacy = entry(1, 'strength', { text: 'Kind', agree: 'yes' });
  assert.equal(keptAgreement(legacy).value, 'yes');
  assert.equal(diffVersions([legacy], [before]).changed.length, 0);
  assert.deepEqual(changedFields(legacy, none), []);
});

test('the comparison path names the older version first', () => {
  assert.equal(comparisonPath('aa', 'bb'), 'compare/aa..bb');
  assert.deepEqual(parseComparison('aa..bb'), { older: 'aa', newer: 'bb' });
  assert.equal(parseComparison('aa'), null);
  assert.equal(parseComparison(undefined), null);
});

const item = (n, type, values, at = T0) => {
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev: TABLET };
  return { id: id(n), type, created: { at, dev: TABLET }, f };
};

const copy = (items, facts = {}) =>
  readableCopy(items, {
    t,
    lang: 'en',
    dir: 'ltr',
    formatDay: (iso) => iso,
    formatDateTime: (ms) => new Date(ms).toISOString().slice(0, 10),
    appName: 'Alongside',
    now: T0,
    ...facts,
  });

const text = (html) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

test('the readable copy says what changed between two chosen versions, in the words agreed', () => {
  const header = item(90, 'plan', { title: 'Getting out more', person: 'Sam' });
  const one = item(91, 'version', { number: 1, snapshot: FIRST, person: 'Sam' }, T0);
  const two = item(92, 'version', { number: 2, snapshot: LAST, person: 'Sam' }, T0 + DAY);
  const three = item(93, 'version', { number: 3, snapshot: LAST, person: 'Sam' }, T0 + 2 * DAY);
  const html = copy([header, one, two, three], { compare: { older: one.id, newer: two.id }, names: { [TABLET]: { name: 'Ali', label: 'work tablet' } } });
  const part = text(html.slice(html.indexOf('data-section="changes"')));
  assert.match(part, /What changed between agreed versions/);
  assert.match(part, /From version 1 \(2026-01-05\) to version 2 \(2026-01-06\)/);
  assert.match(part, /Added \(2\) Strengths Good with animals — Not asked yet Next steps Buy a swimming costume — Not asked yet Changed/);
  assert.match(part, /Changed \(2\) Goals Swim twice a week The goal: Before: Swim once a week ; After: Swim twice a week By when \(optional\): Before: \(nothing\); After: 2026-03-01 My people Auntie Mo Could help with these goals: Before: \(nothing\); After: Swim twice a week/);
  assert.match(part, /Agreement: Before: Not asked yet; After: Sam said they do not agree, recorded by Ali \(work tablet\) — Not Mo, my sister/);
  assert.match(part, /Taken out \(1\) Next steps Ask about quiet hours — Sam said they agree, recorded by Ali \(work tablet\)/);
  // Chosen the other way round: the lower number is still the earlier version.
  const reversed = copy([header, one, two, three], { compare: { older: two.id, newer: one.id }, names: { [TABLET]: { name: 'Ali', label: 'work tablet' } } });
  assert.equal(reversed, html);
});

test('without a choice, the readable copy says what changed since the last agreed version', () => {
  const header = item(90, 'plan', { title: 'Getting out more', person: 'Sam' });
  const one = item(91, 'version', { number: 1, snapshot: FIRST.slice(0, 1), person: 'Sam' });
  const strength = item(1, 'strength', { text: 'I make people laugh a lot', kind: 'personal', said_by: 'Sam', voice: 'own' });
  const html = copy([header, one, strength], { names: { [TABLET]: { name: 'Ali', label: 'work tablet' } } });
  const part = text(html.slice(html.indexOf('data-section="changes"')));
  assert.match(part, /What changed since the last agreed version Since version 1 \(2026-01-05\), to the plan as it is now\./);
  assert.match(part, /Changed \(1\) Strengths I make people laugh a lot The strength: Before: I make people laugh ; After: I make people laugh a lot/);
  assert.match(part, /Agreement: Before: Sam said they agree, recorded by Ali \(work tablet\) ; After: Not asked yet/);
  // No agreed version yet: no such part.
  assert.ok(!copy([header, strength]).includes('data-section="changes"'));
});
