// Merges that race replication, with real PouchDB (Node, LevelDB in a scratch folder): two devices that
// changed different fields of one goal apart each merge the two edits on their own, at once, and meet
// again. A device judges what it reads at one moment, while more revisions may land before it reloads
// (the app reloads a moment after a change, and a queued write runs after the check that asked for it).
// Whatever lands meanwhile, the goal is never missing from either device's plan and ends merged on both
// (docs/app.md, "Items and provenance": "Merging").

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cleanUp, leaves, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

/** The worker's tablet and the person's phone share a goal; apart, the tablet rewords it and the phone moves its date. */
async function changedApart() {
  const { hub, tablet, phone } = await tabletAndPhone();
  const id = await tablet.create('goal', { text: 'Walk the dog', due: '2026-01-10' });
  await sync(hub, tablet, phone);
  await tablet.update(id, { text: 'Walk the dog every morning' });
  await phone.update(id, { due: '2026-02-01' });
  for (const plan of [tablet, phone]) watch(plan, id);
  return { hub, tablet, phone, id };
}

/** Every time a device tells its screens the plan changed, the goal must be there. */
const missing = [];
function watch(plan, id) {
  plan.subscribe((seen) => {
    if (!seen.items.has(id)) missing.push(`${seen.device.name}: the goal is missing (${seen.items.size} items shown)`);
  });
}

/** Both devices send their edit to the server, then each takes the other's and merges the two on its own. */
async function bothMerge({ hub, tablet, phone, id }) {
  await tablet.db.replicate.to(hub);
  await phone.db.replicate.to(hub);
  for (const plan of [tablet, phone]) {
    await hub.replicate.to(plan.db);
    await plan.reload();
    await plan.idle();
  }
  const merges = [];
  for (const plan of [tablet, phone]) {
    const live = (await leaves(plan.db, id)).filter((doc) => !doc._deleted);
    assert.equal(live.length, 1); // its own merge; the edit it lost to retired
    merges.push({ plan, rev: live[0]._rev });
  }
  // The device whose merge loses to the other's (CouchDB's winner: the higher revision) is `behind`.
  merges.sort((a, b) => (a.rev < b.rev ? -1 : 1));
  return { behind: merges[0].plan, ahead: merges[1].plan };
}

/** Stop `plan` noticing changes to its database by itself: what lands now is read only when the test says. */
const unnoticed = (plan) => plan.feed.cancel();

/** After everyone met: the goal is on both devices, merged, with one live version on the server. */
async function mergedEverywhere({ hub, tablet, phone, id }) {
  await sync(hub, tablet, phone);
  for (const plan of [tablet, phone]) {
    const goal = plan.items.get(id);
    assert.ok(goal, `${plan.device.name}: the goal is gone`);
    assert.equal(goal.f.text.v, 'Walk the dog every morning');
    assert.equal(goal.f.due.v, '2026-02-01');
    assert.equal(goal.conflicts, undefined);
  }
  const live = (await leaves(hub, id)).filter((doc) => !doc._deleted);
  assert.equal(live.length, 1);
  assert.deepEqual(missing, []);
}

test('two devices that merge the same edits at once never retire each other\'s merge: the goal stays on both', async () => {
  const shared = await changedApart();
  const { behind, ahead } = await bothMerge(shared);
  // Each device receives the other's merge. The one whose merge won judges straight away and retires the
  // other merge. On the one whose merge lost, the winning merge lands after it last read its database and
  // before it reloads: its background check reads the goal's leaves again and must judge the winner among
  // what it reads now (it used to take its own merge, read earlier, as the winner and retire the other:
  // with each device retiring the other's merge, no live version was left anywhere).
  unnoticed(behind);
  await ahead.db.replicate.to(behind.db);
  await behind.db.replicate.to(ahead.db);
  await ahead.reload();
  await ahead.idle();
  await behind.checkSoon();
  await behind.settled();
  assert.ok(behind.items.has(shared.id));
  await mergedEverywhere(shared);
});

test('an item being merged is never missing from the plan while a newer revision of it lands unread', async () => {
  const shared = await changedApart();
  const { behind, ahead } = await bothMerge(shared);
  // The device whose merge won retires the other merge; both revisions land on the other device after
  // it last read its database: the revision it read is no longer a leaf, and the goal must still be shown.
  unnoticed(behind);
  await behind.db.replicate.to(ahead.db);
  await ahead.reload();
  await ahead.idle();
  await ahead.db.replicate.to(behind.db);
  await behind.checkSoon();
  assert.ok(behind.items.has(shared.id), 'the goal went missing while its merge was judged');
  assert.equal(behind.items.get(shared.id).f.due.v, '2026-02-01');
  await mergedEverywhere(shared);
});

test('a merge refused because its winner changed meanwhile retires nothing: the edit it would have merged is kept', async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  const id = await tablet.create('goal', { text: 'Walk the dog', due: '2026-01-10' });
  await sync(hub, tablet, phone);
  await tablet.update(id, { text: 'Walk the dog every morning' });
  await phone.update(id, { due: '2026-02-01' });
  // Whichever edit wins, the device whose edit lost is the one that merges; the winner's device edits again meanwhile.
  const revs = [];
  for (const plan of [tablet, phone]) revs.push({ plan, rev: plan.items.get(id).rev });
  revs.sort((a, b) => (a.rev < b.rev ? -1 : 1));
  const [merging, editing] = revs.map(({ plan }) => plan);
  unnoticed(merging);
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  merging.queueWrite(() => held); // the merge the next check asks for waits behind this
  await editing.db.replicate.to(merging.db);
  await merging.reload();
  while (merging.checking) await merging.checking; // the check has judged {winner, loser} and queued the merge
  await editing.update(id, { status: 'active' }); // on its own winner, knowing nothing of the other edit
  await editing.db.replicate.to(merging.db); // lands just before the queued merge is written
  const loser = merging.items.get(id).losers[0];
  release();
  await merging.settled();
  // The merge was refused (its winner is no longer a leaf), so the edit it would have merged stays a live leaf.
  const live = (await leaves(merging.db, id)).filter((doc) => !doc._deleted).map((doc) => doc._rev);
  assert.ok(live.includes(loser), 'the other edit was retired with no merge holding it');
  await sync(hub, tablet, phone);
  for (const plan of [tablet, phone]) {
    const goal = plan.items.get(id);
    assert.equal(goal.f.text.v, 'Walk the dog every morning');
    assert.equal(goal.f.due.v, '2026-02-01', `${plan.device.name}: the date moved apart was lost`);
    assert.equal(goal.f.status.v, 'active');
    assert.deepEqual(goal.flags, {}); // merged as usual: nothing had to be put back
  }
});
