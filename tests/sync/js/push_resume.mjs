// A push of `count` documents that the test interrupts by killing the server, then resumes.
// Input: {url, token, count, size, restart_timeout_ms}.
// While pushing it prints {"progress": docs_written, "checkpoint": seq} each time a batch's checkpoint
// is written, so the test can kill the server mid-push. When a run fails it waits until the server
// answers again, reads the checkpoints both sides hold and runs the same replication again, which
// must resume from them. The last line lists every run with what it sent and wrote.
import { docId, itemDoc } from './docs.mjs';
import { bulkInsert, emit, localDb, PouchDB, remoteDb, run, snapshot } from './pouch.mjs';

const MAX_RUNS = 5;

async function untilAnswering(remote, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      return { info: await remote.info(), attempts };
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`server did not answer within ${timeoutMs} ms: ${err}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function lastSeq(db, id) {
  try {
    return (await db.get(id)).last_seq;
  } catch (err) {
    if (err.status === 404) {
      return null;
    }
    throw err;
  }
}

run(async ({ url, token, count = 5000, size = 1000, restart_timeout_ms: restartTimeoutMs = 60000 }) => {
  let current = null;
  let checkpointId = null;
  const remote = remoteDb(url, {
    token,
    onRequest: (u, opts) => {
      const path = new URL(u).pathname;
      if (path.endsWith('/_revs_diff') && current) {
        current.revs_diff_ids += Object.keys(JSON.parse(opts.body)).length;
      } else if (path.includes('/_local/')) {
        checkpointId = '_local/' + decodeURIComponent(path.split('/_local/')[1]);
      }
    },
  });
  const device = localDb('device');
  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(itemDoc(docId(i), size));
  }
  await bulkInsert(device, docs);

  const runs = [];
  for (let attempt = 0; attempt < MAX_RUNS; attempt++) {
    current = { revs_diff_ids: 0 };
    if (attempt > 0) {
      const { info, attempts } = await untilAnswering(remote, restartTimeoutMs);
      current.answered_after_attempts = attempts;
      current.server_doc_count_before = info.doc_count;
      current.checkpoint_on_server = checkpointId ? await lastSeq(remote, checkpointId) : null;
      current.checkpoint_on_device = checkpointId ? await lastSeq(device, checkpointId) : null;
    }
    let written = 0;
    const replication = PouchDB.replicate(device, remote);
    replication.on('change', (info) => {
      written = info.docs_written;
    });
    replication.on('checkpoint', (info) => {
      if ('checkpoint' in info) {
        emit({ progress: written, checkpoint: info.checkpoint });
      }
    });
    let result;
    try {
      result = await replication;
      current.ok = true;
    } catch (err) {
      result = err.result || {};
      current.ok = false;
      current.error = String(err.message || err);
    }
    current.docs_read = result.docs_read;
    current.docs_written = result.docs_written;
    current.doc_write_failures = result.doc_write_failures;
    runs.push(current);
    emit({ run: attempt, ok: current.ok, error: current.error || null });
    if (current.ok) {
      break;
    }
  }

  const source = await snapshot(device);
  return {
    runs,
    checkpoint_id: checkpointId,
    source_update_seq: (await device.info()).update_seq,
    source_revs: source.revs,
    server_doc_count: (await remote.info()).doc_count,
  };
});
