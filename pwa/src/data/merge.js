// Field-by-field merging of an item's conflicting revisions, without their common ancestor.
//
// Every field of an item body carries its own short history: `{v, h: [id, ...older ids], at, dev, sig}`.
// `h[0]` names the field's current version; an edit draws a new id and keeps the previous ones (up
// to HISTORY). Two versions of a field are then ordered without any ancestor: if one's `h[0]` is in
// the other's history, the other descends from it and wins; if neither is, both sides changed the
// field concurrently: a real conflict unless they agree on the value. Only the device that chooses or
// types a value signs a new field version (`sig`, spec §8.5); merging copies field versions untouched.

export const HISTORY = 24;

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function newVersionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Finish a field version: `sign` (the plan's field signer, `(name, field) -> Promise<sig>`) adds the
 * field statement of the device that set it. Without a signer the field stays unsigned (only the
 * merging rules are exercised then; the app always signs).
 */
async function signed(field, name, sign) {
  if (!sign) return field;
  return { ...field, sig: await sign(name, field) };
}

/** A new version of field `name` whose previous version is `previous` (or undefined), set by `dev`. */
export async function editField(previous, value, { dev, at }, { name = '', sign = null } = {}) {
  const history = previous ? previous.h : [];
  return signed({ v: value, h: [newVersionId(), ...history].slice(0, HISTORY), at, dev }, name, sign);
}

/** A field version that descends from every version in `versions` (a person's resolution). */
export async function resolveField(versions, value, { dev, at }, { name = '', sign = null } = {}) {
  const history = [];
  for (const version of versions) for (const id of version.h) if (!history.includes(id)) history.push(id);
  return signed({ v: value, h: [newVersionId(), ...history].slice(0, HISTORY), at, dev }, name, sign);
}

/** Compare two versions of one field: 'same', 'a' (a descends from b), 'b', 'equal' (concurrent, same value) or 'conflict'. */
export function compareField(a, b) {
  if (a.h[0] === b.h[0]) return 'same';
  if (a.h.includes(b.h[0])) return 'a';
  if (b.h.includes(a.h[0])) return 'b';
  return same(a.v, b.v) ? 'equal' : 'conflict';
}

/**
 * Merge the field maps of several leaves (the winner first). Returns {fields, conflicts} where
 * `fields` holds the merged value of every field (the winner's where people must choose) and
 * `conflicts` maps a field name to the concurrent versions people must choose between.
 */
export function mergeLeaves(leaves) {
  const fields = {};
  const conflicts = {};
  for (const leaf of leaves) {
    for (const [name, version] of Object.entries(leaf)) {
      const current = fields[name];
      if (!current) {
        fields[name] = version;
        continue;
      }
      const options = conflicts[name];
      if (options) {
        if (!options.some((o) => compareField(o, version) !== 'conflict')) options.push(version);
        continue;
      }
      const order = compareField(current, version);
      if (order === 'b') fields[name] = version;
      else if (order === 'equal') fields[name] = current.h[0] > version.h[0] ? current : version;
      else if (order === 'conflict') conflicts[name] = [current, version];
    }
  }
  return { fields, conflicts };
}

/**
 * The fields of `remembered` (the field map of a version this device accepted) that `current` (the field
 * map of a newer version) puts back: missing from it, or an ancestor of the remembered field version
 * (spec §8.3, last paragraph: a member who writes a new version that restores an older, authentically
 * signed field). Returns their names.
 */
export function fieldsWentBack(remembered, current) {
  return Object.keys(remembered).filter((name) => !current[name] || compareField(current[name], remembered[name]) === 'b');
}

// -- an edit that clashes with a deletion ---------------------------------------------------------
//
// CouchDB and PouchDB pick a live leaf over a deleted one, so when one device deletes an item and
// another edits it, the edit wins and the deletion would vanish without a word. The deleted leaf is
// still in the revision tree: a changes feed read with style 'all_docs' lists every leaf of every
// document, deleted ones too, while allDocs with `conflicts: true` lists only the live losers.

/**
 * The leaves of each document kept beside its live winner, from a changes feed read with style
 * 'all_docs' (`results`) and what allDocs reported (`live`: id -> {rev, losers}). Returns id -> revs:
 * the candidates for a deletion people must decide about (every one still has to be opened).
 */
export function hiddenLeaves(results, live) {
  const out = new Map();
  for (const result of results) {
    const current = live.get(result.id);
    if (!current || result.deleted) continue;
    const known = new Set([current.rev, ...(current.losers || [])]);
    const hidden = result.changes.map((change) => change.rev).filter((rev) => !known.has(rev));
    if (hidden.length) out.set(result.id, hidden);
  }
  return out;
}

/** A deleted leaf's body is a deletion someone made (a `deleted` stamp), not a leaf a merge retired (`superseded`). */
export const isDeletion = (body) => !!body?.deleted && !body.superseded;

/** The latest of several deletions of one item ({rev, at, dev, by}), or null. */
export function latestDeletion(deletions) {
  let latest = null;
  for (const deletion of deletions) if (!latest || deletion.at > latest.at) latest = deletion;
  return latest && { ...latest, revs: deletions.map((d) => d.rev) };
}
