// A device pushes `count` sealed documents to the server through the flaky proxy (drops, lost and cut-short
// answers, delays). Input: {url, token, count, size, max_runs}. A replication that fails on the way is run
// again, as the app's live sync does; each run resumes from the checkpoints both sides hold. Prints a line
// per run and, last, what every run did, and the revisions the device holds.
//
// A run that makes no progress for STALL_MS is stopped and run again: PouchDB's fetch in Node (node-fetch 2)
// waits for ever on an answer whose body is cut short of its Content-Length, where a browser fails the
// request (the app's case, tests/browser/test_app_flaky_signal.py).
import { docId, itemDoc } from './docs.mjs';
import { bulkInsert, emit, localDb, PouchDB, remoteDb, run, snapshot } from './pouch.mjs';

const STALL_MS = 6000;

/** The replication's result, or a rejection when it fails or makes no progress for STALL_MS. */
function watched(replication) {
  return new Promise((resolve, reject) => {
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        replication.cancel();
        reject(new Error(`no progress for ${STALL_MS} ms`));
      }, STALL_MS);
    };
    for (const event of ['active', 'change', 'checkpoint']) replication.on(event, arm);
    arm();
    replication.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

run(async ({ url, token, count = 5000, size = 1000, max_runs: maxRuns = 200 }) => {
  const remote = remoteDb(url, { token });
  const device = localDb('device');
  const docs = [];
  for (let i = 0; i < count; i++) docs.push(itemDoc(docId(`flaky-${i}`), size));
  await bulkInsert(device, docs);

  const runs = [];
  for (let attempt = 0; attempt < maxRuns; attempt++) {
    const current = { ok: false };
    try {
      const result = await watched(PouchDB.replicate(device, remote, { batch_size: 100 }));
      Object.assign(current, { ok: result.ok, docs_written: result.docs_written, doc_write_failures: result.doc_write_failures });
    } catch (err) {
      current.error = String(err?.message || err?.reason || err);
      current.docs_written = err?.result?.docs_written ?? null;
    }
    runs.push(current);
    await emit({ run: attempt, ...current });
    if (current.ok && current.doc_write_failures === 0) break;
  }
  const source = await snapshot(device);
  return { runs, source_count: source.count, source_revs: source.revs };
});
