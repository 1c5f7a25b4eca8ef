// Integrity the person can rely on, in the app's data layer with real PouchDB in Node (no browser):
// an older copy of an item pushed back as new is never shown as current and is put right; a removal
// nobody (validly) signed leaves the item readable and restorable; a signed deletion by a steward removes
// it; field statements that do not verify are never attributed. Devices meet through a plain database
// standing for the server, where a member's ordinary writes land (docs/crypto.md §8.3, §7.5, §8.5).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signField } from '../../pwa/src/crypto/index.js';
import { cleanUp, handMade, joinPlan, leaves, newDatabase, newDevice, openPlan, startPlan, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

/** The worker's tablet, the person's phone and a supporter with write access, all in one plan, with a strength Dee said. */
async function threeDevices() {
  const { hub, tablet, phone } = await tabletAndPhone();
  const sam = await joinPlan(hub, tablet, await newDevice('Sam', 'phone'), { role: 'supporter', access: 'write' });
  const id = await tablet.create('strength', { text: 'I keep going', said_by: 'Dee', voice: 'own' });
  await sync(hub, tablet, phone, sam);
  return { hub, tablet, phone, sam, id };
}

/** The item's text on a device, and whether that device flags it. */
const seen = (plan, id) => ({ text: plan.items.get(id)?.f.text?.v, flags: plan.items.get(id)?.flags || {} });

/** The envelope of an earlier revision, as a member who kept a copy of it would have it. */
async function earlierEnvelope(db, id, rev) {
  const { _rev, _revisions, ...envelope } = await db.get(id, { rev });
  return envelope;
}

test('an earlier envelope pushed back with new_edits:false is kept out; a write device puts the newer one back everywhere', async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const first = tablet.items.get(id).rev;
  await tablet.update(id, { text: 'I keep going, even on bad days' });
  await sync(hub, tablet, phone, sam);
  const newest = tablet.items.get(id).vh;
  // A member replays the first version as a new revision on top of the newest (as replication would).
  const top = await hub.get(id, { revs: true });
  const replay = { ...(await earlierEnvelope(hub, id, first)), _rev: `${top._revisions.start + 1}-${'a'.repeat(32)}` };
  replay._revisions = { start: top._revisions.start + 1, ids: ['a'.repeat(32), ...top._revisions.ids] };
  await hub.bulkDocs([replay], { new_edits: false });
  assert.equal((await hub.get(id)).ct, replay.ct); // on the server the older copy now wins

  await hub.replicate.to(phone.db);
  await phone.reload();
  await phone.idle();
  const onPhone = seen(phone, id);
  assert.equal(onPhone.text, 'I keep going, even on bad days');
  assert.equal(onPhone.flags.rollback, true);

  await sync(hub, phone, tablet, sam);
  for (const plan of [tablet, phone, sam]) {
    assert.equal(plan.items.get(id).f.text.v, 'I keep going, even on bad days');
    assert.equal(plan.items.get(id).vh, newest); // the very version that was written, re-sealed on top
    assert.equal(plan.versions.memory(id).vh, newest);
  }
  const [winner] = (await leaves(hub, id)).filter((doc) => !doc._deleted);
  assert.ok(Number.parseInt(winner._rev, 10) > top._revisions.start + 1, 'the newer version went back on top of the replay');
  // The notice stays until people dismiss it, then stays dismissed after a reload.
  assert.equal(phone.items.get(id).flags.rollback, true);
  await phone.acknowledge(id);
  await phone.reload();
  await phone.idle();
  assert.deepEqual(phone.items.get(id).flags, {});
});

test('an earlier envelope written as an ordinary new revision on top is a rollback too, also on a read-only device', async () => {
  const hub = newDatabase('server');
  const tablet = await startPlan(await newDevice('Ali', 'work tablet'));
  const reader = await joinPlan(hub, tablet, await newDevice('Mo', 'laptop'), { role: 'supporter', access: 'read' });
  const id = await tablet.create('goal', { text: 'Swim', said_by: 'Dee', voice: 'own' });
  await sync(hub, tablet, reader);
  const first = tablet.items.get(id).rev;
  await tablet.update(id, { text: 'Swim on Sundays' });
  await sync(hub, tablet, reader);
  const current = (await hub.get(id))._rev;
  await hub.put({ ...(await earlierEnvelope(hub, id, first)), _rev: current });

  await hub.replicate.to(reader.db);
  await reader.reload();
  await reader.idle();
  assert.equal(seen(reader, id).text, 'Swim on Sundays');
  assert.equal(seen(reader, id).flags.rollback, true);
  assert.equal((await reader.db.get(id)).ct, (await hub.get(id)).ct, 'a read-only device writes nothing back');
  // Reloading the same copy judges it the same way (the memory persists in _local documents).
  const again = await openPlan(reader.id, reader.device, { db: reader.db, role: 'supporter', access: 'read' });
  assert.equal(seen(again, id).text, 'Swim on Sundays');
  assert.equal(seen(again, id).flags.rollback, true);
});

test('a bare tombstone leaves the item readable as removed without a signature, and it can be put back', async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const vh = tablet.items.get(id).vh;
  await hub.put({ _id: id, _rev: (await hub.get(id))._rev, _deleted: true });
  await sync(hub, phone, tablet, sam);
  for (const plan of [tablet, phone, sam]) {
    assert.equal(seen(plan, id).text, 'I keep going');
    assert.equal(seen(plan, id).flags.unsignedRemoval, true);
  }
  assert.ok(phone.flagged.some((item) => item.id === id));
  await phone.restore(id);
  await sync(hub, phone, tablet, sam);
  for (const plan of [tablet, phone, sam]) {
    assert.deepEqual(seen(plan, id), { text: 'I keep going', flags: {} });
    assert.equal(plan.items.get(id).vh, vh);
  }
  assert.equal((await hub.get(id)).kind, 'item');
});

test("a steward's signed deletion removes it everywhere; a supporter's deletion of the person's item is an unsigned removal", async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const other = await phone.create('strength', { text: 'I make people laugh', said_by: 'Dee', voice: 'own' });
  await sync(hub, tablet, phone, sam);
  // Sam's device does not offer it, and refuses when asked.
  assert.equal(sam.canDelete(sam.items.get(other)), false);
  await assert.rejects(sam.remove(other));
  // A hand-made client on Sam's device signs a deletion anyway.
  const item = sam.items.get(other);
  const body = { a: 2, type: 'strength', deleted: { at: Date.now(), dev: sam.device.deviceId } };
  await hub.bulkDocs([await handMade(sam, other, body, { rev: item.rev, replaces: [item], deleted: true })]);
  // The worker's device removes the other strength with a signed deletion.
  assert.equal(tablet.canDelete(tablet.items.get(id)), true);
  await tablet.remove(id);
  await sync(hub, tablet, phone, sam);
  for (const plan of [tablet, phone, sam]) {
    assert.equal(plan.items.has(id), false);
    assert.equal(plan.versions.memory(id).deleted, true);
    assert.equal(seen(plan, other).text, 'I make people laugh');
    assert.equal(seen(plan, other).flags.unsignedRemoval, true);
  }
});

test('a field whose statement does not verify is not attributed, and that version never replaces one that verified', async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const item = sam.items.get(id);
  // Sam's hand-made client rewrites Dee's words but keeps Dee's phone as the field's device and signature.
  const text = { ...item.f.text, v: 'I give up easily', h: ['bad00bad00', ...item.f.text.h] };
  const body = { a: 2, type: 'strength', created: item.created, f: { ...item.f, text } };
  await hub.bulkDocs([await handMade(sam, id, body, { rev: item.rev, replaces: [item] })]);
  await sync(hub, phone);
  assert.equal(seen(phone, id).text, 'I keep going'); // the version that checked out stays
  assert.equal(seen(phone, id).flags.unchecked, true);
  assert.equal(phone.versions.memory(id).vh, item.vh);

  // Sam signs the field as Sam: it checks out, and it is Sam's change, not Dee's words.
  const signedText = { ...text, at: Date.now(), dev: sam.device.deviceId };
  const statement = { planId: sam.id, docId: id, name: 'text', value: signedText.v, h: signedText.h, at: signedText.at };
  signedText.sig = await signField({ ...statement, author: sam.device.keys });
  const current = await hub.get(id);
  await hub.bulkDocs([await handMade(sam, id, { ...body, f: { ...item.f, text: signedText } }, { rev: current._rev, replaces: [item] })]);
  await sync(hub, phone);
  const shown = phone.items.get(id);
  assert.equal(shown.f.text.v, 'I give up easily');
  const provenance = phone.provenanceOf(shown);
  assert.deepEqual([provenance.saidBy, provenance.voice, provenance.voiceDropped], ['Dee', null, true]);
  assert.equal(provenance.changed.by, sam.device.deviceId);
  assert.equal(provenance.typedBy, tablet.device.deviceId);
});

test('a newer version that puts back an older field is merged forward and reported', async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const before = sam.items.get(id);
  await tablet.update(id, { text: 'I keep going, every day' });
  await sync(hub, tablet, phone, sam);
  const newer = sam.items.get(id);
  // Sam writes a version of its own that carries the older (authentically signed) text field.
  const body = { a: 2, type: 'strength', created: newer.created, f: { ...newer.f, text: before.f.text } };
  await hub.bulkDocs([await handMade(sam, id, body, { rev: newer.rev, replaces: [newer] })]);
  await hub.replicate.to(phone.db);
  await phone.reload();
  await phone.idle();
  assert.equal(seen(phone, id).text, 'I keep going, every day');
  assert.equal(seen(phone, id).flags.rollback, true);
  await sync(hub, phone, tablet);
  assert.equal(seen(tablet, id).text, 'I keep going, every day');
  assert.equal((await hub.get(id)).ct !== undefined, true);
  const shown = tablet.items.get(id);
  assert.equal(shown.f.text.h[0], newer.f.text.h[0]); // the very field version, merged forward
});

test('an earlier version pushed back beside the newest is a replay: flagged, never offered as a conflict or merged', async () => {
  const { hub, tablet, phone, sam, id } = await threeDevices();
  const first = tablet.items.get(id).rev;
  await tablet.update(id, { text: 'I keep going, even on bad days' });
  await sync(hub, tablet, phone, sam);
  const replay = { ...(await earlierEnvelope(hub, id, first)), _rev: `2-${'0'.repeat(32)}` };
  replay._revisions = { start: 2, ids: ['0'.repeat(32), first.slice(2)] };
  await hub.bulkDocs([replay], { new_edits: false });
  await sync(hub, phone, tablet);
  for (const plan of [phone, tablet]) {
    const item = plan.items.get(id);
    assert.deepEqual([item.f.text.v, item.flags.replay], ['I keep going, even on bad days', true]);
    assert.deepEqual([item.conflicts, item.losers], [undefined, undefined]);
  }
  assert.equal((await leaves(hub, id)).length, 2, 'nothing merged the older copy in, nor retired it as if it were a version');
  await phone.acknowledge(id);
  await phone.reload();
  await phone.idle();
  assert.deepEqual(phone.items.get(id).flags, {});
});
