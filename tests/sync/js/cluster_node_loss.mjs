// A writer device pushes `count` documents through Alongside process A while a puller device keeps a live
// replication (longpoll) through process B; the Python test stops one CouchDB node of the cluster under
// them, reading the progress lines. Input: {url_a, url_b, token, count, size, timeout_ms}.
// Prints {"progress": docs_written} as the push goes, and {"push_failed": attempt} when a push fails; a
// failed push is started again (as the app's sync does), at most `attempts` times in all, and every attempt
// is reported, then {"pushed": docs_written} once the push is over. Every 10 s a {"waiting": ...} line says
// what the script waits for and how many documents the puller has. The waits share one deadline, `timeout_ms`
// from the start. The last line holds every fact the test asserts on. Every wait is on an event.
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
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(deadline - Date.now(), 1);
  const writer = localDb('writer');
  const puller = localDb('puller');
  const { live, errors, receivedAll, receivedCount } = livePull(urlB, token, puller);
  let waitingFor = 'the puller to catch up';
  const status = setInterval(() => emit({ waiting: waitingFor, pulled: receivedCount(), errors: errors.length }), 10_000);
  await withTimeout(nextEvent(live, 'paused', (err) => !err), left(), waitingFor);

  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(itemDoc(docId(`cluster-${i}`), size));
  }
  await bulkInsert(writer, docs);

  const pushes = [];
  let written = 0;
  waitingFor = 'the push';
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
  await emit({ pushed: written });
  const writerFinal = await snapshot(writer);
  waitingFor = `the puller to receive all ${count} documents through B`;
  let lastSeq = null;
  live.on('change', (info) => (lastSeq = info.last_seq));
  try {
    await receivedAll(writerFinal.revs, left(), waitingFor);
  } catch (err) {
    const remote = remoteDb(urlB, { token });
    const sinceLast = await remote.changes({ since: lastSeq }).catch((e) => ({ error: String(e) }));
    const all = await remote.changes({ since: 0 }).catch((e) => ({ error: String(e) }));
    const missing = Object.keys(writerFinal.revs).filter((id) => !all.results?.some((row) => row.id === id));
    await emit({
      stalled: { lastSeq, sinceLast: sinceLast.results?.length ?? sinceLast, sinceLastSeq: sinceLast.last_seq,
        allCount: all.results?.length ?? all, missingFromAll: missing.length, lastSeqAll: all.last_seq },
    });
    throw err;
  }
  waitingFor = 'the live replication to stop';
  const cancelled = withTimeout(nextEvent(live, 'complete'), left(), waitingFor);
  live.cancel();
  await cancelled;
  clearInterval(status);

  return {
    pushes,
    writer: writerFinal,
    puller: await snapshot(puller),
    errors,
  };
});
