// The plan model: item types, their fields and choices (docs: /work/shared/PRACTICE.md).
//
// An item body (the signed, encrypted plaintext) is
//   {a: 1, type, created: {at, dev}, f: {field: {v, h, at, dev}}}
// where every field carries its own version history (see merge.js), so that two devices' edits
// merge field by field. Timestamps are integer milliseconds (canonical JSON has no fractions).

export const SCHEMA = 1;

/** Provenance every piece of content carries besides who typed it (the authoring device). */
export const PROVENANCE = ['said_by', 'voice', 'lang'];
export const VOICES = ['own', 'paraphrase', 'practitioner'];
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
  device: { fields: ['device_id', 'keys', 'name', 'label', 'role'], text: 'name' },
  version: { fields: ['number', 'snapshot'], text: 'number' },
};

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
