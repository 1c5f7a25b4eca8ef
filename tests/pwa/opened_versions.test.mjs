// The versions a device opened, kept at rest in the plan's database (openedcache.js; docs/crypto.md §13.4):
// a plan opened again reads them instead of decrypting every envelope, yet checks every signature and
// judges every item again; the record is sealed (no word of the plan in it) and one that does not open,
// altered or another plan's, is ignored and written again. Real PouchDB (LevelDB) and real keys.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openAtRest, openedVersionsKey } from '../../pwa/src/crypto/index.js';
import { contentHash } from '../../pwa/src/data/agreements.js';
import { cleanUp, joinPlan, newDatabase, newDevice, openPlan, startPlan, sync } from './plan_harness.mjs';

after(cleanUp);

const LOCAL = '_local/alongside-opened';

/** Every hashed item's content hash is the hash of the fields it shows (docs/app.md, "Agreements"). */
async function assertHashesOfShownFields(plan) {
  const hashed = [...plan.items.values()].filter((item) => item.hash);
  assert.ok(hashed.length > 0);
  for (const item of hashed) assert.equal(item.hash, await contentHash(item.type, item.f), item.type);
}

/** Every read of `db` that returns item envelopes (all its documents, or one revision), as it happens. */
function envelopeReads(db) {
  const reads = [];
  const { allDocs, get } = db;
  db.allDocs = function (options, ...rest) {
    if (options?.include_docs && !options.keys) reads.push('every document');
    return allDocs.call(this, options, ...rest);
  };
  db.get = function (id, options, ...rest) {
    if (options?.rev) reads.push(`${id}/${options.rev}`);
    return get.call(this, id, options, ...rest);
  };
  return reads;
}

/** What the plan shows of each item: enough to tell two openings apart. */
const shown = (plan) =>
  JSON.stringify(
    [...plan.items.values()]
      .map((item) => [item.id, item.rev, item.type, item.f, item.verified, item.flags, item.hash, item.losers, item.conflicts])
      .sort((a, b) => a[0].localeCompare(b[0])),
  );

async function planWithWords() {
  const tablet = await startPlan(await newDevice('Ali', 'work tablet'), { title: 'Moving home', person: 'Zephyrine' });
  await tablet.create('strength', { text: 'Zephyrine keeps her allotment going', said_by: 'Zephyrine', voice: 'own' });
  const step = await tablet.create('step', { text: 'Ring the housing office', status: 'not_started' });
  await tablet.update(step, { status: 'done' });
  await tablet.idle();
  return tablet;
}

/** The plan with words, and Dee's phone joined to it through `hub`. */
async function withPhone() {
  const hub = newDatabase('server');
  const tablet = await planWithWords();
  const phone = await joinPlan(hub, tablet, await newDevice('Dee', 'phone'), { role: 'owner', access: 'write' });
  return { hub, tablet, phone };
}

/** The worker's plan opened again on the same device and database (after `plan.stop()`). */
const reopen = (plan) => openPlan(plan.id, plan.device, { db: plan.db, role: 'worker', access: 'write' });

test('a plan opened again reads the versions it kept: nothing decrypted, every signature checked again', async () => {
  const tablet = await planWithWords();
  const stored = await tablet.db.get(LOCAL);
  assert.equal(stored.kind, 'sealed-opened');
  assert.deepEqual(Object.keys(stored).filter((k) => !k.startsWith('_')).sort(), ['ct', 'kind', 'nonce', 'v']);
  assert.ok(!JSON.stringify(stored).includes('allotment') && !Buffer.from(stored.ct, 'base64url').includes('allotment'));
  const before = shown(tablet);
  tablet.stop();

  const reads = envelopeReads(tablet.db);
  const again = await reopen(tablet);
  assert.equal(shown(again), before);
  assert.deepEqual(reads, []); // the database did not change: no envelope of an item was read
  assert.ok([...again.items.values()].every((item) => item.verified === true)); // checked on this opening
  assert.equal(again.openedChanged, false); // nothing was decrypted or hashed again, so nothing is written
  assert.equal((await again.db.get(LOCAL))._rev, stored._rev);
  await assertHashesOfShownFields(again);
  again.stop();
});

test('the kept versions are sealed under a key of this device and this plan: no other device or plan opens them', async () => {
  const tablet = await planWithWords();
  const stored = await tablet.db.get(LOCAL);
  const plaintext = await openAtRest(await openedVersionsKey(tablet.device.keys.privateBytes(), tablet.id), 'opened', stored);
  const body = JSON.parse(new TextDecoder().decode(plaintext));
  assert.equal(body.v, 1);
  assert.ok(JSON.stringify(body).includes('allotment'));
  const other = await newDevice('Bo');
  await assert.rejects(openAtRest(await openedVersionsKey(other.keys.privateBytes(), tablet.id), 'opened', stored));
  await assert.rejects(openAtRest(await openedVersionsKey(tablet.device.keys.privateBytes(), `${tablet.id}x`), 'opened', stored));
  tablet.stop();
});

test('a kept record that does not open (one byte altered, or copied from another plan) is ignored and written again', async () => {
  const tablet = await planWithWords();
  const before = shown(tablet);
  const stored = await tablet.db.get(LOCAL);
  const ct = Buffer.from(stored.ct, 'base64url');
  ct[10] ^= 1;
  await tablet.db.put({ ...stored, ct: ct.toString('base64url') });
  tablet.stop();
  const again = await reopen(tablet);
  assert.equal(shown(again), before); // read the long way
  const rewritten = await again.db.get(LOCAL);
  assert.notEqual(rewritten.ct, ct.toString('base64url'));
  assert.ok(await openAtRest(await openedVersionsKey(tablet.device.keys.privateBytes(), tablet.id), 'opened', rewritten));
  again.stop();

  // The same device's record of another plan, put in this plan's database: it does not open here.
  const second = await startPlan(tablet.device, { title: 'Another plan' });
  const foreign = await second.db.get(LOCAL);
  await tablet.db.put({ ...foreign, _rev: rewritten._rev });
  const third = await reopen(tablet);
  assert.equal(shown(third), before);
  assert.notEqual((await third.db.get(LOCAL)).ct, foreign.ct); // written again, for this plan
  third.stop();
  second.stop();
});

test('what arrives after the record was kept is decrypted and kept too; a change made elsewhere shows on reopening', async () => {
  const { hub, tablet, phone } = await withPhone();
  const [step] = phone.list('step');
  await phone.update(step.id, { text: 'Ring the housing office on Monday' });
  await sync(hub, tablet, phone);
  tablet.stop();
  const again = await reopen(tablet);
  assert.equal(again.items.get(step.id).f.text.v, 'Ring the housing office on Monday');
  assert.equal(again.items.get(step.id).verified, true);
  assert.equal(again.openedChanged, false);
  again.stop();
  phone.stop();
});

test('a change that reached the database while the plan was closed is read: the kept shape is used only while nothing changed', async () => {
  const { hub, tablet, phone } = await withPhone();
  const [step] = tablet.list('step');
  tablet.stop();
  await phone.update(step.id, { text: 'Ring the housing office on Tuesday' });
  await phone.idle();
  await phone.db.replicate.to(hub);
  await hub.replicate.to(tablet.db); // arrives with the plan closed (a sync in another tab)
  const reads = envelopeReads(tablet.db);
  const again = await reopen(tablet);
  assert.ok(reads.includes('every document'));
  assert.equal(again.items.get(step.id).f.text.v, 'Ring the housing office on Tuesday');
  assert.equal(again.items.get(step.id).verified, true);
  again.stop();
  phone.stop();
});

test('an unsettled clash kept in the shape is shown again as a clash, with both sides', async () => {
  const { hub, tablet, phone } = await withPhone();
  const [strength] = tablet.list('strength');
  await tablet.update(strength.id, { text: 'Zephyrine grows beans on her allotment' });
  await phone.update(strength.id, { text: 'Zephyrine shares her allotment with Gran' });
  await sync(hub, tablet, phone);
  assert.ok(tablet.items.get(strength.id).conflicts?.text);
  const before = shown(tablet);
  tablet.stop();
  const reads = envelopeReads(tablet.db);
  const again = await reopen(tablet);
  assert.equal(shown(again), before);
  assert.ok(!reads.includes('every document'));
  await assertHashesOfShownFields(again);
  again.stop();
  phone.stop();
});
