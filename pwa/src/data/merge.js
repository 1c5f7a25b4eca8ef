// Field-by-field merging of an item's conflicting revisions, without their common ancestor.
//
// Every field of an item body carries its own short history: `{v, h: [id, ...older ids], at, dev}`.
// `h[0]` names the field's current version; an edit draws a new id and keeps the previous ones (up
// to HISTORY). Two versions of a field are then ordered without any ancestor: if one's `h[0]` is in
// the other's history, the other descends from it and wins; if neither is, both sides changed the
// field concurrently: a real conflict unless they agree on the value.

export const HISTORY = 24;

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function newVersionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A new version of a field whose previous version is `previous` (or undefined), set by `dev`. */
export function editField(previous, value, { dev, at }) {
  const history = previous ? previous.h : [];
  return { v: value, h: [newVersionId(), ...history].slice(0, HISTORY), at, dev };
}

/** A field version that descends from every version in `versions` (a person's resolution). */
export function resolveField(versions, value, { dev, at }) {
  const history = [];
  for (const version of versions) for (const id of version.h) if (!history.includes(id)) history.push(id);
  return { v: value, h: [newVersionId(), ...history].slice(0, HISTORY), at, dev };
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
