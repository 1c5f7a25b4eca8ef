// Real plans in Node for the data layer's tests: each device has its own key pairs and its own PouchDB
// database (LevelDB in a scratch folder), and devices meet by replicating those databases, as they do
// through the server. No browser, no server: what the app's Plan does with what arrives.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PouchDB from 'pouchdb';
import {
  admissionBind,
  b64uEncode,
  createInvite,
  generateDeviceKeys,
  inviteBindKey,
  inviteRegistration,
  newPlanIdFor,
  newPlanKey,
  nextVersion,
  openInvite,
  sealItem,
} from '../../pwa/src/crypto/index.js';
import { Plan } from '../../pwa/src/data/plan.js';

const folder = mkdtempSync(join(tmpdir(), 'alongside-plans-'));
const Local = PouchDB.defaults({ prefix: `${folder}/` });
let counter = 0;
const opened = [];

/** Stop every plan and remove the scratch folder (call from `after`). */
export async function cleanUp() {
  for (const plan of opened) plan.stop();
  await Promise.all(opened.map((plan) => plan.idle().catch(() => {})));
  rmSync(folder, { recursive: true, force: true });
}

/** A device: its own key pairs, a name and a label. */
export async function newDevice(name, label = '') {
  const keys = await generateDeviceKeys();
  return { keys, deviceId: keys.deviceId, name, label, plans: {} };
}

/** A database of its own for one device's copy of one plan. */
export function newDatabase(name) {
  counter += 1;
  return new Local(`${name}-${counter}`);
}

/** Open (or reopen, on the same database) one device's copy of a plan, as the app does, and wait until it has settled. */
export async function openPlan(planId, device, { db, role, access, trusted = [], members = undefined }) {
  const plan = new Plan(planId, device, { db, context: { role, access, ...(members ? { members } : {}) } });
  opened.push(plan);
  await plan.start(new Map([[device.deviceId, device.keys.public], ...trusted.map((pub) => [pub.deviceId, pub])]));
  await plan.idle();
  return plan;
}

/** A worker's device starts a plan (spec §4.1): the plan id names it, its roster entry carries the salt. */
export async function startPlan(worker, { title = 'Plan', person = 'Dee' } = {}) {
  const { planId, salt } = await newPlanIdFor(worker.keys.public);
  const plan = await openPlan(planId, worker, { db: newDatabase(worker.name), role: 'worker', access: 'write' });
  await plan.enrolSelf(await newPlanKey(planId), { name: worker.name, label: worker.label, role: 'worker', plan_salt: b64uEncode(salt) });
  await plan.create('plan', { title, person, status: 'draft' });
  await plan.idle();
  return plan;
}

/**
 * `inviter`'s plan invites `device` with a role and access; the new device joins with the invite (its
 * roster entry carries the admission bind), both sync through `hub`, and the inviter admits it (spec §11.5).
 */
export async function joinPlan(hub, inviter, device, { role, access }) {
  const invite = await createInvite(inviter.keyring.current, { inviter: inviter.device.keys, role, access });
  const registration = await inviteRegistration(invite);
  const stored = { inviteId: registration.invite_id, bindKey: b64uEncode(await inviteBindKey(invite)), role, access };
  const joined = await openInvite(invite.toText());
  const plan = await openPlan(inviter.id, device, { db: newDatabase(device.name), role, access, trusted: [joined.inviter] });
  const bind = await admissionBind(joined.bindKey, { planId: inviter.id, deviceId: device.deviceId });
  await plan.enrolSelf(joined.planKey, { name: device.name, label: device.label, role, invite: { invite_id: joined.inviteId, bind } });
  await sync(hub, inviter, plan);
  const done = await inviter.admitInvited([stored]);
  if (!done.includes(stored.inviteId)) throw new Error('the inviter did not admit the new device');
  await sync(hub, inviter, plan);
  return plan;
}

/** A new `hub` (the server), the worker Ali's tablet with a new plan, and Dee's phone joined to it as its owner. */
export async function tabletAndPhone() {
  const hub = newDatabase('server');
  const tablet = await startPlan(await newDevice('Ali', 'work tablet'));
  const phone = await joinPlan(hub, tablet, await newDevice('Dee', 'phone'), { role: 'owner', access: 'write' });
  return { hub, tablet, phone };
}

/**
 * Replicate devices' copies through `hub` (a plain database standing for the server: what a member
 * writes there with an ordinary token is what the other devices pull), both ways, until every device has
 * settled. Two rounds, so what one device writes after reading the first is delivered too.
 */
export async function sync(hub, ...plans) {
  for (let round = 0; round < 3; round += 1) {
    for (const plan of plans) {
      await plan.idle();
      await plan.db.replicate.to(hub);
    }
    for (const plan of plans) {
      await hub.replicate.to(plan.db);
      await plan.reload();
      await plan.idle();
    }
  }
}

/**
 * What a hand-made client on `plan`'s device would write: `body` signed by that device and sealed as a new
 * version of `id` replacing `replaces` ([{n, vh}]), on top of revision `rev` (under `key`, by default the
 * plan's current key).
 */
export async function handMade(plan, id, body, { rev = null, replaces = [], deleted = false, key = plan.keyring.current } = {}) {
  const { n, prev } = nextVersion(replaces.map((version) => ({ n: version.n, vh: version.vh })));
  return sealItem(body, { planId: plan.id, docId: id, key, author: plan.device.keys, deleted, rev, n, prev });
}

/** Every revision of a document the database holds as a leaf, with its body (deleted ones too). */
export async function leaves(db, id) {
  const results = await db.get(id, { open_revs: 'all' });
  return results.filter((r) => r.ok).map((r) => r.ok);
}
