// The difference between two agreed versions (docs/app.md, "What changed between agreed versions"): which
// items the newer version added, which it changed (field by field, and the person's agreement) and which
// it no longer holds, each in the order of the plan's sections. Pure: it reads the versions' frozen
// snapshots (ui/readback.jsx `snapshotOf`) and never the plan as it is now, so the words are exactly the
// words agreed then.

import { KINDS, SECTIONS, readableFields, sectionOf } from './kinds.js';

/** A value as text that does not depend on the order of an object's members (for comparing only). */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** An empty value: absent, null, '' or an empty list (a field added empty is no change). */
const blank = (value) => value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/** Two field values say the same. */
export const sameValue = (a, b) => (blank(a) && blank(b)) || canonical(a) === canonical(b);

/** The order fields of `type` are read in: its main text, its form's fields, then any other, by name. */
function fieldOrder(type, names) {
  const first = [KINDS[type]?.text, ...readableFields(type).map(([name]) => name)].filter(Boolean);
  const rank = (name) => (first.includes(name) ? first.indexOf(name) : first.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The person's agreement as a snapshot kept it (versions before agreements named the words kept `agree`). */
export function keptAgreement(entry) {
  if (entry?.agreement) return entry.agreement;
  const value = entry?.values?.agree;
  return value === 'yes' || value === 'no' ? { value, note: entry.values.agree_note || '', current: true } : null;
}

/** What an agreement says, for comparing: its answer, whether it is to the words kept, and the note. */
const agreementSays = (record) =>
  record && (record.value === 'yes' || record.value === 'no') ? { value: record.value, current: record.current !== false, note: record.value === 'no' ? record.note || '' : '' } : null;

// The old `agree` fields are compared as the agreement, not as fields of their own.
const AGREEMENT_FIELDS = new Set(['agree', 'agree_note']);

/** The fields whose values differ between two snapshot entries of one item: [{name, before, after}]. */
export function changedFields(older, newer) {
  const before = older.values || {};
  const after = newer.values || {};
  const names = new Set([...Object.keys(before), ...Object.keys(after)].filter((name) => !AGREEMENT_FIELDS.has(name)));
  return fieldOrder(newer.type, names)
    .filter((name) => !sameValue(before[name], after[name]))
    .map((name) => ({ name, before: before[name], after: after[name] }));
}

/** The position of a section in the plan (sections not in the registry last). */
const sectionRank = (type) => {
  const index = SECTIONS.findIndex((section) => section.id === sectionOf(type));
  return index < 0 ? SECTIONS.length : index;
};

/**
 * The difference between the snapshots `older` and `newer` (arrays of snapshot entries {id, type, values,
 * agreement, …}): {added: [entry], changed: [{id, type, before, after, fields, agreement}], removed:
 * [entry]}, each sorted by section and then by the item's place in its version. `fields` are the changed
 * fields ({name, before, after}); `agreement` is {before, after} (records as kept) when what the person
 * said about the item changed, else null. An item in both with neither is unchanged and not listed.
 */
export function diffVersions(older, newer) {
  const olderById = new Map((older || []).map((entry) => [entry.id, entry]));
  const newerById = new Map((newer || []).map((entry) => [entry.id, entry]));
  const place = (list) => new Map((list || []).map((entry, index) => [entry.id, index]));
  const olderPlace = place(older);
  const newerPlace = place(newer);
  const inOrder = (placeOf) => (a, b) => sectionRank(a.type) - sectionRank(b.type) || placeOf.get(a.id) - placeOf.get(b.id);

  const added = (newer || []).filter((entry) => !olderById.has(entry.id)).sort(inOrder(newerPlace));
  const removed = (older || []).filter((entry) => !newerById.has(entry.id)).sort(inOrder(olderPlace));
  const changed = [];
  for (const after of newer || []) {
    const before = olderById.get(after.id);
    if (!before) continue;
    const fields = changedFields(before, after);
    const [said, says] = [agreementSays(keptAgreement(before)), agreementSays(keptAgreement(after))];
    const agreement = canonical(said) === canonical(says) ? null : { before: keptAgreement(before), after: keptAgreement(after) };
    if (fields.length || agreement) changed.push({ id: after.id, type: after.type, before, after, fields, agreement });
  }
  changed.sort(inOrder(newerPlace));
  return { added, changed, removed };
}

/** The entries of one list of a difference, by section, in the plan's order: [{section, entries}]. */
export function bySection(entries) {
  const groups = [];
  for (const entry of entries) {
    const section = sectionOf(entry.type) ?? null;
    const last = groups[groups.length - 1];
    if (last && last.section === section) last.entries.push(entry);
    else groups.push({ section, entries: [entry] });
  }
  return groups;
}

/**
 * The two versions a comparison path names (`OLDER..NEWER`, version item ids), or null (the screen takes
 * the one with the lower number as the older, whichever order the path gives them in).
 */
export function parseComparison(text) {
  const match = /^([^.]+)\.\.([^.]+)$/.exec(text || '');
  return match ? { older: match[1], newer: match[2] } : null;
}

/** The path (under the plan) of the comparison of two versions. */
export const comparisonPath = (olderId, newerId) => `compare/${olderId}..${newerId}`;
