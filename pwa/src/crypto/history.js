// Version order (spec §8.3): what a device shows as current, given the newest version of an item it has
// accepted before (its memory) and the item's current leaves. Pure and synchronous; no keys.

import { FormatError } from './errors.js';
import { checkVersionHash } from './provenance.js';

/** How many earlier version hashes a memory keeps, newest first. */
export const MEMORY_OLD = 64;
export const LEAF_STATES = Object.freeze(['valid', 'unsigned-removal', 'unchecked']);
export const REPORTS = Object.freeze(['unchecked', 'unsigned-removal', 'rollback', 'replay']);

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

const MEMORY_MEMBERS = 'deleted,n,old,rev,vh';
const isRev = (rev) => typeof rev === 'string' && rev.length > 0;
const checkNumber = (n, what) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new FormatError(`${what} must be an integer from 0 to 2**53 - 1`);
  return n;
};

/** A copy of `memory` ({n, vh, deleted, rev, old}, exactly these members) or null; FormatError if malformed. */
export function checkMemory(memory) {
  if (memory === null || memory === undefined) return null;
  if (!isObject(memory) || Object.keys(memory).sort().join() !== MEMORY_MEMBERS) {
    throw new FormatError('a version memory has exactly n, vh, deleted, rev and old');
  }
  const { n, vh, deleted, rev, old } = memory;
  checkNumber(n, 'memory n');
  checkVersionHash(vh);
  if (typeof deleted !== 'boolean') throw new FormatError('memory deleted must be true or false');
  if (!isRev(rev)) throw new FormatError('memory rev must be a revision');
  if (!Array.isArray(old) || old.length > MEMORY_OLD) throw new FormatError(`memory old holds at most ${MEMORY_OLD} version hashes`);
  for (const hash of old) checkVersionHash(hash, 'an old version hash');
  return { n, vh, deleted, rev, old: [...old] };
}

function checkLeaf(leaf) {
  if (!isObject(leaf) || !isRev(leaf.rev) || !LEAF_STATES.includes(leaf.state)) {
    throw new FormatError("a leaf is {rev, state: 'valid'|'unsigned-removal'|'unchecked', n, vh, deleted}");
  }
  const n = leaf.n ?? null;
  const vh = leaf.vh ?? null;
  const deleted = leaf.deleted ?? false;
  if (typeof deleted !== 'boolean') throw new FormatError('a leaf deleted must be true or false');
  if (leaf.state === 'valid' && (n === null || vh === null)) throw new FormatError('a valid leaf has n and vh');
  if (n !== null) checkNumber(n, 'a leaf n');
  if (vh !== null) checkVersionHash(vh);
  return { rev: leaf.rev, state: leaf.state, n, vh, deleted };
}

const snapshot = (memory) => (memory === null ? null : { ...memory, old: [...memory.old] });

/**
 * Judge an item's winning leaf against this device's memory (spec §8.3, steps 0-8).
 *
 * Step 5 (concurrent) is checked before step 6 (newer), so that a device's own edit that lost a conflict is
 * never moved into `old` and later mistaken for a replay.
 *
 * `memory` is `{n, vh, deleted, rev, old}` (old: earlier version hashes, newest first, at most 64) or null;
 * `winner` is the winning leaf (or its rev); `leaves` every current leaf, the winner included, each
 * `{rev, state, n, vh, deleted}` with state 'valid' (opened and verified; a deletion only if its author may
 * delete the item), 'unsigned-removal' (a bare tombstone or a deletion that is not valid) or 'unchecked'
 * (a live leaf that does not open or verify).
 *
 * Returns `{current, reports, memory, restore, replays}`: current is 'winner', 'memory' (keep showing the
 * remembered version) or 'none' (the item is gone); reports a subset of 'unchecked', 'unsigned-removal',
 * 'rollback', 'replay' in that order; memory the new memory (null while there is none); restore true
 * exactly for a rollback (a device with write access re-seals the remembered version on top of the
 * winner); replays the revs of the leaves that are replays (their version hash is in memory.old).
 */
export function judgeVersions(memory, winner, leaves) {
  const remembered = checkMemory(memory);
  if (!Array.isArray(leaves)) throw new FormatError('leaves must be a list');
  const all = leaves.map(checkLeaf);
  if (new Set(all.map((leaf) => leaf.rev)).size !== all.length) throw new FormatError('leaves must have distinct revisions');
  const given = typeof winner === 'string' ? null : checkLeaf(winner);
  const w = all.find((leaf) => leaf.rev === (given === null ? winner : given.rev));
  const same = (a, b) => a.state === b.state && a.n === b.n && a.vh === b.vh && a.deleted === b.deleted;
  if (w === undefined || (given !== null && !same(given, w))) throw new FormatError('the winner must be one of the leaves');

  const old = new Set(remembered === null ? [] : remembered.old);
  const isReplay = (leaf) => leaf.state === 'valid' && old.has(leaf.vh);
  const replays = all.filter(isReplay).map((leaf) => leaf.rev);
  const result = (current, reports, nextMemory = remembered, restore = false) => {
    const said = new Set(reports);
    if (replays.length > 0 && !said.has('rollback')) said.add('replay');
    return { current, reports: REPORTS.filter((report) => said.has(report)), memory: snapshot(nextMemory), restore, replays };
  };

  // 0. An unchecked winner never becomes the memory, and its n counts for nothing.
  if (w.state === 'unchecked') return result(remembered === null ? 'winner' : 'memory', ['unchecked']);
  // 2. A removal nobody signed (validly): keep the remembered version, unless there is none or it was a deletion.
  if (w.state === 'unsigned-removal') {
    if (remembered === null || remembered.deleted) return result('none', []);
    return result('memory', ['unsigned-removal']);
  }
  const accept = () => ({ n: w.n, vh: w.vh, deleted: w.deleted, rev: w.rev, old: [] });
  // 3. Nothing remembered yet: the winner is current.
  if (remembered === null) return result('winner', [], accept());
  // 4. The remembered version itself (perhaps re-sealed: the memory follows it to its revision).
  if (w.vh === remembered.vh) return result('winner', [], { ...remembered, rev: w.rev, deleted: w.deleted });
  if (!isReplay(w)) {
    // 5. Concurrent (checked before 6): the remembered version is still a valid leaf beside the winner, so the
    // winner does not descend from it whatever its n. The application merges the leaves.
    if (all.some((leaf) => leaf.state === 'valid' && leaf.vh === remembered.vh)) return result('winner', []);
    // 6. Newer than the remembered version.
    if (w.n > remembered.n) {
      const newOld = [remembered.vh, ...remembered.old].slice(0, MEMORY_OLD);
      return result('winner', [], { ...accept(), old: newOld });
    }
    // 7. A valid deletion newer than the remembered version beside a live winner: one branch deleted the item
    // while another changed it. The application asks which to keep.
    if (all.some((leaf) => leaf.state === 'valid' && leaf.deleted && (leaf.n ?? 0) > remembered.n)) return result('winner', []);
  }
  // 8. A rollback: a replay, or an older or other version while the remembered one is no longer a leaf
  // and no newer deletion stands beside it.
  return result('memory', ['rollback'], remembered, true);
}
