// Who is in a plan, from the server, and changing its keys when that shrinks (spec §10, §10.3, §5.3):
// removing a member, a rotation nobody can open, someone who left while this device was away.

import { DevicePublicKeys } from '../crypto/index.js';
import { api } from './api.js';
import { holdersOfKeys, linesToRotate, shrunkAudiences } from './audiences.js';
import { loadDevice, rememberPlan } from './device.js';

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
const STUCK_GRACE = 5000; // ms to wait before taking a key this device cannot open for a stuck rotation

export function rotateFor(plan) {
  if (!rotating.has(plan.id)) rotating.set(plan.id, rotateNow(plan).finally(() => rotating.delete(plan.id)));
  return rotating.get(plan.id);
}

/**
 * Rotate the plan key (spec §10): only a steward's device with write access. The new key goes to every
 * device the server still serves that the plan itself vouches for (itself, the device it joined
 * through, the roster's, read-only members' included), at one epoch above the highest this device or
 * the server knows; `retire` names key ids to retire besides this device's own (a stuck rotation's).
 */
async function rotateNow(plan, { retire = [] } = {}) {
  if (!plan.me.steward || plan.me.access !== 'write') throw new Error("only the person's or the worker's devices change the plan's key");
  const device = await loadDevice();
  const members = await listMembers(plan.id);
  const { current } = await api(`/plans/${plan.id}/keys`, { token: device.token });
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
  const epoch = Math.max(plan.keyring.current.epoch, current?.epoch ?? 1) + 1;
  const lines = await linesToRotate(plan, remaining);
  const { key, retired } = await plan.rotate(remaining, { epoch, retire, lines });
  const body = { epoch: key.epoch, kid: key.kid, retire: retired };
  await api(`/plans/${plan.id}/rotations`, { method: 'POST', token: device.token, body });
}

/**
 * A rotation nobody can open (spec §10.3): the server records a current key id this device does not
 * hold, and no grant it can open and accept gives it. A steward with write access rotates again at once
 * (one epoch above the recorded one, the stuck key id retired); any other device waits for the person's
 * or the worker's device (`plan.keyProblem = 'waiting'`). Returns whether this device rotated.
 */
export async function replaceStuckRotation(plan, { grace = STUCK_GRACE } = {}) {
  const device = await loadDevice();
  const info = device?.plans[plan.id];
  if (!device?.token || !info || info.copy || info.pending || !plan.keyring) return false;
  const stuckKey = async () => {
    const { current } = await api(`/plans/${plan.id}/keys`, { token: device.token });
    return current && !plan.keyring.has(current.kid) ? current : null;
  };
  let stuck = await stuckKey();
  if (stuck && grace) {
    // A rotation recorded a moment ago may still be sending its grants: look again once they could be here.
    await new Promise((resolve) => setTimeout(resolve, grace));
    await plan.reload();
    const again = await stuckKey();
    stuck = again?.kid === stuck.kid ? again : null;
  }
  if (!stuck || plan.me.access !== 'write' || !plan.me.steward) {
    const problem = stuck ? 'waiting' : null;
    if (plan.keyProblem !== problem) {
      plan.keyProblem = problem;
      plan.notify();
    }
    if (stuck) stopWaitingOnceGiven(plan, stuck);
    return false;
  }
  await rememberPlan(plan.id, { rotationOwed: true });
  if (!rotating.has(plan.id)) rotating.set(plan.id, rotateNow(plan, { retire: [stuck.kid] }).finally(() => rotating.delete(plan.id)));
  await rotating.get(plan.id);
  await rememberPlan(plan.id, { rotationOwed: false });
  plan.keyProblem = null;
  plan.notify();
  return true;
}

/** A device waiting for a stuck rotation (`stuck`: {epoch, kid}) stops waiting once it holds that key or a newer one. */
function stopWaitingOnceGiven(plan, stuck) {
  const given = () => !!plan.keyring && (plan.keyring.has(stuck.kid) || plan.keyring.current.epoch > stuck.epoch);
  const stop = plan.subscribe(() => {
    if (plan.keyProblem !== 'waiting') stop();
    else if (given()) {
      stop();
      plan.keyProblem = null;
      plan.notify();
    }
  });
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
  // Only stewards rotate (spec §10): the person's devices, or the worker's.
  if (!me?.active || me.access !== 'write' || !plan.me.steward) return false;
  const served = new Map();
  for (const member of members) {
    for (const d of member.devices) if (member.active && d.active) served.set(d.device_id, member);
  }
  // Another audience's key (spec §5.3) held by someone gone, or no longer in it, is rotated with the plan key.
  const shrunk = (await shrunkAudiences(plan, (id) => served.has(id))).length > 0;
  // Cheap first: every device on the roster is still served, so nobody holding the key is gone.
  if (!shrunk && [...plan.devices.keys()].every((id) => served.has(id))) return false;
  const kid = plan.keyring.current.kid;
  const holders = (await holdersOfKeys(plan)).get(kid) || new Set();
  if (!shrunk && [...holders].every((id) => served.has(id))) return false;
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
