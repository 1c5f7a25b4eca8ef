// The plan model: item bodies and what is read from them (docs/app.md "Items and provenance"); the kinds of
// item, their fields and sections are declared once in the registry, kinds.js.
//
// An item body (the signed, encrypted plaintext) is, from schema 2 on,
//   {a: 2, type, created: {at, dev}, f: {field: {v, h, at, dev, sig}}}
// where every field carries its own version history (see merge.js), so that two devices' edits merge
// field by field, and the field statement `sig` of the device that set it (spec §8.5). Schema-1 bodies
// (fields without `sig`) still read: their fields are claims nobody signed. Timestamps are integer
// milliseconds (canonical JSON has no fractions).

import { SECTIONS, TYPES } from './kinds.js';

export const SCHEMA = 2;

/** The fields schema-1 items used for an agreement (read as a legacy agreement, never as a current one). */
export const AGREEMENT = ['agree', 'agree_note'];

// The kinds of item, their fields, choices and sections: the registry (kinds.js).
export { CHOICES, KINDS, NOT_CONTENT, PARTS, SECTIONS, TYPES, WORDS } from './kinds.js';

/** What an agreement says, and for whom: the device's own user, or the person (recorded by the worker's device). */
export const AGREEMENT_VALUES = ['yes', 'no'];

/** The stewards of a plan (spec §19): the person's devices (owner) and the worker's. */
export const STEWARDS = ['owner', 'worker'];

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
  const order = SECTIONS.flatMap((s) => s.kinds);
  return items
    .filter((item) => TYPES[item.type]?.content)
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.created.at - b.created.at);
}

/** A step's status after the person ticks it (done) or unticks it (back to `before`, else not started). */
export const tickedStatus = (done, before) => (done ? 'done' : before && before !== 'done' ? before : 'not_started');
