// A writer device pushes `count` documents through Alongside process A while a puller device keeps a live
// replication (longpoll) through process B; the Python test stops one CouchDB node of the cluster under
// them, reading the progress lines. Input: {url_a, url_b, token, count, size, timeout_ms}.
// Prints {"progress": docs_written} as the push goes, and {"push_failed": attempt} when a push fails; a
// failed push is started again (as the app's sync does), at most `attempts` times in all, and every attempt
// is reported. The last line holds every fact the test asserts on. Every wait is on an event.
import { docId, itemDoc } from './docs.mjs';
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
} from './pouch.mjs';

run(async ({ url_a: urlA, url_b: urlB, token, count, size = 1000, attempts = 3, timeout_ms: timeoutMs }) => {
  const writer = localDb('writer');
  const puller = localDb('puller');
  const { live, errors, receivedAll } = livePull(urlB, token, puller);
  await withTimeout(nextEvent(live, 'paused', (err) => !err), timeoutMs, 'the puller to catch up');

  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(itemDoc(docId(`cluster-${i}`), size));
  }
  await bulkInsert(writer, docs);

  const pushes = [];
  let written = 0;
  while (pushes.length < attempts) {
    const replication = PouchDB.replicate(writer, remoteDb(urlA, { token }));
    const before = written;
    replication.on('change', (info) => {
      written = before + info.docs_written;
      emit({ progress: written });
    });
    try {
      pushes.push({ ...replicationFacts(await replication), ok: true });
      break;
    } catch (err) {
      pushes.push({ ...replicationFacts(err.result || {}), ok: false, error: String(err.message || err) });
      await emit({ push_failed: pushes.length, status: err.status || null });
    }
  }
  const writerFinal = await snapshot(writer);
  await receivedAll(writerFinal.revs, timeoutMs, `the puller to receive all ${count} documents through B`);
  const cancelled = withTimeout(nextEvent(live, 'complete'), timeoutMs, 'the live replication to stop');
  live.cancel();
  await cancelled;

  return {
    pushes,
    writer: writerFinal,
    puller: await snapshot(puller),
    errors,
  };
});
