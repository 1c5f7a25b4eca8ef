// A property of the version memory (docs/crypto.md §8.3), checked over random histories with real
// PouchDB in Node: the worker's tablet edits an item again and again; at random points the server (a
// plain database here) is handed an earlier envelope of the item as a new revision (on top, as an
// ordinary write or with new_edits:false, or beside as a branch) or a bare tombstone, and the devices
// sync at random points. No device ever shows an older version than one it accepted without a flag, and
// once everyone has synced (and the person has put back an item removed without a signature), every
// device shows the newest words: nothing is lost.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cleanUp, joinPlan, newDatabase, newDevice, startPlan, sync } from './plan_harness.mjs';
import { mulberry32 } from './support/random.mjs';

after(cleanUp);

const pick = (random, list) => list[Math.floor(random() * list.length)];

/** Every revision of `id` the database still holds a body for, oldest first (the envelopes a member could have kept). */
async function heldEnvelopes(db, id) {
  const { _revisions } = await db.get(id, { revs: true, open_revs: 'all' }).then((rows) => rows.find((r) => r.ok && !r.ok._deleted).ok);
  const revs = _revisions.ids.map((hash, i) => `${_revisions.start - i}-${hash}`).reverse();
  const envelopes = [];
  for (const rev of revs) {
    const doc = await db.get(id, { rev }).catch(() => null);
    if (doc?.kind === 'item') envelopes.push(doc);
  }
  return envelopes;
}

async function attack(random, hub, id, envelopes) {
  const heads = (await hub.get(id, { revs: true, open_revs: 'all' })).map((r) => r.ok);
  const top = heads.find((doc) => !doc._deleted) || heads[0];
  const { _rev, _revisions, ...old } = pick(random, envelopes);
  const kind = pick(random, ['put', 'new-edits', 'branch', 'tombstone']);
  const hash = Array.from({ length: 32 }, () => pick(random, [...'0123456789abcdef'])).join('');
  if (kind === 'put') await hub.put({ ...old, _rev: top._rev });
  else if (kind === 'tombstone') await hub.put({ _id: id, _rev: top._rev, _deleted: true });
  else if (kind === 'new-edits') {
    const start = top._revisions.start + 1;
    const ids = [hash, ...top._revisions.ids];
    await hub.bulkDocs([{ ...old, _rev: `${start}-${hash}`, _revisions: { start, ids } }], { new_edits: false });
  } else {
    const base = top._revisions.ids.slice(1);
    const start = top._revisions.start;
    await hub.bulkDocs([{ ...old, _rev: `${start}-${hash}`, _revisions: { start, ids: [hash, ...base] } }], { new_edits: false });
  }
  return kind;
}

/** What a device shows must never be older than what it had accepted, unless it says so. */
function checkShown(plan, id, before, where) {
  const item = plan.items.get(id);
  assert.ok(item, `${where}: the item vanished though nobody deleted it with a signature`);
  if (Object.keys(item.flags).length) return;
  assert.ok(item.n >= (before?.n ?? 0), `${where}: shows version ${item.n} after accepting ${before?.n} without a flag`);
}

test('random replays and bare tombstones at random points never show an older version as current without a flag', async () => {
  for (const seed of [11, 29, 47, 83]) {
    const random = mulberry32(seed);
    const hub = newDatabase(`server-${seed}`);
    const tablet = await startPlan(await newDevice('Ali', 'work tablet'));
    const phone = await joinPlan(hub, tablet, await newDevice('Dee', 'phone'), { role: 'owner', access: 'write' });
    const reader = await joinPlan(hub, tablet, await newDevice('Mo', 'laptop'), { role: 'supporter', access: 'read' });
    const id = await tablet.create('strength', { text: 'words 0', said_by: 'Dee', voice: 'own' });
    await sync(hub, tablet, phone, reader);
    let written = 0;
    const trail = [];
    for (let step = 0; step < 9; step += 1) {
      const action = pick(random, ['edit', 'edit', 'attack', 'attack', 'phone', 'reader']);
      trail.push(action);
      const where = `seed ${seed}, steps ${trail.join(' ')}`;
      if (action === 'edit') {
        written += 1;
        await tablet.update(id, { text: `words ${written}` });
        await tablet.db.replicate.to(hub);
      } else if (action === 'attack') {
        trail.push(await attack(random, hub, id, await heldEnvelopes(tablet.db, id)));
      } else {
        const plan = action === 'phone' ? phone : reader;
        const before = plan.versions.memory(id);
        await hub.replicate.to(plan.db);
        await plan.reload();
        await plan.idle();
        checkShown(plan, id, before, where);
        if (plan === phone) await phone.db.replicate.to(hub);
      }
    }
    const befores = [tablet, phone, reader].map((plan) => plan.versions.memory(id));
    await sync(hub, tablet, phone, reader);
    [tablet, phone, reader].forEach((plan, i) => checkShown(plan, id, befores[i], `seed ${seed} after syncing: ${trail.join(' ')}`));
    // A removal nobody signed waits for people: the person puts it back.
    if (phone.items.get(id).flags.unsignedRemoval) {
      await phone.restore(id);
      await sync(hub, tablet, phone, reader);
    }
    for (const plan of [tablet, phone, reader]) {
      const message = `seed ${seed}: ${plan.device.name} lost the newest words (${trail.join(' ')})`;
      assert.equal(plan.items.get(id).f.text.v, `words ${written}`, message);
    }
  }
});
