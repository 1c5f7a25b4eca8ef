// Handing a plan over to a colleague (issue 17; spec §11.7, api.md §9). The worker's device makes a handover
// code: a pending invite for a worker, which carries no plan key, and a `handover` item in the plan (from whom, a
// note in the worker's own words, how far it got). The colleague's enrolled work device joins with it and waits
// like anyone pending; the person says yes on their own phone (or in person on a worker's device), and their
// device admits the colleague as the worker, grants the worker's and everyone's keys (consent.js) and writes the
// colleague's own chosen name into the handover. Then the colleague's device (or the person's, or the old worker
// leaving) removes the old worker and the plan's keys rotate (rotation.js), so the old worker's devices cannot
// open anything written afterwards. The old worker's device is told to send what it has not sent first.
//
// When the worker is away, ill or gone, an admin of the organisation asks for the handover instead (api.md §9):
// the request waits on the server, naming the old worker's account and the colleague's. The admin holds no key,
// so a device that does — the person's own phone, or the old worker's — makes the handover code for it; the
// server binds it to the colleague's account, and the rest is the same: the person's yes, then the finish.

import { b64uEncode, createPendingInvite, inviteBindKey, inviteRegistration } from '../crypto/index.js';
import { api } from './api.js';
import { loadDevice } from './device.js';
import { RetryLater, enqueue, onAction } from './outbox.js';
import { listMembers, removeMember } from './rotation.js';

/** How far a handover got; `open` ones are still under way. */
export const HANDOVER_STATUS = ['asked', 'agreed', 'declined', 'finished'];

const statusOf = (item) => item.f.status?.v || 'asked';

/**
 * The plan's handovers, oldest first: {id, inviteId, fromDevice, fromAccount, fromName, note, toName, askedName,
 * requested, status, at}; `requested` when the organisation asked for it (`askedName`: the colleague it named).
 */
export function handovers(plan) {
  return plan
    .list('handover')
    .map((item) => ({
      id: item.id,
      inviteId: item.f.invite_id?.v,
      fromDevice: item.f.from_device?.v,
      fromAccount: item.f.from_account?.v || '',
      fromName: item.f.from_name?.v || '',
      askedName: item.f.asked_name?.v || '',
      requested: item.f.requested?.v === 'yes',
      note: item.f.note?.v || '',
      toName: item.f.to_name?.v || '',
      status: statusOf(item),
      at: item.f.invite_id?.at || 0,
    }))
    .sort((a, b) => a.at - b.at);
}

/** The handover a pending member came with (their invite id), if any. */
export const handoverOf = (plan, inviteId) => handovers(plan).find((h) => h.inviteId === inviteId) || null;

/** Whether this device may hand the plan over: the worker's device, with write access. */
export const mayHandOver = (plan) => plan.me.role === 'worker' && plan.me.access === 'write' && !!plan.keyring;

/**
 * The worker's device starts a handover: a pending invite for a worker (no plan key), its request and bind
 * keys recorded in the plan (as for any pending invite), the `handover` item with the worker's own name and
 * note, and the invite's registration and the handover's record on the server queued. Returns what
 * inviteDevice returns: {text, expiresAt, inviteId, pending}.
 */
export async function startHandover(plan, { note }) {
  if (!mayHandOver(plan)) throw new Error("only the worker's device hands a plan over");
  const device = await loadDevice();
  const { invite, registration, inviteId, record } = await handoverCode(plan, device);
  await plan.createNow('invite', record);
  const fromName = plan.deviceName(device.keys.deviceId)?.name || device.name || '';
  await plan.createNow('handover', { invite_id: inviteId, from_device: device.keys.deviceId, from_name: fromName, note, status: 'asked' });
  await enqueue({ kind: 'register-invite', plan: plan.id, registration, key: `invite:${inviteId}` });
  await enqueue({ kind: 'start-handover', plan: plan.id, inviteId, key: `handover:${inviteId}` });
  return { text: invite.toText(), expiresAt: invite.expiresAt, inviteId, pending: true };
}

/** A pending invite for a worker (no plan key) and the `invite` item's record of its request and bind keys. */
async function handoverCode(plan, device) {
  const { invite, requestKey } = await createPendingInvite(plan.id, { inviter: device.keys, role: 'worker', access: 'write' });
  const registration = await inviteRegistration(invite);
  const inviteId = registration.invite_id;
  const record = {
    invite_id: inviteId,
    role: 'worker',
    access: 'write',
    request_key: b64uEncode(requestKey),
    bind_key: b64uEncode(await inviteBindKey(invite)),
  };
  return { invite, registration, inviteId, record };
}

/**
 * The handovers the organisation asked for that wait for a device to make their code (api.md §9), from the
 * server: [{request_id, from_account, from_name, to_account, to_name, started_at, ...}]; none offline.
 */
export async function handoverRequests(planId) {
  const device = await loadDevice();
  if (!device?.token) return [];
  try {
    const { handovers: all } = await api(`/plans/${planId}/handovers`, { token: device.token });
    return all.filter((h) => h.status === 'requested');
  } catch {
    return []; // no connection: the request is shown when there is one
  }
}

/** Whether this device makes the code for a requested handover: the person's own, or the old worker's. */
export function mayAnswerRequest(plan, request) {
  if (plan.me.access !== 'write' || !plan.keyring) return false;
  return plan.me.role === 'owner' || (plan.me.role === 'worker' && plan.device.account === request.from_account);
}

/**
 * Make the handover code for a handover the organisation asked for, on the person's device or the old worker's.
 * It needs a connection: the invite and the handover are recorded on the server before the code is shown, so
 * that the server has bound the code to the colleague the organisation named before anyone can use it. The
 * `handover` item names the old worker (their own chosen name where the plan knows their devices, else the
 * organisation's) and the colleague the organisation named. Returns what startHandover returns, and `to`: that name.
 */
export async function startRequestedHandover(plan, request) {
  if (!mayAnswerRequest(plan, request)) throw new Error('only the person or the worker makes this code');
  const device = await loadDevice();
  const { invite, registration, inviteId, record } = await handoverCode(plan, device);
  const { plan_id: planId, inviter, signature, ...body } = registration;
  await api(`/plans/${plan.id}/invites`, { method: 'POST', token: device.token, body });
  const answer = { invite_id: inviteId, request_id: request.request_id };
  await api(`/plans/${plan.id}/handovers`, { method: 'POST', token: device.token, body: answer });
  await plan.createNow('invite', record);
  await plan.createNow('handover', {
    invite_id: inviteId,
    from_account: request.from_account,
    from_name: (await ownNameOf(plan, request.from_account)) || request.from_name || '',
    asked_name: request.to_name || '',
    requested: 'yes',
    status: 'asked',
  });
  return { text: invite.toText(), expiresAt: invite.expiresAt, inviteId, pending: true, to: request.to_name || '' };
}

/** The name a member chose on their own device, from the plan's roster. */
async function ownNameOf(plan, account) {
  const member = (await listMembers(plan.id)).find((m) => m.account === account);
  return member?.devices.map((d) => plan.deviceName(d.device_id)?.name).find(Boolean) || '';
}

onAction('start-handover', async ({ plan: planId, inviteId }) => {
  const device = await loadDevice();
  if (!device?.token) throw new RetryLater('unlock');
  await api(`/plans/${planId}/handovers`, { method: 'POST', token: device.token, body: { invite_id: inviteId } });
});

/**
 * After the person's yes or no to a colleague who came with a handover code (consent.js has admitted them
 * and granted the keys): the handover records the colleague's own chosen name and the answer.
 */
export async function recordDecision(plan, waiting, yes) {
  const handover = handoverOf(plan, waiting.inviteId);
  if (!handover || handover.status !== 'asked') return;
  await plan.updateNow(handover.id, yes ? { to_name: waiting.name || '', status: 'agreed' } : { status: 'declined' });
}

/** The account of the worker who handed over: the member whose devices include the handover's device. */
async function handingOverAccount(plan, handover) {
  if (handover.fromAccount) return handover.fromAccount;
  const members = await listMembers(plan.id);
  const found = members.find((m) => m.role === 'worker' && m.devices.some((d) => d.device_id === handover.fromDevice));
  return found?.account || null;
}

/**
 * Finish an agreed handover, on the colleague's device or the person's: the old worker is removed (the server
 * allows it once the person agreed) and the plan's keys rotate for the devices that remain, then the handover
 * is marked finished. Nothing of the old worker's is lost that reached the server; their device was told to
 * send the rest first.
 */
export async function finishHandover(plan, handover) {
  if (handover.status !== 'agreed') throw new Error('the person has not agreed to this handover');
  const account = await handingOverAccount(plan, handover);
  if (account) await removeMember(plan, account);
  await plan.updateNow(handover.id, { status: 'finished' });
}
