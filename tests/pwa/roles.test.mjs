// Who may do what, proven inside the plan (docs/crypto.md §19, §9.5, §10), with real PouchDB in Node:
// roles from the roster and the admissions stewards write; a supporter can neither make itself the
// person's nor move the plan to a key of its choosing; a steward's rotation reaches read-only members,
// and one nobody can open is superseded by the next steward rotation.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { grantPlanKey, newPlanId, newPlanKey, rosterDocumentId } from '../../pwa/src/crypto/index.js';
import { sealSignedItem } from '../../pwa/src/crypto/envelope.js';
import { signItemVersionOne } from '../../pwa/src/crypto/provenance.js';
import { defaultSpeaker } from '../../pwa/src/data/roles.js';
import { cleanUp, handMade, joinPlan, newDatabase, newDevice, openPlan, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

async function fourDevices() {
  const { hub, tablet, phone } = await tabletAndPhone();
  const sam = await joinPlan(hub, phone, await newDevice('Sam', 'phone'), { role: 'supporter', access: 'write' });
  const mo = await joinPlan(hub, tablet, await newDevice('Mo', 'laptop'), { role: 'supporter', access: 'read' });
  await sync(hub, tablet, phone, sam, mo);
  return { hub, tablet, phone, sam, mo, all: [tablet, phone, sam, mo] };
}

const roleOf = (plan, other) => {
  const role = plan.roles.get(other.device.deviceId);
  return role && [role.role, role.access, role.proven];
};

test('roles come from the plan itself: the creator, and the admissions its stewards wrote', async () => {
  const { tablet, phone, sam, mo, all } = await fourDevices();
  for (const plan of all) {
    assert.equal(plan.proven, true);
    assert.deepEqual(roleOf(plan, tablet), ['worker', 'write', true]);
    assert.deepEqual(roleOf(plan, phone), ['owner', 'write', true]); // admitted by the worker
    assert.deepEqual(roleOf(plan, sam), ['supporter', 'write', true]); // admitted by the person
    assert.deepEqual(roleOf(plan, mo), ['supporter', 'read', true]);
    assert.equal(plan.isSteward(tablet.device.deviceId) && plan.isSteward(phone.device.deviceId), true);
    assert.equal(plan.isSteward(sam.device.deviceId) || plan.isSteward(mo.device.deviceId), false);
  }
  assert.deepEqual([tablet.canAgreeFor(), phone.canAgreeFor(), sam.canAgreeFor(), mo.canAgreeFor()], ['person', 'self', 'self', null]);
  assert.deepEqual(
    all.map((plan) => [plan.canInvite, plan.canKeepVersions]),
    [[true, true], [true, true], [false, false], [false, false]],
  );
  assert.deepEqual(phone.me, { deviceId: phone.device.deviceId, role: 'owner', access: 'write', steward: true });
  // "Who said it" starts as the person's name on stewards' devices, and as the supporter's own on theirs.
  assert.deepEqual(all.map(defaultSpeaker), ['Dee', 'Dee', 'Sam', 'Mo']);
});

test('a device nobody admitted is not confirmed; an admission a supporter writes counts for nothing', async () => {
  const { hub, tablet, phone, sam } = await fourDevices();
  // Sam's device vouches for itself as the person's, and for a device it invited.
  await sam.createNow('admission', {
    device_id: sam.device.deviceId,
    keys: sam.device.keys.public.toJSON(),
    role: 'owner',
    access: 'write',
    invite_id: 'f'.repeat(32),
  });
  const stranger = await newDevice('Kit', 'phone');
  const kit = await openPlan(tablet.id, stranger, { db: newDatabase('kit'), role: 'owner', access: 'write' });
  await kit.enrolSelf(tablet.keyring.current, { name: 'Kit', label: 'phone', role: 'owner' });
  const keys = stranger.keys.public.toJSON();
  await sam.createNow('admission', { device_id: stranger.deviceId, keys, role: 'owner', access: 'write', invite_id: 'e'.repeat(32) });
  await sync(hub, sam, tablet, phone, kit);
  for (const plan of [tablet, phone]) {
    assert.deepEqual(roleOf(plan, sam), ['supporter', 'write', true]);
    assert.deepEqual(roleOf(plan, kit), [null, null, false]);
    assert.equal(plan.devices.has(stranger.deviceId), true); // its roster entry counts: it is named, not trusted
  }
  // Kit knows what it was told it is, but the plan does not say so to anyone else.
  assert.deepEqual(kit.me.role, 'owner');
  assert.equal(kit.roles.get(kit.device.deviceId).proven, false);
});

test("a roster entry written by another device, at another device's roster id, or at a random id, does not count", async () => {
  const { hub, tablet, phone, sam } = await fourDevices();
  const fake = await newDevice('Dee', 'other phone');
  const values = { device_id: fake.deviceId, keys: fake.keys.public.toJSON(), name: 'Dee', label: 'new phone', role: 'owner' };
  await sam.createNow('device', values, await rosterDocumentId(sam.id, fake.deviceId)); // about another device, at its roster id
  const own = { ...values, device_id: sam.device.deviceId, keys: sam.device.keys.public.toJSON() };
  await sam.createNow('device', own); // Sam itself, at a random id
  const other = await newDevice('Kit', 'phone');
  await sam.createNow('device', own, await rosterDocumentId(sam.id, other.deviceId)); // Sam itself, at another's roster id
  await sync(hub, sam, tablet, phone);
  assert.equal(phone.devices.has(fake.deviceId), false);
  assert.equal(phone.devices.has(other.deviceId), false);
  assert.equal(phone.roster.filter((e) => e.deviceId === sam.device.deviceId).length, 1);
  assert.equal(phone.roster.find((e) => e.deviceId === sam.device.deviceId).docId, await rosterDocumentId(phone.id, sam.device.deviceId));
});

test("a key a supporter grants is not accepted: the supporter cannot move the plan to a key of its choosing", async () => {
  const { hub, tablet, phone, sam } = await fourDevices();
  const key = await newPlanKey(sam.id, { epoch: 2 });
  const grants = [];
  for (const plan of [tablet, phone]) {
    grants.push(await grantPlanKey(key, { recipient: plan.device.keys.public, granter: sam.device.keys }));
  }
  const header = phone.header;
  const body = { a: 2, type: 'plan', created: header.created, f: header.f };
  const moved = await handMade(sam, header.id, body, { rev: header.rev, replaces: [header], key });
  await hub.bulkDocs([...grants, moved]);
  await sync(hub, tablet, phone);
  for (const plan of [tablet, phone]) {
    assert.equal(plan.keyring.has(key.kid), false);
    assert.equal(plan.keyring.current.epoch, 1);
    assert.equal(plan.header.f.title.v, 'Plan'); // the remembered version stays on screen
  }
});

test("a steward's rotation reaches read-only members; one nobody can open is superseded by the person's device", async () => {
  const { hub, tablet, phone, sam, mo, all } = await fourDevices();
  const goal = await tablet.create('goal', { text: 'Swim', said_by: 'Dee', voice: 'own' });
  await sync(hub, ...all);
  // The worker rotates for everyone the plan vouches for, the read-only laptop too.
  const everyone = all.map((plan) => plan.device.keys.public);
  const { key: second } = await tablet.rotate(everyone);
  await sync(hub, ...all);
  for (const plan of all) {
    assert.equal(plan.keyring.current.kid, second.kid, plan.device.name);
    assert.equal(plan.items.get(goal).f.text.v, 'Swim');
  }
  // A rotation whose grants nobody else can open: the worker's device wraps the new key for itself only.
  const { key: stuck } = await tablet.rotate([tablet.device.keys.public]);
  await tablet.update(goal, { text: 'Swim on Sundays' });
  await sync(hub, ...all);
  for (const plan of [phone, sam, mo]) assert.equal(plan.keyring.has(stuck.kid), false);
  // The person's device supersedes it: the recorded epoch + 1, granted to every remaining device.
  const { key: fourth } = await phone.rotate(everyone, { epoch: stuck.epoch + 1, retire: [stuck.kid] });
  await sync(hub, ...all);
  for (const plan of all) {
    assert.equal(plan.keyring.current.kid, fourth.kid, plan.device.name);
    // The person's device put back the version it last saw; the worker's device, which wrote a newer one
    // under the stuck key, meets that as an older copy and puts its newer one back, under the new key.
    assert.equal(plan.items.get(goal).f.text.v, 'Swim on Sundays', plan.device.name);
  }
  // Everyone with write access writes again, and the read-only laptop reads it.
  await sam.update(goal, { text: 'Swim with Mo' });
  await sync(hub, ...all);
  for (const plan of all) assert.equal(plan.items.get(goal).f.text.v, 'Swim with Mo', plan.device.name);
  assert.equal((await hub.get(goal)).kid, fourth.kid);
});

test("a plan whose creator nothing proves takes roles from the server's member list, marked not proven", async () => {
  const ali = await newDevice('Ali', 'work tablet');
  const dee = await newDevice('Dee', 'phone');
  const listed = (role, access, device) => ({ role, access, active: true, devices: [{ device_id: device.deviceId, active: true }] });
  const members = [listed('worker', 'write', ali), listed('owner', 'write', dee)];
  const planId = newPlanId(); // made by an operator's tool: the id names nobody
  const key = await newPlanKey(planId);
  const tablet = await openPlan(planId, ali, { db: newDatabase('ali'), role: 'worker', access: 'write', members });
  await tablet.enrolSelf(key, { name: 'Ali', label: 'work tablet', role: 'worker' });
  // The person's phone's roster entry as version 1 wrote it: a random id, a schema-1 body.
  const field = (v) => ({ v, h: ['0a0b0c0d0e'], at: 1700000000000, dev: dee.deviceId });
  const f = { device_id: field(dee.deviceId), keys: field(dee.keys.public.toJSON()), name: field('Dee') };
  const body = { a: 1, type: 'device', created: { at: 1700000000000, dev: dee.deviceId }, f };
  const docId = 'd0'.repeat(16);
  const signed = await signItemVersionOne(body, { planId, docId, author: dee.keys });
  await tablet.save([await sealSignedItem(signed, { planId, docId, key })]);
  await tablet.reload();
  await tablet.idle();
  assert.equal(tablet.proven, false);
  assert.deepEqual(roleOf(tablet, tablet), ['worker', 'write', false]);
  assert.equal(tablet.devices.has(dee.deviceId), true); // a legacy roster entry counts in a plan like this
  assert.deepEqual(tablet.roles.get(dee.deviceId), { role: 'owner', access: 'write', proven: false });
  assert.equal(tablet.deviceName(dee.deviceId).name, 'Dee');
});

test('a key this device accepted stays with it when the keyring document that brought it is gone', async () => {
  const { phone } = await fourDevices();
  const { rows } = await phone.db.allDocs({ include_docs: true });
  const grants = rows.map((row) => row.doc).filter((doc) => doc.kind === 'keyring' && doc.to === phone.device.deviceId);
  assert.ok(grants.length >= 1);
  // The replica loses them (a hostile or older server, a copy from elsewhere): a removal on top of each.
  await phone.db.bulkDocs(grants.map((doc) => ({ _id: doc._id, _rev: doc._rev, _deleted: true })));
  const again = await openPlan(phone.id, phone.device, { db: phone.db, role: 'owner', access: 'write' });
  assert.equal(again.keyring?.current.kid, phone.keyring.current.kid);
  assert.equal(again.header.f.title.v, 'Plan');
});
