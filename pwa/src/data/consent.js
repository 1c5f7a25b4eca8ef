// Consent to membership (issue 16; spec §11.6, api.md §7 "Waiting for the person's yes"): nobody but the
// person's own device lets someone in at once. Anyone else's invite for a supporter is pending: it carries no
// plan key, only a request key Q, under which the new device sends its own chosen name. The person's device
// reads it, and on their yes writes the admission, grants the keys (grantKeysToMember) and tells the server;
// the new device waits ("Waiting for the person's yes") and opens the plan once a key reaches it.

import {
  DevicePublicKeys,
  EVERYONE,
  admissionBind,
  b64uDecode,
  b64uEncode,
  createPendingInvite,
  grantPlanKey,
  inviteBindKey,
  inviteRegistration,
  openJoinRequest,
  openPendingInvite,
  sealJoinRequest,
} from '../crypto/index.js';
import { api } from './api.js';
import { audienceGrantsFor } from './audiences.js';
import { loadDevice, newDeviceKeys, rememberPlan, saveIdentity } from './device.js';
import { enqueue } from './outbox.js';

const WATCH_EVERY = 3000;

/** Whether an invite made on this device for `role` waits for the person's yes: anyone's but the person's own device's, for a supporter. */
export const invitesWait = (plan, role) => role !== 'owner' && plan.me.role !== 'owner';

/**
 * A pending invite for a supporter (spec §11.6): no plan key. The request key and the bind key go into the
 * plan as an `invite` record, so that the person's devices can read the join request and check its bind; the
 * registration (marked pending, signed) is queued as for any invite. Returns what inviteDevice returns.
 */
export async function pendingInvite(plan, { access }) {
  const device = await loadDevice();
  const { invite, requestKey } = await createPendingInvite(plan.id, { inviter: device.keys, role: 'supporter', access });
  const registration = await inviteRegistration(invite);
  const record = {
    invite_id: registration.invite_id,
    role: 'supporter',
    access,
    request_key: b64uEncode(requestKey),
    bind_key: b64uEncode(await inviteBindKey(invite)),
  };
  await plan.createNow('invite', record);
  await enqueue({ kind: 'register-invite', plan: plan.id, registration, key: `invite:${registration.invite_id}` });
  return { text: invite.toText(), expiresAt: invite.expiresAt, inviteId: registration.invite_id, pending: true };
}

/**
 * Join with a pending invite (needs a connection: the person has to see who is asking). The join request (own
 * chosen name, device label, the bind of spec §11.5) is sealed under Q and sent with the redemption. The plan
 * is then listed as waiting for the person's yes. Returns the plan id.
 */
export async function joinPending(text, { name, label }) {
  const invite = await openPendingInvite(text);
  const existing = await loadDevice();
  let keys = existing ? existing.keys : await newDeviceKeys();
  const planId = invite.planId;
  const own = { name: existing?.name || name, label: existing?.label || label || '' };
  const body = async () => {
    const bind = await admissionBind(invite.bindKey, { planId, deviceId: keys.deviceId });
    const ids = { planId, inviteId: invite.inviteId, deviceId: keys.deviceId };
    const joinRequest = await sealJoinRequest(invite.requestKey, { ...own, bind }, ids);
    return { auth_token: invite.authToken, public_keys: keys.public.toJSON(), label, registration: invite.registration, join_request: joinRequest };
  };
  const redeem = async () => api(`/invites/${invite.inviteId}/redeem`, { method: 'POST', token: existing?.token || undefined, body: await body() });
  let res;
  try {
    res = await redeem();
  } catch (error) {
    if (error.status !== 409 || existing) throw error;
    keys = await newDeviceKeys({ fresh: true }); // enrolled already, its token lost: new keys, once
    res = await redeem();
  }
  if (res.plan_id !== planId) throw new Error('the server named another plan');
  if (!existing?.token) await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.role, ...own });
  const bind = await admissionBind(invite.bindKey, { planId, deviceId: keys.deviceId });
  const waiting = res.status === 'pending';
  await rememberPlan(planId, {
    role: res.role,
    access: res.access,
    inviter: invite.inviter.toJSON(),
    added: Date.now(),
    pending: waiting ? 'consent' : null,
    // What its roster entry will say once a key arrives (spec §19.1).
    consent: { ...own, role: res.role, invite: { invite_id: invite.inviteId, bind } },
  });
  return planId;
}

/**
 * On a device waiting for the person's yes: ask the server now and then. Once approved, learn the person's
 * devices (the only devices whose grant can bring the first key, checked against the roster it opens, see
 * planread.js) and sync; once declined, say so. Once a key is held, write this device's roster entry.
 * `held` is the plan's sync, `release(token)` starts it. Returns a function that stops watching.
 */
export function watchForYes(plan, sync) {
  let stopped = false;
  let timer = null;
  const check = async () => {
    const device = await loadDevice();
    const info = device?.plans[plan.id];
    if (!info?.consent) return true;
    if (info.pending === 'consent' || info.pending === 'declined') {
      const { plans } = await api('/plans', { token: device.token });
      const entry = plans.find((p) => p.plan_id === plan.id);
      if (!entry) {
        await rememberPlan(plan.id, { pending: 'declined' });
        sync?.hold('declined');
        return true;
      }
      if (entry.status === 'pending') return false;
      await rememberPlan(plan.id, { pending: null, role: entry.role, access: entry.access });
    }
    if (!plan.candidates) await learnThePersonsDevices(plan, device.token);
    sync?.release(device.token);
    if (!plan.keyring) return false;
    await plan.enrolSelf(plan.keyring.current, info.consent);
    await rememberPlan(plan.id, { consent: null });
    return true;
  };
  let running = false;
  const tick = async () => {
    if (stopped || running) return;
    running = true;
    clearTimeout(timer);
    let done = false;
    try {
      done = await check();
    } catch {
      /* no connection now: ask again */
    } finally {
      running = false;
    }
    if (done) stopped = true;
    else if (!stopped) timer = setTimeout(tick, WATCH_EVERY);
  };
  plan.subscribe(() => {
    if (plan.keyring && plan.candidates) tick();
  });
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The person's devices as the server lists them: candidates for the first grant, never trusted by that alone. */
async function learnThePersonsDevices(plan, token) {
  const { members } = await api(`/plans/${plan.id}/members`, { token });
  const candidates = new Map();
  for (const member of members) {
    if (member.role !== 'owner' && member.role !== 'worker') continue;
    for (const d of member.devices) {
      if (!d.active || !d.public_keys) continue;
      const keys = await DevicePublicKeys.fromJSON(d.public_keys);
      if (keys.deviceId === d.device_id) candidates.set(keys.deviceId, keys);
    }
  }
  plan.candidates = candidates;
  await plan.reload();
}

/**
 * The members waiting for the person's yes, as the person's (or the worker's) device reads them: the server's
 * list gives the sealed join request; the plan's `invite` record gives Q and the bind key. Each is {account,
 * deviceId, keys, name, label, access, invitedBy, inviteId, bindOk}; `name` is null when this device cannot
 * read the request (no record of the invite here yet).
 */
export async function pendingMembers(plan) {
  const device = await loadDevice();
  if (device.plans[plan.id]?.pending) return []; // not on the server for this device yet: nobody can be waiting
  const { members } = await api(`/plans/${plan.id}/members`, { token: device.token });
  const records = plan.list('invite');
  const out = [];
  for (const member of members) {
    if (member.status !== 'pending') continue;
    const d = member.devices[0];
    const record = records.find((r) => r.f.invite_id?.v === member.invite_id);
    const waiting = {
      account: member.account,
      deviceId: d?.device_id,
      keys: d?.public_keys,
      name: null,
      label: '',
      access: member.access,
      role: member.role, // 'worker' for a colleague a plan is handed over to (data/handover.js)
      invitedBy: plan.deviceName(member.invited_by)?.name || null,
      inviteId: member.invite_id,
      bindOk: false,
    };
    if (record && d) {
      try {
        const ids = { planId: plan.id, inviteId: member.invite_id, deviceId: d.device_id };
        const request = await openJoinRequest(b64uDecode(record.f.request_key.v, 32, 'request key'), member.join_request, ids);
        const bindKey = b64uDecode(record.f.bind_key.v, 32, 'bind key');
        waiting.name = request.name;
        waiting.label = request.label;
        waiting.bindOk = (await admissionBind(bindKey, { planId: plan.id, deviceId: d.device_id })) === request.bind;
      } catch {
        /* not sealed for this invite and device: shown without a name, and cannot be let in */
      }
    }
    out.push(waiting);
  }
  return out;
}

/**
 * Give the plan's keys to a member's device (keyring documents, spec §9): every key of the plan's everyone
 * line this device holds, so the device reads older items too. The one place keys are granted to someone
 * newly let in.
 */
export async function grantKeysToMember(plan, recipient) {
  const granter = plan.device.keys;
  const grants = [];
  for (const key of plan.keyring.keys.values()) {
    if (key.audience === EVERYONE) grants.push(await grantPlanKey(key, { recipient, granter }));
  }
  grants.push(...(await audienceGrantsFor(plan, recipient))); // and the current key of each audience it is in (spec §5.3)
  await plan.db.bulkDocs(grants);
  await plan.markPending(grants.map((g) => g._id));
}

/**
 * The person says yes (on their own device, or on the worker's with `inPerson`): the bind is checked, the
 * admission written (spec §19.2; `agreed: "in person"` on the worker's device), the keys granted, and the
 * server told.
 */
export async function approveMember(plan, waiting, { inPerson = false } = {}) {
  if (!waiting.bindOk || !waiting.keys) throw new Error('this request cannot be checked');
  const keys = await DevicePublicKeys.fromJSON(waiting.keys);
  if (keys.deviceId !== waiting.deviceId) throw new Error('this request cannot be checked');
  const role = waiting.role === 'worker' ? 'worker' : 'supporter';
  const admission = { device_id: keys.deviceId, keys: keys.toJSON(), role, access: waiting.access, invite_id: waiting.inviteId };
  await plan.createNow('admission', inPerson ? { ...admission, agreed: 'in person' } : admission);
  await grantKeysToMember(plan, keys);
  const device = await loadDevice();
  const body = inPerson ? { in_person: true } : {};
  await api(`/plans/${plan.id}/members/${waiting.account}/approve`, { method: 'POST', token: device.token, body });
}

/** The person says no: the server removes the member; nothing was granted. */
export async function declineMember(plan, waiting, { inPerson = false } = {}) {
  const device = await loadDevice();
  const body = inPerson ? { in_person: true } : {};
  await api(`/plans/${plan.id}/members/${waiting.account}/decline`, { method: 'POST', token: device.token, body });
}

/** Whether people the person trusts may invite (api.md §6), from the server; null when it cannot be asked. */
export async function supportersMayInvite(planId) {
  const device = await loadDevice();
  try {
    return (await api(`/plans/${planId}/settings`, { token: device.token })).supporters_may_invite;
  } catch {
    return null;
  }
}

/** The person's device lets people they trust invite others (they still say yes to each one), or not. */
export async function letSupportersInvite(planId, allowed) {
  const device = await loadDevice();
  await api(`/plans/${planId}/settings`, { method: 'PUT', token: device.token, body: { supporters_may_invite: allowed } });
}
