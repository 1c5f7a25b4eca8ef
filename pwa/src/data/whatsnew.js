// What changed in a plan since this device's user last looked (docs/app.md, "What's new since you last
// looked"); the app's memory of visits and looks is in looks.js. The device keeps one look mark per plan
// in the plan's own database, in a `_local` document: `_local` documents never replicate, so the server
// learns nothing of it. The mark is what each item showed when the user last looked: for each item id,
// the newest field time it carried. A field counts as new when its statement verified (spec §8.5), it was
// set by another device, and its time is later than the newest time its item carried at the last look:
// times are compared with times written into the same item, never with this device's clock or the server's.

import { TYPES } from './model.js';

const LOOKED = '_local/alongside-looked';

/** What a look mark holds: for each item id, the newest field time it carried. */
export function watermarks(items) {
  const seen = {};
  for (const item of items) {
    let newest = 0;
    for (const field of Object.values(item.f || {})) if (typeof field?.at === 'number' && field.at > newest) newest = field.at;
    seen[item.id] = newest;
  }
  return seen;
}

export const NOTHING = Object.freeze({ stepsDone: 0, goodNews: 0, added: 0, changed: 0, clashes: 0 });

/**
 * What changed in `items` (a plan's items as it shows them) since the look mark `look` ({seen}: see
 * watermarks), on the device `me`: {counts: {stepsDone, goodNews, added, changed, clashes}, marks: Map
 * id -> 'new' | 'changed'}. Only content (items of a section) counts, only fields whose statement
 * verified, and only fields another device set. With no mark yet (the first look), nothing is new.
 */
export function changesSince(items, look, me) {
  const counts = { ...NOTHING };
  const marks = new Map();
  if (!look?.seen) return { counts, marks };
  for (const item of items) {
    if (!TYPES[item.type]?.content) continue;
    const before = look.seen[item.id];
    const known = typeof before === 'number';
    const fresh = Object.entries(item.f || {}).filter(([name, field]) => {
      if (item.fieldChecks?.[name] !== true || field?.dev === me || typeof field?.at !== 'number') return false;
      return !known || field.at > before;
    });
    if (!fresh.length) continue;
    const isNew = !known;
    marks.set(item.id, isNew ? 'new' : 'changed');
    if (item.conflicts || item.removed) counts.clashes += 1;
    else if (item.type === 'good_news' && isNew) counts.goodNews += 1;
    else if (item.type === 'step' && item.f.status?.v === 'done' && fresh.some(([name]) => name === 'status')) counts.stepsDone += 1;
    else if (isNew) counts.added += 1;
    else counts.changed += 1;
  }
  return { counts, marks };
}

/** Whether any count says something changed. */
export const anyNews = (counts) => Object.values(counts || {}).some((n) => n > 0);

/** The look mark kept in a plan's database, or null before the first look. */
export async function readLook(db) {
  return db.get(LOOKED).catch(() => null);
}

/** Keep `seen` (see watermarks) as the plan's look mark in its database (a `_local` document: never replicated). */
export async function writeLook(db, seen) {
  const before = await readLook(db);
  await db.put({ _id: LOOKED, ...(before?._rev && { _rev: before._rev }), seen });
  return { seen };
}
