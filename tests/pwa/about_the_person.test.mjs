// Words about the person in the form they chose, across the catalogs: every form variant (`key.she` /
// `key.he` about the person, `key.f` / `key.m` to the reader) stands for a plain key that every catalog
// has, with the same placeholders; the screens that speak about the person (section introductions, form
// hints, consent and handover lines, the family meeting, who can read what) read the feminine words on a
// worker's tablet for a plan whose person chose "she"; and every key the screens pass to `tAbout` /
// `tNamed` is a real key. Pure lookups through i18n/address.js, as `tAbout` does them.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { aboutForm, aboutText, planPersonName } from '../../pwa/src/i18n/address.js';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
const CATALOGS = { en: catalog('en'), cy: catalog('cy'), ar: catalog('ar') };
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join();
const FORM = /\.(she|he|f|m)$/;

/** A plan on the worker's tablet whose person, Amira, chose "she / her" for words about her. */
const herPlan = { header: { f: { person: { v: 'Amira' }, address: { v: 'f' } } }, me: { role: 'worker' } };
/** What `tAbout(plan, key)` reads in Arabic (no form chosen for the tablet's own user). */
const aboutHer = (key) => aboutText(CATALOGS.ar, key, aboutForm(herPlan.header, herPlan.me.role, ''));

test('every form variant has its plain key in every catalog, with the same placeholders', () => {
  for (const [code, words] of Object.entries(CATALOGS)) {
    for (const key of Object.keys(words).filter((k) => FORM.test(k))) {
      const plain = key.replace(FORM, '');
      for (const [other, theirs] of Object.entries(CATALOGS)) assert.ok(plain in theirs, `${code}: ${key} has no plain ${plain} in ${other}`);
      assert.equal(placeholders(words[key]), placeholders(words[plain]), `${code}: ${key} has the placeholders of ${plain}`);
      assert.notEqual(words[key].trim(), '', `${code}: ${key} is not empty`);
    }
  }
});

// Each screen that speaks about the person, and the feminine words it reads for Amira (call sites in pwa/src/ui).
const ABOUT_HER = {
  'strengths.intro': 'ما تجيده صاحبة الخطة، وما ينجح، وما يقدّره الآخرون فيها.', // plan.jsx, a section's introduction
  'news.intro': 'أخبار جيدة تضيفها صاحبة الخطة بين الزيارات: شيء سار بشكل جيد، بكلماتها هي.',
  'community.intro': 'ما تفعله صاحبة الخطة، أو تريد أن تجرّبه، في مجتمعها: مجموعات ونوادٍ وأماكن وإيمان وتطوع. بكلماتها هي.',
  'goals.intro': 'أهداف بكلمات صاحبة الخطة نفسها: حلم، وشيء ممكن، وشيء للشهر القادم.', // goals.jsx
  'people.intro': 'الأشخاص والمجموعات من حول صاحبة الخطة. كلما كانت الدائرة أقرب، كانوا أقرب إليها.', // people.jsx
  'people.hint.friends': 'أصدقاء وأقارب تراهم كثيرًا.',
  'form.goal.text.hint': 'بكلمات صاحبة الخطة نفسها.', // items.jsx, a form's hint
  'form.goal.low.hint': 'تصف صاحبة الخطة أدنى مقياسها.',
  'form.strength.noticed.hint': 'ما يقدّره الناس فيها.',
  'form.matter.text': 'كيف تراها صاحبة الخطة', // a form's label
  'form.activity.with': 'من يذهب معها',
  'scale.title': 'مقياسها', // goals.jsx, review.jsx
  'progress.intro': 'كيف يسير كل هدف، من الأرقام المعطاة في كل زيارة. الرقم 10 هو الأفضل كما وصفته صاحبة الخطة.',
  'review.q.changed.hint': 'منذ المراجعة السابقة، لصاحبة الخطة وللناس من حولها.',
  'consent.title_worker': 'بانتظار موافقة صاحبة الخطة', // consent.jsx, on the worker's device
  'consent.yes_in_person': 'صاحبة الخطة هنا وتقول نعم',
  'consent.invite_waits': 'من يستخدم هذا الرمز سينتظر موافقة صاحبة الخطة قبل أن يرى أي شيء في الخطة.', // share.jsx
  'share.who.writer': 'شخص تثق به ويمكنه الكتابة في الخطة',
  'handover.status.agreed': '{from} يسلّم هذه الخطة إلى {to}. وافقت صاحبة الخطة.', // handover.jsx
  'handover.question_worker': '{from} يسلّم هذه الخطة إلى {to}. هل توافق صاحبة الخطة على ذلك؟', // consent.jsx
  'audience.tag.worker': 'لا يقرأ هذا إلا صاحبة الخطة والعامل معها', // audience.jsx
  'audience.person_decides': 'صاحبة الخطة هي من تقرر هذا. هذا ما اختارته.',
  'meeting.says': 'ماذا تريد {name} أن تقول؟', // meeting.jsx, when Amira speaks
  'meeting.signed': 'وافقت {name} ({date})',
  'sync.refused': 'لم يعد هذا الجهاز قادرًا على مزامنة هذه الخطة. تغييراتك آمنة على هذا الجهاز. اطلب من صاحبة الخطة أو من العامل معها إضافة هذا الجهاز مرة أخرى.',
};

test("the screens that speak about the person read her words in Arabic when she chose 'she'", () => {
  for (const [key, words] of Object.entries(ABOUT_HER)) {
    assert.equal(aboutHer(key), words, key);
    assert.notEqual(CATALOGS.ar[key], words, `${key}: the plain words are not hers`);
    // A man, or no preference: the plain words, as before.
    assert.equal(aboutText(CATALOGS.ar, key, 'm'), CATALOGS.ar[key], key);
    assert.equal(aboutText(CATALOGS.ar, key, ''), CATALOGS.ar[key], key);
  }
  // Words that are the same for everyone stay the plain key.
  assert.equal(aboutHer('people.hint.paid'), CATALOGS.ar['people.hint.paid']);
  assert.equal(aboutHer('form.goal.text'), CATALOGS.ar['form.goal.text']);
  assert.equal(planPersonName(herPlan.header), 'Amira'); // tNamed: only Amira's own lines take her form
  assert.equal(planPersonName({ person: ' Sam ' }), 'Sam');
  assert.equal(planPersonName(null), '');
});

test("on the person's own phone, what speaks to her takes her form: 'you' in the feminine", () => {
  const ar = CATALOGS.ar;
  for (const key of ['consent.intro', 'handover.question', 'leave.leave_check', 'audience.screen_intro', 'mine.read_all', 'error.save']) {
    assert.ok(`${key}.f` in ar, `${key} speaks to her in her form`);
    assert.notEqual(ar[`${key}.f`], ar[key]);
  }
  assert.equal(ar['handover.question.f'], '{from} يسلّم خطتكِ إلى {to}. هل توافقين على ذلك؟');
});

test('every key the screens pass to tAbout or tNamed is in the English catalog', () => {
  const dir = new URL('../../pwa/src/ui/', import.meta.url);
  const keys = new Set();
  for (const file of readdirSync(dir).filter((name) => /\.jsx?$/.test(name))) {
    for (const line of readFileSync(new URL(file, dir), 'utf8').split('\n')) {
      for (const call of line.matchAll(/\b(?:tAbout|tNamed)\((.*)$/g)) for (const quoted of call[1].matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) keys.add(quoted[1]);
    }
  }
  assert.ok(keys.size >= 25, `found ${keys.size} keys`);
  for (const key of keys) assert.ok(key in CATALOGS.en, `${key} is a catalog key`);
  // Each of them that Arabic words differently for a woman has her form (the same check as the list above).
  const withForm = [...keys].filter((key) => `${key}.she` in CATALOGS.ar);
  assert.ok(withForm.length >= 20, `${withForm.length} of the keys have her form`);
});
