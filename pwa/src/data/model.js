// The plan model: item types, their fields and choices (docs/app.md "Items and provenance"; docs/architecture.md §1).
//
// An item body (the signed, encrypted plaintext) is, from schema 2 on,
//   {a: 2, type, created: {at, dev}, f: {field: {v, h, at, dev, sig}}}
// where every field carries its own version history (see merge.js), so that two devices' edits merge
// field by field, and the field statement `sig` of the device that set it (spec §8.5). Schema-1 bodies
// (fields without `sig`) still read: their fields are claims nobody signed. Timestamps are integer
// milliseconds (canonical JSON has no fractions).

export const SCHEMA = 2;

/** Provenance every piece of content carries besides who typed it (the authoring device). */
export const PROVENANCE = ['said_by', 'voice', 'lang'];
export const VOICES = ['own', 'paraphrase', 'practitioner'];
/** The fields schema-1 items used for an agreement (read as a legacy agreement, never as a current one). */
export const AGREEMENT = ['agree', 'agree_note'];

export const TYPES = {
  plan: { fields: ['title', 'person', 'status', 'review'], text: 'title' },
  strength: { fields: ['text', 'kind', 'noticed', 'example'], text: 'text', content: true },
  matter: { fields: ['column', 'text', 'other_view', 'other_by', 'differ'], text: 'text', content: true },
  goal: { fields: ['text', 'horizon', 'status', 'due', 'low', 'high'], text: 'text', content: true },
  reading: { fields: ['goal', 'party', 'value', 'why', 'higher'], text: 'why' },
  step: { fields: ['text', 'who', 'due', 'checker', 'status', 'goals'], text: 'text', content: true },
  contingency: { fields: ['trigger', 'response', 'who', 'call'], text: 'trigger', content: true },
  person: { fields: ['name', 'relationship', 'circle', 'safe', 'goals', 'steps'], text: 'name', content: true },
  // Something that went well between visits, in the writer's own words (usually the person's, on their phone).
  good_news: { fields: ['text'], text: 'text', content: true },
  // A device's roster entry, written by the device itself at its roster id (spec §19.1); `plan_salt` on
  // the device that started the plan, `invite: {invite_id, bind}` on a device that joined by invite.
  device: { fields: ['device_id', 'keys', 'name', 'label', 'role', 'plan_salt', 'invite'], text: 'name', record: true },
  // A steward vouching for a device it invited (spec §19.2).
  admission: { fields: ['device_id', 'keys', 'role', 'access', 'invite_id'], text: 'device_id', record: true },
  // One participant's agreement with one item: `content` is the item's content hash when agreed.
  agreement: { fields: ['item', 'content', 'value', 'note', 'for'], text: 'value', record: true },
  // An agreed version: a frozen snapshot, never edited.
  version: { fields: ['number', 'snapshot', 'person'], text: 'number' },
};

/**
 * The words of each type: the fields that hold what someone said. A change to one of them after
 * `said_by` was set is a change of what the person said (docs/app.md, provenance).
 */
export const WORDS = {
  strength: ['text', 'noticed', 'example'],
  matter: ['text'],
  goal: ['text', 'low', 'high'],
  reading: ['why', 'higher'],
  step: ['text'],
  contingency: ['trigger', 'response'],
  person: ['name', 'relationship'],
  good_news: ['text'],
};

/** Fields left out of an item's content hash: where it is up to (steps and goals) and the old agreement fields. */
export const NOT_CONTENT = { step: ['status'], goal: ['status'] };

/** What an agreement says, and for whom: the device's own user, or the person (recorded by the worker's device). */
export const AGREEMENT_VALUES = ['yes', 'no'];
export const PARTIES = ['self', 'person'];

/** Roles and access (spec §19); stewards are the person's devices (owner) and the worker's. */
export const ROLES = ['owner', 'worker', 'supporter'];
export const STEWARDS = ['owner', 'worker'];

export const CHOICES = {
  status_plan: ['draft', 'active', 'on_hold', 'completed'],
  kind: ['personal', 'family', 'community', 'safety'],
  column: ['working', 'not_working', 'worry'],
  horizon: ['dream', 'possible', 'next_month'],
  status_goal: ['proposed', 'active', 'achieved', 'not_achieved', 'on_hold'],
  status_step: ['not_started', 'in_progress', 'done', 'stopped'],
  circle: ['intimate', 'friends', 'participation', 'paid', 'possibility'],
  safe: ['yes', 'no', 'unknown'],
  voice: VOICES,
  agree: ['yes', 'no'],
};

/** Sections of the conversation, in the order of a visit. */
export const SECTIONS = [
  { id: 'strengths', types: ['strength'] },
  { id: 'matters', types: ['matter'] },
  { id: 'goals', types: ['goal'] },
  { id: 'people', types: ['person'] },
  { id: 'steps', types: ['step', 'contingency'] },
  { id: 'news', types: ['good_news'] },
  { id: 'readback', types: [] },
];

/** Plain values of an item's fields: {name: value}. */
export function values(item) {
  const out = {};
  for (const [name, field] of Object.entries(item.f)) out[name] = field.v;
  return out;
}

/** The text an item is read back by. */
export const mainText = (item) => item.f[TYPES[item.type]?.text]?.v ?? '';

/** Items a snapshot (agreed version) keeps: every piece of content, in section order. */
export function contentItems(items) {
  const order = SECTIONS.flatMap((s) => s.types);
  return items
    .filter((item) => TYPES[item.type]?.content)
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.created.at - b.created.at);
}

/** A step's status after the person ticks it (done) or unticks it (back to `before`, else not started). */
export const tickedStatus = (done, before) => (done ? 'done' : before && before !== 'done' ? before : 'not_started');
