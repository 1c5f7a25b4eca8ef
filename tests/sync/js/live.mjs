// Device B keeps a live replication from the server (live + retry: the changes feed in longpoll mode);
// device A creates, edits and deletes (a deletion envelope) a document and pushes each change. B must receive each change
// through its replication's `change` event. Every wait is on an event, under an overall time limit.
// Input: {url, token, timeout_ms?}. Prints the revisions A wrote and B received.
import { deletionDoc, docId, itemDoc } from './docs.mjs';
import { localDb, nextEvent, PouchDB, remoteDb, run, withTimeout } from './pouch.mjs';

const ID = docId('live-item');

run(async ({ url, token, timeout_ms: timeoutMs = 60000 }) => {
  const changesRequests = [];
  const remoteForB = remoteDb(url, {
    token,
    onRequest: (u) => {
      if (u.includes('/_changes')) {
        changesRequests.push(new URL(u).searchParams.get('feed') || 'normal');
      }
    },
  });
  const remoteForA = remoteDb(url, { token });
  const deviceA = localDb('device-a');
  const deviceB = localDb('device-b');

  const errors = [];
  const received = [];
  const replication = PouchDB.replicate(remoteForB, deviceB, { live: true, retry: true });
  replication.on('error', (err) => errors.push(String(err)));
  replication.on('denied', (err) => errors.push('denied: ' + String(err)));
  replication.on('change', (info) => {
    for (const doc of info.docs) {
      received.push({ id: doc._id, rev: doc._rev, deleted: Boolean(doc._deleted) });
    }
  });
  const arrived = (rev) =>
    withTimeout(
      nextEvent(replication, 'change', (info) => info.docs.some((doc) => doc._rev === rev)),
      timeoutMs,
      `revision ${rev} to reach device B`,
    );

  // B has caught up with the (empty) plan and is waiting on the feed.
  await withTimeout(nextEvent(replication, 'paused', (err) => !err), timeoutMs, 'the first paused event');

  const written = [];
  const steps = [
    async () => (await deviceA.put(itemDoc(ID, 256))).rev,
    async () => (await deviceA.put({ ...itemDoc(ID, 256), _rev: (await deviceA.get(ID))._rev })).rev,
    async () => (await deviceA.put(deletionDoc(ID, (await deviceA.get(ID))._rev))).rev,
  ];
  for (const step of steps) {
    const rev = await step();
    written.push(rev);
    const seen = arrived(rev);
    await PouchDB.replicate(deviceA, remoteForA);
    await seen;
  }

  let deletedOnB = false;
  try {
    await deviceB.get(ID);
  } catch (err) {
    deletedOnB = err.status === 404 && err.reason === 'deleted';
  }
  const bLeaf = await deviceB.get(ID, { rev: written[written.length - 1] });

  const cancelled = withTimeout(
    new Promise((resolve) => replication.on('complete', resolve)),
    timeoutMs,
    'the replication to stop',
  );
  replication.cancel();
  await cancelled;

  return {
    written,
    received,
    deleted_on_b: deletedOnB,
    b_last_rev: bLeaf._rev,
    b_last_deleted: Boolean(bLeaf._deleted),
    changes_feeds: changesRequests,
    errors,
  };
});
