// Reflection at a review (pwa/src/ui/reflection.jsx, kind `reflection` in data/kinds.js): the readable copy
// (data/readable.js) lists each review with what was said and each one's reflection, the person's and the
// worker's, each in their own words and attributed; an older review with no reflection still reads as before.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KINDS, WORDS } from '../../pwa/src/data/kinds.js';
import { readableCopy } from '../../pwa/src/data/readable.js';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
const wordsOf = (lang) => {
  const words = catalog(lang);
  return (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
};
const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

function item(id, type, values, at = T0) {
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev: 'b2'.repeat(16) };
  return { id: id.padStart(32, '0'), type, created: { at, dev: 'b2'.repeat(16) }, f };
}

const text = (html) => html.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'");

test('a reflection is a kind of its own whose three answers are words, not plan content', () => {
  assert.deepEqual(WORDS.reflection, ['helped', 'hindered', 'differently']);
  assert.equal(KINDS.reflection.section, undefined, 'read with its review, never agreed to as part of the plan');
});

test("the readable copy shows each review with the person's and the worker's reflections, attributed", () => {
  const header = item('1', 'plan', { title: 'Getting out more', person: 'Sam', status: 'active' });
  const old = item('2', 'review', { date: '2026-01-10', helped: 'The library', helped_by: 'Sam' }, T0 - 1e9);
  const review = item('3', 'review', { date: '2026-03-03', changed: 'I go out twice a week', changed_by: 'Sam' });
  const mine = item('4', 'reflection', { review: review.id, role: 'person', by: 'Sam', helped: 'My sister came along', differently: 'Start earlier in the day' });
  const theirs = item('5', 'reflection', { review: review.id, role: 'worker', by: 'Ali', hindered: 'I talked too much at first' });
  for (const lang of ['en', 'cy', 'ar']) {
    const t = wordsOf(lang);
    const html = readableCopy([header, old, review, mine, theirs], { t, lang, dir: 'ltr', formatDay: (d) => d, formatDateTime: String, appName: 'Alongside', now: T0 });
    const section = text(html.slice(html.indexOf('data-section="reviews">') + 23));
    assert.ok(section.startsWith(t('reflect.reviews')), lang);
    const newer = section.indexOf('2026-03-03');
    assert.ok(newer > 0 && newer < section.indexOf('2026-01-10'), 'newest first');
    for (const said of ['I go out twice a week — Sam', `${t('reflect.role.person')} — Sam`, `${t('reflect.q.helped')}My sister came along`]) {
      assert.ok(section.includes(said), `${lang}: ${said}`);
    }
    assert.ok(section.includes(`${t('reflect.q.differently')}Start earlier in the day`));
    assert.ok(section.includes(`${t('reflect.role.worker')} — Ali${t('reflect.q.hindered')}I talked too much at first`));
    assert.ok(section.includes(`${t('review.q.helped')}The library — Sam`), 'an older review reads as before');
  }
});
