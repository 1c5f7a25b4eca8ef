// The versions this device remembers (spec §8.3; docs/app.md, "Versions the device remembers"): per item,
// the newest version it accepted ({n, vh, deleted, rev, old}), kept in local documents of the plan's own
// database (`_local/alongside-versions-0` … `-f`, sharded by the first hex digit of the item id), which
// never replicate. Beside the memory each entry may hold a notice people have not dismissed yet (a
// rollback or replay this device saw) and the notices they dismissed (`ack`).

const PREFIX = '_local/alongside-versions-';
const HEX = '0123456789abcdef';
const MAX_ACK = 16;

/** The shard an item id belongs to: its first hex digit. */
export const shardOf = (id) => (HEX.includes(id[0]) ? id[0] : '0');

const memoryOf = (entry) =>
  entry ? { n: entry.n, vh: entry.vh, deleted: entry.deleted, rev: entry.rev, old: [...(entry.old || [])] } : null;

const sameMemory = (a, b) =>
  a === b || (!!a && !!b && a.n === b.n && a.vh === b.vh && a.deleted === b.deleted && a.rev === b.rev && a.old.join() === b.old.join());

export class VersionStore {
  constructor(db) {
    this.db = db;
    this.entries = new Map(); // item id -> {n, vh, deleted, rev, old, notice?, ack?}
    this.dirty = new Set();
    this.loaded = null;
    this.writing = Promise.resolve();
  }

  /** Read every shard once, all at once (later calls wait for the same read). */
  load() {
    if (!this.loaded) {
      this.loaded = (async () => {
        const shards = await Promise.all([...HEX].map((digit) => this.db.get(PREFIX + digit).catch(() => null)));
        for (const doc of shards) for (const [id, entry] of Object.entries(doc?.items || {})) this.entries.set(id, entry);
      })();
    }
    return this.loaded;
  }

  ids() {
    return [...this.entries.keys()];
  }

  /** The memory of spec §8.3 for `id` ({n, vh, deleted, rev, old}), or null. */
  memory(id) {
    return memoryOf(this.entries.get(id));
  }

  entry(id) {
    return this.entries.get(id) || null;
  }

  /** Replace the memory of `id` (keeping its notice and what was dismissed); true if it changed. */
  remember(id, memory) {
    const entry = this.entries.get(id);
    if (sameMemory(memoryOf(entry), memory)) return false;
    this.entries.set(id, { ...(entry || {}), ...memoryOf(memory) });
    this.dirty.add(shardOf(id));
    return true;
  }

  /**
   * Record a notice ({kinds: ['rollback'] or ['replay'], key}) for `id`, unless people already dismissed
   * that very event; true if it changed.
   */
  notice(id, notice) {
    const entry = this.entries.get(id);
    if (!entry || !notice || (entry.ack || []).includes(notice.key) || entry.notice?.key === notice.key) return false;
    this.entries.set(id, { ...entry, notice: { ...notice, at: Date.now() } });
    this.dirty.add(shardOf(id));
    return true;
  }

  /** Dismiss the notice of `id` (people read it); the same event is not reported again on this device. */
  acknowledge(id) {
    const entry = this.entries.get(id);
    if (!entry?.notice) return false;
    const { notice, ...rest } = entry;
    this.entries.set(id, { ...rest, ack: [notice.key, ...(entry.ack || [])].slice(0, MAX_ACK) });
    this.dirty.add(shardOf(id));
    return true;
  }

  /** Write the shards that changed (one after another, never two writes of one shard at once). */
  flush() {
    const shards = [...this.dirty];
    this.dirty.clear();
    this.writing = this.writing.then(async () => {
      for (const digit of shards) await this.writeShard(digit);
    });
    return this.writing;
  }

  async writeShard(digit) {
    const items = {};
    for (const [id, entry] of this.entries) if (shardOf(id) === digit) items[id] = entry;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.db.get(PREFIX + digit).catch(() => ({ _id: PREFIX + digit }));
      try {
        await this.db.put({ _id: current._id, ...(current._rev ? { _rev: current._rev } : {}), items });
        return;
      } catch {
        /* written meanwhile (another tab): read its revision again */
      }
    }
  }
}

/**
 * The revision CouchDB and PouchDB pick as the winner among `leaves` ({rev, deleted}): a live leaf over a
 * deleted one, then the longest branch (highest generation), then the highest revision hash.
 */
export function winningLeaf(leaves) {
  let best = null;
  for (const leaf of leaves) {
    if (!best) {
      best = leaf;
      continue;
    }
    const [pos, hash] = [Number.parseInt(leaf.rev, 10), leaf.rev.slice(leaf.rev.indexOf('-') + 1)];
    const [bestPos, bestHash] = [Number.parseInt(best.rev, 10), best.rev.slice(best.rev.indexOf('-') + 1)];
    const better = best.deleted !== leaf.deleted ? !!best.deleted : bestPos !== pos ? pos > bestPos : hash > bestHash;
    if (better) best = leaf;
  }
  return best;
}

/**
 * What people are told about a judgement (spec §8.3) until they dismiss it: a rollback (an older copy came
 * back) or a replay (an older copy came back beside the newest), with a key naming that very event.
 */
export function noticeOf(judgement, winnerRev) {
  if (judgement.reports.includes('rollback')) return { kinds: ['rollback'], key: `rollback:${winnerRev}` };
  if (judgement.reports.includes('replay')) return { kinds: ['replay'], key: `replay:${[...judgement.replays].sort().join(',')}` };
  return null;
}
