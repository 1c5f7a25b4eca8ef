// What this device does with the server and its plans: enrol, start a plan, invite, join, open,
// leave a plan or delete this device's copy of it (removing someone and changing keys: rotation.js).

import {
  admissionBind,
  b64uEncode,
  createInvite,
  inviteBindKey,
  inviteRegistration,
  newPlanIdFor,
  newPlanKey,
  openInvite,
  parseInvite,
  planFingerprint,
} from '../crypto/index.js';
import { refreshActivities } from './activities.js';
import { api, retrying, worthRetrying } from './api.js';
import { invitesWait, joinPending, pendingInvite, watchForYes } from './consent.js';
import { AUDIENCES, EVERYONE, grantsAudience, sharingOf } from './audiences.js';
import {
  forgetInvites,
  forgetPlan,
  loadDevice,
  newDeviceKeys,
  rememberInvite,
  rememberPlan,
  rememberRoster,
  saveIdentity,
  trustedDevices,
} from './device.js';
import { openActivitiesDatabase, openLocalDatabase } from './localdb.js';
import { dropSummary } from './caseloadcache.js';
import { RetryLater, dropActionsFor, drain, enqueue, onAction, queuedActions, startOutbox } from './outbox.js';
import { Plan } from './plan.js';
import { shareWhatWeLearn } from './learningsend.js';
import { listMembers, replaceStuckRotation, rotateFor, rotateIfSomeoneLeft } from './rotation.js';
import { PlanSync } from './sync.js';

export { listMembers, removeMember, replaceStuckRotation, rotateIfSomeoneLeft } from './rotation.js';

const opened = new Map(); // planId -> Promise<{plan, sync}>

export function askPersistentStorage() {
  navigator.storage?.persist?.().catch(() => {});
}

/**
 * A worker's device enrols with the code an admin gave them. The device's keys are made once and kept, and
 * the enrolment is sent again by itself while there is no connection or the server fails (`onWait(error)`
 * told each time, `signal` stops it): the server answers the same keys and code the same way, so an answer
 * lost after the server acted is simply asked for again (api.md §4). Keys the server holds enrolled
 * already, whose token never reached this device, are replaced by new ones, once.
 */
export async function enrol({ code, name, label }, { onWait, signal } = {}) {
  let keys = await newDeviceKeys();
  const body = () => ({ code: code.trim(), public_keys: keys.public.toJSON(), label });
  const send = () => retrying(() => api('/enrol', { method: 'POST', body: body() }), { onWait, signal });
  let res;
  try {
    res = await send();
  } catch (error) {
    if (error?.status !== 409) throw error;
    keys = await newDeviceKeys({ fresh: true });
    res = await send();
  }
  const device = await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.kind, name, label });
  askPersistentStorage();
  await refreshPlanList().catch(() => {});
  return device;
}

/** Keep this device's copy of its organisation's activities up to date (a refused copy leaves the old one). */
export function refreshOurActivities(token) {
  return openActivitiesDatabase().then((db) => refreshActivities({ db, fetchSigned: () => api('/activities', { token }) }));
}

/** Add the plans the server says this account belongs to (when online) to the ones we know. */
export async function refreshPlanList() {
  const device = await loadDevice();
  const { plans } = await api('/plans', { token: device.token });
  if (device.kind === 'worker' || device.kind === 'admin') refreshOurActivities(device.token).catch(() => {});
  // A copy deleted here with no connection stays deleted while the server is still to be told.
  const deleting = new Set((await queuedActions()).filter((a) => a.kind === 'remove-device').map((a) => a.plan));
  for (const p of plans) {
    if (!device.plans[p.plan_id] && !deleting.has(p.plan_id)) await rememberPlan(p.plan_id, { role: p.role, access: p.access });
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

/** Close every open plan and stop its sync (the quick exit): this page keeps no plan open. */
export const closeAllPlans = () => closeOthers(null);

/** The plan and its sync, started once per page. */
export function openPlan(planId) {
  if (!opened.has(planId)) {
    closeOthers(planId);
    opened.set(
      planId,
      (async () => {
        const device = await loadDevice();
        const plan = await new Plan(planId, device, { db: await openLocalDatabase(planId) }).start(await trustedDevices(planId));
        keepRoster(plan);
        admitWhenJoined(plan);
        shareKeysWhenNeeded(plan);
        // A plan opened from a file on a device that is not one of its members stays on this device.
        if (device.plans[planId]?.copy) return { plan, sync: null, copy: true };
        const sync = new PlanSync(plan, device.token);
        // Not on the server for this device yet (started offline, or a join not finished): wait for the outbox.
        const info = device.plans[planId] || {};
        if (info.pending) sync.hold(info.refused ? 'refused' : info.waitingFor === 'inviter' ? 'inviter' : info.pending, info.fingerprint);
        else sync.start();
        // Joined with a pending invite: waits for the person's yes, then for a key (data/consent.js).
        if (info.consent) watchForYes(plan, sync);
        // Once synced: learn who the server serves, see whether the key was changed in a way this device
        // cannot open (spec §10.3), and whether someone left since the key was last changed.
        shareAfterSyncs(plan, sync);
        const stopWatching = sync.subscribe(() => {
          if (sync.state !== 'synced') return;
          stopWatching();
          afterFirstSync(plan).catch(() => {});
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

/**
 * Send this plan's changes now: a live sync that is waiting out a backoff after a failed request starts again
 * at once (a healthy one sends new documents by itself). Used when a device just wrote something another device
 * is waiting for, such as the key for a member the person let in.
 */
export async function sendPlanNow(planId) {
  const { sync } = (await opened.get(planId)) || {};
  if (sync && (sync.state === 'retrying' || sync.state === 'problem')) sync.restart();
}

/** Each time the plan has synced: share what it teaches, if the person chose to (learningsend.js). */
function shareAfterSyncs(plan, sync) {
  let was = null;
  sync.subscribe(() => {
    if (sync.state === 'synced' && was !== 'synced') shareWhatWeLearn(plan).catch(() => {});
    was = sync.state;
  });
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

/**
 * Whenever the plan is read, a steward that holds an invite's bind key and finds the roster entry of the
 * device that joined with it writes that device's admission (spec §11.5); the bind key is then forgotten.
 */
function admitWhenJoined(plan) {
  let running = false;
  const admit = async () => {
    if (running) return;
    const device = await loadDevice();
    const invites = device?.plans[plan.id]?.invites || [];
    if (!invites.length || !plan.canInvite) return;
    if (!plan.roster.some((entry) => invites.some((i) => i.inviteId === entry.invite?.invite_id))) return;
    running = true;
    try {
      await forgetInvites(plan.id, await plan.admitInvited(invites));
    } finally {
      running = false;
    }
  };
  plan.subscribe(() => admit().catch(() => {}));
  forgetInvites(plan.id).catch(() => {}); // bind keys kept 30 days at most
  admit().catch(() => {});
}

/**
 * Whenever who is in an audience may have changed (the roster, the roles, the person's circles, the keys
 * held), a device that gives an audience's keys grants them to the devices in it that lack them (spec §5.3).
 */
const MEMBERS_GAP = 10_000;

function shareKeysWhenNeeded(plan) {
  let seen = '';
  let asked = 0;
  let later = null;
  const share = () => {
    if (!plan.keyring || plan.me.access !== 'write' || !AUDIENCES.some((a) => a !== EVERYONE && grantsAudience(plan.me.role, a))) return;
    // A device new on the roster (someone who joined during the visit) is given keys only once the server
    // lists it: ask for the member list again (at most every 10 seconds) rather than at the next opening.
    const listed = new Set((plan.context.members || []).flatMap((m) => m.devices.map((d) => d.device_id)));
    if ([...plan.devices.keys()].some((id) => !listed.has(id))) {
      const wait = asked + MEMBERS_GAP - Date.now();
      if (wait <= 0) {
        asked = Date.now();
        refreshMembers(plan).catch(() => {});
      } else if (!later) {
        later = setTimeout(() => {
          later = null;
          if (opened.has(plan.id)) share(); // not for a plan closed meanwhile
        }, wait);
      }
    }
    const now = JSON.stringify([[...plan.keyring.keys.keys()], [...plan.roles], [...sharingOf(plan).services], plan.context.members || []]);
    if (now === seen) return;
    seen = now;
    plan.shareAudienceKeys().catch(() => {
      seen = '';
    });
  };
  plan.subscribe(share);
  share();
}

/** Fetch the plan's member list into the plan's context (and the device store); reload the plan with it. */
async function refreshMembers(plan) {
  const device = await loadDevice();
  // Not on the server for this device yet (its set-up or its join still to go): the server has no list for it.
  if (!device?.token || device.plans[plan.id]?.pending) return false;
  // Only what roles need is kept (spec §19.4): no labels, accounts or keys.
  // Members still waiting for the person's yes are nobody yet (spec §11.6): no roles, no keys.
  const members = (await listMembers(plan.id)).filter((m) => m.status !== 'pending').map(({ role, access, active, devices }) => ({
    role,
    access,
    active,
    devices: devices.map(({ device_id, active: on }) => ({ device_id, active: on })),
  }));
  await rememberPlan(plan.id, { members });
  plan.setContext({ members });
  await plan.reload();
  return true;
}

/** After the first sync of an opened plan: the member list, a stuck rotation, someone who left. */
async function afterFirstSync(plan) {
  if (!(await refreshMembers(plan))) return;
  if (await replaceStuckRotation(plan)) return;
  await rotateIfSomeoneLeft(plan);
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
  // The plan id names this device as the plan's creator (spec §4.1): its roster entry carries the salt.
  const { planId, salt } = await newPlanIdFor(device.keys.public);
  await rememberPlan(planId, { role: 'worker', access: 'write', added: Date.now(), pending: 'setup' });
  const { plan, sync } = await openPlan(planId);
  if (navigator.onLine) sync.hold('setup', null, { trying: true }); // sent at once (below): "Syncing…" until it fails
  const profile = { name: device.name, label: device.label, role: 'worker', plan_salt: b64uEncode(salt) };
  await plan.enrolSelf(await newPlanKey(planId), profile);
  await plan.create('plan', { title, person, status: 'draft' });
  await enqueue({ kind: 'setup-plan', plan: planId, key: `setup:${planId}` });
  return planId;
}

onAction('setup-plan', async ({ plan: planId }) => {
  const device = await loadDevice();
  if (!device?.token) throw new RetryLater('unlock');
  try {
    await api('/plans', { method: 'POST', token: device.token, body: { plan_id: planId } });
  } catch (error) {
    await showWaiting(planId, 'setup'); // not this time: the line says what the plan waits for
    throw error;
  }
  await rememberPlan(planId, { pending: null });
  await releaseSync(planId);
});

/**
 * An invite for another device; returns its text form at once. Only stewards invite (spec §11). The
 * invite carries its own signed registration, and registering it with the server is queued: with no
 * connection here, the other device can still join, and the registration follows when this device is
 * online. The invite's bind key is kept so the device that joins with it can be admitted (spec §11.5).
 */
export async function inviteDevice(plan, { role, access }) {
  // Anyone's but the person's own device's invite for a supporter waits for the person's yes (spec §11.6); a
  // supporter invites only such invites, and only while the person lets them (the server checks).
  if (invitesWait(plan, role)) return pendingInvite(plan, { access });
  if (!plan.canInvite) throw new Error("only the person's or the worker's devices can invite");
  const device = await loadDevice();
  const grant = role === 'owner' ? { role, access: 'write' } : { role, access };
  const invite = await createInvite(plan.keyring.current, { inviter: device.keys, ...grant });
  const registration = await inviteRegistration(invite);
  const bindKey = b64uEncode(await inviteBindKey(invite));
  await rememberInvite(plan.id, { inviteId: registration.invite_id, bindKey, ...grant, expiresAt: invite.expiresAt });
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
 * admits this device at once; a refusal is thrown. With none, or an answer lost on the way, or a server
 * that fails or is not ready (the plan not on it yet), the join is kept: the plan key is stored wrapped
 * for this device, the plan is listed as waiting, and the redemption is queued with the same keys (the
 * server answers a repeat the same way, api.md §7). Returns the plan id.
 */
export async function joinWithInvite({ text, name, label }) {
  const compact = text.replace(/[\s-]/g, '');
  const full = /^AS1:/i.test(compact) ? compact : `AS1:${compact}`;
  if ((await parseInvite(full)).pending) return joinPending(full, { name, label });
  const invite = await openInvite(full);
  const existing = await loadDevice();
  let keys = existing ? existing.keys : await newDeviceKeys();
  const planId = invite.planKey.planId;
  const redemption = () => ({ auth_token: invite.authToken, public_keys: keys.public.toJSON(), label, registration: invite.registration });
  let { res, waitingFor, enrolled } = await redeemNow(invite.inviteId, redemption(), existing?.token, { renewable: !existing });
  if (enrolled) {
    // These keys are enrolled on the server already and their token never reached this device: new keys, once.
    keys = await newDeviceKeys({ fresh: true });
    ({ res, waitingFor } = await redeemNow(invite.inviteId, redemption(), null));
  }
  const request = redemption();
  if (res && res.plan_id !== planId) throw new Error('the server named another plan');
  if (res && !existing?.token) {
    await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.role, name, label });
  } else if (!existing) {
    await saveIdentity(keys, { token: null, deviceId: keys.deviceId, account: null, kind: invite.role, name, label, joining: true });
  }
  askPersistentStorage();
  const fingerprint = await fingerprintOf(invite);
  const role = res ? res.role : invite.role;
  const info = { role, access: invite.access, inviter: invite.inviter.toJSON(), added: Date.now(), fingerprint };
  await rememberPlan(planId, res ? { ...info, pending: null } : { ...info, pending: 'join', waitingFor });
  const { plan } = await openPlan(planId);
  if (!plan.keyring) {
    // The roster entry proves to the inviting device that this is the device its code was shown to (spec §11.5).
    const bind = await admissionBind(invite.bindKey, { planId, deviceId: keys.deviceId });
    const profile = { name: existing?.name || name, label: existing?.label || label, role, invite: { invite_id: invite.inviteId, bind } };
    await plan.enrolSelf(invite.planKey, profile);
  }
  if (!res) await enqueue({ kind: 'join', plan: planId, key: `join:${invite.inviteId}`, inviteId: invite.inviteId, request });
  return planId;
}

/**
 * Redeem an invite now: {res} when admitted; {waitingFor} when it is to be queued ('connection': no
 * connection, a lost answer, a failing server; 'inviter': the plan is not on the server yet); with
 * `renewable` (keys made for this join), {enrolled: true} when the server has these keys enrolled already
 * (409). Any other refusal is thrown.
 */
async function redeemNow(inviteId, body, token, { renewable = false } = {}) {
  try {
    return { res: await api(`/invites/${inviteId}/redeem`, { method: 'POST', token: token || undefined, body }) };
  } catch (error) {
    if (worthRetrying(error)) return { waitingFor: 'connection' };
    if (error.error === 'plan_not_set_up') return { waitingFor: 'inviter' };
    if (error.status === 409 && renewable) return { enrolled: true };
    throw error;
  }
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

/**
 * Changes on this device the server does not have yet (for a plan never set up there: all of them): the items
 * people wrote, not the keyring documents the device writes by itself (they are made again where needed).
 */
export const unsentChanges = (plan) => plan.status.pending.filter((id) => !plan.keyringIds?.has(id)).length;

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
  await (db || (await openLocalDatabase(planId))).destroy();
  await dropActionsFor(planId, keep);
  await forgetPlan(planId);
  await dropSummary(planId); // and from the caseload summary at rest
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
