// PouchDB pulls a plan through the hostile proxy (tests/support/hostile_proxy.py) and gets what a hostile
// server would give it: the fabricated revision as the winner, in a one-shot replication and in a live
// (longpoll) one that is already waiting when the proxy starts lying.
// Input: {url, token, docs: [id, …]}. Lines: {"step": "one-shot", "winners": {id: doc}}, then for each id in
// turn {"step": "live", "doc": id} (the Python test then installs a rewrite for it) and
// {"step": "changed", "doc": id, "winner": doc | {"missing": reason}, "leaves": [rev, …]}. Last line: {"done": true}.
import { emit, localDb, nextEvent, remoteDb, run, withTimeout } from '../../sync/js/pouch.mjs';

const winnerOf = (db, id) => db.get(id, { revs: true }).catch((err) => ({ missing: err.reason }));

await run(async ({ url, token, docs }) => {
  const remote = remoteDb(url, { token });
  const local = localDb('device');
  await local.replicate.from(remote);
  const winners = {};
  for (const id of docs) winners[id] = await winnerOf(local, id);
  await emit({ step: 'one-shot', winners });

  const live = local.replicate.from(remote, { live: true, retry: true, heartbeat: 1000 });
  for (const id of docs) {
    const change = nextEvent(live, 'change', (info) => info.docs.some((doc) => doc._id === id));
    await emit({ step: 'live', doc: id });
    await withTimeout(change, 60_000, `a change of ${id}`);
    const leaves = await local.get(id, { open_revs: 'all' });
    await emit({ step: 'changed', doc: id, winner: await winnerOf(local, id), leaves: leaves.map((leaf) => leaf.ok._rev) });
  }
  live.cancel();
  return { done: true };
});
