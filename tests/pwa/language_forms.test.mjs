// How the app's words fit the reader and the language: the address form the person chose (`key.f` / `key.m`
// variants, falling back to the plain key), dates in words from the catalog where the browser's Intl has
// no data for the language (Chromium has none for Welsh), and the language of people's words (recorded,
// checked against the script) that read aloud speaks them in.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { aboutForm, aboutText, addressedText, planAddressForm } from '../../pwa/src/i18n/address.js';
import { catalogDate, pluralCategory } from '../../pwa/src/i18n/calendar.js';
import { wordsLanguage } from '../../pwa/src/data/wordslanguage.js';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
const fill = (text, params) => text.replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
const wordsOf = (words) => (key, params = {}) => fill(words[key], params);

test('a string takes the chosen address form where the catalog has one, and the plain key otherwise', () => {
  const ar = catalog('ar');
  assert.equal(addressedText(ar, 'join.submit', 'f'), 'انضمي إلى الخطة');
  assert.equal(addressedText(ar, 'join.submit', 'm'), ar['join.submit']);
  assert.equal(addressedText(ar, 'join.submit', ''), ar['join.submit']);
  assert.equal(addressedText(ar, 'mine.intro.goals', 'f'), 'ما تريدين أن يحدث، بكلماتكِ أنتِ.');
  assert.equal(addressedText(ar, 'mine.title', 'f'), 'خطتي'); // the same for everyone: no variant
  assert.equal(addressedText(ar, 'join.submit', 'x'), ar['join.submit']); // not a form
  assert.equal(addressedText(catalog('en'), 'join.submit', 'f'), 'Join the plan');
  assert.equal(addressedText(ar, 'no.such.key', 'f'), undefined);
});

test('every address-form variant has its plain key, in its catalog and in English', () => {
  const en = catalog('en');
  for (const code of ['en', 'cy', 'ar']) {
    const words = catalog(code);
    const variants = Object.keys(words).filter((key) => /\.(f|m)$/.test(key));
    if (code === 'ar') assert.ok(variants.length >= 40, 'Arabic speaks to a woman in her own forms');
    for (const key of variants) {
      const plain = key.replace(/\.(f|m)$/, '');
      assert.ok(plain in words && plain in en, `${code}: ${key} has no plain ${plain}`);
      assert.equal([...words[key].matchAll(/\{(\w+)\}/g)].join(), [...words[plain].matchAll(/\{(\w+)\}/g)].join(), `${key}: the same placeholders`);
    }
  }
});

test("words about the person take the form the plan carries, and on the person's own device the one they chose there", () => {
  const ar = catalog('ar');
  const header = (form) => ({ f: { person: { v: 'Amira' }, address: { v: form } } });
  assert.equal(planAddressForm(header('f')), 'f');
  assert.equal(planAddressForm({ address: 'm' }), 'm'); // plain values
  assert.equal(planAddressForm(header('x')), ''); // not a form: no preference
  assert.equal(planAddressForm(null), '');
  // The worker's and a supporter's devices: the plan's form, whatever the reader chose for themselves.
  assert.equal(aboutForm(header('f'), 'worker', 'm'), 'f');
  assert.equal(aboutForm(header(''), 'supporter', 'f'), '');
  // The person's own device: the reader is the person (their device's choice first, else the plan's).
  assert.equal(aboutForm(header('m'), 'owner', 'f'), 'f');
  assert.equal(aboutForm(header('f'), 'owner', ''), 'f');
  assert.equal(aboutText(ar, 'choice.voice.own', 'f'), 'كلماتها هي');
  assert.equal(aboutText(ar, 'choice.voice.own', 'm'), ar['choice.voice.own']); // the plain words are masculine
  assert.equal(aboutText(ar, 'choice.voice.own', ''), ar['choice.voice.own']);
  assert.equal(aboutText(ar, 'members.owner', 'f'), 'صاحبة هذه الخطة');
  assert.equal(aboutText(ar, 'readback.why_not', 'f'), 'ما الذي تودّ تغييره؟ (اختياري)');
  assert.equal(aboutText(ar, 'choice.voice.paraphrase', 'f'), ar['choice.voice.paraphrase']); // the same for everyone
  assert.equal(aboutText(catalog('en'), 'choice.voice.own', 'f'), catalog('en')['choice.voice.own']);
  assert.equal(aboutText(catalog('cy'), 'members.owner', 'f'), "y person y mae'r cynllun hwn yn perthyn iddi");
  // Speaking to the reader and speaking about the person are kept apart: a worker spoken to as a woman
  // still reads the plain (masculine) third-person words about a man.
  assert.equal(addressedText(ar, 'choice.voice.own', 'f'), ar['choice.voice.own']);
});

test('every words-about-the-person variant has its plain key, in its catalog and in English', () => {
  const en = catalog('en');
  for (const code of ['en', 'cy', 'ar']) {
    const words = catalog(code);
    const variants = Object.keys(words).filter((key) => /\.(she|he)$/.test(key));
    if (code === 'ar') assert.ok(variants.length >= 6, 'Arabic speaks about a woman in her own forms');
    for (const key of variants) {
      const plain = key.replace(/\.(she|he)$/, '');
      assert.ok(plain in words && plain in en, `${code}: ${key} has no plain ${plain}`);
      assert.equal([...words[key].matchAll(/\{(\w+)\}/g)].join(), [...words[plain].matchAll(/\{(\w+)\}/g)].join(), `${key}: the same placeholders`);
    }
  }
});

test('Welsh dates and times in words from the catalog, on a 24-hour clock', () => {
  const cy = wordsOf(catalog('cy'));
  const evening = new Date(2026, 11, 1, 21, 7);
  assert.equal(catalogDate('day', evening, cy), '1 Rhagfyr 2026');
  assert.equal(catalogDate('day_month', evening, cy), '1 Rhagfyr');
  assert.equal(catalogDate('datetime', evening, cy), '1 Rhagfyr 2026, 21:07');
  assert.equal(catalogDate('time', new Date(2026, 0, 5, 9, 3), cy), '09:03');
  const months = Array.from({ length: 12 }, (_, m) => catalogDate('day_month', new Date(2026, m, 2), cy));
  assert.deepEqual(months, ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'].map((m) => `2 ${m}`));
});

test('Welsh plural forms by Welsh rules', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 6, 10].map((n) => pluralCategory('cy', 'cy-GB', n)), ['zero', 'one', 'two', 'few', 'other', 'many', 'other']);
  assert.equal(pluralCategory('en', 'en-GB', 2), 'other');
});

test("people's words are spoken in their own language: the script checks what was recorded", () => {
  assert.equal(wordsLanguage('أطبخ لعائلتي', 'en', 'en'), 'ar'); // typed on an English screen, in Arabic
  assert.equal(wordsLanguage("I'm good with my hands", 'en', 'ar'), 'en');
  assert.equal(wordsLanguage("I'm good with my hands", undefined, 'ar'), 'en'); // nothing recorded, Arabic screen
  assert.equal(wordsLanguage('Rwy’n dda gyda fy nwylo', 'cy', 'en'), 'cy');
  assert.equal(wordsLanguage('Latin words', 'ar', 'cy'), 'cy');
  assert.equal(wordsLanguage('2026', 'cy', 'en'), 'cy'); // no letters: what was recorded
});
