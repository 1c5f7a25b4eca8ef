// The registry of item kinds: every kind of item a plan holds declares here, once, its fields (control,
// choices, default, which hold someone's words), its main text, its section of the conversation, its part
// of "My plan" and its symbol there, how "My plan" reads its details aloud, and how the FHIR export carries
// it. The forms (ui/items.jsx), the section screens (ui/plan.jsx), "My plan" (ui/myplan.jsx), the read-back
// and its print, the readable copy (data/readable.js), the FHIR export (data/fhir.js) and the router read it.
// Adding a kind: docs/app.md, "Adding a kind of item".
//
// A field is {name, control, choices, default, required, hint, names, of, words, content, mine}:
// - control: 'area' (several lines of words), 'text' (one line), 'date', 'select' or 'radios' (one of
//   CHOICES[choices]), 'check' (yes or no), 'links' (ids of items of kind `of`). Kinds people do not write
//   in a form (records) list their fields by name only.
// - words: the field holds what someone said (provenance: a change after `said_by` is a change of words).
// - content: false leaves the field out of the item's content hash (where a step is up to).
// - mine: the catalog sentence ("mine.<key>" / "easy.<key>") "My plan" reads the field with.
// Stored item bodies name fields by these names: `item.f[name].v` (docs/app.md, "Items and provenance").

/** The choices of each choice field, by group name (catalog keys `choice.<group>.<value>`). */
export const CHOICES = {
  status_plan: ['draft', 'active', 'closed'], // older plans' on_hold and completed read as active and closed (plandetails.js)
  kind: ['personal', 'family', 'community', 'safety'],
  column: ['working', 'not_working', 'worry'],
  horizon: ['dream', 'possible', 'next_month'],
  status_goal: ['proposed', 'active', 'achieved', 'not_achieved', 'on_hold'],
  status_step: ['not_started', 'in_progress', 'done', 'stopped'],
  status_activity: ['want_to_try', 'trying', 'going', 'stopped'],
  circle: ['intimate', 'friends', 'participation', 'paid', 'possibility'],
  safe: ['yes', 'no', 'unknown'],
  voice: ['own', 'paraphrase', 'practitioner'],
  agree: ['yes', 'no'],
  went: ['yes', 'not_yet', 'no'], // a follow-up: did the person go to the activity linked to a step?
  again: ['yes', 'maybe', 'no'], // … and would they go again?
};

/**
 * The kinds. `section`: the part of the conversation it is written in (a kind with a section is content:
 * what the person agrees to, kept in agreed versions); `part`: the part of "My plan" it is read in, when
 * not the part named like its section (or `{by: field, parts: {value: part}}`); `symbol`: its easy-read
 * symbol when not its part's; `heading`/`intro`: catalog keys shown above its list when it shares a
 * section; `fhir`: how the FHIR export carries it: 'note' (a CarePlan note: "Section: main text", then
 * "label: value" per field; `heading` another catalog key for its first word, `head` fields its first line
 * holds, as `{name, wrap}` to wrap a value or `before` to put it first), or the resources data/fhir.js
 * builds for steps ('activity'), goals ('goal') and readings ('goal-note').
 */
export const KINDS = {
  // The plan's details (ui/details.jsx): its name, the person's name, status, next visit (a day and perhaps a time), review date,
  // and how the app speaks about the person ('f', 'm', '' for no preference: i18n/address.js).
  plan: { text: 'title', fields: ['title', 'person', 'status', 'review', 'visit', 'visit_time', 'address'] },
  strength: {
    text: 'text',
    section: 'strengths',
    fields: [
      { name: 'text', control: 'area', required: true, hint: true, words: true },
      { name: 'kind', control: 'radios', choices: 'kind', default: 'personal' },
      { name: 'noticed', control: 'text', hint: true, words: true },
      { name: 'example', control: 'area', words: true },
    ],
    fhir: { as: 'note', head: [{ name: 'kind', wrap: ['(', ')'] }] },
  },
  matter: {
    text: 'text',
    section: 'matters',
    part: { by: 'column', parts: { working: 'working', not_working: 'not_working', worry: 'worries' } },
    fields: [
      { name: 'column', control: 'radios', choices: 'column', default: 'working' },
      { name: 'text', control: 'area', required: true, hint: true, words: true },
      { name: 'other_view', control: 'area', hint: true },
      { name: 'other_by', control: 'text' },
      { name: 'differ', control: 'check', default: false },
    ],
    fhir: { as: 'note', head: [{ name: 'column', wrap: ['', ':'], before: true }] },
  },
  goal: {
    text: 'text',
    section: 'goals',
    fields: [
      { name: 'text', control: 'area', required: true, hint: true, words: true },
      { name: 'horizon', control: 'radios', choices: 'horizon', default: 'possible' },
      { name: 'status', control: 'select', choices: 'status_goal', default: 'proposed', content: false },
      { name: 'due', control: 'date', mine: 'due' },
      { name: 'low', control: 'text', hint: true, words: true },
      { name: 'high', control: 'text', hint: true, words: true },
    ],
    fhir: { as: 'goal' },
  },
  // One party's 0–10 rating of a goal, written on the goal's screen (ui/goals.jsx) or in a review: `date`
  // is the day it was given (the visit's, YYYY-MM-DD; a reading without one was given the day it was typed).
  reading: {
    text: 'why',
    fields: ['goal', 'party', 'value', { name: 'why', words: true }, { name: 'higher', words: true }, 'date'],
    fhir: { as: 'goal-note' },
  },
  // A review of the plan at a visit (ui/review.jsx; docs/app.md, "Reviews and progress over time"): its
  // `date`, what has changed, what helped, what got in the way and what next, each in someone's own words
  // with who said it (`<field>_by`), and `version`, the agreed version the review's read-back kept.
  review: {
    text: 'changed',
    fields: [
      'date',
      { name: 'changed', words: true },
      'changed_by',
      { name: 'helped', words: true },
      'helped_by',
      { name: 'hindered', words: true },
      'hindered_by',
      { name: 'next', words: true },
      'next_by',
      'version',
    ],
  },
  // One party's reflection at a review (ui/reflection.jsx): `review` (the review's id), `role` (whose reflection:
  // 'person' or 'worker'), `by` (who said it) and what helped, what got in the way and what we would do
  // differently, each in their own words.
  reflection: {
    text: 'helped',
    fields: ['review', 'role', 'by', { name: 'helped', words: true }, { name: 'hindered', words: true }, { name: 'differently', words: true }],
  },
  person: {
    text: 'name',
    section: 'people',
    fields: [
      { name: 'name', control: 'text', required: true, words: true },
      { name: 'relationship', control: 'text', hint: true, words: true },
      { name: 'circle', control: 'radios', choices: 'circle', default: 'friends' },
      { name: 'safe', control: 'radios', choices: 'safe', default: 'unknown' },
      { name: 'goals', control: 'links', of: 'goal' },
      { name: 'steps', control: 'links', of: 'step' },
    ],
    fhir: { as: 'note', head: [{ name: 'relationship', wrap: ['— ', ''] }] },
  },
  // Something the person does, or wants to try, in their community, in their own words: where and when, who
  // goes with them, and how it is going.
  activity: {
    text: 'text',
    section: 'community',
    fields: [
      { name: 'text', control: 'area', required: true, hint: true, words: true },
      { name: 'where', control: 'text', hint: true, words: true, mine: 'where' },
      { name: 'with', control: 'text', names: true, mine: 'with' },
      { name: 'status', control: 'radios', choices: 'status_activity', default: 'want_to_try', mine: 'status' },
    ],
    fhir: { as: 'note' },
  },
  step: {
    text: 'text',
    section: 'steps',
    fields: [
      { name: 'text', control: 'area', required: true, words: true },
      { name: 'who', control: 'text', names: true, mine: 'who' },
      { name: 'due', control: 'date', mine: 'due' },
      // Waits "when I'm ready", not for a date: never overdue (plandetails.js), read as a sentence (ui/activitylink.jsx).
      { name: 'ready', control: 'check', mine: 'ready' },
      { name: 'checker', control: 'text', names: true, mine: 'checker' },
      { name: 'status', control: 'select', choices: 'status_step', default: 'not_started', content: false },
      { name: 'goals', control: 'links', of: 'goal' },
      // A community activity linked from the organisation's directory: a copy of what the person needs to see
      // (data/activitylinks.js, `activitySnapshot`), since the person's phone keeps no directory. The directory's
      // text, not anyone's words; content, so the person agrees to it with the step.
      { name: 'activity' },
    ],
    fhir: { as: 'activity' },
  },
  contingency: {
    text: 'trigger',
    section: 'steps',
    symbol: 'contingency',
    heading: 'contingency.title',
    intro: 'contingency.intro',
    fields: [
      { name: 'trigger', control: 'area', required: true, words: true },
      { name: 'response', control: 'area', required: true, words: true },
      { name: 'who', control: 'text', names: true, mine: 'who' },
      { name: 'call', control: 'text', mine: 'call' },
    ],
    fhir: { as: 'note', heading: 'contingency.title', head: ['response'] },
  },
  // Something that went well between visits, in the writer's own words (usually the person's, on their phone).
  good_news: {
    text: 'text',
    section: 'news',
    fields: [{ name: 'text', control: 'area', required: true, hint: true, words: true }],
    fhir: { as: 'note' },
  },
  // The person's follow-up of a step's linked activity (ui/activitylink.jsx): did they go (`went`), how was it
  // (`how`, in the words of whoever `said_by` names), would they go again (`again`), on `date` (YYYY-MM-DD).
  followup: {
    text: 'how',
    fields: ['step', { name: 'went', choices: 'went' }, { name: 'how', words: true }, { name: 'again', choices: 'again' }, 'date'],
  },
  // A device's roster entry, written by the device itself at its roster id (spec §19.1); `plan_salt` on
  // the device that started the plan, `invite: {invite_id, bind}` on a device that joined by invite.
  device: { text: 'name', record: true, fields: ['device_id', 'keys', 'name', 'label', 'role', 'plan_salt', 'invite'] },
  // A steward vouching for a device it invited (spec §19.2); `agreed: 'in person'` when the worker's device
  // records the person's yes to someone who waited for it (spec §11.6).
  admission: { text: 'device_id', record: true, fields: ['device_id', 'keys', 'role', 'access', 'invite_id', 'agreed'] },
  // A pending invite's request key and bind key, so the person's devices can read and check the join
  // request of whoever uses it (spec §11.6; data/consent.js).
  invite: { text: 'invite_id', record: true, fields: ['invite_id', 'role', 'access', 'request_key', 'bind_key'] },
  // A worker handing the plan over to a colleague (data/handover.js): the handover code's invite, the worker's
  // device and own name, a note in the worker's words, the colleague's own chosen name (set with the person's
  // yes) and how far it got: asked, agreed, declined, finished. One the organisation asked for (`requested`
  // yes) names the old worker's account instead of a device, and the colleague the organisation named.
  handover: {
    text: 'note',
    record: true,
    fields: ['invite_id', 'from_device', 'from_account', 'from_name', 'note', 'to_name', 'asked_name', 'requested', 'status'],
  },
  // The person's sharing choices (data/audiences.js): each section's default audience, the supporters from a service.
  sharing: { text: 'sections', record: true, fields: ['sections', 'services'] },
  // The person's choice to share a few facts for learning (data/learning.js; docs/app.md, "Learning"): `share`
  // (yes or stop), the fact set it is about (`set`, 32 hex digits, and `proof`, its secret), `agreed` ('own
  // device', or 'in person' when a worker's device records the person's answer at the visit) and `said_by`
  // (who said it, then). Only the person's devices and a worker's, in person, set it; the latest counts.
  'learning-consent': { text: 'share', record: true, fields: ['share', 'set', 'proof', 'agreed', 'said_by'] },
  // One participant's agreement with one item: `content` is the item's content hash when agreed. A sign-up to
  // the plan (data/meeting.js) is one about the plan's header, `for: named` with the participant's `name` when
  // a device passed round records it.
  agreement: { text: 'value', record: true, fields: ['item', 'content', 'value', 'note', 'for', 'name'] },
  // Someone taking part in the family's meeting (data/meeting.js): their name, and whether they are here (on a
  // device passed round) or join from their own phone.
  participant: { text: 'name', fields: ['name', 'joins'] },
  // An agreed version: a frozen snapshot, never edited.
  version: { text: 'number', fields: ['number', 'snapshot', 'person'] },
};

/**
 * The sections of the conversation, in the order of a visit: `route` (the hash route under the plan),
 * `label` (catalog key), `intro` (catalog key `<id>.intro` for the sections the section screen shows), `screen` ('list': the kinds' cards and forms;
 * 'columns': matters by column; 'goals', 'people', 'readback': screens of their own) and `kinds`.
 */
export const SECTIONS = [];
const SECTION_SCREENS = {
  strengths: 'list',
  matters: 'columns',
  goals: 'goals',
  people: 'people',
  community: 'list',
  steps: 'list',
  news: 'list',
  readback: 'readback',
};

/** The parts of "My plan", in reading order: `kinds`, and for a kind split by a field, the value(s) it takes. */
export const PARTS = [];
const PART_ORDER = ['strengths', 'working', 'not_working', 'worries', 'goals', 'steps', 'people', 'community', 'news'];
/** Parts shown even when empty (good news is added there). */
const ALWAYS = new Set(['news']);

// Derived tables, kept for the modules that look a kind up by name.
/** {kind: {fields: [names], text, content, record}}. */
export const TYPES = {};
/** The words of each kind: the fields that hold what someone said. */
export const WORDS = {};
/** Fields left out of an item's content hash: where it is up to. */
export const NOT_CONTENT = {};

const normalise = (field) => (typeof field === 'string' ? { name: field } : field);

/** Fill the derived tables (in place, so importers see kinds added later) from KINDS. */
function derive() {
  for (const table of [TYPES, WORDS, NOT_CONTENT]) for (const key of Object.keys(table)) delete table[key];
  for (const [name, kind] of Object.entries(KINDS)) {
    const fields = kind.fields.map(normalise);
    const flags = { ...(kind.section && { content: true }), ...(kind.record && { record: true }) };
    TYPES[name] = { fields: fields.map((f) => f.name), text: kind.text, ...flags };
    const words = fields.filter((f) => f.words).map((f) => f.name);
    if (words.length && !kind.record) WORDS[name] = words;
    const notContent = fields.filter((f) => f.content === false).map((f) => f.name);
    if (notContent.length) NOT_CONTENT[name] = notContent;
  }
  const kindsIn = (id) => Object.keys(KINDS).filter((name) => KINDS[name].section === id);
  const sectionIds = Object.keys(SECTION_SCREENS);
  SECTIONS.splice(
    0,
    SECTIONS.length,
    ...sectionIds.map((id) => {
      // A section shown by the section screen (a list, or columns) opens with its introduction.
      const intro = ['list', 'columns'].includes(SECTION_SCREENS[id]) ? `${id}.intro` : null;
      return { id, route: id, label: `section.${id}`, intro, screen: SECTION_SCREENS[id], kinds: kindsIn(id) };
    }),
  );
  PARTS.splice(
    0,
    PARTS.length,
    ...PART_ORDER.map((id) => ({ id, always: ALWAYS.has(id), kinds: Object.keys(KINDS).filter((name) => partsOf(name).includes(id)) })),
  );
}

/** The parts of "My plan" a kind's items are read in. */
function partsOf(name) {
  const part = KINDS[name].part ?? KINDS[name].section;
  if (!part) return [];
  return typeof part === 'string' ? [part] : Object.values(part.parts);
}

/**
 * Add a kind to the registry (a kind from an extension, or a fixture kind in a test): `spec` as a KINDS
 * entry. A section or part it names that does not exist yet is added before the read-back (a section,
 * as a 'list' screen) or before good news (a part). Returns the derived SECTIONS.
 */
export function registerKind(name, spec) {
  if (KINDS[name]) throw new Error(`the kind ${name} exists already`);
  KINDS[name] = spec;
  if (spec.section && !SECTION_SCREENS[spec.section]) {
    const entries = Object.entries(SECTION_SCREENS).filter(([id]) => id !== 'readback');
    for (const key of Object.keys(SECTION_SCREENS)) delete SECTION_SCREENS[key];
    Object.assign(SECTION_SCREENS, Object.fromEntries([...entries, [spec.section, 'list'], ['readback', 'readback']]));
  }
  const part = spec.part ?? spec.section;
  for (const id of typeof part === 'string' ? [part] : Object.values(part?.parts || {})) {
    if (!PART_ORDER.includes(id)) PART_ORDER.splice(PART_ORDER.indexOf('news'), 0, id);
  }
  derive();
  return SECTIONS;
}

derive();

/** The fields of a kind people write in a form, in form order (with their control). */
export const formOf = (type) => (KINDS[type]?.section ? KINDS[type].fields.map(normalise).filter((f) => f.control) : []);

/** The values a new item of `type` starts with (choice defaults, empty link lists). */
export function defaultsOf(type) {
  const out = {};
  for (const field of formOf(type)) {
    if (field.default !== undefined) out[field.name] = field.default;
    else if (field.control === 'links') out[field.name] = [];
  }
  return out;
}

/** How a field shows in words: 'words', 'date', 'flag', 'links' or its choice group. */
export const shownAs = (field) =>
  field.choices || { area: 'words', text: 'words', date: 'date', check: 'flag', links: 'links' }[field.control] || 'plain';

/** The fields shown under an item's main text, in order: [[field, shown as], …] (readable copy, history). */
export const readableFields = (type) => formOf(type).filter((f) => f.name !== KINDS[type].text).map((f) => [f.name, shownAs(f)]);

/** The section a kind is written in (its id), or undefined. */
export const sectionOf = (type) => KINDS[type]?.section;

/** The part of "My plan" an item is read in, or undefined. */
export function partOf(item) {
  const part = KINDS[item.type]?.part ?? KINDS[item.type]?.section;
  if (!part || typeof part === 'string') return part;
  return part.parts[fieldValue(item, part.by)];
}

/** The easy-read symbol of an item in part `part`. */
export const symbolOf = (type, part) => KINDS[type]?.symbol || part;

/**
 * Every catalog key the registry's kinds, sections and parts are worded by (each must be in every catalog):
 * a kind's "add", "change" and conflict headings, its fields' labels, hints, choices and "My plan"
 * sentences; each section's name and introduction; each part's heading and introduction, plain and easy.
 */
export function catalogKeys() {
  const keys = new Set();
  for (const [type, kind] of Object.entries(KINDS)) {
    if (!kind.section) continue;
    for (const key of ['add', 'change', 'conflict.you', 'conflict.two']) keys.add(`${key}.${type}`);
    for (const key of [kind.heading, kind.intro]) if (key) keys.add(key);
    for (const field of formOf(type)) {
      keys.add(`form.${type}.${field.name}`);
      if (field.hint) keys.add(`form.${type}.${field.name}.hint`);
      for (const value of CHOICES[field.choices] || []) keys.add(`choice.${field.choices}.${value}`);
      if (field.mine) for (const tone of ['mine', 'easy']) keys.add(`${tone}.${field.mine}`);
    }
  }
  for (const section of SECTIONS) for (const key of [section.label, section.intro]) if (key) keys.add(key);
  for (const part of PARTS) for (const key of ['h', 'intro']) for (const tone of ['mine', 'easy']) keys.add(`${tone}.${key}.${part.id}`);
  return [...keys];
}

/** The value of field `name` of an item (its current version), or undefined (also when there is no item). */
export const fieldValue = (item, name) => item?.f[name]?.v;
