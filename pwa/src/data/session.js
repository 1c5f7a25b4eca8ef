// What this device does with the server and its plans: enrol, start a plan, invite, join, open,
// remove someone, leave a plan or delete this device's copy of it.

import PouchDB from 'pouchdb-browser';
import {
  DevicePublicKeys,
  createInvite,
  inviteRegistration,
  newPlanId,
  newPlanKey,
  openInvite,
  planFingerprint,
} from '../crypto/index.js';
import { api } from './api.js';
import { forgetPlan, loadDevice, newDeviceKeys, rememberPlan, rememberRoster, saveIdentity, trustedDevices } from './device.js';
import { RetryLater, dropActionsFor, drain, enqueue, onAction, queuedActions, startOutbox } from './outbox.js';
import { Plan, localDatabaseName } from './plan.js';
import { PlanSync } from './sync.js';

const opened = new Map(); // planId -> Promise<{plan, sync}>

export function askPersistentStorage() {
  navigator.storage?.persist?.().catch(() => {});
}

/** A worker's device enrols with the code an admin gave them. */
export async function enrol({ code, name, label }) {
  const keys = await newDeviceKeys();
  const res = await api('/enrol', { method: 'POST', body: { code: code.trim(), public_keys: keys.public.toJSON(), label } });
  const device = await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.kind, name, label });
  askPersistentStorage();
  await refreshPlanList().catch(() => {});
  return device;
}

/** Add the plans the server says this account belongs to (when online) to the ones we know. */
export async function refreshPlanList() {
  const device = await loadDevice();
  const { plans } = await api('/plans', { token: device.token });
  // A copy deleted here with no connection stays deleted while the server is still to be told.
  const deleting = new Set((await queuedActions()).filter((a) => a.kind === 'remove-device').map((a) => a.plan));
  for (const p of plans) {
    if (!device.plans[p.plan_id] && !deleting.has(p.plan_id)) await rememberPlan(p.plan_id, { role: p.role });
  }
  return loadDevice();
}

/** Whether this page has the plan open (with its live sync). */
export const isOpen = (planId) => opened.has(planId);

/** Only the plan on screen keeps a live sync: the others stop (the plan list syncs them one at a time). */
function closeOthers(planId) {
  for (const [id, entry] of opened) {
    if (id === planId) continue;
    opened.delete(id);
    entry
      .then(({ plan, sync }) => {
        sync?.stop();
        plan.stop();
      })
      .catch(() => {});
  }
}

/** The plan and its sync, started once per page. */
export function openPlan(planId) {
  if (!opened.has(planId)) {
    closeOthers(planId);
    opened.set(
      planId,
      (async () => {
        const device = await loadDevice();
        const plan = await new Plan(planId, device).start(await trustedDevices(planId));
        keepRoster(plan);
        // A plan opened from a file on a device that is not one of its members stays on this device.
        if (device.plans[planId]?.copy) return { plan, sync: null, copy: true };
        const sync = new PlanSync(plan, device.token);
        // Not on the server for this device yet (started offline, or a join not finished): wait for the outbox.
        const info = device.plans[planId] || {};
        if (info.pending) sync.hold(info.refused ? 'refused' : info.waitingFor === 'inviter' ? 'inviter' : info.pending, info.fingerprint);
        else sync.start();
        // Once synced, see whether someone left or a device was removed since the key was last changed.
        const stopWatching = sync.subscribe(() => {
          if (sync.state !== 'synced') return;
          stopWatching();
          rotateIfSomeoneLeft(plan).catch(() => {});
        });
        if (device.plans[planId]?.rotationOwed && plan.keyring) {
          rotateFor(plan)
            .then(() => rememberPlan(planId, { rotationOwed: false }))
            .catch(() => {});
        }
        return { plan, sync };
      })(),
    );
  }
  return opened.get(planId);
}

/** Keep the devices the plan's roster vouches for in the device store, now and as the roster grows. */
function keepRoster(plan) {
  let size = 0;
  const keep = () => {
    if (plan.devices.size === size) return;
    size = plan.devices.size;
    rememberRoster(plan.id, [...plan.devices.values()]).catch(() => {});
  };
  plan.subscribe(keep);
  keep();
}

/** Sync a plan that was waiting for the server (its set-up or its join is done). */
async function releaseSync(planId) {
  if (!opened.has(planId)) return;
  const { sync } = await opened.get(planId);
  const device = await loadDevice();
  sync?.release(device.token);
}

/** Say what a waiting plan waits for (a join whose plan is not on the server yet waits for the inviter). */
async function showWaiting(planId, waiting) {
  if (opened.has(planId)) (await opened.get(planId)).sync?.hold(waiting);
}

/**
 * A worker starts a plan with a person, with or without a connection: the device draws the plan id
 * (spec §4) and makes the first key, people can write at once, and setting the plan up on the server
 * is queued (api.md §5); the plan syncs once the server has it.
 */
export async function startPlan({ title, person }) {
  const device = await loadDevice();
  const planId = newPlanId();
  await rememberPlan(planId, { role: 'worker', added: Date.now(), pending: 'setup' });
  const { plan } = await openPlan(planId);
  await plan.enrolSelf(await newPlanKey(planId), { name: device.name, label: device.label, role: 'worker' });
  await plan.create('plan', { title, person, status: 'draft' });
  await enqueue({ kind: 'setup-plan', plan: planId, key: `setup:${planId}` });
  return planId;
}

onAction('setup-plan', async ({ plan: planId }) => {
  const device = await loadDevice();
  if (!device?.token) throw new RetryLater('unlock');
  await api('/plans', { method: 'POST', token: device.token, body: { plan_id: planId } });
  await rememberPlan(planId, { pending: null });
  await releaseSync(planId);
});

/**
 * An invite for another device; returns its text form at once. The invite carries its own signed
 * registration (spec §11), and registering it with the server is queued: with no connection here,
 * the other device can still join, and the registration follows when this device is online.
 */
export async function inviteDevice(plan, { role, access }) {
  const device = await loadDevice();
  const grant = role === 'owner' ? { role, access: 'write' } : { role, access };
  const invite = await createInvite(plan.keyring.current, { inviter: device.keys, ...grant });
  const registration = await inviteRegistration(invite);
  await enqueue({ kind: 'register-invite', plan: plan.id, registration, key: `invite:${registration.invite_id}` });
  return { text: invite.toText(), expiresAt: invite.expiresAt, inviteId: registration.invite_id };
}

onAction('register-invite', async ({ registration }) => {
  if (registration.expires_at <= Date.now() / 1000) return; // unused and expired: nothing left to register
  const device = await loadDevice();
  if (!device?.token) throw new RetryLater('unlock');
  const { plan_id: planId, inviter, signature, ...body } = registration;
  await api(`/plans/${planId}/invites`, { method: 'POST', token: device.token, body });
});

/** The plan fingerprint people compare (spec §12), from the inviter's signing key. */
async function fingerprintOf(joined) {
  return planFingerprint(joined.planKey.planId, joined.planKey.kid, joined.inviter.signing);
}

/**
 * Join a plan with an invite's text (from the QR code or typed in). With a connection the server
 * admits this device at once; a refusal is thrown. With none (or when the plan is not on the server
 * yet) the join is kept: the plan key is stored wrapped for this device, the plan is listed as
 * waiting, and the redemption is queued. Returns the plan id.
 */
export async function joinWithInvite({ text, name, label }) {
  const compact = text.replace(/[\s-]/g, '');
  const invite = await openInvite(/^AS1:/i.test(compact) ? compact : `AS1:${compact}`);
  const existing = await loadDevice();
  const keys = existing ? existing.keys : await newDeviceKeys();
  const planId = invite.planKey.planId;
  const request = { auth_token: invite.authToken, public_keys: keys.public.toJSON(), label, registration: invite.registration };
  let res = null;
  let waitingFor = null;
  try {
    res = await api(`/invites/${invite.inviteId}/redeem`, { method: 'POST', token: existing?.token, body: request });
  } catch (error) {
    if (error.status === 0) waitingFor = 'connection';
    else if (error.error === 'plan_not_set_up') waitingFor = 'inviter';
    else throw error;
  }
  if (res && res.plan_id !== planId) throw new Error('the server named another plan');
  if (res && !existing?.token) {
    await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.role, name, label });
  } else if (!existing) {
    await saveIdentity(keys, { token: null, deviceId: keys.deviceId, account: null, kind: invite.role, name, label, joining: true });
  }
  askPersistentStorage();
  const fingerprint = await fingerprintOf(invite);
  const role = res ? res.role : invite.role;
  const info = { role, inviter: invite.inviter.toJSON(), added: Date.now(), fingerprint };
  await rememberPlan(planId, res ? { ...info, pending: null } : { ...info, pending: 'join', waitingFor });
  const { plan } = await openPlan(planId);
  if (!plan.keyring) {
    await plan.enrolSelf(invite.planKey, { name: existing?.name || name, label: existing?.label || label, role });
  }
  if (!res) await enqueue({ kind: 'join', plan: planId, key: `join:${invite.inviteId}`, inviteId: invite.inviteId, request });
  return planId;
}

onAction('join', async ({ plan: planId, inviteId, request }) => {
  const device = await loadDevice();
  if (!device) throw new RetryLater('unlock');
  let res;
  try {
    const body = { ...request, public_keys: device.keys.public.toJSON() };
    res = await api(`/invites/${inviteId}/redeem`, { method: 'POST', token: device.token || undefined, body });
  } catch (error) {
    if (error.error === 'plan_not_set_up') {
      await rememberPlan(planId, { waitingFor: 'inviter' });
      await showWaiting(planId, 'inviter');
      throw new RetryLater('inviter', { maxDelay: 15000 }); // the other device may connect any moment
    }
    if (error.status > 0 && error.status < 500 && error.status !== 429) {
      await rememberPlan(planId, { refused: error.message || true });
      await showWaiting(planId, 'refused');
    }
    throw error;
  }
  if (!device.token) {
    const { name, label } = device;
    await saveIdentity(device.keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.role, name, label });
  }
  await rememberPlan(planId, { role: res.role, pending: null, waitingFor: null });
  await releaseSync(planId);
});

/**
 * Start sending what this device owes the server (on load, on `online`, with backoff). A plan whose
 * page closed between being started and its set-up being queued gets its set-up queued now.
 */
export function startOutboxSending() {
  (async () => {
    const device = await loadDevice();
    for (const [planId, info] of Object.entries(device?.plans || {})) {
      if (info.pending === 'setup') await enqueue({ kind: 'setup-plan', plan: planId, key: `setup:${planId}` });
    }
  })()
    .catch(() => {})
    .finally(() => startOutbox().catch(() => {}));
}

/** Try the queue again now (for example after unlocking the app). */
export function sendQueuedNow() {
  return drain();
}

/** Who can see the plan, from the server: members and their devices (api.md §8). */
export async function listMembers(planId) {
  const device = await loadDevice();
  const { members } = await api(`/plans/${planId}/members`, { token: device.token });
  return members;
}

/**
 * Remove a member (api.md §9), then rotate the plan key for the devices that remain (spec §10):
 * only devices the plan itself vouches for (this device, the device it joined through, signed roster
 * entries) get the new key, so the server cannot slip in a key of its own. Then the rotation is
 * recorded (api.md §11) and the re-sealed items sync as usual.
 */
export async function removeMember(plan, account) {
  const device = await loadDevice();
  await api(`/plans/${plan.id}/members/${account}`, { method: 'DELETE', token: device.token });
  // Owed until done: if the rotation is cut short (no signal, the app closed), it runs on next open.
  await rememberPlan(plan.id, { rotationOwed: true });
  await rotateFor(plan);
  await rememberPlan(plan.id, { rotationOwed: false });
}

const rotating = new Map(); // planId -> the rotation running on this page (never two at once)

function rotateFor(plan) {
  if (!rotating.has(plan.id)) rotating.set(plan.id, rotateNow(plan).finally(() => rotating.delete(plan.id)));
  return rotating.get(plan.id);
}

async function rotateNow(plan) {
  const device = await loadDevice();
  const members = await listMembers(plan.id);
  const vouched = new Map([...plan.trusted, ...plan.devices]);
  const remaining = [device.keys.public];
  for (const member of members) {
    if (!member.active) continue;
    for (const d of member.devices) {
      if (!d.active || d.device_id === device.keys.deviceId) continue;
      const known = vouched.get(d.device_id);
      if (!known) continue;
      const listed = await DevicePublicKeys.fromJSON(d.public_keys).catch(() => null);
      if (listed?.deviceId === known.deviceId) remaining.push(known);
    }
  }
  const { key, retired } = await plan.rotate(remaining);
  await api(`/plans/${plan.id}/rotations`, { method: 'POST', token: device.token, body: { epoch: key.epoch, kid: key.kid, retire: retired } });
}

/**
 * After someone left a plan, or a device's copy was deleted (api.md §9), the devices that remain are
 * not told: each one, once synced, compares the devices holding the current plan key (its keyring
 * documents) with who the server still serves. If a holder is gone, the key is rotated as after any
 * removal (spec §10). The person's devices do it; a worker's or supporter's device only when no
 * device of the person's holds the key. Skipped when another device already recorded a newer key.
 */
export async function rotateIfSomeoneLeft(plan) {
  const device = await loadDevice();
  const info = device?.plans[plan.id];
  if (!device?.token || !info || info.copy || info.pending || !plan.keyring || rotating.has(plan.id)) return false;
  const members = await listMembers(plan.id);
  const me = members.find((m) => m.account === device.account);
  if (!me?.active || me.access !== 'write') return false;
  const served = new Map();
  for (const member of members) {
    for (const d of member.devices) if (member.active && d.active) served.set(d.device_id, member);
  }
  // Cheap first: every device on the roster is still served, so nobody holding the key is gone.
  if ([...plan.devices.keys()].every((id) => served.has(id))) return false;
  const kid = plan.keyring.current.kid;
  const { rows } = await plan.db.allDocs({ include_docs: true });
  const holders = new Set(rows.map((r) => r.doc).filter((d) => d?.kind === 'keyring' && d.kid === kid).map((d) => d.to));
  if ([...holders].every((id) => served.has(id))) return false;
  const personHolds = [...holders].some((id) => served.get(id)?.role === 'owner');
  if (me.role !== 'owner' && personHolds) return false;
  const { current } = await api(`/plans/${plan.id}/keys`, { token: device.token });
  if (current && current.kid !== kid && current.epoch >= plan.keyring.current.epoch) return false;
  if (plan.keyring.current.kid !== kid) return false;
  await rememberPlan(plan.id, { rotationOwed: true });
  await rotateFor(plan);
  await rememberPlan(plan.id, { rotationOwed: false });
  return true;
}

/** Changes on this device the server does not have yet (for a plan never set up there: all of them). */
export const unsentChanges = (plan) => plan.status.pending.length;

/**
 * Destroy this device's copy of a plan: stop its sync, destroy its local database (the envelopes and
 * the keyring documents holding its keys), drop what the outbox still owes for it (but what `keep`
 * keeps), then forget it in the device store.
 */
async function destroyLocalCopy(planId, keep) {
  const entry = opened.get(planId);
  opened.delete(planId);
  let db = null;
  if (entry) {
    const { plan, sync } = await entry.catch(() => ({}));
    sync?.stop();
    plan?.stop();
    db = plan?.db || null;
  }
  await (db || new PouchDB(localDatabaseName(planId), { auto_compaction: false })).destroy();
  await dropActionsFor(planId, keep);
  await forgetPlan(planId);
}

/**
 * Leave a plan (api.md §9: anyone may remove themself; the person cannot leave their own plan, they
 * can only delete their copy). Once the server has said yes, this device's copy is destroyed. Needs
 * a connection: with none, the ApiError (status 0) is thrown and nothing changes.
 */
export async function leavePlan(planId) {
  const device = await loadDevice();
  if (device.plans[planId]?.role === 'owner') throw new Error('the person cannot leave their own plan');
  await api(`/plans/${planId}/members/${device.account}`, { method: 'DELETE', token: device.token });
  await destroyLocalCopy(planId);
}

const DONE_ELSEWHERE = new Set([401, 403, 404]); // the server already does not serve the plan to this device
const TRY_LATER = (error) => error?.status === 0 || error?.status === 429 || error?.status >= 500;

async function removeThisDevice(planId, device) {
  try {
    await api(`/plans/${planId}/devices/${device.deviceId}`, { method: 'DELETE', token: device.token });
  } catch (error) {
    if (!DONE_ELSEWHERE.has(error?.status)) throw error;
  }
}

/**
 * Delete this device's copy of a plan. A device the server serves the plan to is first removed from
 * it there (api.md §9) so the server stops serving it; with no connection the copy is deleted now and
 * the removal is queued (the outbox keeps this device's token). Returns {told}: whether the server
 * knows already (or never had this device on the plan).
 */
export async function deleteMyCopy(planId) {
  const device = await loadDevice();
  const info = device.plans[planId] || {};
  const key = `remove-device:${planId}`;
  let told = !!(info.copy || info.pending);
  if (!told) {
    try {
      await removeThisDevice(planId, device);
      told = true;
    } catch (error) {
      if (!TRY_LATER(error)) throw error;
      await enqueue({ kind: 'remove-device', plan: planId, key });
    }
  }
  await destroyLocalCopy(planId, (action) => action.key === key);
  return { told };
}

onAction('remove-device', async ({ plan: planId }) => {
  const device = await loadDevice();
  if (!device?.token) throw new RetryLater('unlock');
  await removeThisDevice(planId, device);
});
