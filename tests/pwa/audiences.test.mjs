// Audiences with their own keys (docs/crypto.md §5.3; docs/app.md, "Who can read what"), on real plans in
// Node: the worker's tablet, the person's phone, two family members and a nurse the person marks as "from a
// service", meeting through a hub database as they do through the server.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decryptItem, grantPlanKey, newPlanKey } from '../../pwa/src/crypto/index.js';
import { audienceGrantsFor, holdersOfKeys, linesToRotate, mayMove, shrunkAudiences } from '../../pwa/src/data/audiences.js';
import { cleanUp, joinPlan, newDatabase, newDevice, startPlan, sync } from './plan_harness.mjs';

after(cleanUp);

const membersOf = (plans) => [
  ...plans.map((plan) => ({
    role: plan.me.role,
    access: plan.me.access,
    active: true,
    devices: [{ device_id: plan.device.deviceId, active: true }],
  })),
];

async function household() {
  const hub = newDatabase('server');
  const tablet = await startPlan(await newDevice('Ali', 'work tablet'));
  const phone = await joinPlan(hub, tablet, await newDevice('Dee', 'phone'), { role: 'owner', access: 'write' });
  const gran = await joinPlan(hub, phone, await newDevice('Gran'), { role: 'supporter', access: 'write' });
  const aunt = await joinPlan(hub, phone, await newDevice('Aunt'), { role: 'supporter', access: 'write' });
  const nurse = await joinPlan(hub, phone, await newDevice('Nurse'), { role: 'supporter', access: 'write' });
  const all = [tablet, phone, gran, aunt, nurse];
  for (const plan of all) plan.setContext({ members: membersOf(all) });
  await sync(hub, ...all);
  // The worker's device starts the worker line; the person's the family line, with the nurse from a service.
  await tablet.shareAudienceKeys();
  await sync(hub, ...all);
  await phone.setSharing({ services: [nurse.device.deviceId] });
  await sync(hub, ...all);
  return { hub, tablet, phone, gran, aunt, nurse, all };
}

const kidOf = async (hub, id) => (await hub.get(id)).kid;

test('each device holds the keys of exactly the audiences it belongs to, and reads only their items', async () => {
  const { hub, tablet, phone, gran, aunt, nurse, all } = await household();
  assert.deepEqual(phone.audiences, ['everyone', 'worker', 'family']);
  assert.deepEqual(tablet.audiences, ['everyone', 'worker']);
  assert.deepEqual(gran.audiences, ['everyone', 'family']);
  assert.deepEqual(aunt.audiences, ['everyone', 'family']);
  assert.deepEqual(nurse.audiences, ['everyone']);

  const worry = await phone.create('matter', { text: 'Worried about the rent', said_by: 'Dee', voice: 'own', column: 'worries' }, { audience: 'worker' });
  const party = await phone.create('goal', { text: "Gran's 80th party", said_by: 'Dee', voice: 'own' }, { audience: 'family' });
  const walk = await gran.create('strength', { text: 'Walks the dog every day', said_by: 'Gran', voice: 'own' }, { audience: 'family' });
  await sync(hub, ...all);

  assert.equal(tablet.items.get(worry).audience, 'worker');
  assert.equal(tablet.items.get(worry).f.text.v, 'Worried about the rent');
  for (const plan of [gran, aunt, nurse]) assert.equal(plan.items.has(worry), false, plan.device.name);
  for (const plan of [phone, gran, aunt]) {
    assert.equal(plan.items.get(party).audience, 'family', plan.device.name);
    assert.equal(plan.items.get(walk).f.text.v, 'Walks the dog every day', plan.device.name);
  }
  for (const plan of [tablet, nurse]) {
    assert.equal(plan.items.has(party) || plan.items.has(walk), false, plan.device.name);
    // At the level of the keys: no key this device holds opens the envelope.
    const envelope = await hub.get(party);
    assert.equal(plan.keyring.has(envelope.kid), false);
    const { _rev, ...wire } = envelope;
    await assert.rejects(decryptItem(wire, { planId: plan.id, keyring: plan.keyring }));
  }
  // A supporter cannot write for an audience it is not in.
  await assert.rejects(nurse.create('goal', { text: 'x', said_by: 'Nurse', voice: 'own' }, { audience: 'family' }));
  await assert.rejects(gran.create('goal', { text: 'x', said_by: 'Gran', voice: 'own' }, { audience: 'worker' }));
});

test('a member let in gets the current key of exactly the audiences it is in that the granter may give', async () => {
  const { tablet, phone, gran, nurse } = await household();
  const audiencesOf = async (granter, plan) =>
    (await audienceGrantsFor(granter, plan.device.keys.public)).map((doc) => granter.keyring.get(doc.kid).audience);
  assert.deepEqual(await audiencesOf(phone, gran), ['family']);
  assert.deepEqual(await audiencesOf(phone, nurse), []);
  assert.deepEqual(await audiencesOf(phone, tablet), ['worker']);
  assert.deepEqual(await audiencesOf(tablet, phone), ['worker']); // the worker's device never gives the family's key
  assert.deepEqual(await audiencesOf(tablet, gran), []);
});

test("a family key granted by the worker or by a supporter is not accepted; only the person's devices give it", async () => {
  const { hub, tablet, gran, aunt, nurse, all } = await household();
  const fromWorker = await newPlanKey(tablet.id, { audience: 'family', epoch: 7 });
  const fromGran = await newPlanKey(tablet.id, { audience: 'family', epoch: 8 });
  const grants = [];
  for (const plan of [aunt, nurse]) {
    grants.push(await grantPlanKey(fromWorker, { recipient: plan.device.keys.public, granter: tablet.device.keys }));
    grants.push(await grantPlanKey(fromGran, { recipient: plan.device.keys.public, granter: gran.device.keys }));
  }
  await hub.bulkDocs(grants);
  await sync(hub, ...all);
  for (const plan of [aunt, nurse]) {
    assert.equal(plan.keyring.has(fromWorker.kid), false, plan.device.name);
    assert.equal(plan.keyring.has(fromGran.kid), false, plan.device.name);
  }
  assert.notEqual(aunt.keyring.currentOf('family').kid, fromWorker.kid);
  assert.equal(nurse.audiences.includes('family'), false);
});

test('moving an item: to everyone re-seals it for all; to a narrower audience writes a new version under its key', async () => {
  const { hub, tablet, phone, gran, all } = await household();
  const goal = await phone.create('goal', { text: 'Learn to drive', said_by: 'Dee', voice: 'own' }, { audience: 'family' });
  await sync(hub, ...all);
  assert.equal(tablet.items.has(goal), false);
  const before = phone.items.get(goal);
  assert.deepEqual(await phone.setAudience(goal, 'everyone'), { narrowed: false });
  await sync(hub, ...all);
  assert.equal(tablet.items.get(goal).f.text.v, 'Learn to drive');
  assert.equal(tablet.items.get(goal).audience, 'everyone');
  assert.equal(phone.items.get(goal).vh, before.vh); // re-sealed: the same version
  assert.equal(await kidOf(hub, goal), phone.keyring.current.kid);

  assert.deepEqual(await phone.setAudience(goal, 'worker'), { narrowed: true });
  await sync(hub, ...all);
  assert.equal(await kidOf(hub, goal), phone.keyring.currentOf('worker').kid);
  assert.notEqual(phone.items.get(goal).vh, before.vh); // a new version
  // Gran's device keeps the copy it had, and puts nothing back on top for everyone to read.
  assert.equal(gran.items.get(goal)?.f.text.v, 'Learn to drive');
  assert.equal(await kidOf(hub, goal), phone.keyring.currentOf('worker').kid);
  // Gran may not move what the person wrote; the person may move anything.
  assert.equal(mayMove(gran, gran.items.get(goal), 'everyone'), false);
  assert.equal(mayMove(phone, phone.items.get(goal), 'family'), true);
});

test('removing a family member rotates the plan key and the family key, never the worker key', async () => {
  const { hub, tablet, phone, gran, aunt, nurse, all } = await household();
  const worry = await phone.create('matter', { text: 'Rent', said_by: 'Dee', voice: 'own', column: 'worries' }, { audience: 'worker' });
  const party = await phone.create('goal', { text: 'Party', said_by: 'Dee', voice: 'own' }, { audience: 'family' });
  await sync(hub, ...all);
  const before = { everyone: phone.keyring.current.kid, worker: phone.keyring.currentOf('worker').kid, family: phone.keyring.currentOf('family').kid };
  const staying = [phone, tablet, gran, nurse];
  const remaining = staying.map((plan) => plan.device.keys.public);
  const lines = await linesToRotate(phone, remaining);
  assert.deepEqual(lines.map((line) => line.audience), ['family']);
  assert.deepEqual(lines[0].remaining.map((d) => d.deviceId).sort(), [phone, gran].map((p) => p.device.deviceId).sort());
  const { retired } = await phone.rotate(remaining, { lines });
  await sync(hub, ...staying);
  const afterwards = { everyone: phone.keyring.current.kid, worker: phone.keyring.currentOf('worker').kid, family: phone.keyring.currentOf('family').kid };
  assert.equal(afterwards.worker, before.worker);
  assert.notEqual(afterwards.everyone, before.everyone);
  assert.notEqual(afterwards.family, before.family);
  assert.ok(retired.includes(before.everyone) && retired.includes(before.family));
  assert.equal(retired.includes(before.worker), false);
  assert.equal(await kidOf(hub, worry), before.worker);
  assert.equal(await kidOf(hub, party), afterwards.family);
  const holders = await holdersOfKeys(phone);
  assert.equal(holders.get(afterwards.family).has(aunt.device.deviceId), false);
  assert.equal(holders.get(afterwards.everyone).has(aunt.device.deviceId), false);
  assert.equal(gran.items.get(party).f.text.v, 'Party');
  assert.equal(tablet.items.get(worry).f.text.v, 'Rent');
  assert.equal(nurse.keyring.current.kid, afterwards.everyone);
  // Marking Gran as from a service shrinks the family's audience too: its line is rotated, for the person alone.
  assert.deepEqual(await shrunkAudiences(phone, () => true), []);
  await phone.setSharing({ services: [nurse.device.deviceId, gran.device.deviceId] });
  assert.deepEqual(await shrunkAudiences(phone, () => true), ['family']);
  const again = await linesToRotate(phone, remaining);
  assert.deepEqual(again.map((line) => [line.audience, line.remaining.map((d) => d.deviceId)]), [['family', [phone.device.deviceId]]]);
});

test('who holds which key is read from the last load and what changed since: the same as reading every document', async () => {
  const { phone, aunt } = await household();
  const everything = async () => {
    const seq = phone.loadedSeq;
    phone.loadedSeq = null; // as before the plan was ever read: every document
    try {
      return await holdersOfKeys(phone);
    } finally {
      phone.loadedSeq = seq;
    }
  };
  const show = (holders) => JSON.stringify([...holders].map(([kid, ids]) => [kid, [...ids].sort()]).sort());
  assert.equal(show(await holdersOfKeys(phone)), show(await everything()));
  // A grant written after the last load (no reload yet) is counted too.
  const workerKey = phone.keyring.currentOf('worker');
  assert.equal((await holdersOfKeys(phone)).get(workerKey.kid).has(aunt.device.deviceId), false);
  await phone.db.put(await grantPlanKey(workerKey, { recipient: aunt.device.keys.public, granter: phone.device.keys }));
  const holders = await holdersOfKeys(phone);
  assert.equal(show(holders), show(await everything()));
  assert.ok(holders.get(workerKey.kid).has(aunt.device.deviceId));
});
