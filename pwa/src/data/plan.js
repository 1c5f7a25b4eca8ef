// One plan on this device: a PouchDB database holding exactly the envelopes the server holds, the
// plan keys unwrapped from its keyring documents, and the items decrypted into memory (never to disk).

import PouchDB from 'pouchdb-browser';
import {
  DevicePublicKeys,
  Keyring,
  decryptItem,
  grantPlanKey,
  newDocumentId,
  openGrant,
  resealItem,
  rotatePlanKey,
  sealItem,
  verifyItem,
} from '../crypto/index.js';
import { editField, hiddenLeaves, isDeletion, latestDeletion, mergeLeaves, resolveField } from './merge.js';
import { SCHEMA } from './model.js';

const PENDING = '_local/alongside-status';
const RELOAD_GAP = 250; // ms between reloads driven by database changes
const VERIFY_CHUNK = 100; // signatures checked between two turns of the event loop
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export const localDatabaseName = (planId) => `plan-${planId}`;

export class Plan {
  constructor(planId, device) {
    this.id = planId;
    this.device = device;
    this.db = new PouchDB(localDatabaseName(planId), { auto_compaction: false });
    this.keyring = null;
    this.devices = new Map();
    this.items = new Map();
    this.opened = new Map(); // `${_id}/${_rev}` -> {body, by, verified}
    this.listeners = new Set();
    this.status = { pending: [], lastSynced: null };
    this.loading = null;
    this.again = false;
    this.merging = false;
    this.feed = null;
    this.reloadTimer = null;
    this.lastLoaded = 0;
    this.leaves = new Map(); // id -> its changes row (style 'all_docs') while it has more than one leaf
    this.leafSeq = 0;
    this.removals = new Map(); // id -> the deletion a live edit hides: {rev, revs, at, dev, by, verified}
    this.checking = null;
    this.checkAgain = false;
    this.writes = Promise.resolve(); // the last write asked for (see queueWrite)
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify() {
    for (const listener of this.listeners) listener(this);
  }

  /** Start following the local database: every change (local or pulled) reloads the items. */
  async start(trusted) {
    this.trusted = trusted;
    await this.readStatus();
    this.feed = this.db.changes({ since: 'now', live: true }).on('change', () => this.reloadSoon());
    await this.reload();
    return this;
  }

  /** What is waiting to sync and when it last synced, as kept in the local database. */
  async readStatus() {
    try {
      this.status = { ...this.status, ...(await this.db.get(PENDING)) };
    } catch {
      /* no status yet */
    }
    return this.status;
  }

  stop() {
    this.feed?.cancel();
    clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    this.listeners.clear();
  }

  /**
   * A change in the database (local or pulled): reload, but at most one reload per RELOAD_GAP ms after
   * the last one ended, so a first download arriving in batches does not re-read the plan per batch.
   * Changes arriving while a reload is scheduled only join it.
   */
  reloadSoon() {
    if (this.reloadTimer) return;
    const wait = Math.max(0, this.lastLoaded + RELOAD_GAP - Date.now());
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reload();
    }, wait);
  }

  /** Reload coalescing concurrent calls: one load runs at a time and one more follows if asked. */
  reload() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } catch (error) {
        console.error('could not read the plan', error);
      } finally {
        this.loading = null;
        this.lastLoaded = Date.now();
      }
    })();
    return this.loading;
  }

  async open(doc) {
    const key = `${doc._id}/${doc._rev}`;
    if (this.opened.has(key)) return this.opened.get(key);
    let result = null;
    const { _conflicts, ...envelope } = doc;
    try {
      const { signed } = await decryptItem(envelope, { planId: this.id, keyring: this.keyring });
      // verified: undefined until the signature is checked (in the background, after the first render).
      result = { body: signed.body, by: signed.by, signed, verified: undefined };
      this.opened.set(key, result);
    } catch {
      /* not (yet) readable: a key we do not hold */
    }
    return result;
  }

  async load() {
    const { rows } = await this.db.allDocs({ include_docs: true, conflicts: true });
    const docs = rows.map((row) => row.doc).filter((doc) => doc && !doc._id.startsWith('_'));
    const grants = docs.filter((doc) => doc.kind === 'keyring' && doc.to === this.device.deviceId);
    const itemDocs = docs.filter((doc) => doc.kind === 'item');
    for (let pass = 0; pass < 2; pass += 1) {
      const trusted = new Map([...this.trusted, ...this.devices]);
      let keys = this.keyring ? [...this.keyring.keys.values()] : [];
      for (const grant of grants) {
        if (this.keyring?.has(grant.kid)) continue;
        try {
          keys = [...keys, (await openGrant(grant, { planId: this.id, device: this.device.keys, trusted })).key];
        } catch {
          /* granted by a device we do not know yet */
        }
      }
      if (keys.length) this.keyring = new Keyring(this.id, keys);
      if (!this.keyring) break;
      const before = this.devices.size;
      for (const doc of itemDocs) {
        const opened = await this.open(doc);
        if (opened?.body.type === 'device') await this.addDevice(opened, doc._id);
      }
      if (this.devices.size === before) break;
    }
    const items = new Map();
    const toMerge = [];
    for (const doc of itemDocs) {
      const opened = await this.open(doc);
      if (!opened) continue;
      const item = { id: doc._id, rev: doc._rev, ...opened.body, author: opened.by, verified: opened.verified };
      item.f = item.f || {};
      const removal = this.removals.get(doc._id);
      if (removal) item.removed = removal;
      if (doc._conflicts?.length) {
        const leaves = [opened];
        for (const rev of doc._conflicts) {
          const leaf = await this.db.get(doc._id, { rev }).then((d) => this.open(d)).catch(() => null);
          if (leaf) leaves.push(leaf);
        }
        const { fields, conflicts } = mergeLeaves(leaves.map((leaf) => leaf.body.f || {}));
        item.f = fields;
        item.losers = doc._conflicts;
        if (Object.keys(conflicts).length) item.conflicts = conflicts;
        else toMerge.push(item);
      }
      items.set(item.id, item);
    }
    this.items = items;
    this.notify();
    if (toMerge.length && !this.merging) this.autoMerge(toMerge);
    this.checkSoon();
  }

  /**
   * After a render, in the background: check every new item's signature (a chunk at a time, giving
   * the event loop a turn between chunks) and look for deletions a live edit hides. An item whose
   * signature does not check out is marked (`verified: false`), never dropped.
   */
  checkSoon() {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = (async () => {
      try {
        do {
          this.checkAgain = false;
          await this.findRemovals();
          await this.verifyAll();
        } while (this.checkAgain);
      } catch (error) {
        console.error('could not check the plan', error);
      } finally {
        this.checking = null;
      }
    })();
  }

  async verifyAll() {
    const known = new Map([...this.trusted, ...this.devices]);
    const todo = [...this.items.values()].filter((item) => {
      const opened = this.opened.get(`${item.id}/${item.rev}`);
      return opened && !opened.verified && opened.checkedWith !== known.size;
    });
    let flagged = false;
    for (let start = 0; start < todo.length; start += VERIFY_CHUNK) {
      for (const item of todo.slice(start, start + VERIFY_CHUNK)) {
        const opened = this.opened.get(`${item.id}/${item.rev}`);
        await this.verify({ _id: item.id }, opened, known);
        item.verified = opened.verified;
        if (!opened.verified) flagged = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (flagged) this.notify();
  }

  /** Deletions hidden behind a live edit (see merge.js): each one shown to people until they decide. */
  async findRemovals() {
    const feed = await this.db.changes({ since: this.leafSeq, style: 'all_docs' });
    for (const row of feed.results) {
      if (row.changes.length > 1 && !row.deleted) this.leaves.set(row.id, row);
      else this.leaves.delete(row.id);
    }
    this.leafSeq = feed.last_seq;
    const live = new Map([...this.items.values()].map((item) => [item.id, { rev: item.rev, losers: item.losers }]));
    const removals = new Map();
    for (const [id, revs] of hiddenLeaves([...this.leaves.values()], live)) {
      const deletions = [];
      for (const rev of revs) {
        const doc = await this.db.get(id, { rev }).catch(() => null);
        if (!doc?._deleted) continue;
        const opened = await this.open(doc);
        if (!isDeletion(opened?.body)) continue;
        await this.verify(doc, opened);
        const { at, dev } = opened.body.deleted;
        deletions.push({ rev, at, dev, by: opened.by, verified: opened.verified });
      }
      const removal = latestDeletion(deletions);
      if (removal) removals.set(id, removal);
    }
    const changed = !same([...removals], [...this.removals]);
    this.removals = removals;
    if (!changed) return;
    for (const item of this.items.values()) {
      if (removals.has(item.id)) item.removed = removals.get(item.id);
      else delete item.removed;
    }
    this.notify();
  }

  /** A roster entry counts only if it is signed by the very device it describes. */
  async addDevice(opened, docId) {
    const f = opened.body.f || {};
    if (opened.by !== f.device_id?.v || this.devices.has(opened.by)) return;
    try {
      const pub = await DevicePublicKeys.fromJSON(f.keys?.v);
      if (pub.deviceId !== opened.by) return;
      await verifyItem(opened.signed, { planId: this.id, docId, deleted: false, devices: new Map([[pub.deviceId, pub]]) });
      this.devices.set(pub.deviceId, pub);
      opened.verified = true;
    } catch {
      /* malformed roster entry: ignored */
    }
  }

  async verify(doc, opened, known = new Map([...this.trusted, ...this.devices])) {
    if (opened.verified) return;
    opened.checkedWith = known.size;
    try {
      await verifyItem(opened.signed, { planId: this.id, docId: doc._id, deleted: doc._deleted === true, devices: known });
      opened.verified = true;
    } catch {
      opened.verified = false;
    }
  }

  /** Conflicting revisions whose fields merge cleanly: write the merge, retire the other leaves. */
  async autoMerge(items) {
    this.merging = true;
    try {
      for (const item of items) {
        const winner = this.opened.get(`${item.id}/${item.rev}`);
        const changed = !same(winner?.body.f, item.f);
        await this.writeMerged(item, item.f, changed);
      }
    } catch (error) {
      console.warn('merge failed', error);
    } finally {
      this.merging = false;
    }
  }

  async writeMerged(item, fields, changed) {
    const docs = [];
    if (changed) docs.push(await this.seal(item.id, { ...this.bodyOf(item), f: fields }, item.rev));
    for (const rev of item.losers || []) {
      docs.push(await this.seal(item.id, { a: SCHEMA, type: item.type, superseded: this.stamp() }, rev, true));
    }
    await this.save(docs);
  }

  bodyOf(item) {
    return { a: SCHEMA, type: item.type, created: item.created, f: item.f };
  }

  stamp() {
    return { at: Date.now(), dev: this.device.deviceId };
  }

  async seal(docId, body, rev = null, deleted = false) {
    return sealItem(body, { planId: this.id, docId, key: this.keyring.current, author: this.device.keys, deleted, rev });
  }

  async save(docs) {
    const results = await this.db.bulkDocs(docs);
    const failed = results.find((r) => r.error);
    if (failed) throw new Error(failed.message || failed.error);
    await this.markPending(docs.map((d) => d._id));
    return results;
  }

  async markPending(ids) {
    const pending = [...new Set([...this.status.pending, ...ids])];
    await this.saveStatus({ pending });
  }

  async saveStatus(changes) {
    this.status = { ...this.status, ...changes };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const current = await this.db.get(PENDING).catch(() => ({ _id: PENDING }));
        await this.db.put({ ...current, pending: this.status.pending, lastSynced: this.status.lastSynced });
        return;
      } catch {
        /* a concurrent update: read again */
      }
    }
  }

  // -- writing -------------------------------------------------------------------------------------

  /**
   * Writes people ask for run one after another, each seeing the plan as the one before left it (saved
   * and read back): a second change to an item builds on the first instead of clashing with it, and
   * `settled()` can wait for all of them. A failed write fails its own caller only.
   */
  queueWrite(write) {
    const result = this.writes.then(write);
    this.writes = result.catch(() => {});
    return result;
  }

  /** Resolves once every write asked for so far is saved and read back into `items`. */
  settled() {
    return this.writes;
  }

  /** A new item of `type` with plain `values`; returns its id. */
  create(type, values) {
    return this.queueWrite(() => this.createNow(type, values));
  }

  async createNow(type, values) {
    const stamp = this.stamp();
    const f = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) f[name] = editField(undefined, value, stamp);
    }
    const id = newDocumentId();
    await this.save([await this.seal(id, { a: SCHEMA, type, created: stamp, f })]);
    await this.reload();
    return id;
  }

  /** Change some fields of an item (only those whose value differs get a new version). */
  update(id, values) {
    return this.queueWrite(() => this.updateNow(id, values));
  }

  async updateNow(id, values) {
    const item = this.items.get(id);
    const stamp = this.stamp();
    const f = { ...item.f };
    let changed = false;
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined || same(f[name]?.v, value)) continue;
      f[name] = editField(f[name], value, stamp);
      changed = true;
    }
    if (!changed) return;
    await this.save([await this.seal(id, { ...this.bodyOf(item), f }, item.rev)]);
    await this.reload();
  }

  /** Delete an item: a signed deletion envelope (spec §7.5). */
  remove(id) {
    return this.queueWrite(() => this.removeNow(id));
  }

  async removeNow(id) {
    const item = this.items.get(id);
    await this.save([await this.seal(id, { a: SCHEMA, type: item.type, deleted: this.stamp() }, item.rev, true)]);
    await this.reload();
  }

  /** People chose (or combined) a value for each conflicting field: write it and retire the other leaves. */
  resolve(id, chosen) {
    return this.queueWrite(() => this.resolveNow(id, chosen));
  }

  async resolveNow(id, chosen) {
    const item = this.items.get(id);
    const stamp = this.stamp();
    const fields = { ...item.f };
    for (const [name, versions] of Object.entries(item.conflicts || {})) {
      fields[name] = resolveField(versions, chosen[name] ?? versions[0].v, stamp);
    }
    await this.writeMerged(item, fields, true);
    await this.reload();
  }

  /**
   * One device removed an item another changed (`item.removed`). Keep it: the deletions are retired
   * (a signed `superseded` deletion on each deleted leaf), so no device shows them again. Remove it:
   * the live leaves are deleted too.
   */
  settleRemoval(id, keep) {
    return this.queueWrite(() => this.settleRemovalNow(id, keep));
  }

  async settleRemovalNow(id, keep) {
    const item = this.items.get(id);
    const removal = item?.removed;
    if (!removal) return;
    const retire = (rev) => this.seal(id, { a: SCHEMA, type: item.type, superseded: this.stamp() }, rev, true);
    const docs = [];
    if (keep) {
      for (const rev of removal.revs) docs.push(await retire(rev));
    } else {
      docs.push(await this.seal(id, { a: SCHEMA, type: item.type, deleted: this.stamp() }, item.rev, true));
      for (const rev of item.losers || []) docs.push(await retire(rev));
    }
    await this.save(docs);
    this.removals.delete(id);
    delete item.removed;
    await this.reload();
  }

  // -- keys and roster -----------------------------------------------------------------------------

  /** Give this device the plan key inside the plan (so it survives a restart) and add it to the roster. */
  async enrolSelf(key, profile) {
    const keys = this.device.keys;
    const grant = await grantPlanKey(key, { recipient: keys.public, granter: keys });
    await this.db.bulkDocs([grant]);
    await this.markPending([grant._id]);
    await this.reload();
    if (!this.keyring) this.keyring = new Keyring(this.id, [key]);
    const stamp = this.stamp();
    const f = {};
    const roster = { device_id: keys.deviceId, keys: keys.public.toJSON(), ...profile };
    for (const [name, value] of Object.entries(roster)) f[name] = editField(undefined, value, stamp);
    const id = newDocumentId();
    await this.save([await this.seal(id, { a: SCHEMA, type: 'device', created: stamp, f })]);
    await this.reload();
  }

  /**
   * A new epoch key after a removal (spec §10): granted only to `remaining` (DevicePublicKeys, this
   * device first), then every live item re-sealed under it. Items whose author cannot be checked stay
   * under the old key (readable only in history). Returns {key, retired: [old key ids]}.
   */
  async rotate(remaining) {
    const keys = this.device.keys;
    const retired = [...this.keyring.keys.keys()];
    const { key, documents } = await rotatePlanKey(this.keyring, { remaining, granter: keys });
    await this.db.bulkDocs(documents);
    await this.markPending(documents.map((d) => d._id));
    const keyring = this.keyring.withKey(key);
    this.keyring = keyring;
    const devices = new Map([...this.trusted, ...this.devices]);
    const { rows } = await this.db.allDocs({ include_docs: true });
    const resealed = [];
    for (const { doc } of rows) {
      if (!doc || doc.kind !== 'item' || doc._deleted || doc.kid === key.kid) continue;
      try {
        resealed.push(await resealItem(doc, { planId: this.id, keyring, devices, key }));
      } catch {
        /* cannot be checked: left under the old key */
      }
    }
    for (let i = 0; i < resealed.length; i += 200) await this.save(resealed.slice(i, i + 200));
    await this.reload();
    return { key, retired };
  }

  /** Keys from a plan file: each one this device lacks is granted to itself, so it survives a restart. */
  async adoptKeys(keys) {
    const own = this.device.keys;
    const grants = [];
    for (const key of keys) {
      if (this.keyring?.has(key.kid)) continue;
      grants.push(await grantPlanKey(key, { recipient: own.public, granter: own }));
    }
    if (grants.length) {
      await this.db.bulkDocs(grants);
      await this.markPending(grants.map((g) => g._id));
    }
    await this.reload();
  }

  /** Items of some types, oldest first. */
  list(...types) {
    return [...this.items.values()]
      .filter((item) => types.includes(item.type))
      .sort((a, b) => a.created.at - b.created.at || (a.id < b.id ? -1 : 1));
  }

  /** The plan's header item (title, person): the earliest one. */
  get header() {
    return this.list('plan')[0] || null;
  }

  /** A readable name for a device: its roster entry's name and label. */
  deviceName(deviceId) {
    const entry = this.list('device').find((d) => d.f.device_id?.v === deviceId);
    if (!entry) return null;
    return { name: entry.f.name?.v || '', label: entry.f.label?.v || '' };
  }

  get conflicted() {
    return [...this.items.values()].filter((item) => item.conflicts || item.removed);
  }
}
