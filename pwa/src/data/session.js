// What this device does with the server and its plans: enrol, start a plan, invite, join, open.

import { DevicePublicKeys, createInvite, inviteAuthToken, inviteVerifier, newPlanKey, openInvite } from '../crypto/index.js';
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
        // A plan opened from a file on a device that is not one of its members stays on this device.
        if (device.plans[planId]?.copy) return { plan, sync: null, copy: true };
        const sync = new PlanSync(plan, device.token);
        sync.start();
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

async function rotateFor(plan) {
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
