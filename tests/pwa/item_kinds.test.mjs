// The registry of item kinds (pwa/src/data/kinds.js): a kind declared once reaches every place that shows
// or exports a plan. The community activity (a real kind) is written, signed and read back by a real plan;
// then a fixture kind, added by one registry entry and its catalog words only, appears in the form, its
// section and route, "My plan", the read-back (and its print) order, the readable copy and the FHIR export.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { planToFhir } from '../../pwa/src/data/fhir.js';
import {
  CHOICES,
  KINDS,
  PARTS,
  SECTIONS,
  TYPES,
  WORDS,
  catalogKeys,
  defaultsOf,
  formOf,
  readableFields,
  registerKind,
  sectionOf,
} from '../../pwa/src/data/kinds.js';
import { contentItems } from '../../pwa/src/data/model.js';
import { readableCopy } from '../../pwa/src/data/readable.js';
import { validateFhir } from './fhir_schema.mjs';
import { cleanUp, newDevice, startPlan } from './plan_harness.mjs';

after(cleanUp);

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
/** `t` over a catalog and extra words (a fixture kind's). */
const wordsFrom = (words) => (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
const isoDay = (iso) => iso;
const isoMinute = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** A plan on a worker's tablet with a strength, a step and `extra` items ([type, values]) written through the real data layer. */
async function planWith(extra) {
  const plan = await startPlan(await newDevice('Ali', 'work tablet'), { person: 'Sam', title: 'Getting out more' });
  await plan.create('strength', { ...defaultsOf('strength'), text: 'Patient with animals', said_by: 'Sam', voice: 'own' });
  await plan.create('step', { ...defaultsOf('step'), text: 'Ring the walking group', who: 'Sam', said_by: 'Sam', voice: 'own' });
  for (const [type, values] of extra) await plan.create(type, { ...defaultsOf(type), said_by: 'Sam', voice: 'own', lang: 'en', ...values });
  await plan.idle();
  const items = [...plan.items.values()];
  const provenance = Object.fromEntries(items.map((item) => [item.id, plan.provenanceOf(item)]));
  return { plan, items, provenance };
}

/** The readable copy and the FHIR bundle (valid FHIR R4) of a plan, in the words `t`. */
async function exportsOf({ plan, items, provenance }, t) {
  const html = readableCopy(items, { t, lang: 'en', dir: 'ltr', formatDay: isoDay, formatDateTime: isoMinute, appName: 'Alongside', provenance });
  const bundle = await planToFhir(items, { planId: plan.id, t, provenance, formatDateTime: isoMinute });
  assert.deepEqual(validateFhir(bundle), []);
  const carePlan = bundle.entry.find((entry) => entry.resource.resourceType === 'CarePlan').resource;
  return { html, notes: carePlan.note.map((note) => note.text) };
}

/** The HTML of the readable copy's section `id`. */
const sectionHtml = (html, id) => html.split('<section').find((part) => part.startsWith(` data-section="${id}"`)) || '';

test('a community activity: its form, section and part, signed and read back by a real plan, in the readable copy and FHIR', async () => {
  assert.deepEqual(
    formOf('activity').map((field) => [field.name, field.control]),
    [
      ['text', 'area'],
      ['where', 'text'],
      ['with', 'text'],
      ['status', 'radios'],
    ],
  );
  assert.deepEqual(defaultsOf('activity'), { status: 'want_to_try' });
  assert.deepEqual(WORDS.activity, ['text', 'where']);
  assert.deepEqual(CHOICES.status_activity, ['want_to_try', 'trying', 'going', 'stopped']);
  const community = SECTIONS.find((section) => section.id === 'community');
  const route = { id: 'community', route: 'community', label: 'section.community', intro: 'community.intro', screen: 'list' };
  assert.deepEqual(community, { ...route, kinds: ['activity'] });
  assert.ok(PARTS.find((part) => part.id === 'community').kinds.includes('activity'));

  const written = await planWith([['activity', { text: 'The walking group', where: 'The park, Tuesday mornings', with: 'Mo', status: 'trying' }]]);
  const activity = written.items.find((item) => item.type === 'activity');
  assert.ok(activity.f.text.sig, 'the field statement of the device that typed it');
  assert.equal(written.provenance[activity.id].checked, true);
  assert.equal(written.provenance[activity.id].voice, 'own');
  // The read-back (and its print) list content in section order: strengths, …, community, next steps.
  assert.deepEqual(
    contentItems(written.items).map((item) => item.type),
    ['strength', 'activity', 'step'],
  );

  const { html, notes } = await exportsOf(written, wordsFrom(catalog('en')));
  const section = sectionHtml(html, 'community');
  assert.ok(section.includes('<h2>Community</h2>'), section);
  assert.ok(section.includes('<p dir="auto" class="text">The walking group</p>'), section);
  assert.ok(section.includes('<dt>Where and when</dt><dd><span dir="auto">The park, Tuesday mornings</span></dd>'), section);
  assert.ok(section.includes('<dt>How it is going</dt><dd>Trying it</dd>'), section);
  assert.ok(section.includes('Their own words · typed by <span dir="auto">Ali (work tablet)</span>'), section);
  const note = notes.find((text) => text.startsWith('Community:'));
  assert.deepEqual(note.split('\n').slice(0, 4), [
    'Community: The walking group',
    'Where and when: The park, Tuesday mornings',
    'Who goes with them: Mo',
    'How it is going: Trying it',
  ]);
  // The notes keep the order of the sections: after my people, before "if… then…" and good news.
  assert.ok(notes.indexOf(note) > notes.findIndex((text) => text.startsWith('Strengths:')));
});

test('every word the registry names is in every catalog', () => {
  for (const code of ['en', 'cy', 'ar']) {
    const words = catalog(code);
    assert.deepEqual(
      catalogKeys().filter((key) => !(key in words)),
      [],
      code,
    );
  }
});

// A fixture kind: one registry entry and its words, nothing else.
const PET = {
  text: 'text',
  section: 'pets',
  fields: [
    { name: 'text', control: 'text', required: true, words: true },
    { name: 'animal', control: 'radios', choices: 'animal', default: 'dog' },
    { name: 'walks', control: 'text', words: true, mine: 'walks' },
  ],
  fhir: { as: 'note' },
};
const PET_WORDS = {
  'section.pets': 'Pets',
  'pets.intro': 'The animals in the person’s life.',
  'add.pet': 'Add a pet',
  'change.pet': 'Change this pet',
  'conflict.you.pet': 'You and the other device both changed this pet',
  'conflict.two.pet': 'Two devices both changed this pet',
  'form.pet.text': 'Name',
  'form.pet.animal': 'Animal',
  'form.pet.walks': 'Who walks them',
  'choice.animal.dog': 'Dog',
  'choice.animal.cat': 'Cat',
  'mine.walks': 'Walked by:',
  'easy.walks': 'Who walks them:',
  'mine.h.pets': 'My pets',
  'easy.h.pets': 'My animals',
  'mine.intro.pets': 'The animals you look after.',
  'easy.intro.pets': 'You look after these animals.',
};

test('a kind added by a registry entry and its words: a form, a section and route, a part of "My plan", the read-back, readable copy, FHIR', async () => {
  CHOICES.animal = ['dog', 'cat'];
  const sections = registerKind('pet', PET);
  const words = { ...catalog('en'), ...PET_WORDS };
  assert.deepEqual(
    catalogKeys().filter((key) => !(key in words)),
    [],
  );

  // Its section comes before the read-back, with a route and the list screen; its part before good news.
  assert.deepEqual(sections.at(-2), { id: 'pets', route: 'pets', label: 'section.pets', intro: 'pets.intro', screen: 'list', kinds: ['pet'] });
  assert.deepEqual(
    PARTS.map((part) => part.id).slice(-2),
    ['pets', 'news'],
  );
  assert.equal(sectionOf('pet'), 'pets');
  // The form, its defaults, what counts as words, and how the readable copy and history show each field.
  assert.deepEqual(
    formOf('pet').map((field) => field.name),
    ['text', 'animal', 'walks'],
  );
  assert.deepEqual(defaultsOf('pet'), { animal: 'dog' });
  assert.deepEqual(TYPES.pet, { fields: ['text', 'animal', 'walks'], text: 'text', content: true });
  assert.deepEqual(WORDS.pet, ['text', 'walks']);
  assert.deepEqual(readableFields('pet'), [
    ['animal', 'animal'],
    ['walks', 'words'],
  ]);
  assert.equal(KINDS.pet, PET);

  const written = await planWith([['pet', { text: 'Biscuit', animal: 'cat', walks: 'Mo' }]]);
  assert.deepEqual(
    contentItems(written.items).map((item) => item.type),
    ['strength', 'step', 'pet'],
  );
  const { html, notes } = await exportsOf(written, wordsFrom(words));
  const section = sectionHtml(html, 'pets');
  assert.ok(section.includes('<h2>Pets</h2>'), html);
  assert.ok(section.includes('<article data-type="pet"><p dir="auto" class="text">Biscuit</p>'), section);
  assert.ok(section.includes('<dt>Animal</dt><dd>Cat</dd>'), section);
  assert.ok(section.includes('<dt>Who walks them</dt><dd><span dir="auto">Mo</span></dd>'), section);
  const note = notes.find((text) => text.startsWith('Pets:'));
  assert.ok(note.startsWith('Pets: Biscuit\nAnimal: Cat\nWho walks them: Mo\nSaid by Sam · Their own words'), note);
  assert.throws(() => registerKind('pet', PET), /exists already/);
});
