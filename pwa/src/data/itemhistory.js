// An item's history ("What changed", docs/app.md): every version this device holds of the item's current
// branch (PouchDB keeps earlier revisions: the app never compacts), newest first, with who wrote each,
// when, and what changed field by field. A device that joined later holds only the versions written
// since; `complete` says whether it holds every one back to the first.

import { TYPES } from './kinds.js';
import { openAt, verifyVersion } from './planread.js';

/** When a version was written: its deletion stamp, else the latest time among its fields. */
function timeOf(body) {
  const stamp = body.deleted || body.superseded;
  if (stamp) return stamp.at;
  const times = Object.values(body.f || {}).map((field) => field?.at).filter((at) => typeof at === 'number');
  return times.length ? Math.max(...times) : (body.created?.at ?? null);
}

/** The fields whose version differs between `older` and `newer` (field maps): [{name, before, after, by}]. */
export function fieldChanges(older, newer) {
  const changes = [];
  for (const [name, field] of Object.entries(newer || {})) {
    const before = older?.[name];
    if (before && before.h?.[0] === field.h?.[0]) continue;
    changes.push({ name, before: before?.v, after: field.v, by: field.dev });
  }
  return changes;
}

/**
 * The versions of item `itemId` this device holds, newest first: {versions: [{n, vh, by, at, deleted,
 * checked, changes}], complete, type, text} (`text`: the item's words in its newest version that is not a
 * deletion, so a deleted item's history can still say which item it is). Revisions that hold the same version (re-sealed after a rotation or put
 * back after a rollback) are shown once; an older version that came back is not shown again.
 */
export async function itemHistory(plan, itemId) {
  const item = plan.items.get(itemId);
  const memory = plan.versions.memory(itemId);
  const rev = item?.shownRev ?? memory?.rev;
  if (!rev) return { versions: [], complete: false };
  const doc = await plan.db.get(itemId, { rev, revs: true }).catch(() => null);
  if (!doc?._revisions) return { versions: [], complete: false };
  const { start, ids } = doc._revisions;
  const known = plan.known();
  const found = [];
  const seen = new Set();
  let complete = false;
  for (let i = 0; i < ids.length; i += 1) {
    const opened = await openAt(plan, itemId, `${start - i}-${ids[i]}`);
    if (!opened) break; // not held here (written before this device joined) or not readable
    if (opened.bare || !opened.signed) continue;
    if (seen.has(opened.vh)) continue;
    seen.add(opened.vh);
    await verifyVersion(plan, itemId, opened, known);
    found.push(opened);
    if (opened.n === 1 || start - i === 1) {
      complete = true;
      break;
    }
  }
  found.sort((a, b) => b.n - a.n); // stable: a replayed older version falls back to its place
  const versions = found.map((opened, index) => {
    const older = found[index + 1];
    const deleted = opened.deleted;
    return {
      n: opened.n,
      vh: opened.vh,
      by: opened.by,
      at: timeOf(opened.body),
      deleted,
      checked: opened.verified === true,
      changes: deleted ? [] : fieldChanges(older && !older.deleted ? older.body.f : null, opened.body.f),
    };
  });
  const kept = found.find((opened) => !opened.deleted && opened.body?.f);
  const type = (kept || found[0])?.body?.type;
  return { versions, complete, type, text: kept?.body.f[TYPES[type]?.text]?.v ?? '' };
}
