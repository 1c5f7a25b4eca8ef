// What this device does with the server and its plans: enrol, start a plan, invite, join, open.

import { createInvite, inviteAuthToken, inviteVerifier, newPlanKey, openInvite } from '../crypto/index.js';
import { api } from './api.js';
import { loadDevice, newDeviceKeys, rememberPlan, saveIdentity, trustedDevices } from './device.js';
import { Plan } from './plan.js';
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
  for (const p of plans) {
    if (!device.plans[p.plan_id]) await rememberPlan(p.plan_id, { role: p.role });
  }
  return loadDevice();
}

/** The plan and its sync, started once per page. */
export function openPlan(planId) {
  if (!opened.has(planId)) {
    opened.set(
      planId,
      (async () => {
        const device = await loadDevice();
        const plan = await new Plan(planId, device).start(await trustedDevices(planId));
        const sync = new PlanSync(plan, device.token);
        sync.start();
        return { plan, sync };
      })(),
    );
  }
  return opened.get(planId);
}

/** A worker starts a plan with a person (needs a connection: the server issues the plan id). */
export async function startPlan({ title, person }) {
  const device = await loadDevice();
  const { plan_id: planId } = await api('/plans', { method: 'POST', token: device.token });
  await rememberPlan(planId, { role: 'worker', added: Date.now() });
  const { plan } = await openPlan(planId);
  await plan.enrolSelf(await newPlanKey(planId), { name: device.name, label: device.label, role: 'worker' });
  await plan.create('plan', { title, person, status: 'draft' });
  return planId;
}

/** An invite for another device, registered with the server; returns its text form. */
export async function inviteDevice(plan, { role, access }) {
  const device = await loadDevice();
  const invite = await createInvite(plan.keyring.current, { inviter: device.keys });
  const verifier = await inviteVerifier(await inviteAuthToken(invite));
  await api(`/plans/${plan.id}/invites`, {
    method: 'POST',
    token: device.token,
    body: { invite_id: invite.inviteIdHex, verifier, expires_at: invite.expiresAt, role, access },
  });
  return { text: invite.toText(), expiresAt: invite.expiresAt };
}

/** Join a plan with an invite's text (from the QR code or typed in). */
export async function joinWithInvite({ text, name, label }) {
  const compact = text.replace(/[\s-]/g, '');
  const invite = await openInvite(/^AS1:/i.test(compact) ? compact : `AS1:${compact}`);
  const existing = await loadDevice();
  const keys = existing ? existing.keys : await newDeviceKeys();
  const res = await api(`/invites/${invite.inviteId}/redeem`, {
    method: 'POST',
    token: existing?.token,
    body: { auth_token: invite.authToken, public_keys: keys.public.toJSON(), label },
  });
  if (!existing) {
    await saveIdentity(keys, { token: res.token, deviceId: res.device_id, account: res.account, kind: res.role, name, label });
  }
  askPersistentStorage();
  await rememberPlan(res.plan_id, { role: res.role, inviter: invite.inviter.toJSON(), added: Date.now() });
  const { plan } = await openPlan(res.plan_id);
  await plan.enrolSelf(invite.planKey, { name: existing?.name || name, label: existing?.label || label, role: res.role });
  return res.plan_id;
}
