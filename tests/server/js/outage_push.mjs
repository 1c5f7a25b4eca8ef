// A device pushes through Alongside while Alongside's CouchDB is stopped (the Python test stopped it).
// 1. A one-shot replication fails: the server answers 503 at once (status and time recorded).
// 2. A live replication with retry keeps trying (a fixed 200 ms back-off); after `retries_before_signal`
//    failed attempts (`requestError` events) it prints {"retrying": n}: the test then restarts CouchDB. The replication must
//    then push everything (waited for by its events); a fresh device pulls it all back.
// Input: {url, token, count, size, retries_before_signal, timeout_ms}. The last line holds the facts.
import { docId, itemDoc } from '../../sync/js/docs.mjs';
import { bulkInsert, emit, localDb, PouchDB, replicationFacts, run, snapshot, withTimeout } from '../../sync/js/pouch.mjs';

// The server's database with the device's token, recording the status of every answer (0: no answer).
function recordingRemote(url, token, statuses) {
  return new PouchDB(url, {
    fetch: async (u, opts) => {
      opts.headers.set('Authorization', 'Bearer ' + token);
      const started = performance.now();
      try {
        const response = await PouchDB.fetch(u, opts);
        statuses.push({ status: response.status, ms: performance.now() - started, path: new URL(String(u)).pathname });
        return response;
      } catch (err) {
        statuses.push({ status: 0, ms: performance.now() - started, path: new URL(String(u)).pathname });
        throw err;
      }
    },
  });
}

function firstSuccess(statuses) {
  const index = statuses.findIndex((s) => s.status >= 200 && s.status < 300);
  return index === -1 ? statuses.length : index;
}

run(async ({ url, token, count = 300, size = 300, retries_before_signal: signalAfter = 3, timeout_ms: timeoutMs }) => {
  const device = localDb('device');
  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(itemDoc(docId(`outage-${i}`), size));
  }
  await bulkInsert(device, docs);

  // 1. One attempt while CouchDB is down.
  const oneShotStatuses = [];
  const started = performance.now();
  let oneShot;
  try {
    oneShot = { ...replicationFacts(await PouchDB.replicate(device, recordingRemote(url, token, oneShotStatuses))), ok: true };
  } catch (err) {
    oneShot = { ok: false, status: err.status || null, error: String(err.message || err) };
  }
  oneShot.ms = performance.now() - started;
  oneShot.statuses = oneShotStatuses;

  // 2. A live replication that retries until CouchDB is back, then pushes everything.
  const statuses = [];
  const live = PouchDB.replicate(device, recordingRemote(url, token, statuses), {
    live: true,
    retry: true,
    back_off_function: () => 200,
  });
  let failedAttempts = 0;
  let signalled = false;
  let written = 0;
  const errors = [];
  live.on('error', (err) => errors.push(String(err)));
  const done = withTimeout(
    new Promise((resolve) => {
      // Each failed attempt is a `requestError` (only the first also pauses the replication).
      live.on('requestError', () => {
        failedAttempts += 1;
        if (failedAttempts >= signalAfter && !signalled) {
          signalled = true;
          emit({ retrying: failedAttempts });
        }
      });
      live.on('paused', (err) => {
        if (!err && signalled && written >= count) {
          resolve();
        }
      });
      live.on('change', (info) => {
        written = info.docs_written;
      });
    }),
    timeoutMs,
    'the retried replication to push everything',
  );
  await done;
  const cancelled = withTimeout(new Promise((resolve) => live.on('complete', resolve)), timeoutMs, 'cancel');
  live.cancel();
  await cancelled;

  // The same replication once more: it has nothing left to do.
  const again = replicationFacts(await PouchDB.replicate(device, recordingRemote(url, token, [])));
  const fresh = localDb('fresh');
  const pull = replicationFacts(await PouchDB.replicate(recordingRemote(url, token, []), fresh));
  return {
    one_shot: oneShot,
    failed_attempts: failedAttempts,
    // Every answer up to the first success (after which CouchDB was back).
    statuses_while_down: statuses.slice(0, firstSuccess(statuses)),
    docs_written: written,
    again,
    pull,
    device: await snapshot(device),
    fresh: await snapshot(fresh),
    server_doc_count: (await recordingRemote(url, token, []).info()).doc_count,
    errors,
  };
});
