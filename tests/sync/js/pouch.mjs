// Helpers for the Node scripts that drive real PouchDB against a sync server.
//
// Each script reads one JSON object on stdin, prints facts as JSON lines on stdout (the last line is
// the result the Python test asserts on) and exits. Local databases are LevelDB directories under a
// temporary folder that is removed at exit.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PouchDB from 'pouchdb';

export { PouchDB };

const scratch = mkdtempSync(join(tmpdir(), 'alongside-pouch-'));
const opened = [];

export async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

// Print one fact as a JSON line; the promise resolves once the line has left the process, so a script
// can exit without losing the tail of a large result.
export function emit(fact) {
  return new Promise((resolve, reject) => {
    process.stdout.write(JSON.stringify(fact) + '\n', (err) => (err ? reject(err) : resolve()));
  });
}

// A device's own replica: a fresh LevelDB database.
export function localDb(name) {
  const db = new PouchDB(join(scratch, name));
  opened.push(db);
  return db;
}

// The server's database as PouchDB's HTTP adapter sees it. `token` adds the device's bearer token;
// `onRequest(url, opts)` sees every request (to count what the replicator sends).
export function remoteDb(url, { token = null, onRequest = null } = {}) {
  const db = new PouchDB(url, {
    fetch: (u, opts) => {
      if (token) {
        opts.headers.set('Authorization', 'Bearer ' + token);
      }
      if (onRequest) {
        onRequest(String(u), opts);
      }
      return PouchDB.fetch(u, opts);
    },
  });
  opened.push(db);
  return db;
}

// Resolve with the first `event` emitted by `emitter` for which `accept(...args)` holds.
export function nextEvent(emitter, event, accept = () => true) {
  return new Promise((resolve) => {
    const listener = (...args) => {
      if (accept(...args)) {
        emitter.removeListener(event, listener);
        resolve(args[0]);
      }
    };
    emitter.on(event, listener);
  });
}

// `promise`, or a rejection after `ms` milliseconds (an overall guard, not a wait).
export function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/**
 * A live pull (longpoll) from `url` into `into`, retrying every 250 ms, that records each revision it receives.
 * `errors` collects its error and denied events; `receivedAll(revs, timeoutMs, what)` resolves once it has
 * received exactly `revs` (id → rev) for every id there (a timeout names `what`).
 */
export function livePull(url, token, into) {
  const errors = [];
  const received = new Map();
  const waiters = [];
  const live = PouchDB.replicate(remoteDb(url, { token }), into, { live: true, retry: true, back_off_function: () => 250 });
  live.on('error', (err) => errors.push(String(err)));
  live.on('denied', (err) => errors.push('denied: ' + String(err)));
  live.on('change', (info) => {
    for (const doc of info.docs) received.set(doc._id, doc._rev);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const receivedAll = (revs, timeoutMs, what) =>
    withTimeout(
      new Promise((resolve) => {
        const check = () => {
          if (Object.entries(revs).every(([id, rev]) => received.get(id) === rev)) resolve();
          else waiters.push(check);
        };
        check();
      }),
      timeoutMs,
      what,
    );
  return { live, errors, receivedAll, receivedCount: () => received.size };
}

export async function bulkInsert(db, docs, chunk = 1000) {
  for (let start = 0; start < docs.length; start += chunk) {
    const results = await db.bulkDocs(docs.slice(start, start + chunk));
    const failed = results.filter((r) => r.error);
    if (failed.length) {
      throw new Error(`local bulkDocs failed: ${JSON.stringify(failed[0])}`);
    }
  }
}

// JSON with object keys sorted, so equal documents hash equally whatever their key order.
export function canonical(value) {
  if (Array.isArray(value)) {
    return '[' + value.map(canonical).join(',') + ']';
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

// Every live document's winning revision, and a digest over ids, revisions and bodies.
export async function snapshot(db) {
  const page = await db.allDocs({ include_docs: true });
  const revs = {};
  const hash = createHash('sha256');
  for (const row of page.rows) {
    revs[row.id] = row.value.rev;
    hash.update(canonical(row.doc) + '\n');
  }
  return { count: page.rows.length, revs, digest: hash.digest('hex') };
}

export function replicationFacts(result) {
  return {
    ok: result.ok,
    status: result.status,
    docs_read: result.docs_read,
    docs_written: result.docs_written,
    doc_write_failures: result.doc_write_failures,
    errors: (result.errors || []).map((e) => String(e.message || e.reason || e)),
  };
}

// Every leaf revision of a document (deleted ones too), sorted: what `open_revs=all` returns.
export async function leaves(db, id) {
  const found = await db.get(id, { open_revs: 'all' });
  return found
    .filter((entry) => entry.ok)
    .map((entry) => ({ rev: entry.ok._rev, deleted: Boolean(entry.ok._deleted) }))
    .sort((x, y) => (x.rev < y.rev ? -1 : x.rev > y.rev ? 1 : 0));
}

export async function closeAll() {
  for (const db of opened) {
    try {
      await db.close();
    } catch {
      // already closed
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}

// Run `main(input)`, print its result as the last line, always clean up; exit 1 on failure.
export async function run(main) {
  let code = 0;
  let result;
  try {
    result = await main(await readInput());
  } catch (err) {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    code = 1;
  } finally {
    await closeAll();
  }
  if (code === 0) {
    await emit(result);
  }
  process.exit(code);
}
