// The plan as a FHIR R4 Bundle (pwa/src/data/fhir.js): bundles built from fixture plans (every
// section filled, an empty plan, Arabic text with Arabic labels) validate against the official FHIR
// R4 JSON schema (tests/pwa/fhir_schema.mjs) and carry the plan's content where docs/app.md says, with
// provenance and agreements worded as on screen from what the plan gives (provenanceOf, agreementsFor);
// bundles broken on purpose fail, so the validator really checks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planToFhir } from '../../pwa/src/data/fhir.js';
import { validateFhir } from './fhir_schema.mjs';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../pwa/src/i18n/${lang}.json`, import.meta.url), 'utf8'));
const wordsOf = (lang) => {
  const words = catalog(lang);
  return (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
};
const en = wordsOf('en');

const PLAN_ID = 'a1'.repeat(16);
const TABLET = 'b2'.repeat(16);
const PHONE = 'c3'.repeat(16);
const FRIEND = 'd5'.repeat(16);
const T0 = Date.UTC(2025, 10, 3, 10, 0, 0);
const NOW = Date.UTC(2025, 10, 23, 14, 0, 0);

let counter = 0;
/** An item as the app holds it once decrypted: every field with its own version stamp. */
function item(type, values, { dev = TABLET, at = T0 + (counter += 1) * 60_000 } = {}) {
  const id = counter.toString(16).padStart(32, '0');
  const f = {};
  for (const [name, v] of Object.entries(values)) f[name] = { v, h: [], at, dev };
  return { id, type, created: { at, dev }, f };
}

function wholePlan() {
  counter = 0;
  const header = item('plan', { title: 'Getting out more', person: 'Sam', status: 'active', review: '2026-02-20' });
  const tablet = item('device', { device_id: TABLET, name: 'Ali', label: 'work tablet', role: 'worker' });
  const phone = item('device', { device_id: PHONE, name: 'Sam', label: "Sam's phone", role: 'owner' });
  const strength = item('strength', { text: 'I know every bus route in town', kind: 'personal', noticed: 'My neighbour', example: 'I got us to the match', said_by: 'Sam', voice: 'own', lang: 'en' });
  const matter = item('matter', { column: 'working', text: 'Cooking on Sundays', other_view: 'The family eats together more', other_by: 'Ali', differ: true, said_by: 'Sam', voice: 'own' });
  const goal = item('goal', { text: 'Get back to swimming', horizon: 'possible', status: 'active', due: '2026-03-01', low: 'I never leave the house', high: 'Swimming twice a week with friends', said_by: 'Sam', voice: 'own', lang: 'en' });
  const dream = item('goal', { text: 'Run a swimming club', horizon: 'dream', status: 'achieved', said_by: 'Ali', voice: 'practitioner' }, { dev: PHONE });
  const reading = item('reading', { goal: goal.id, party: 'Sam', value: 4, why: 'I went once last month', higher: 'Going with Mo' });
  const step = item('step', { text: "Ask about the pool's quiet hours", who: 'Sam', due: '2026-01-15', checker: 'Ali', status: 'in_progress', goals: [goal.id], said_by: 'Sam', voice: 'own' });
  const done = item('step', { text: 'Find my swimming things', who: 'Mo', status: 'done', goals: [] });
  const person = item('person', { name: 'Auntie Mo', relationship: 'my aunt', circle: 'friends', safe: 'yes', goals: [goal.id], steps: [step.id], said_by: 'Sam', voice: 'own' });
  const contingency = item('contingency', { trigger: "If I can't face going", response: "then I'll ring Mo and we go together", who: 'Sam', call: 'Mo', said_by: 'Sam', voice: 'own' });
  const news = item('good_news', { text: 'I went swimming with Mo!', said_by: 'Sam', voice: 'own' }, { dev: PHONE });
  return { header, tablet, phone, strength, matter, goal, dream, reading, step, done, person, contingency, news };
}

/** What the app gathers besides the items (plan.provenanceOf, plan.agreementsFor, the roster's names and roles). */
function factsOf(plan) {
  const provenance = {};
  for (const entry of Object.values(plan)) {
    const v = Object.fromEntries(Object.entries(entry.f).map(([name, field]) => [name, field.v]));
    provenance[entry.id] = { saidBy: v.said_by ?? null, voice: v.voice ?? null, voiceDropped: false, typedBy: entry.created.dev, typedAt: entry.created.at, changed: null, confirmed: null, checked: true };
  }
  const agreements = {
    [plan.strength.id]: { person: { value: 'yes', note: '', at: T0, by: TABLET, recorded: true, current: true }, mine: null, others: [], refused: [], legacy: null },
    [plan.matter.id]: { person: { value: 'no', note: 'Not every Sunday', at: T0, by: PHONE, recorded: false, current: true }, mine: null, others: [], refused: [], legacy: null },
  };
  const names = { [TABLET]: { name: 'Ali', label: 'work tablet' }, [PHONE]: { name: 'Sam', label: "Sam's phone" } };
  const roles = { [TABLET]: 'worker', [PHONE]: 'owner' };
  return { provenance, agreements, names, roles };
}

const resources = (bundle, type) => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type);
const only = (bundle, type) => {
  const found = resources(bundle, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
};

test('a whole plan becomes a collection Bundle that validates against the FHIR R4 schema', async () => {
  const plan = wholePlan();
  const bundle = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW });
  assert.deepEqual(validateFhir(bundle), []);
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'collection');
  assert.equal(bundle.timestamp, '2025-11-23T14:00:00.000Z');
  assert.deepEqual(
    bundle.entry.map((e) => e.resource.resourceType),
    ['Patient', 'CarePlan', 'Goal', 'Goal'],
  );
  for (const entry of bundle.entry) {
    assert.match(entry.fullUrl, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(entry.fullUrl, `urn:uuid:${entry.resource.id}`);
  }
  assert.equal(new Set(bundle.entry.map((e) => e.fullUrl)).size, bundle.entry.length);
  // No id in the bundle is one the server stores.
  for (const { id } of Object.values(plan)) assert.ok(!JSON.stringify(bundle).includes(id));
});

test('the Patient holds only the name the plan holds: no invented identifiers', async () => {
  const bundle = await planToFhir(Object.values(wholePlan()), { planId: PLAN_ID, t: en, now: NOW });
  const patient = only(bundle, 'Patient');
  assert.deepEqual(Object.keys(patient).sort(), ['id', 'name', 'resourceType']);
  assert.deepEqual(patient.name, [{ text: 'Sam' }]);
});

test('the CarePlan carries status, title, goals, a step as an activity, and the other sections as notes', async () => {
  const plan = wholePlan();
  const bundle = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW, ...factsOf(plan) });
  const carePlan = only(bundle, 'CarePlan');
  const patientUrl = bundle.entry[0].fullUrl;
  const goalUrls = bundle.entry.filter((e) => e.resource.resourceType === 'Goal').map((e) => e.fullUrl);
  assert.equal(carePlan.status, 'active');
  assert.equal(carePlan.intent, 'plan');
  assert.equal(carePlan.title, 'Getting out more');
  assert.deepEqual(carePlan.subject, { reference: patientUrl, display: 'Sam' });
  assert.equal(carePlan.created, new Date(plan.header.created.at).toISOString());
  assert.deepEqual(carePlan.contributor, [{ display: 'Ali (work tablet)' }, { display: "Sam (Sam's phone)" }]);
  assert.deepEqual(carePlan.goal.map((g) => g.reference), goalUrls);

  assert.equal(carePlan.activity.length, 2);
  const [ask, find] = carePlan.activity;
  assert.deepEqual(ask.detail, {
    goal: [{ reference: goalUrls[0] }],
    status: 'in-progress',
    scheduledPeriod: { end: '2026-01-15' },
    performer: [{ display: 'Sam' }],
    description: "Ask about the pool's quiet hours",
  });
  assert.equal(ask.progress[0].authorString, 'Sam');
  assert.match(ask.progress[0].text, /^Who will check: Ali\nSaid by Sam · Their own words · typed by Ali \(work tablet\)$/);
  assert.deepEqual(find.detail, { status: 'completed', performer: [{ display: 'Mo' }], description: 'Find my swimming things' });

  const notes = carePlan.note.map((n) => n.text);
  assert.equal(notes.length, 6);
  assert.equal(
    notes[0],
    'Strengths: I know every bus route in town (Personal)\nWho noticed it: My neighbour\nAn example: I got us to the match\nSaid by Sam · Their own words · typed by Ali (work tablet) · Sam said they agree, recorded by Ali (work tablet)',
  );
  assert.equal(carePlan.note[0].authorString, 'Sam');
  assert.equal(carePlan.note[0].time, new Date(plan.strength.created.at).toISOString());
  assert.match(notes[1], /^What matters: What is working: Cooking on Sundays\nAli says: The family eats together more\nWe see this differently\n.* · Sam does not agree with this — Not every Sunday$/);
  assert.match(notes[2], /^My people: Auntie Mo — my aunt\nHow close: Friends and family\nSafe to contact: Yes\nCould help with these goals: Get back to swimming\nPart of these steps: Ask about the pool's quiet hours\n/);
  assert.match(notes[3], /^If… then…: If I can't face going then I'll ring Mo and we go together\nWho does it: Sam\nWho to call: Mo\n/);
  assert.equal(notes[4], "Good news: I went swimming with Mo!\nSaid by Sam · Their own words · typed by Sam (Sam's phone)");
  assert.equal(notes[5], 'Next review: 2026-02-20');
});

test('each goal becomes a Goal in the person\'s words, with its scale, due date, readings and who expressed it', async () => {
  const plan = wholePlan();
  const bundle = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW });
  const [swim, club] = resources(bundle, 'Goal');
  const patientUrl = bundle.entry[0].fullUrl;
  assert.equal(swim.lifecycleStatus, 'active');
  assert.equal(swim.achievementStatus, undefined);
  assert.deepEqual(swim.description, { text: 'Get back to swimming' });
  assert.deepEqual(swim.subject, { reference: patientUrl, display: 'Sam' });
  assert.deepEqual(swim.expressedBy, { reference: patientUrl, display: 'Sam' });
  assert.equal(swim.language, 'en');
  assert.deepEqual(swim.target, [
    {
      measure: { text: 'What 0 looks like: I never leave the house · What 10 looks like: Swimming twice a week with friends' },
      detailQuantity: { value: 10 },
      dueDate: '2026-03-01',
    },
  ]);
  assert.equal(swim.statusDate, new Date(plan.goal.f.status.at).toISOString().slice(0, 10));
  assert.equal(swim.note.length, 2);
  assert.match(swim.note[0].text, /^How far away is it: Possible\nSaid by Sam · Their own words/);
  assert.equal(swim.note[1].text, 'Number: 4 / 10\nWho is rating: Sam\nWhy this number and not lower?: I went once last month\nWhat would one point higher look like?: Going with Mo\nSaid by Sam · typed by Ali (work tablet)');
  assert.equal(swim.note[1].authorString, 'Sam');

  assert.equal(club.lifecycleStatus, 'completed');
  assert.deepEqual(club.achievementStatus, { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/goal-achievement', code: 'achieved' }], text: 'Done' });
  assert.deepEqual(club.expressedBy, { display: 'Ali' });
  assert.equal(club.target, undefined);
  assert.match(club.note[0].text, /The worker's view · typed by Sam \(Sam's phone\)/);
});

test('words changed by someone else drop "their own words" in the note, and an agreement with earlier words says so', async () => {
  const plan = wholePlan();
  const facts = factsOf(plan);
  const changedAt = Date.UTC(2025, 10, 4, 9, 30);
  facts.provenance[plan.strength.id] = { ...facts.provenance[plan.strength.id], voice: null, voiceDropped: true, changed: { by: TABLET, at: changedAt } };
  facts.agreements[plan.strength.id].person = { value: 'yes', note: '', at: T0, by: PHONE, recorded: false, current: false };
  const bundle = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW, ...facts });
  assert.deepEqual(validateFhir(bundle), []);
  const line = only(bundle, 'CarePlan').note[0].text.split('\n').at(-1);
  assert.equal(line, `Said by Sam · changed by Ali (work tablet), 2025-11-04 09:30 UTC · Agreed to an earlier wording (2025-11-03 10:00 UTC)`);
  assert.ok(!line.includes('Their own words'));

  // Once the person agrees to the new words, the note says who confirmed them.
  facts.provenance[plan.strength.id] = { ...facts.provenance[plan.strength.id], voice: 'own', voiceDropped: false, confirmed: { by: PHONE, at: changedAt + 1 } };
  facts.agreements[plan.strength.id].person = { value: 'yes', note: '', at: changedAt + 1, by: PHONE, recorded: false, current: true };
  const again = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW, ...facts });
  assert.equal(only(again, 'CarePlan').note[0].text.split('\n').at(-1), 'Said by Sam · Their own words · changed by Ali (work tablet), 2025-11-04 09:30 UTC · confirmed by Sam · Sam agreed with this');
});

test("a record claiming to be the person's agreement from a device that cannot make one is never shown as the person's", async () => {
  const plan = wholePlan();
  const facts = factsOf(plan);
  facts.names[FRIEND] = { name: 'Jo', label: "Jo's phone" };
  facts.roles[FRIEND] = 'supporter';
  facts.agreements[plan.news.id] = { person: null, mine: null, others: [{ by: FRIEND, value: 'yes', note: '', at: T0, current: true }], refused: [{ by: FRIEND, at: T0 }], legacy: null };
  const bundle = await planToFhir(Object.values(plan), { planId: PLAN_ID, t: en, now: NOW, ...facts });
  const news = only(bundle, 'CarePlan').note[4].text;
  assert.ok(news.endsWith("· Jo agrees · Jo (Jo's phone) recorded this as Sam's agreement, but only Sam's own devices or their worker can, so it does not count"), news);
  assert.ok(!/Sam agreed|Sam said they agree/.test(news));
  // Only the devices the plan names are contributors.
  assert.deepEqual(only(bundle, 'CarePlan').contributor, [{ display: 'Ali (work tablet)' }, { display: "Sam (Sam's phone)" }]);
});

test('an item from before agreements named the words says its old mark is to be asked again', async () => {
  counter = 0;
  const items = [item('plan', { person: 'Sam', status: 'active' }), item('strength', { text: 'Patient', said_by: 'Sam', voice: 'own', agree: 'yes' })];
  const bundle = await planToFhir(items, { planId: PLAN_ID, t: en, now: NOW });
  assert.ok(only(bundle, 'CarePlan').note[0].text.endsWith('· Marked agreed before agreements named the words: ask again'));
});

test('every status of ours maps onto an R4 code, and each such bundle validates', async () => {
  const cases = [
    ['draft', 'not_started', 'proposed', 'draft', 'not-started', 'proposed', undefined],
    ['active', 'in_progress', 'active', 'active', 'in-progress', 'active', undefined],
    ['on_hold', 'stopped', 'on_hold', 'active', 'stopped', 'on-hold', undefined], // an older plan's "on hold" reads as active
    ['closed', 'done', 'not_achieved', 'completed', 'completed', 'completed', 'not-achieved'],
    ['completed', 'done', 'achieved', 'completed', 'completed', 'completed', 'achieved'], // an older plan's "completed" is closed
    [undefined, undefined, undefined, 'unknown', 'unknown', 'proposed', undefined],
  ];
  for (const [planStatus, stepStatus, goalStatus, carePlanStatus, activityStatus, lifecycle, achievement] of cases) {
    counter = 0;
    const items = [item('plan', { person: 'Sam', status: planStatus }), item('goal', { text: 'A goal', status: goalStatus }), item('step', { text: 'A step', status: stepStatus })];
    const bundle = await planToFhir(items, { planId: PLAN_ID, t: en, now: NOW });
    assert.deepEqual(validateFhir(bundle), []);
    assert.equal(only(bundle, 'CarePlan').status, carePlanStatus);
    assert.equal(only(bundle, 'CarePlan').activity[0].detail.status, activityStatus);
    assert.equal(only(bundle, 'Goal').lifecycleStatus, lifecycle);
    assert.equal(only(bundle, 'Goal').achievementStatus?.coding[0].code, achievement);
  }
});

test('an empty plan, and one with no name at all, still make bundles that validate', async () => {
  counter = 0;
  const empty = await planToFhir([item('plan', { title: '', person: 'Sam', status: 'draft' })], { planId: PLAN_ID, t: en, now: NOW });
  assert.deepEqual(validateFhir(empty), []);
  const carePlan = only(empty, 'CarePlan');
  assert.deepEqual(Object.keys(carePlan).sort(), ['created', 'id', 'intent', 'resourceType', 'status', 'subject']);
  assert.equal(resources(empty, 'Goal').length, 0);

  const nothing = await planToFhir([], { planId: PLAN_ID, t: en, now: NOW });
  assert.deepEqual(validateFhir(nothing), []);
  assert.deepEqual(only(nothing, 'Patient'), { resourceType: 'Patient', id: nothing.entry[0].resource.id });
  assert.deepEqual(only(nothing, 'CarePlan').subject, { reference: nothing.entry[0].fullUrl });
});

test('blank, whitespace-only and malformed values are left out rather than written as invalid FHIR', async () => {
  counter = 0;
  const items = [
    item('plan', { person: '  ', title: ' ', status: 'active', review: 'soon' }),
    item('goal', { text: '   ', due: '1 March', low: '', high: '', said_by: ' ', lang: 'not a language!' }),
    item('step', { text: '', who: ' ', due: '2026-13-40', checker: '', status: 'done', goals: ['nothing-like-this'] }),
    item('strength', { text: '', said_by: '' }),
  ];
  const bundle = await planToFhir(items, { planId: PLAN_ID, t: en, now: NOW });
  assert.deepEqual(validateFhir(bundle), []);
  const goal = only(bundle, 'Goal');
  assert.deepEqual(goal.description, { text: 'The goal' });
  assert.equal(goal.target, undefined);
  assert.equal(goal.expressedBy, undefined);
  assert.equal(goal.language, undefined);
  assert.deepEqual(only(bundle, 'CarePlan').activity, [{ detail: { status: 'completed' } }]);
});

test('Arabic words stay exactly as written, with Arabic labels, and validate', async () => {
  counter = 0;
  const ar = wordsOf('ar');
  const items = [
    item('plan', { title: 'الخروج أكثر', person: 'سارة', status: 'active' }),
    item('goal', { text: 'أريد أن أسبح مرة أخرى', horizon: 'possible', status: 'proposed', low: 'لا أخرج من البيت', high: 'أسبح مرتين في الأسبوع', said_by: 'سارة', voice: 'own', lang: 'ar' }),
    item('strength', { text: 'أعرف كل خطوط الحافلات', kind: 'community', said_by: 'سارة', voice: 'own', lang: 'ar' }),
    item('step', { text: 'اسأل عن مواعيد المسبح الهادئة', who: 'سارة', status: 'not_started' }),
  ];
  const bundle = await planToFhir(items, { planId: PLAN_ID, t: ar, now: NOW });
  assert.deepEqual(validateFhir(bundle), []);
  assert.deepEqual(only(bundle, 'Patient').name, [{ text: 'سارة' }]);
  assert.equal(only(bundle, 'CarePlan').title, 'الخروج أكثر');
  const goal = only(bundle, 'Goal');
  assert.equal(goal.description.text, 'أريد أن أسبح مرة أخرى');
  assert.equal(goal.language, 'ar');
  assert.deepEqual(goal.expressedBy.display, 'سارة');
  assert.ok(goal.target[0].measure.text.includes('لا أخرج من البيت'));
  const strengthNote = only(bundle, 'CarePlan').note[0].text;
  assert.ok(strengthNote.startsWith(`${ar('section.strengths')}: أعرف كل خطوط الحافلات (${ar('choice.kind.community')})`));
  assert.equal(only(bundle, 'CarePlan').activity[0].detail.description, 'اسأل عن مواعيد المسبح الهادئة');
});

test('the same plan gives the same bundle; another plan gives other ids', async () => {
  const first = await planToFhir(Object.values(wholePlan()), { planId: PLAN_ID, t: en, now: NOW });
  const again = await planToFhir(Object.values(wholePlan()), { planId: PLAN_ID, t: en, now: NOW });
  assert.deepEqual(again, first);
  const other = await planToFhir(Object.values(wholePlan()), { planId: 'd4'.repeat(16), t: en, now: NOW });
  const urls = new Set(first.entry.map((e) => e.fullUrl));
  assert.ok(other.entry.every((e) => !urls.has(e.fullUrl)));
});

test('bundles broken on purpose fail validation, naming what is wrong', async () => {
  const valid = await planToFhir(Object.values(wholePlan()), { planId: PLAN_ID, t: en, now: NOW });
  const broken = (change) => {
    const copy = structuredClone(valid);
    change(copy);
    return validateFhir(copy);
  };
  const carePlan = (b) => b.entry[1].resource;
  const goal = (b) => b.entry[2].resource;
  const cases = [
    [(b) => (carePlan(b).activity[0].detail.status = 'in_progress'), /\/entry\/1\/resource\/activity\/0\/detail\/status: must be equal to one of the allowed values/],
    [(b) => delete goal(b).subject, /\/entry\/2\/resource: must have required property 'subject'/],
    [(b) => delete goal(b).description, /\/entry\/2\/resource: must have required property 'description'/],
    [(b) => (goal(b).lifecycleStatus = 'achieved'), /lifecycleStatus: must be equal to one of the allowed values/],
    [(b) => (goal(b).id = 'not_a_fhir_id'), /\/entry\/2\/resource\/id: must match pattern/],
    [(b) => (goal(b).target[0].dueDate = '1 March 2026'), /dueDate: must match pattern/],
    [(b) => (carePlan(b).title = ''), /title: must match pattern/],
    [(b) => (carePlan(b).goals = carePlan(b).goal), /must NOT have additional properties/],
    [(b) => (b.entry[0].resource.resourceType = 'Person-ish'), /not a FHIR R4 resource type/],
    [(b) => (b.type = 'pile'), /\/type: must be equal to one of the allowed values/],
  ];
  for (const [change, expected] of cases) {
    const errors = broken(change);
    assert.ok(errors.length > 0, `${change} should fail`);
    assert.ok(errors.some((e) => expected.test(e)), `${change}: ${errors.join('\n')}`);
  }
});
