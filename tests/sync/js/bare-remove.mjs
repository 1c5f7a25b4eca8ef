// PouchDB's remove() writes a bare tombstone ({_id, _rev, _deleted: true}): it carries no signature, and the
// server refuses it (docs/crypto.md §14.3) while a deletion envelope goes through.
// Input: {url, token}. Device A writes two documents and pushes them, removes the first with remove() and
// deletes the second with a deletion envelope, then pushes again. Prints the push and what the server holds.
import { deletionDoc, docId, itemDoc } from './docs.mjs';
import { localDb, PouchDB, remoteDb, replicationFacts, run } from './pouch.mjs';

const REMOVED = docId('bare-remove');
const DELETED = docId('signed-deletion');

run(async ({ url, token }) => {
  const remote = remoteDb(url, { token });
  const device = localDb('device-a');
  await device.bulkDocs([itemDoc(REMOVED, 256), itemDoc(DELETED, 256)]);
  const first = await PouchDB.replicate(device, remote);
  const written = (await remote.get(REMOVED))._rev;

  const tombstone = (await device.remove(await device.get(REMOVED))).rev;
  const deletion = (await device.put(deletionDoc(DELETED, (await device.get(DELETED))._rev))).rev;
  const denied = [];
  const replication = PouchDB.replicate(device, remote);
  replication.on('denied', (err) => denied.push({ id: err.id, error: err.error || err.name, reason: err.reason }));
  const second = await replication;

  let deletedOnServer = false;
  try {
    await remote.get(DELETED);
  } catch (err) {
    deletedOnServer = err.status === 404 && err.reason === 'deleted';
  }
  const kept = await remote.get(REMOVED, { open_revs: 'all' });
  return {
    first: replicationFacts(first),
    second: replicationFacts(second),
    denied,
    removed_id: REMOVED,
    written,
    tombstone,
    deletion,
    server_leaves_of_removed: kept.filter((entry) => entry.ok).map((entry) => entry.ok._rev),
    server_deleted_the_signed_deletion: deletedOnServer,
  };
});
