// The roster and roles (spec §19; docs/app.md, "Who may do what"): which device started the plan, which
// devices a steward admitted and with what role, and from that who may grant keys, delete an item or
// speak for the person. Roles are proven inside the plan, so neither the server nor a member can make a
// device the person's; a plan whose creator no roster entry proves takes them from the server's member
// list and marks them not proven (spec §19.4).

import { DevicePublicKeys, b64uDecode, planIdFor, rosterDocumentId, verifyField, verifyItem } from '../crypto/index.js';
import { fieldValue } from './kinds.js';
import { STEWARDS, TYPES } from './model.js';

/** The role and access combinations an invite (and so an admission) can give (spec §11.1; a worker's: a handover, §11.7). */
const ADMITTED = new Set(['owner/write', 'supporter/write', 'supporter/read', 'worker/write']);
const ROSTER_FIELDS = ['device_id', 'keys'];
const ADMISSION_FIELDS = ['device_id', 'keys', 'role', 'access', 'invite_id'];

const isSteward = (role) => !!role && STEWARDS.includes(role.role);

/** Whether every field in `names` carries a valid field statement by `dev` (spec §8.5). */
async function fieldsSignedBy(planId, docId, fields, names, dev, devices) {
  for (const name of names) {
    const field = fields[name];
    if (!field || field.dev !== dev) return false;
    try {
      await verifyField({ planId, docId, name, field, devices });
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The device a roster entry describes, if the entry counts (spec §19.1): a `device` item at the device's
 * roster id (with `legacy`, for a plan without a proven creator, at any id), whose version is signed by
 * the device it describes, whose public keys hash to that device id and whose fields were set by it
 * (schema-1 entries, without field statements, only with `legacy`). `entry` is {docId, signed} (an
 * opened version). Returns {deviceId, keys, salt, invite, docId} or null.
 */
export async function rosterDevice(planId, { docId, signed }, { legacy = false } = {}) {
  const body = signed?.body;
  if (body?.type !== 'device') return null;
  const f = body.f || {};
  const deviceId = f.device_id?.v;
  if (signed.by !== deviceId) return null;
  let keys;
  try {
    keys = await DevicePublicKeys.fromJSON(f.keys?.v);
    if (keys.deviceId !== deviceId) return null;
    if (!legacy && docId !== (await rosterDocumentId(planId, deviceId))) return null;
    const devices = new Map([[deviceId, keys]]);
    await verifyItem(signed, { planId, docId, deleted: false, devices });
    const names = Object.keys(f);
    const unsigned = names.filter((name) => !f[name]?.sig);
    if (unsigned.length && !legacy) return null;
    const signedNames = names.filter((name) => f[name]?.sig);
    if (!ROSTER_FIELDS.every((name) => signedNames.includes(name) || unsigned.includes(name))) return null;
    if (!(await fieldsSignedBy(planId, docId, f, signedNames, deviceId, devices))) return null;
  } catch {
    return null;
  }
  return { deviceId, keys, salt: f.plan_salt?.v ?? null, invite: f.invite?.v ?? null, docId };
}

/** The device that started the plan: the one whose roster entry's `plan_salt` yields the plan id (spec §4.1). */
export async function planCreator(planId, roster) {
  for (const entry of roster) {
    if (typeof entry.salt !== 'string') continue;
    try {
      if ((await planIdFor(entry.keys.signing, b64uDecode(entry.salt, 16, 'plan salt'))) === planId) return entry.deviceId;
    } catch {
      /* not a salt: this entry proves nothing */
    }
  }
  return null;
}

/**
 * What an admission item claims (spec §19.2), if all its fields were set, with valid field statements,
 * by one known device (its writer) and its version's signature verifies: {writer, deviceId, keys, role,
 * access, inviteId, at}. Whether it counts (its writer a steward) is decided by `computeRoles`.
 */
export async function admissionClaim(planId, { docId, signed }, devices) {
  const body = signed?.body;
  if (body?.type !== 'admission') return null;
  const f = body.f || {};
  const writer = f.device_id?.dev;
  const role = f.role?.v;
  const access = f.access?.v;
  if (!writer || !ADMITTED.has(`${role}/${access}`)) return null;
  try {
    await verifyItem(signed, { planId, docId, deleted: false, devices });
    if (!(await fieldsSignedBy(planId, docId, f, ADMISSION_FIELDS, writer, devices))) return null;
    const keys = await DevicePublicKeys.fromJSON(f.keys.v);
    if (keys.deviceId !== f.device_id.v) return null;
    const at = Math.max(...ADMISSION_FIELDS.map((name) => f[name].at));
    return { writer, deviceId: keys.deviceId, keys, role, access, inviteId: f.invite_id.v, at, docId };
  } catch {
    return null;
  }
}

/**
 * The roles of the plan's devices (spec §19.3): the smallest set closed under the creator (worker, write),
 * admissions whose writer is a steward (the most recent per device holds), and this device's own role.
 * For a plan without a proven creator the roles come from the server's member list (`members`, api.md
 * §8), not proven. `roster` is the counting roster entries, `claims` the admission claims, `self`
 * {deviceId, role, access}. Returns {roles: Map deviceId -> {role, access, proven}, proven, creator}.
 */
export function computeRoles({ creator, roster, claims, self, members = [] }) {
  const proven = creator !== null;
  const base = new Map();
  if (proven) base.set(creator, { role: 'worker', access: 'write', proven: true });
  else {
    for (const member of members) {
      if (!member.active) continue;
      for (const device of member.devices || []) {
        if (device.active) base.set(device.device_id, { role: member.role, access: member.access, proven: false });
      }
    }
  }
  const own = { role: self.role ?? null, access: self.access ?? null, proven: false };
  let admitted = new Map();
  for (let round = 0; round < 8; round += 1) {
    const roleOf = (id) => (id === creator ? base.get(id) : admitted.get(id) || base.get(id) || (id === self.deviceId ? own : null));
    const next = new Map();
    for (const claim of claims) {
      if (claim.deviceId === creator || !isSteward(roleOf(claim.writer))) continue;
      const held = next.get(claim.deviceId);
      if (!held || claim.at > held.at || (claim.at === held.at && claim.docId > held.docId)) next.set(claim.deviceId, claim);
    }
    const same = next.size === admitted.size && [...next].every(([id, claim]) => admitted.get(id) === claim);
    admitted = next;
    if (same) break;
  }
  const roles = new Map();
  for (const entry of roster) roles.set(entry.deviceId, { role: null, access: null, proven: false });
  for (const [id, role] of base) roles.set(id, role);
  for (const [id, claim] of admitted) roles.set(id, { role: claim.role, access: claim.access, proven });
  if (creator) roles.set(creator, base.get(creator));
  // This device knows its own role (rule 3); the plan may prove it too.
  const mine = roles.get(self.deviceId);
  if (!mine?.proven) roles.set(self.deviceId, own.role ? own : mine || own);
  return { roles, proven, creator, admitted };
}

/**
 * Whether a key granted by `granter` is accepted (spec §9.5): from this device itself, from a steward, or,
 * in a plan without a proven creator, from any device this device trusts as in version 1 (`trusted`:
 * itself, the device it joined through and the devices its roster vouches for).
 */
export function acceptsGrant(granter, { selfId, roles, proven, trusted }) {
  if (granter === selfId) return true;
  if (!proven) return trusted.has(granter);
  const role = roles.get(granter);
  return isSteward(role) && role.proven;
}

/**
 * Whether device `deviceId` may delete an item (docs/app.md, "Who may do what"): `target` is {type,
 * writer} where `writer` is the device whose words the item is (its origin; for a roster entry, the device
 * it describes). Versions: nobody. Roster entries, admissions, agreements: only their writer. Anything
 * else: stewards, and any other device with write access what its own device typed.
 */
export function mayDelete(deviceId, target, roles) {
  if (!target?.type || target.type === 'version') return false;
  if (TYPES[target.type]?.record) return deviceId === target.writer;
  const role = roles.get(deviceId);
  if (role && role.access === 'read') return false;
  if (isSteward(role) && role.access === 'write') return true;
  return deviceId === target.writer;
}

/** The device whose words an item is: for a roster entry the device it describes; else its origin. */
export function writerOf(item) {
  if (item.type === 'device') return item.f?.device_id?.v ?? null;
  return originOf(item.f || {})?.dev ?? null;
}

/** The oldest field version of a body's fields (its origin: who typed the item), or null. */
export function originOf(fields) {
  let origin = null;
  for (const [name, field] of Object.entries(fields)) {
    if (!field || typeof field.at !== 'number') continue;
    if (!origin || field.at < origin.at || (field.at === origin.at && name < origin.name)) origin = { name, dev: field.dev, at: field.at };
  }
  return origin;
}

/**
 * Whose words a new item is by default ("Who said it"). On a steward's device, the person's: at the visit the
 * worker types what the person says, and the person's own phone is theirs. On anyone else's device (a
 * supporter's), that device's own user: a default never puts a supporter's words in the person's mouth.
 */
export function defaultSpeaker(plan) {
  if (plan.me.steward) return fieldValue(plan.header, 'person') || '';
  return plan.deviceName(plan.device.deviceId)?.name || plan.device.name || '';
}
