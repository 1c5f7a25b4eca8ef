// Agreements bound to words and provenance that stays true (docs/app.md, "Items and provenance" and
// "Agreements"), with real PouchDB in Node: who may record whose agreement, agreements to an earlier
// wording, "changed by" after someone else edits the person's words, an item's history, and items
// written under version 1 (schema-1 bodies in version-1 envelopes) that still open.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sealSignedItem } from '../../pwa/src/crypto/envelope.js';
import { signItemVersionOne } from '../../pwa/src/crypto/provenance.js';
import { cleanUp, handMade, joinPlan, newDevice, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

async function planWithStrength() {
  const { hub, tablet, phone } = await tabletAndPhone();
  const sam = await joinPlan(hub, phone, await newDevice('Sam', 'phone'), { role: 'supporter', access: 'write' });
  const mo = await joinPlan(hub, tablet, await newDevice('Mo', 'laptop'), { role: 'supporter', access: 'read' });
  const id = await tablet.create('strength', { text: 'I keep going', said_by: 'Dee', voice: 'own' });
  const all = [tablet, phone, sam, mo];
  await sync(hub, ...all);
  return { hub, tablet, phone, sam, mo, all, id };
}

test("the person's agreement comes from the person's devices, or from the worker's device with attribution", async () => {
  const { hub, tablet, phone, sam, mo, all, id } = await planWithStrength();
  await phone.agree(id, { value: 'yes' });
  await sync(hub, ...all);
  for (const plan of all) {
    const { person } = plan.agreementsFor(id);
    assert.deepEqual([person.value, person.by, person.recorded, person.current], ['yes', phone.device.deviceId, false, true]);
  }
  assert.equal(phone.agreementsFor(id).mine.value, 'yes');
  // The worker's device records what Dee said, later: it is the person's agreement, recorded by Ali's tablet.
  await tablet.agree(id, { value: 'no', note: 'Not every day' });
  await sync(hub, ...all);
  const { person } = mo.agreementsFor(id);
  assert.deepEqual([person.value, person.note, person.by, person.recorded], ['no', 'Not every day', tablet.device.deviceId, true]);
  // A supporter agrees for themself only; a read-only device records nothing.
  await sam.agree(id, { value: 'yes' });
  await assert.rejects(mo.agree(id, { value: 'yes' }));
  await sync(hub, ...all);
  const seen = tablet.agreementsFor(id);
  assert.equal(seen.person.value, 'no');
  assert.deepEqual(seen.others.map((o) => [o.by, o.value, o.current]), [[sam.device.deviceId, 'yes', true]]);
  assert.deepEqual(seen.refused, []);
  assert.equal(sam.agreementsFor(id).mine.value, 'yes');
});

test("a supporter's hand-made record of the person's agreement is refused, never counted", async () => {
  const { hub, tablet, phone, sam, all, id } = await planWithStrength();
  // Sam's device writes a record `for: person`, which only the worker's device may write.
  await sam.createNow('agreement', { item: id, content: sam.items.get(id).hash, value: 'yes', note: '', for: 'person' });
  await sync(hub, ...all);
  for (const plan of [tablet, phone]) {
    const { person, refused } = plan.agreementsFor(id);
    assert.equal(person, null);
    assert.deepEqual(refused.map((r) => r.by), [sam.device.deviceId]);
  }
  // Copying the person's own record and changing its value makes it Sam's record, not the person's.
  await phone.agree(id, { value: 'no' });
  await sync(hub, ...all);
  const own = sam.list('agreement').find((a) => a.f.value.dev === phone.device.deviceId);
  const value = { ...own.f.value, v: 'yes' };
  const body = { a: 2, type: 'agreement', created: own.created, f: { ...own.f, value } };
  await hub.bulkDocs([await handMade(sam, own.id, body, { rev: own.rev, replaces: [own] })]);
  await sync(hub, tablet);
  assert.equal(tablet.agreementsFor(id).person.value, 'no');
});

test('after an edit the agreement is to an earlier wording until the person agrees again; ticking a step off keeps it', async () => {
  const { hub, tablet, phone, all, id } = await planWithStrength();
  await phone.agree(id, { value: 'yes' });
  await sync(hub, ...all);
  const before = tablet.items.get(id).hash;
  await tablet.update(id, { text: 'I keep going, most days' });
  await sync(hub, ...all);
  assert.notEqual(phone.items.get(id).hash, before);
  assert.equal(phone.agreementsFor(id).person.current, false);
  let provenance = phone.provenanceOf(phone.items.get(id));
  assert.deepEqual([provenance.voice, provenance.voiceDropped, provenance.changed.by], [null, true, tablet.device.deviceId]);
  assert.equal(provenance.confirmed, null);
  await phone.agree(id, { value: 'yes' });
  await sync(hub, ...all);
  assert.equal(tablet.agreementsFor(id).person.current, true);
  provenance = tablet.provenanceOf(tablet.items.get(id));
  assert.deepEqual([provenance.voice, provenance.voiceDropped, provenance.confirmed.by], ['own', false, phone.device.deviceId]);
  assert.equal(provenance.changed.by, tablet.device.deviceId);

  const step = await tablet.create('step', { text: 'Ring the pool', status: 'not_started' });
  await sync(hub, ...all);
  await phone.agree(step, { value: 'yes' });
  await phone.update(step, { status: 'done' });
  await sync(hub, ...all);
  assert.equal(tablet.agreementsFor(step).person.current, true);
});

test("the person changing their own words keeps them their own words; another device's change does not", async () => {
  const { hub, tablet, phone, sam, all, id } = await planWithStrength();
  await phone.update(id, { text: 'I keep on going' });
  await sync(hub, ...all);
  const mine = tablet.provenanceOf(tablet.items.get(id));
  assert.deepEqual([mine.voice, mine.changed, mine.typedBy], ['own', null, tablet.device.deviceId]);
  await sam.update(id, { text: 'Dee keeps going' });
  await sync(hub, ...all);
  const theirs = phone.provenanceOf(phone.items.get(id));
  assert.deepEqual([theirs.voice, theirs.changed.by, theirs.checked], [null, sam.device.deviceId, true]);
});

test("an item's history lists every version held, newest first, with what changed and who wrote it", async () => {
  const { hub, tablet, phone, sam, all, id } = await planWithStrength();
  await phone.update(id, { text: 'I keep on going' });
  await sync(hub, ...all);
  await tablet.update(id, { noticed: 'At the pool' });
  await sync(hub, ...all);
  const { versions, complete } = await tablet.history(id);
  assert.equal(complete, true);
  const [ali, dee] = [tablet.device.deviceId, phone.device.deviceId];
  assert.deepEqual(versions.map((v) => [v.n, v.by]), [[3, ali], [2, dee], [1, ali]]);
  assert.deepEqual(versions[0].changes.map((c) => [c.name, c.before, c.after]), [['noticed', undefined, 'At the pool']]);
  assert.deepEqual(versions[1].changes.map((c) => [c.name, c.before, c.after, c.by]), [['text', 'I keep going', 'I keep on going', dee]]);
  // A device that joins now receives only the newest version: its history says it is not complete.
  const late = await joinPlan(hub, tablet, await newDevice('Kit', 'phone'), { role: 'supporter', access: 'read' });
  const seen = await late.history(id);
  assert.deepEqual([seen.versions.map((v) => v.n), seen.complete], [[3], false]);
  assert.equal(sam.items.get(id).f.noticed.v, 'At the pool');
});

test('items written under version 1 still open, show their old agreement as legacy, and move forward when edited', async () => {
  const { hub, tablet, phone, all } = await planWithStrength();
  const id = 'c0ffee00'.repeat(4);
  const dev = tablet.device.deviceId;
  const field = (v, h) => ({ v, h: [h], at: 1700000000000, dev });
  const f = { text: field('Swim', 'aa01'), said_by: field('Dee', 'aa02'), agree: field('yes', 'aa03') };
  const body = { a: 1, type: 'goal', created: { at: 1700000000000, dev }, f };
  const signed = await signItemVersionOne(body, { planId: tablet.id, docId: id, author: tablet.device.keys });
  const legacy = await sealSignedItem(signed, { planId: tablet.id, docId: id, key: tablet.keyring.current });
  assert.equal(legacy.v, 1);
  await hub.bulkDocs([legacy]);
  await sync(hub, ...all);
  const item = phone.items.get(id);
  assert.deepEqual([item.f.text.v, item.n, item.verified, item.fieldChecks.text], ['Swim', 0, true, null]);
  assert.deepEqual(phone.agreementsFor(id).legacy, { value: 'yes', at: 1700000000000, dev });
  assert.equal(phone.agreementsFor(id).person, null);
  assert.equal(phone.provenanceOf(item).legacy, true);
  const first = item.vh;
  await phone.update(id, { text: 'Swim on Sundays' });
  await sync(hub, ...all);
  const edited = tablet.items.get(id);
  assert.deepEqual([edited.n, edited.f.text.v, edited.fieldChecks.text, edited.fieldChecks.said_by], [1, 'Swim on Sundays', true, null]);
  const opened = tablet.opened.get(`${id}/${edited.rev}`);
  assert.deepEqual(opened.prev, [first]);
  // The version-1 envelope pushed back over the version-2 one is an older copy.
  const current = (await hub.get(id))._rev;
  await hub.put({ ...legacy, _rev: current });
  await sync(hub, phone);
  assert.equal(phone.items.get(id).f.text.v, 'Swim on Sundays');
  assert.equal(phone.items.get(id).flags.rollback, true);
});
