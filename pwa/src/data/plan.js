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
import { editField, mergeLeaves, resolveField } from './merge.js';
import { SCHEMA } from './model.js';

const PENDING = '_local/alongside-status';
const RELOAD_GAP = 250; // ms between reloads driven by database changes
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
    try {
      this.status = { ...this.status, ...(await this.db.get(PENDING)) };
    } catch {
      /* no status yet */
    }
    this.feed = this.db.changes({ since: 'now', live: true }).on('change', () => this.reloadSoon());
    await this.reload();
    return this;
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
      result = { body: signed.body, by: signed.by, signed, verified: false };
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
        if (opened?.body.type === 'device') await this.addDevice(opened);
      }
      if (this.devices.size === before) break;
    }
    const items = new Map();
    const toMerge = [];
    for (const doc of itemDocs) {
      const opened = await this.open(doc);
      if (!opened) continue;
      await this.verify(doc, opened);
      const item = { id: doc._id, rev: doc._rev, ...opened.body, author: opened.by, verified: opened.verified };
      item.f = item.f || {};
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
  }

  async addDevice(opened) {
    const f = opened.body.f || {};
    if (opened.by !== f.device_id?.v) return;
    try {
      const pub = await DevicePublicKeys.fromJSON(f.keys?.v);
      if (pub.deviceId === opened.by) this.devices.set(pub.deviceId, pub);
    } catch {
      /* malformed roster entry: ignored */
    }
  }

  async verify(doc, opened) {
    if (opened.verified) return;
    try {
      const known = new Map([...this.trusted, ...this.devices]);
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

  /** A new item of `type` with plain `values`; returns its id. */
  async create(type, values) {
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
  async update(id, values) {
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
  async remove(id) {
    const item = this.items.get(id);
    await this.save([await this.seal(id, { a: SCHEMA, type: item.type, deleted: this.stamp() }, item.rev, true)]);
    await this.reload();
  }

  /** People chose (or combined) a value for each conflicting field: write it and retire the other leaves. */
  async resolve(id, chosen) {
    const item = this.items.get(id);
    const stamp = this.stamp();
    const fields = { ...item.f };
    for (const [name, versions] of Object.entries(item.conflicts || {})) {
      fields[name] = resolveField(versions, chosen[name] ?? versions[0].v, stamp);
    }
    await this.writeMerged(item, fields, true);
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
    return [...this.items.values()].filter((item) => item.conflicts);
  }
}
