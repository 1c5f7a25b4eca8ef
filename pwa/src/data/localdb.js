// The plan's local database in the browser (IndexedDB through PouchDB). Kept apart from plan.js so the
// plan itself runs anywhere PouchDB does (the Node tests give it a database of their own).
//
// Once the app lock has been turned on, a database's name says nothing of its plan: `db-` and 32 hex
// characters derived from the plan id under a key kept in the device record (spec §13.2), which the lock
// seals. A database named the older way (`plan-<plan id>`) is moved then: every revision body and
// local document copied, the copy checked, and only then the old one destroyed. The move is repeated
// from the start if it was cut short (copying again writes nothing new), and a plan's database is never
// opened while its move is under way. From then on each plan's look mark ("what's new", whatsnew.js) is
// kept sealed too: it holds the times items were last changed, which the envelopes keep inside their
// ciphertext.
//
// PouchDB itself is a chunk of its own, fetched the first time a database is opened (`loadPouchDB`): the
// first screens (welcome, set-up, join) do not need it, and on a slow line it is a second of the entry
// script's download. The HTML shell that the service worker keeps preloads it, so a phone that has opened
// the app before fetches it beside the entry script, from its cache.

import { localDatabaseId, localMarkKey, openAtRest, sealAtRest } from '../crypto/index.js';
import { AppLocked, isLocked, loadDevice } from './device.js';
import { localDatabaseName as namedForPlan } from './plan.js';
import { OPENED_VERSIONS } from './openedcache.js';
import { readLook, writeLook } from './whatsnew.js';

const PREFIX = '_pouch_'; // what PouchDB puts before a database's name in IndexedDB
let PouchDB = null;
let loadingPouchDB = null;

/** PouchDB, fetched once (its chunk) the first time it is needed. */
export const loadPouchDB = () =>
  (loadingPouchDB ??= import('pouchdb-browser').then((module) => {
    PouchDB = module.default;
    return PouchDB;
  }));

/** PouchDB once `loadPouchDB` has brought it (every database is opened through it first); throws before. */
export function loadedPouchDB() {
  if (!PouchDB) throw new Error('PouchDB is used before it was loaded (open a database first)');
  return PouchDB;
}
const moves = new Map(); // planId -> the move under way

/**
 * The name of plan `planId`'s database on this device (opaque once the device has a database key); AppLocked
 * while the record is locked (nothing opens, or makes, a database by a name that says which plan it is).
 */
export async function localDatabaseName(planId) {
  const device = await loadDevice();
  if (!device && (await isLocked())) throw new AppLocked();
  return device?.dbKey ? `db-${await localDatabaseId(device.dbKey, planId)}` : namedForPlan(planId);
}

/** The database holding this device's copy of its organisation's activities (activities.js): no personal data. */
let activitiesDatabase = null;
export const openActivitiesDatabase = async () => (activitiesDatabase ??= new (await loadPouchDB())('alongside-activities', { auto_compaction: true }));

/** The PouchDB database holding plan `planId`'s envelopes on this device (never compacted: history). */
export async function openLocalDatabase(planId) {
  const name = await localDatabaseName(planId);
  if (name !== namedForPlan(planId)) await moveDatabase(planId, name);
  return new (await loadPouchDB())(name, { auto_compaction: false });
}

/**
 * Move every plan's database still named after its plan to its opaque name, and seal the look marks still
 * kept in clear (after the lock is turned on or opened, and on start: a move cut short finishes).
 */
export async function moveLocalDatabases() {
  const device = await loadDevice();
  if (!device?.dbKey) return;
  for (const planId of Object.keys(device.plans || {})) {
    await moveDatabase(planId, await localDatabaseName(planId));
    const db = await openLocalDatabase(planId);
    const look = await readLook(db);
    if (look && !isSealedMark(look.seen)) await writeLook(db, await sealLookMark(look.seen));
  }
}

const MARK = 'locked-looked';
const isSealedMark = (value) => value?.v === 2 && value.kind === MARK;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A look mark's `seen` as it is stored: sealed once the device has a database key, else as it is; AppLocked
 * once the record is locked again (a quick exit or "Lock now" while a plan was on screen): nothing is written.
 */
export async function sealLookMark(seen) {
  const device = await loadDevice();
  if (!device && (await isLocked())) throw new AppLocked();
  if (!device?.dbKey) return seen;
  const key = await localMarkKey(device.dbKey);
  return { v: 2, kind: MARK, ...(await sealAtRest(key, 'looked', encoder.encode(JSON.stringify(seen)))) };
}

/** The stored look mark (see readLook) with `seen` unsealed; null when there is none or it cannot be opened here. */
export async function readLookMark(db) {
  const look = await readLook(db);
  if (!look || !isSealedMark(look.seen)) return look;
  const device = await loadDevice();
  if (!device?.dbKey) return null;
  try {
    const seen = JSON.parse(decoder.decode(await openAtRest(await localMarkKey(device.dbKey), 'looked', look.seen)));
    return { ...look, seen };
  } catch {
    return null; // altered: as if never looked (nothing shows as new)
  }
}

function moveDatabase(planId, name) {
  if (name === namedForPlan(planId)) return Promise.resolve();
  if (!moves.has(planId)) {
    const move = (async () => {
      const names = new Set((await indexedDB.databases()).map((db) => db.name));
      if (!names.has(PREFIX + namedForPlan(planId))) return;
      const PouchDB = await loadPouchDB();
      const source = new PouchDB(namedForPlan(planId), { auto_compaction: false });
      const target = new PouchDB(name, { auto_compaction: false });
      await copyDatabase(source, target);
      await checkCopy(source, target);
      await target.close();
      await source.destroy();
    })().finally(() => moves.delete(planId));
    moves.set(planId, move);
  }
  return moves.get(planId);
}

/** Every revision of every document (bodies where held, deletions too), written oldest first with its history. */
async function copyDatabase(source, target) {
  const { results } = await source.changes({ since: 0, style: 'all_docs' });
  for (const { id } of results) {
    const docs = [];
    const copied = new Set();
    for (const leaf of await source.get(id, { open_revs: 'all', revs: true })) {
      if (!leaf.ok) continue;
      const { start, ids } = leaf.ok._revisions;
      for (let i = ids.length - 1; i >= 0; i -= 1) {
        const rev = `${start - i}-${ids[i]}`;
        if (copied.has(rev)) continue;
        copied.add(rev);
        const body = i === 0 ? leaf.ok : await source.get(id, { rev, revs: true }).catch(() => null);
        if (body) docs.push(body); // an older body this device never held stays a gap in the history, as before
      }
    }
    await target.bulkDocs(docs, { new_edits: false });
  }
  for (const doc of await localDocuments(source)) {
    const existing = await target.get(doc._id).catch(() => null);
    const { _rev, ...body } = doc;
    await target.put({ ...body, ...(existing ? { _rev: existing._rev } : {}) });
  }
}

/** The copy holds the same leaves for every document, every revision body the source holds, and the same local documents. */
async function checkCopy(source, target) {
  const { results } = await source.changes({ since: 0, style: 'all_docs' });
  for (const { id, changes } of results) {
    const theirs = (await target.get(id, { open_revs: 'all' })).filter((leaf) => leaf.ok).map((leaf) => leaf.ok._rev);
    for (const { rev } of changes) if (!theirs.includes(rev)) throw new Error(`the copy of ${id} lacks ${rev}`);
    const leaves = await source.get(id, { open_revs: 'all', revs: true });
    for (const leaf of leaves.filter((l) => l.ok)) {
      const { start, ids } = leaf.ok._revisions;
      for (let i = 0; i < ids.length; i += 1) {
        const rev = `${start - i}-${ids[i]}`;
        const held = await source.get(id, { rev }).then(() => true, () => false);
        if (held && !(await target.get(id, { rev }).then(() => true, () => false))) throw new Error(`the copy of ${id} lacks ${rev}`);
      }
    }
  }
  for (const doc of await localDocuments(source)) {
    const copy = await target.get(doc._id).catch(() => null);
    const { _rev: a, ...mine } = doc;
    const { _rev: b, ...theirs } = copy || {};
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error(`the copy of ${doc._id} differs`);
  }
}

/** The database's local documents (never replicated: keys, versions, look marks), read from PouchDB's IndexedDB store. */
async function localDocuments(db) {
  await db.info(); // opened
  const raw = await new Promise((resolve, reject) => {
    const request = indexedDB.open(PREFIX + db.name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    if (!raw.objectStoreNames.contains('local-store')) return [];
    const all = await new Promise((resolve, reject) => {
      const request = raw.transaction('local-store').objectStore('local-store').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    // The opened versions are not moved: a cache of this database's revisions, made again after the plan's next check.
    const ids = all.map((doc) => doc?._id).filter((id) => typeof id === 'string' && id.startsWith('_local/') && id !== OPENED_VERSIONS);
    const docs = [];
    for (const id of ids) {
      const doc = await db.get(id).catch(() => null);
      if (doc) docs.push(doc);
    }
    return docs;
  } finally {
    raw.close();
  }
}
