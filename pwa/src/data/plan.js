// One plan on this device: a PouchDB database holding exactly the envelopes the server holds, the
// plan keys unwrapped from the keyring documents of stewards (spec §9.5), the roles the plan proves
// (spec §19), and the items decrypted into memory (to disk only sealed: openedcache.js), each judged
// against the newest version this device accepted before (spec §8.3), so an older copy never shows as
// current unseen.

import { newDocumentId, nextVersion, resealItem, sealItem, signField } from '../crypto/index.js';
import { agreementsFor, provenanceOf } from './agreements.js';
import { EVERYONE, moveItem, sectionDefault, setSharing, shareAudienceKeys } from './audiences.js';
import { itemHistory } from './itemhistory.js';
import { KeyStore } from './keystore.js';
import { adoptKeys, admitInvited, enrolSelf, rotate } from './plankeys.js';
import { editField, resolveField } from './merge.js';
import { AGREEMENT_VALUES, SCHEMA, STEWARDS } from './model.js';
import { keepOpened, readDocuments, restoreOpenedVersions } from './openedcache.js';
import { rosterResealOwed, writeOwed } from './owedwrites.js';
import { present, readKeysAndRoles, same } from './planread.js';
import { mayDelete, writerOf } from './roles.js';
import { PlanState } from './planstate.js';
import { VersionStore } from './versions.js';

const PENDING = '_local/alongside-status';
const RELOAD_GAP = 250; // ms between reloads driven by database changes

export const localDatabaseName = (planId) => `plan-${planId}`;

export class Plan extends PlanState {
  /**
   * `db` is the plan's PouchDB database (see localdb.js; tests pass one of their own). `context` is what
   * the device store knows of the plan: {role, access, members, copy, ...} (see setContext). What screens
   * read is published with signals (planstate.js: `updates`, `subscribe`, `notify`).
   */
  constructor(planId, device, { db, context = null } = {}) {
    super();
    this.id = planId;
    this.device = device;
    this.db = db;
    this.context = context || device?.plans?.[planId] || {};
    this.trusted = new Map();
    this.keyring = null;
    this.keyStore = new KeyStore(db);
    this.versions = new VersionStore(db);
    this.devices = new Map(); // the devices whose roster entries count (spec §19.1)
    this.roster = [];
    this.claims = [];
    this.roles = new Map();
    this.proven = false;
    this.creator = null;
    this.keyProblem = null;
    this.items = new Map();
    this.opened = new Map(); // `${_id}/${_rev}` -> the opened version (see planread.js)
    this.rosterCache = new Map();
    this.hashes = new Map();
    this.agreementRecords = new Map();
    this.liveDocs = [];
    this.leafRows = new Map(); // id -> its changes row (style 'all_docs') while it has more than one leaf or a deleted winner
    this.leafSeq = 0;
    this.attempted = new Set(); // automatic writes tried once (restores, merges) so a failing one is not retried forever
    this.status = { pending: [], notAccepted: [], lastSynced: null };
    this.loading = null;
    this.again = false;
    this.generation = 0;
    this.feed = null;
    this.reloadTimer = null;
    this.lastLoaded = 0;
    this.checking = null;
    this.checkAgain = false;
    this.writes = Promise.resolve(); // the last write asked for (see queueWrite)
    this.openedChanged = false; // versions decrypted (or hashes made) since the opened versions were last kept
    this.loadedSeq = null; // the database's update_seq read before the documents of the last load
    this.keptSeq = null; // the update_seq of the documents' shape kept with the opened versions
    this.keptShape = null; // that shape, as read when the plan started (used by its first load only)
    this.keeping = Promise.resolve();
  }

  /** What the device store knows of this plan (role, access, the server's member list): roles follow it. */
  setContext(context) {
    this.context = { ...this.context, ...context };
    if (this.keyring) this.reload();
  }

  /** Start following the local database: every change (local or pulled) reloads the items. */
  async start(trusted) {
    this.trusted = trusted;
    await Promise.all([this.readStatus(), restoreOpenedVersions(this)]);
    this.feed = this.db.changes({ since: 'now', live: true }).on('change', (change) => {
      if (!change.id.startsWith('_local/')) this.reloadSoon();
    });
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
    this.stopPublishing();
  }

  /** A change in the database: reload, at most once per RELOAD_GAP ms after the last load ended. */
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

  /** Every device this device can check signatures against: itself, those it trusts, the roster's. */
  known() {
    return new Map([[this.device.deviceId, this.device.keys.public], ...this.trusted, ...this.devices]);
  }

  /**
   * This device's own role and access, as the device store knows them (spec §19.3, rule 3); access, when
   * the store does not have it, from the server's member list, else write for the person and the worker.
   */
  self() {
    const deviceId = this.device.deviceId;
    const listed = (this.context.members || []).find((m) => m.devices?.some((d) => d.device_id === deviceId));
    const role = this.context.role ?? listed?.role ?? null;
    const access = this.context.access ?? listed?.access ?? (STEWARDS.includes(role) ? 'write' : null);
    return { deviceId, role, access };
  }

  async load() {
    this.generation += 1;
    // The memory of versions (read once) and the documents, side by side.
    const [{ seq, keyringDocs, grants, liveDocs }] = await Promise.all([readDocuments(this), this.versions.load()]);
    this.keyringDocs = keyringDocs;
    this.keyringIds = new Set(keyringDocs.map((doc) => doc._id));
    this.liveDocs = liveDocs;
    this.loadedSeq = seq;
    await readKeysAndRoles(this, grants, this.liveDocs);
    if (!this.keyring) {
      this.items = new Map();
      this.notify();
      return;
    }
    const { items } = await present(this, this.liveDocs, { final: false });
    this.items = items;
    this.notify();
    this.checkSoon();
  }

  /**
   * After a render, in the background: find every leaf (deleted ones too), check every version's
   * signature and field statements (a chunk at a time), then judge every item for good: remember what
   * was accepted, and write what is owed (a rollback put right, a clean merge). Nothing is hidden while
   * this runs; an item whose signature does not check out is marked, never dropped.
   */
  checkSoon() {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.checkAgain = false;
          await this.check();
        } while (this.checkAgain);
      } catch (error) {
        console.error('could not check the plan', error);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  async check() {
    const generation = this.generation;
    const feed = await this.db.changes({ since: this.leafSeq, style: 'all_docs' });
    for (const row of feed.results) {
      if (row.id.startsWith('_')) continue;
      if (row.changes.length > 1 || row.deleted) this.leafRows.set(row.id, row);
      else this.leafRows.delete(row.id);
    }
    this.leafSeq = feed.last_seq;
    const { items, writes } = await present(this, this.liveDocs, { final: true });
    await this.versions.flush();
    if (generation !== this.generation) {
      this.checkAgain = true; // a newer load ran meanwhile: judge that one
      return;
    }
    const changed = !same(summary(items), summary(this.items));
    this.items = items;
    if (changed) this.notify();
    writes.push(...(await rosterResealOwed(this, writes)));
    const owed = writes.filter((write) => !this.attempted.has(`${write.kind}:${write.id}:${write.onTop}`));
    if (owed.length) this.queueWrite(() => writeOwed(this, owed)).catch((error) => console.warn('could not put the plan right', error));
    if (this.openedChanged || this.loadedSeq !== this.keptSeq) keepOpened(this);
  }

  /** The remembered version of `id`, re-sealed under the current key as a new revision on top of `rev` (spec §7.4). */
  async resealRemembered(id, rev) {
    const memory = this.versions.memory(id);
    const doc = await this.db.get(id, { rev: memory.rev });
    return resealItem(doc, { planId: this.id, keyring: this.keyring, devices: this.known(), key: this.keyFor(doc.kid), rev });
  }

  /** The current key of the audience whose key line `kid` belongs to (spec §5.3): where a re-seal of it goes. */
  keyFor(kid) {
    return this.keyring.currentOf(this.keyring.get(kid)?.audience ?? EVERYONE);
  }

  bodyOf(item) {
    return { a: SCHEMA, type: item.type, created: item.created, f: item.f };
  }

  stamp() {
    return { at: Date.now(), dev: this.device.deviceId };
  }

  /** A field signer for document `docId`: the field statement of this device (spec §8.5). */
  signer(docId) {
    const author = this.device.keys;
    return (name, field) => signField({ planId: this.id, docId, name, value: field.v, h: field.h, at: field.at, author });
  }

  /** Seal `body` as a new version of `docId` replacing `replaces` ([{n, vh}], spec §8.2) on top of `rev`, for `audience` (default: the item's). */
  async seal(docId, body, { rev = null, deleted = false, replaces = [], audience = this.items.get(docId)?.audience ?? EVERYONE } = {}) {
    const { n, prev } = nextVersion(replaces.map(({ n: number, vh }) => ({ n: number, vh })));
    const key = this.keyring.currentOf(audience);
    return sealItem(body, { planId: this.id, docId, key, author: this.device.keys, deleted, rev, n, prev });
  }

  async save(docs) {
    const results = await this.db.bulkDocs(docs);
    const failed = results.find((r) => r.error);
    if (failed) throw new Error(failed.message || failed.error);
    await this.markPending(docs.map((d) => d._id));
    return results;
  }

  /** The ids of the changes waiting to sync that the server refused (sync.js, onDenied). */
  notAccepted() {
    const pending = new Set(this.status.pending);
    return (this.status.notAccepted || []).filter((id) => pending.has(id));
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
        const { pending, notAccepted, lastSynced } = this.status;
        await this.db.put({ ...current, pending, notAccepted, lastSynced });
        return;
      } catch {
        /* a concurrent update: read again */
      }
    }
  }

  // -- who may do what (spec §19; docs/app.md, "Who may do what") ------------------------------------

  /** This device: {deviceId, role, access, steward}. */
  get me() {
    const own = this.roles.get(this.device.deviceId) || this.self();
    return { deviceId: this.device.deviceId, role: own.role, access: own.access, steward: STEWARDS.includes(own.role) };
  }

  isSteward(deviceId) {
    return STEWARDS.includes(this.roles.get(deviceId)?.role);
  }

  /** Whether this device may delete `item` (stewards; anyone else what its own device typed; see roles.js). */
  canDelete(item) {
    if (!item || this.me.access !== 'write') return false;
    return mayDelete(this.device.deviceId, { type: item.type, writer: writerOf(item) }, this.roles);
  }

  /** Whose agreement this device records: 'person' (the worker's device), 'self' (the person's, or a supporter with write), or null. */
  canAgreeFor() {
    const { role, access } = this.me;
    if (access !== 'write') return null;
    if (role === 'worker') return 'person';
    return role === 'owner' || role === 'supporter' ? 'self' : null;
  }

  get canKeepVersions() {
    return this.me.steward && this.me.access === 'write';
  }

  get canInvite() {
    return this.me.steward && this.me.access === 'write';
  }

  // -- what render needs --------------------------------------------------------------------------------

  /** Items that carry a flag (a rollback, a replay, a removal nobody signed, a version not checked). */
  get flagged() {
    return [...this.items.values()].filter((item) => Object.keys(item.flags || {}).length);
  }

  /** The agreements recorded for an item (see agreements.js). */
  agreementsFor(itemId) {
    const item = this.items.get(itemId);
    return agreementsFor(this.agreementRecords.get(itemId) || [], {
      hash: item?.hash ?? null,
      roles: this.roles,
      me: this.device.deviceId,
      party: this.canAgreeFor(),
      legacyField: item?.f?.agree || null,
    });
  }

  /** Who said it, in whose words, who typed it, who changed it since (see agreements.js). */
  provenanceOf(item) {
    return provenanceOf(item, { roles: this.roles, person: this.agreementsFor(item.id).person });
  }

  /** The versions of an item this device holds, newest first, with what changed (see itemhistory.js). */
  history(itemId) {
    return itemHistory(this, itemId);
  }

  // -- writing -------------------------------------------------------------------------------------------

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

  /** A new item of `type` with plain `values`, for `audience` (default: its section's); returns its id. */
  create(type, values, { audience = null } = {}) {
    return this.queueWrite(() => this.createNow(type, values, undefined, { audience }));
  }

  async createNow(type, values, id = newDocumentId(), { audience = null } = {}) {
    const chosen = audience ?? sectionDefault(this, type);
    if (!this.audiences.includes(chosen)) throw new Error('this device cannot write for that audience');
    const stamp = this.stamp();
    const f = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) f[name] = await editField(undefined, value, stamp, { name, sign: this.signer(id) });
    }
    await this.save([await this.seal(id, { a: SCHEMA, type, created: stamp, f }, { audience: chosen })]);
    await this.reload();
    return id;
  }

  // -- audiences (spec §5.3; docs/app.md, "Who can read what"; the work is in audiences.js) ---------------

  /** The audiences this device holds keys for ('everyone', 'worker', 'family'). */
  get audiences() {
    return this.keyring ? this.keyring.audiences : [];
  }

  /** The audience new items in `section` start in (the person's choice, if held here; else everyone). */
  sectionAudience(section) {
    return sectionDefault(this, null, section);
  }

  /** Move an item to `audience` (moveItem); returns {narrowed}. */
  setAudience(itemId, audience) {
    return this.queueWrite(() => moveItem(this, itemId, audience));
  }

  /** The person's choices: `sections` ({section: audience}), `services` (supporters' device ids). */
  setSharing(choices) {
    return this.queueWrite(() => setSharing(this, choices));
  }

  /** Give each audience's current key to the devices in it that lack it (shareAudienceKeys). */
  shareAudienceKeys() {
    return this.queueWrite(() => shareAudienceKeys(this));
  }

  /** Change some fields of an item (only those whose value differs get a new version). */
  update(id, values) {
    return this.queueWrite(() => this.updateNow(id, values));
  }

  async updateNow(id, values, { renew = [] } = {}) {
    const item = this.items.get(id);
    const stamp = this.stamp();
    const f = { ...item.f };
    let changed = false;
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined || (same(f[name]?.v, value) && !renew.includes(name))) continue;
      f[name] = await editField(f[name], value, stamp, { name, sign: this.signer(id) });
      changed = true;
    }
    if (!changed) return;
    await this.save([await this.seal(id, { ...this.bodyOf(item), f }, { rev: item.rev, replaces: item.base })]);
    await this.reload();
  }

  /** Delete an item: a signed deletion (spec §7.5), only by a device that may delete it. */
  remove(id) {
    return this.queueWrite(() => this.removeNow(id));
  }

  async removeNow(id) {
    const item = this.items.get(id);
    if (!this.canDelete(item)) throw new Error('this device may not remove this');
    const body = { a: SCHEMA, type: item.type, deleted: this.stamp() };
    await this.save([await this.seal(id, body, { rev: item.rev, deleted: true, replaces: item.base })]);
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
      fields[name] = await resolveField(versions, chosen[name] ?? versions[0].v, stamp, { name, sign: this.signer(id) });
    }
    await this.writeMerged(item, fields, true);
    await this.reload();
  }

  /**
   * A merge written as a new version on the winner (replacing every leaf it combines); the other leaves
   * retired only once it is saved (a write of several documents is not atomic: a merge refused because the
   * winner changed meanwhile must not leave the other leaves retired, with their edits in no version).
   */
  async writeMerged(item, fields, changed) {
    if (changed) {
      const body = { ...this.bodyOf(item), f: fields };
      await this.save([await this.seal(item.id, body, { rev: item.rev, replaces: item.mergeBase || item.base })]);
    }
    const retired = [];
    for (const loser of item.loserVersions || []) retired.push(await this.retire(item, loser));
    if (retired.length) await this.save(retired);
  }

  /** A signed `superseded` deletion on top of one leaf (it no longer counts as a version or a deletion). */
  retire(item, leaf) {
    return this.seal(item.id, { a: SCHEMA, type: item.type, superseded: this.stamp() }, { rev: leaf.rev, deleted: true, replaces: [leaf] });
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
    const docs = [];
    if (keep) {
      for (const leaf of removal.versions) docs.push(await this.retire(item, leaf));
    } else {
      const body = { a: SCHEMA, type: item.type, deleted: this.stamp() };
      await this.save([await this.seal(id, body, { rev: item.rev, deleted: true, replaces: item.base })]); // first, as in writeMerged
      // The same deletion on every other live leaf: among deleted leaves only, a `superseded` stamp may be the
      // winner, and as the winner it reads as a removal nobody signed (the item came back, flagged).
      for (const loser of item.loserVersions || []) {
        docs.push(await this.seal(id, body, { rev: loser.rev, deleted: true, replaces: [loser] }));
      }
    }
    if (docs.length) await this.save(docs);
    delete item.removed;
    await this.reload();
  }

  /** Put back an item removed without a valid signature (or rolled back): its remembered version, re-sealed on top. */
  restore(id) {
    return this.queueWrite(async () => {
      const item = this.items.get(id);
      if (!item || this.me.access !== 'write' || !this.versions.memory(id)) throw new Error('nothing to put back');
      await this.save([await this.resealRemembered(id, item.rev)]);
      await this.reload();
    });
  }

  /** Dismiss an item's rollback or replay notice on this device. */
  async acknowledge(id) {
    const item = this.items.get(id);
    if (!this.versions.acknowledge(id)) return;
    if (item) {
      const { rollback, replay, ...rest } = item.flags || {};
      item.flags = rest;
    }
    await this.versions.flush();
    this.notify();
  }

  /**
   * Record an agreement with an item (docs/app.md, "Agreements"): `value` 'yes' or 'no' ('' takes it
   * back), for the party this device may speak for (canAgreeFor). Each device keeps one agreement item
   * per item and party and writes a new version of it, naming the item's content hash now.
   */
  agree(itemId, { value, note = '' }) {
    return this.queueWrite(async () => {
      const party = this.canAgreeFor();
      if (!party) throw new Error('this device cannot record an agreement');
      if (value !== '' && !AGREEMENT_VALUES.includes(value)) throw new Error('an agreement is yes or no');
      const item = this.items.get(itemId);
      if (!item?.hash) throw new Error('nothing to agree with');
      const values = { item: itemId, content: item.hash, value, note, for: party };
      const own = this.list('agreement').find(
        (a) => a.f.item?.v === itemId && a.f.for?.v === party && a.f.value?.dev === this.device.deviceId && !a.flags?.unsignedRemoval,
      );
      if (own) await this.updateNow(own.id, values, { renew: ['value', 'content'] });
      else await this.createNow('agreement', values, undefined, { audience: item.audience ?? EVERYONE });
    });
  }

  // -- keys, roster and admissions (see plankeys.js) ---------------------------------------------------------

  /** Grant this device the plan key inside the plan and write its roster entry (spec §19.1). */
  enrolSelf(key, profile) {
    return enrolSelf(this, key, profile);
  }

  /** Admit the devices that joined with this device's invites (spec §11.5); returns the invite ids done. */
  admitInvited(invites) {
    return this.queueWrite(() => admitInvited(this, invites));
  }

  /** A new epoch key for `remaining`, every live item re-sealed under it (spec §10). Returns {key, retired}. */
  rotate(remaining, options = {}) {
    // In turn with every other write: one sealed under the old key and saved after the re-seal read the plan would stay under it.
    return this.queueWrite(() => rotate(this, remaining, options));
  }

  /** Keys from a plan file: each one this device lacks is granted to itself, so it survives a restart. */
  adoptKeys(keys) {
    return adoptKeys(this, keys);
  }

  /** Resolves once no load, background check or write is running or scheduled (tests; "Keep this version"). */
  async idle() {
    for (;;) {
      const { writes, keeping } = this;
      await Promise.all([this.loading, this.checking, writes, keeping]);
      if (this.reloadTimer) await new Promise((resolve) => setTimeout(resolve, RELOAD_GAP));
      else if (!this.loading && !this.checking && writes === this.writes && keeping === this.keeping) return;
    }
  }

  // -- reading --------------------------------------------------------------------------------------------

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

  /** A readable name for a device: its counting roster entry's name and label. */
  deviceName(deviceId) {
    const entry = this.list('device').find((d) => d.f.device_id?.v === deviceId && this.devices.has(deviceId));
    if (!entry) return null;
    return { name: entry.f.name?.v || '', label: entry.f.label?.v || '' };
  }

  get conflicted() {
    return [...this.items.values()].filter((item) => item.conflicts || item.removed);
  }
}

/** What a re-render depends on, to tell whether a check changed anything people see. */
const summary = (items) =>
  [...items.values()].map((i) => [i.id, i.rev, i.shownRev, i.verified, i.flags, i.fieldChecks, i.conflicts, i.removed, i.f]);
