// Audiences (docs/crypto.md §5.3; docs/app.md, "Who can read what"): who may read an item, enforced with
// keys. `everyone` is every member of the plan (the plan key); `worker` is the person's devices and the
// worker's; `family` is the person's devices and the supporters in the person's family and friends (not
// the worker, nor a supporter the person marked as "from a service"). Each audience has its own key line,
// wrapped only for the devices in it.
//
// Where a supporter stands and which audience each section starts new items in are the person's choice,
// kept in `sharing` items: only fields set by a device whose role the plan proves the person's (owner)
// count, the latest one of each field holds.

import { AUDIENCES, EVERYONE, grantPlanKey, newPlanKey, resealItem } from '../crypto/index.js';
import { SCHEMA } from './model.js';
import { sectionOf } from './kinds.js';

export { AUDIENCES, EVERYONE };

/**
 * Catalog keys: the choice in "Who can read this?" (`mine`: as the person's own devices word it, "Only me
 * and my worker"), and the short tag on a card (none for everyone).
 */
export const AUDIENCE_WORDS = {
  everyone: { choice: 'audience.everyone', mine: 'audience.everyone', tag: null },
  worker: { choice: 'audience.worker', mine: 'audience.worker.mine', tag: 'audience.tag.worker' },
  family: { choice: 'audience.family', mine: 'audience.family.mine', tag: 'audience.tag.family' },
};

/** The catalog key naming `audience` on this device (the person's own devices say "me"). */
export const audienceWord = (plan, audience) => AUDIENCE_WORDS[audience][plan.me.role === 'owner' ? 'mine' : 'choice'];

/** A supporter's circle: family and friends (the default), or from a service (a professional). */
export const CIRCLES = ['family', 'service'];

/** Which roles may give (grant, rotate) an audience's keys that others accept (spec §5.3, §9.5). */
const GRANTERS = { everyone: ['owner', 'worker'], worker: ['owner', 'worker'], family: ['owner'] };

/**
 * The person's sharing choices, from the plan's `sharing` items: {sections: {section: audience},
 * services: Set of device ids marked "from a service"}. A field counts only if set by the person's device
 * (a proven owner), with a field statement that checks out; the latest set (by `at`) holds.
 */
export function sharingOf(plan) {
  const latest = {};
  for (const item of plan.list('sharing')) {
    for (const name of ['sections', 'services']) {
      const field = item.f[name];
      const role = field && plan.roles.get(field.dev);
      if (!field || role?.role !== 'owner' || (plan.proven && !role.proven) || item.fieldChecks?.[name] === false) continue;
      if (!latest[name] || field.at > latest[name].at) latest[name] = field;
    }
  }
  const sections = {};
  for (const [section, audience] of Object.entries(latest.sections?.v || {})) {
    if (AUDIENCES.includes(audience)) sections[section] = audience;
  }
  const services = new Set(Array.isArray(latest.services?.v) ? latest.services.v.filter((id) => typeof id === 'string') : []);
  return { sections, services };
}

/** The circle of a device: 'family' or 'service' (a supporter the person marked as from a service). */
export function circleOf(plan, deviceId, sharing = sharingOf(plan)) {
  return sharing.services.has(deviceId) ? 'service' : 'family';
}

/** The audiences a device with `role` (and, for a supporter, `circle`) belongs to. */
export function audiencesFor(role, circle = 'family') {
  if (role === 'owner') return [...AUDIENCES];
  if (role === 'worker') return [EVERYONE, 'worker'];
  if (role === 'supporter') return circle === 'service' ? [EVERYONE] : [EVERYONE, 'family'];
  return [EVERYONE];
}

/** Whether device `deviceId` belongs to `audience` (by the roles the plan proves and the person's circles). */
export function inAudience(plan, deviceId, audience, sharing = sharingOf(plan)) {
  if (audience === EVERYONE) return true;
  const role = plan.roles.get(deviceId);
  if (!role?.role || (plan.proven && !role.proven && deviceId !== plan.device.deviceId)) return false;
  return audiencesFor(role.role, circleOf(plan, deviceId, sharing)).includes(audience);
}

/** The devices (ids) on the plan's roster that belong to `audience`. */
export function membersOf(plan, audience, sharing = sharingOf(plan)) {
  return [...plan.devices.keys()].filter((id) => inAudience(plan, id, audience, sharing));
}

/** Whether the server's member list (as this device last fetched it) still serves device `deviceId`. */
export function served(plan, deviceId) {
  return (plan.context.members || []).some((m) => m.active && m.devices?.some((d) => d.device_id === deviceId && d.active));
}

/** Whether a device with `role` may grant `audience`'s keys so that others accept them. */
export const grantsAudience = (role, audience) => GRANTERS[audience]?.includes(role) ?? false;

/**
 * Whether a key of `audience` granted by `granter` is accepted (spec §5.3): `stewardGrant` says whether the
 * plan accepts the granter's grants at all (spec §9.5); a worker key only from the person's or the
 * worker's devices, a family key only from the person's devices (or, always, from this device itself).
 */
export function acceptsAudienceGrant(plan, granter, audience, stewardGrant) {
  if (granter === plan.device.deviceId) return true;
  if (!stewardGrant) return false;
  if (audience === EVERYONE) return true;
  return grantsAudience(plan.roles.get(granter)?.role, audience);
}

/**
 * Whether this device may move `item` to `audience` (docs/app.md, "Who can read what"): the person's
 * devices may move anything anywhere; another device with write access only what its own device typed,
 * between audiences it belongs to (so it can never move something out of an audience it cannot read).
 */
export function mayMove(plan, item, audience) {
  if (!AUDIENCES.includes(audience) || plan.me.access !== 'write' || !item) return false;
  if (plan.me.role === 'owner') return true;
  const mine = plan.audiences;
  return item.created?.dev === plan.device.deviceId && mine.includes(audience) && mine.includes(item.audience);
}

// -- writing (plan.js delegates here) ---------------------------------------------------------------------

/** The audience a new item of `type` (or in `section`) starts in: the person's choice for its section when this device holds that key, else everyone. */
export function sectionDefault(plan, type, section = sectionOf(type)) {
  const chosen = (section && sharingOf(plan).sections[section]) || EVERYONE;
  return plan.audiences.includes(chosen) ? chosen : EVERYONE;
}

/**
 * Move an item to `audience` (plan.setAudience). Another audience's readers lose it only for what is
 * written from now on, so a move anywhere but everyone writes a new version under the new key (it becomes
 * the item's newest version), and the caller tells the user that copies already on others' devices stay
 * there; a move to everyone re-seals the version as it is. Returns {narrowed}.
 */
export async function moveItem(plan, itemId, audience) {
  const item = plan.items.get(itemId);
  if (!mayMove(plan, item, audience) || !plan.audiences.includes(audience)) throw new Error('this device may not move this item there');
  if (item.audience === audience) return { narrowed: false };
  const narrowed = audience !== EVERYONE;
  if (narrowed) {
    const body = { a: SCHEMA, type: item.type, created: item.created, f: item.f };
    await plan.save([await plan.seal(itemId, body, { rev: item.rev, replaces: item.base, audience })]);
  } else {
    const doc = await plan.db.get(itemId, { rev: item.shownRev });
    const { keyring } = plan;
    await plan.save([await resealItem(doc, { planId: plan.id, keyring, devices: plan.known(), key: keyring.currentOf(audience), rev: item.rev })]);
  }
  await plan.reload();
  return { narrowed };
}

/** The person's sharing choices (plan.setSharing): written by the person's devices only, into their own `sharing` item. */
export async function setSharing(plan, { sections, services }) {
  if (plan.me.role !== 'owner' || plan.me.access !== 'write') throw new Error("only the person's devices choose who can read what");
  const current = sharingOf(plan);
  const values = {};
  if (sections) values.sections = { ...current.sections, ...sections };
  if (services) values.services = [...services].sort();
  const own = plan.list('sharing').find((item) => item.created?.dev === plan.device.deviceId);
  if (own) await plan.updateNow(own.id, values);
  else await plan.createNow('sharing', values, undefined, { audience: EVERYONE });
  await shareAudienceKeys(plan);
}

/**
 * Which keyring documents give which key to whom: Map kid -> Set of device ids. The plan's last load knows its
 * keyring documents as of the database's update_seq then: only what changed since is read.
 */
export async function holdersOfKeys(plan) {
  const keyring = new Map(); // id -> {kid, to}
  let changed;
  if (plan.keyringDocs && plan.loadedSeq !== null) {
    for (const doc of plan.keyringDocs) keyring.set(doc._id, doc);
    changed = (await plan.db.changes({ since: plan.loadedSeq, include_docs: true })).results.map((row) => row.doc);
  } else {
    changed = (await plan.db.allDocs({ include_docs: true })).rows.map((row) => row.doc);
  }
  for (const doc of changed) if (doc?.kind === 'keyring') keyring.set(doc._id, doc);
  const holders = new Map();
  for (const doc of keyring.values()) {
    if (!holders.has(doc.kid)) holders.set(doc.kid, new Set());
    holders.get(doc.kid).add(doc.to);
  }
  return holders;
}

/**
 * Whether this device starts `audience`'s key line when nobody has (one device per line, so that two do not
 * each draw an epoch-1 key at once): the worker's line, the worker's device (the person's, in a plan with no
 * worker); the family's, the person's.
 */
function startsLine(plan, audience) {
  if (audience !== 'worker' || plan.me.role === 'worker') return true;
  return ![...plan.roles.values()].some((role) => role.role === 'worker');
}

/**
 * Give each audience's current key to the devices in it that lack it (spec §5.3; plan.shareAudienceKeys):
 * only for the audiences this device's role may grant (family: the person's devices; worker: the person's
 * and the worker's), and only to devices on the roster (their public keys are signed into the plan). An
 * audience whose line this device may start and nobody started yet gets its first key here. Also what
 * grants a newly admitted member exactly the keys of the audiences it belongs to.
 */
export async function shareAudienceKeys(plan) {
  const { role, access } = plan.me;
  if (!plan.keyring || access !== 'write') return 0;
  const sharing = sharingOf(plan);
  const holders = await holdersOfKeys(plan);
  const own = plan.device.keys;
  const grants = [];
  for (const audience of AUDIENCES) {
    if (audience === EVERYONE || !grantsAudience(role, audience)) continue;
    let key = plan.keyring.currentOf(audience, { orNull: true });
    if (!key && !startsLine(plan, audience)) continue;
    if (!key) {
      key = await newPlanKey(plan.id, { audience });
      grants.push(await grantPlanKey(key, { recipient: own.public, granter: own }));
    }
    const given = holders.get(key.kid) || new Set();
    for (const deviceId of membersOf(plan, audience, sharing)) {
      // Never to a device the server no longer serves (someone removed keeps only what they had).
      if (deviceId === own.deviceId || given.has(deviceId) || !served(plan, deviceId)) continue;
      grants.push(await grantPlanKey(key, { recipient: plan.devices.get(deviceId), granter: own }));
    }
  }
  if (!grants.length) return 0;
  await plan.db.bulkDocs(grants);
  await plan.markPending(grants.map((g) => g._id));
  for (const grant of grants) if (grant.to === own.deviceId) await plan.keyStore.add(grant, own.public);
  await plan.reload();
  return grants.length;
}

/**
 * The audiences whose key line has shrunk (spec §5.3): among those this device may give, those whose current
 * key a device holds that is no longer in it (not served any more when `isStaying` says so, or no longer in
 * the audience: a supporter the person marked as from a service leaves the family's).
 */
export async function shrunkAudiences(plan, isStaying = (id) => served(plan, id)) {
  if (!plan.keyring) return [];
  const holders = await holdersOfKeys(plan);
  const sharing = sharingOf(plan);
  const inIt = (audience) => (id) => id === plan.device.deviceId || (isStaying(id) && inAudience(plan, id, audience, sharing));
  return plan.keyring.audiences.filter((audience) => {
    if (audience === EVERYONE || !grantsAudience(plan.me.role, audience)) return false;
    return ![...(holders.get(plan.keyring.currentOf(audience).kid) || [])].every(inIt(audience));
  });
}

/**
 * The other audiences' key lines to rotate with the plan key (spec §5.3, §10): those that shrank (a holder
 * not in `remaining`, DevicePublicKeys, or no longer in the audience), each for the remaining devices in it.
 * Returns [{audience, remaining}] for plan.rotate.
 */
export async function linesToRotate(plan, remaining) {
  const staying = new Set(remaining.map((d) => d.deviceId));
  const sharing = sharingOf(plan);
  const shrunk = await shrunkAudiences(plan, (id) => staying.has(id));
  return shrunk.map((audience) => ({
    audience,
    remaining: remaining.filter((d) => d.deviceId === plan.device.deviceId || inAudience(plan, d.deviceId, audience, sharing)),
  }));
}

/**
 * The keyring documents giving `recipient` (DevicePublicKeys of a member just let in) the current key of
 * each audience it belongs to that this device may give (spec §5.3); written by consent.js's
 * grantKeysToMember with the plan keys. Returns the documents (not yet saved).
 */
export async function audienceGrantsFor(plan, recipient) {
  const granter = plan.device.keys;
  const sharing = sharingOf(plan);
  const grants = [];
  for (const audience of plan.audiences) {
    if (audience === EVERYONE || !grantsAudience(plan.me.role, audience)) continue;
    if (!inAudience(plan, recipient.deviceId, audience, sharing)) continue;
    grants.push(await grantPlanKey(plan.keyring.currentOf(audience), { recipient, granter }));
  }
  return grants;
}
