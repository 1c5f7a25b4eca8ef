// Device A pushes `count` documents of about `size` bytes to the server; a fresh device B pulls them.
// Input: {url, token?, count, size, revs?}. Prints the replication results, both snapshots and the
// wall-clock time of each replication (figures only: the tests never assert on time).
import { docId, itemDoc } from './docs.mjs';
import { bulkInsert, localDb, PouchDB, remoteDb, replicationFacts, run, snapshot } from './pouch.mjs';

run(async ({ url, token = null, count = 10000, size = 1000, revs = true }) => {
  const remote = remoteDb(url, { token });
  const deviceA = localDb('device-a');
  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(itemDoc(docId(i), size));
  }
  await bulkInsert(deviceA, docs);

  let started = performance.now();
  const push = await PouchDB.replicate(deviceA, remote);
  const pushMs = performance.now() - started;

  const deviceB = localDb('device-b');
  started = performance.now();
  const pull = await PouchDB.replicate(remote, deviceB);
  const pullMs = performance.now() - started;

  const source = await snapshot(deviceA);
  const pulled = await snapshot(deviceB);
  return {
    push: replicationFacts(push),
    pull: replicationFacts(pull),
    push_ms: pushMs,
    pull_ms: pullMs,
    source: revs ? source : { count: source.count, digest: source.digest },
    pulled: revs ? pulled : { count: pulled.count, digest: pulled.digest },
    server_doc_count: (await remote.info()).doc_count,
  };
});
