// Deletions propagate in both directions, and an edit made offline survives a concurrent deletion.
// Deletions are deletion envelopes (docs/crypto.md §7.5), as the app writes them; bare-remove.mjs shows
// that PouchDB's remove() (a bare tombstone) is refused.
// Input: {url, token, count}. A writes `count` documents and both devices sync. Then, offline:
//   A deletes the first half (except the contested document),
//   B deletes the last document,
//   A edits then deletes the contested document while B edits it once.
// Both devices sync (A, B, A). Prints what each device and the server hold.
import { deletionDoc, docId, itemDoc } from './docs.mjs';
import { bulkInsert, leaves, localDb, remoteDb, replicationFacts, run } from './pouch.mjs';

const CONTESTED = docId('contested');

async function describe(db, ids) {
  const live = (await db.allDocs()).rows.map((row) => row.id);
  const deleted = [];
  const missing = [];
  for (const id of ids) {
    try {
      await db.get(id);
    } catch (err) {
      if (err.status !== 404) {
        throw err;
      }
      (err.reason === 'deleted' ? deleted : missing).push(id);
    }
  }
  const contested = await db.get(CONTESTED, { conflicts: true });
  return {
    live,
    deleted,
    missing,
    contested: {
      rev: contested._rev,
      conflicts: contested._conflicts || [],
      leaves: await leaves(db, CONTESTED),
    },
  };
}

run(async ({ url, token, count = 20 }) => {
  const remote = remoteDb(url, { token });
  const deviceA = localDb('device-a');
  const deviceB = localDb('device-b');
  const ids = [];
  for (let i = 0; i < count; i++) {
    ids.push(docId(i));
  }
  await bulkInsert(deviceA, [...ids.map((id) => itemDoc(id, 256)), itemDoc(CONTESTED, 256)]);
  await deviceA.sync(remote);
  await deviceB.sync(remote);

  const deletedByA = ids.slice(0, count / 2);
  const deletions = {};
  for (const id of deletedByA) {
    const doc = await deviceA.get(id);
    deletions[id] = (await deviceA.put(deletionDoc(id, doc._rev))).rev;
  }
  const deletedByB = ids[count - 1];
  deletions[deletedByB] = (await deviceB.put(deletionDoc(deletedByB, (await deviceB.get(deletedByB))._rev))).rev;

  // A's deletion sits on a longer branch (edit, then delete: generation 3) than B's edit
  // (generation 2); a live leaf still beats a deleted one, whatever the depth.
  const contestedBase = await deviceA.get(CONTESTED);
  await deviceA.put({ ...itemDoc(CONTESTED, 256), _rev: contestedBase._rev });
  const contestedA = await deviceA.get(CONTESTED);
  const contestedDeletion = (await deviceA.put(deletionDoc(CONTESTED, contestedA._rev))).rev;
  const contestedB = await deviceB.get(CONTESTED);
  const contestedEdit = (await deviceB.put({ ...itemDoc(CONTESTED, 256), _rev: contestedB._rev })).rev;

  const syncs = [];
  for (const device of [deviceA, deviceB, deviceA]) {
    const result = await device.sync(remote);
    syncs.push({ push: replicationFacts(result.push), pull: replicationFacts(result.pull) });
  }

  const allIds = [...ids, CONTESTED];
  return {
    ids: allIds,
    contested_id: CONTESTED,
    deleted_by_a: deletedByA,
    deleted_by_b: [deletedByB],
    deletions,
    contested_deletion: contestedDeletion,
    contested_edit: contestedEdit,
    syncs,
    a: await describe(deviceA, allIds),
    b: await describe(deviceB, allIds),
    server: await describe(remote, allIds),
  };
});
