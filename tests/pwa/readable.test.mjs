// The readable copy (pwa/src/data/readable.js) from fixture plans: provenance that stays true (changed
// by someone else drops "their own words"; confirmed by the person), the person's agreement bound to the
// words (recorded by the worker, agreed to an earlier wording, a record that cannot be the person's), and
// each item's history of versions, all from what the plan gives (provenanceOf, agreementsFor, history).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readableCopy } from '../../pwa/src/data/readable.js';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
const wordsOf = (lang) => {
  const words = catalog(lang);
  return (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
};

const TABLET = 'b2'.repeat(16);
const PHONE = 'c3'.repeat(16);
const FRIEND = 'd5'.repeat(16);
const T0 = Date.UTC(2025, 10, 3, 10, 0, 0);
const when = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const day = (iso) => iso;

function item(id, type, values, { dev = TABLET, at = T0 } = {}) {
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev };
  return { id: id.padStart(32, '0'), type, created: { at, dev }, f };
}

function plan() {
  const header = item('1', 'plan', { title: 'Getting out more', person: 'Sam', status: 'active' });
  const strength = item('2', 'strength', { text: 'Patient with animals, and kind', said_by: 'Sam', voice: 'own' });
  const goal = item('3', 'goal', { text: 'أريد أن أسبح', said_by: 'Sam', voice: 'own', horizon: 'possible' });
  const news = item('4', 'good_news', { text: 'I went swimming', said_by: 'Sam', voice: 'own' }, { dev: PHONE });
  return { header, strength, goal, news };
}

const names = { [TABLET]: { name: 'Ali', label: 'work tablet' }, [PHONE]: { name: 'Sam', label: "Sam's phone" }, [FRIEND]: { name: 'Jo', label: "Jo's phone" } };
const roles = { [TABLET]: 'worker', [PHONE]: 'owner', [FRIEND]: 'supporter' };
const asSaid = (entry) => ({ saidBy: 'Sam', voice: 'own', voiceDropped: false, typedBy: entry.created.dev, typedAt: entry.created.at, changed: null, confirmed: null, checked: true });

function copy(items, facts, lang = 'en') {
  return readableCopy(Object.values(items), { t: wordsOf(lang), lang, dir: lang === 'ar' ? 'rtl' : 'ltr', formatDay: day, formatDateTime: when, appName: 'Alongside', now: T0, names, roles, ...facts });
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The text of the article holding `words`, tags removed and characters unescaped. */
function article(html, words) {
  const found = html.split('<article').find((part) => part.includes(words));
  assert.ok(found, `no article with ${words}`);
  return found
    .replace(/^[^>]*>/, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

test('words as they were said: said by, their own words, typed by, and the person agreed as recorded', () => {
  const items = plan();
  const html = copy(items, {
    provenance: { [items.strength.id]: asSaid(items.strength), [items.news.id]: asSaid(items.news) },
    agreements: { [items.strength.id]: { person: { value: 'yes', note: '', at: T0, by: TABLET, recorded: true, current: true }, mine: null, others: [], refused: [], legacy: null } },
  });
  const strength = article(html, 'Patient with animals');
  assert.ok(strength.includes(`Said by Sam · Their own words · typed by Ali (work tablet) · ${when(T0)}`), strength);
  assert.ok(strength.includes('Sam said they agree, recorded by Ali (work tablet)'), strength);
  assert.ok(html.includes('<span dir="auto">Sam</span>'));
  assert.ok(article(html, 'I went swimming').includes("typed by Sam (Sam's phone)"));
});

test('words changed by someone else: changed by, no "their own words", and an agreement with the earlier wording', () => {
  const items = plan();
  const changedAt = T0 + 3_600_000;
  const html = copy(items, {
    provenance: { [items.strength.id]: { ...asSaid(items.strength), voice: null, voiceDropped: true, changed: { by: TABLET, at: changedAt } } },
    agreements: { [items.strength.id]: { person: { value: 'yes', note: '', at: T0, by: PHONE, recorded: false, current: false }, mine: null, others: [], refused: [], legacy: null } },
  });
  const strength = article(html, 'Patient with animals');
  assert.ok(strength.includes(`Said by Sam · changed by Ali (work tablet), ${when(changedAt)}`), strength);
  assert.ok(!strength.includes('Their own words'), strength);
  assert.ok(strength.includes(`Agreed to an earlier wording (${when(T0)})`), strength);
  assert.ok(!strength.includes('Sam agreed with this'), strength);
});

test("supporters' own agreements are theirs; a record claiming the person's agreement from a supporter is not the person's", () => {
  const items = plan();
  const html = copy(items, {
    agreements: {
      [items.strength.id]: {
        person: null,
        mine: null,
        others: [{ by: FRIEND, value: 'no', note: 'Not with cats', at: T0, current: true }],
        refused: [{ by: FRIEND, at: T0 }],
        legacy: null,
      },
    },
  });
  const strength = article(html, 'Patient with animals');
  assert.ok(strength.includes('Jo does not agree — Not with cats'), strength);
  assert.ok(strength.includes("Jo (Jo's phone) recorded this as Sam's agreement, but only Sam's own devices or their worker can, so it does not count"), strength);
  assert.ok(!/Sam agreed|Sam said they agree/.test(strength), strength);
});

test('each item lists its versions, newest first, with what changed; a device without the earliest says so', () => {
  const items = plan();
  const history = {
    versions: [
      { n: 2, vh: 'a', by: TABLET, at: T0, deleted: false, changes: [{ name: 'text', after: 'Patient' }] },
      { n: 3, vh: 'b', by: TABLET, at: T0 + 60_000, deleted: false, changes: [{ name: 'text', before: 'Patient with animals', after: 'Patient with animals, and kind' }] },
      { n: 4, vh: 'c', by: PHONE, at: T0 + 120_000, deleted: false, changes: [{ name: 'voice', before: 'paraphrase', after: 'own' }] },
    ],
    complete: false,
  };
  const html = copy(items, { histories: { [items.strength.id]: history, [items.news.id]: { versions: [{ n: 1, vh: 'a', by: PHONE, at: T0, deleted: false, changes: [] }], complete: true } } });
  const strength = article(html, 'Patient with animals');
  const newer = strength.indexOf(`Changed by Sam (Sam's phone), ${when(T0 + 120_000)}`);
  const older = strength.indexOf(`Changed by Ali (work tablet), ${when(T0 + 60_000)}`);
  assert.ok(newer > 0 && older > newer, strength);
  assert.ok(strength.includes('The strength: Before: Patient with animals; After: Patient with animals, and kind'), strength);
  assert.ok(strength.includes('How it is written: Before: Put in other words; After: Their own words'), strength);
  // The oldest version here is not the first: what it held, not what it "added".
  assert.ok(strength.includes(`Changed by Ali (work tablet), ${when(T0)} The earliest version on this device:The strength: Patient`), strength);
  assert.ok(!strength.includes('Added:'), strength);
  assert.ok(strength.includes('Earlier versions are not on this device.'), strength);
  // One version, and every one held: nothing more to say than the provenance line.
  assert.ok(!article(html, 'I went swimming').includes('What changed'));
});

test('Arabic: people\'s words exactly as written, in their own direction, with Arabic labels for agreements', () => {
  const items = plan();
  const ar = wordsOf('ar');
  const html = copy(items, { agreements: { [items.goal.id]: { person: { value: 'no', note: 'ليس الآن', at: T0, by: PHONE, recorded: false, current: true }, mine: null, others: [], refused: [], legacy: null } } }, 'ar');
  assert.ok(html.includes('<p dir="auto" class="text">أريد أن أسبح</p>'));
  assert.ok(html.includes('<html lang="ar" dir="rtl">'));
  const goal = article(html, 'أريد أن أسبح');
  assert.ok(goal.includes(`${ar('agree.person_no', { name: 'Sam' })} — ليس الآن`), goal);
});

test("a step's linked community activity is in the copy the person takes: when, where, cost and contact", () => {
  const items = plan();
  const walk = { id: 'walk', name: 'Riverside walking group', when: 'Thursdays 10:00', days: ['th'], where: 'Library steps', postcode: 'CF10 1AA', free: true, phone: '029 2000 0000', email: 'walks@example.org' };
  items.step = item('5', 'step', { text: 'Try the walking group', said_by: 'Sam', voice: 'own', ready: true, activity: walk });
  const text = article(copy(items, {}), 'Try the walking group');
  assert.match(text, /Community activity\s*Riverside walking group/);
  assert.match(text, /When: Thursdays 10:00 · Thursday/);
  assert.match(text, /Where: Library steps, CF10 1AA/);
  assert.match(text, /Cost: Free/);
  assert.match(text, /Contact: 029 2000 0000 · walks@example\.org/);
  const welsh = article(copy(items, {}, 'cy'), 'Try the walking group');
  assert.match(welsh, /Riverside walking group/);
  assert.doesNotMatch(welsh, /When:|Where:/);
});
