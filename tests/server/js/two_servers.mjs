// Two Alongside processes (A and B) over one CouchDB. A writer device pushes through A while a puller
// device keeps a live replication (longpoll) through B; then A is killed mid-push (by the Python test,
// reading the progress lines) and the writer finishes the push through B.
// Input: {url_a, url_b, token, count, second_count, size, timeout_ms}.
// Prints {"phase": "second-push", ...} and then {"progress": docs_written} while pushing the second
// batch through A; the last line holds every fact the test asserts on. Every wait is on an event.
import { docId, itemDoc } from '../../sync/js/docs.mjs';
import {
  bulkInsert,
  emit,
  livePull,
  localDb,
  nextEvent,
  PouchDB,
  remoteDb,
  replicationFacts,
  run,
  snapshot,
  withTimeout,
} from '../../sync/js/pouch.mjs';

run(async ({ url_a: urlA, url_b: urlB, token, count, second_count: secondCount, size = 300, timeout_ms: timeoutMs }) => {
  const writer = localDb('writer');
  const puller = localDb('puller');
  // The puller: live pull through B; every revision it receives is recorded by its `change` events.
  const { live, errors, receivedAll } = livePull(urlB, token, puller);
  await withTimeout(nextEvent(live, 'paused', (err) => !err), timeoutMs, 'the puller to catch up');

  // Phase 1: push `count` documents through A; the puller must receive every one through B.
  const first = [];
  for (let i = 0; i < count; i++) {
    first.push(itemDoc(docId(`first-${i}`), size));
  }
  await bulkInsert(writer, first);
  const pushA = replicationFacts(await PouchDB.replicate(writer, remoteDb(urlA, { token })));
  const afterFirst = await snapshot(writer);
  await receivedAll(afterFirst.revs, timeoutMs, `the puller to receive ${count} documents through B`);
  const pulledFirst = await snapshot(puller);

  // Phase 2: another batch through A, which the test kills part-way; then the same push through B.
  const second = [];
  for (let i = 0; i < secondCount; i++) {
    second.push(itemDoc(docId(`second-${i}`), size));
  }
  await bulkInsert(writer, second);
  await emit({ phase: 'second-push' });
  let killedPush;
  const replication = PouchDB.replicate(writer, remoteDb(urlA, { token }));
  replication.on('change', (info) => {
    emit({ progress: info.docs_written });
  });
  try {
    killedPush = { ...replicationFacts(await replication), ok: true };
  } catch (err) {
    killedPush = { ...replicationFacts(err.result || {}), ok: false, error: String(err.message || err) };
  }
  const finishPush = replicationFacts(await PouchDB.replicate(writer, remoteDb(urlB, { token })));
  const writerFinal = await snapshot(writer);
  await receivedAll(writerFinal.revs, timeoutMs, `the puller to receive all ${count + secondCount} documents`);

  const cancelled = withTimeout(nextEvent(live, 'complete'), timeoutMs, 'the live replication to stop');
  live.cancel();
  await cancelled;

  return {
    push_a: pushA,
    first: { writer: afterFirst, puller: pulledFirst },
    killed_push: killedPush,
    finish_push: finishPush,
    writer: writerFinal,
    puller: await snapshot(puller),
    server: await snapshot(remoteDb(urlB, { token })),
    errors,
  };
});
