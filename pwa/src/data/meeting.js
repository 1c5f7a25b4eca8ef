// The family's own meeting (a Family Group Conference; docs/app.md, "Family meeting"): who takes part, who is
// speaking on a device passed round, and each participant signing up to the agreed plan. Participants are
// `participant` items of the plan (encrypted like every item); the speaker and the meeting's phase are this
// page's memory only; a sign-up is an agreement item (data/agreements.js) about the plan's header, naming a
// hash of the whole plan as it stood.

import { signal } from '@preact/signals-core';
import { b64uEncode, canonicalJson } from '../crypto/index.js';
import { agreementRecord } from './agreements.js';
import { TYPES, fieldValue } from './kinds.js';

/** Where a participant takes part from: here, on the device passed round, or on their own phone. */
export const JOINS = ['here', 'phone'];

/** The participants the plan holds, oldest first: [{id, name, joins}]. */
export function participants(plan) {
  return plan
    .list('participant')
    .map((item) => ({ id: item.id, name: String(fieldValue(item, 'name') ?? '').trim(), joins: fieldValue(item, 'joins') || 'here' }))
    .filter((p) => p.name);
}

/** This device's own user, as its roster entry names them (the name given when joining or setting up). */
export const ownName = (plan) => plan.deviceName(plan.device.deviceId)?.name || plan.device.name || '';

/**
 * The names a contribution can be said by, in order: the person, this device's own user, then each
 * participant; each once (the same name twice is one speaker).
 */
export function speakers(plan) {
  const names = [fieldValue(plan.header, 'person'), ownName(plan), ...participants(plan).map((p) => p.name)];
  return [...new Set(names.map((name) => String(name ?? '').trim()).filter(Boolean))];
}

// The speaker and the phase are kept per open plan, in memory: closing the plan (or a quick exit) drops them.
const meetings = new WeakMap();
function meetingOf(plan) {
  if (!meetings.has(plan)) meetings.set(plan, { speaker: signal(null), familyTime: signal(false) });
  return meetings.get(plan);
}

/** Who is speaking now on this device: the chosen speaker, else who "Who said it" defaults to (roles.js). */
export function currentSpeaker(plan, fallback) {
  const chosen = meetingOf(plan).speaker.value;
  return chosen && speakers(plan).includes(chosen) ? chosen : fallback;
}

/** Set who is speaking (one tap on the device passed round). */
export function setSpeaker(plan, name) {
  meetingOf(plan).speaker.value = name;
}

/** Whether the meeting is in private family time on this device. */
export const inFamilyTime = (plan) => meetingOf(plan).familyTime.value;

export function setFamilyTime(plan, on) {
  meetingOf(plan).familyTime.value = !!on;
}

/** Add a participant: `name` and where they join from ('here' or 'phone'). Returns the item id. */
export async function addParticipant(plan, { name, joins = 'here' }) {
  const clean = String(name ?? '').trim();
  if (!clean) throw new Error('a participant needs a name');
  if (!JOINS.includes(joins)) throw new Error(`a participant joins from ${JOINS.join(' or ')}`);
  return plan.create('participant', { name: clean, joins }, { audience: 'everyone' });
}

/** Whether an item is read by everyone in the plan (not kept to one audience). */
const forEveryone = (item) => !item.audience || item.audience === 'everyone';

/**
 * The hash a sign-up names: b64u(SHA-256(canonical_json({"header": hash, "items": [[id, hash], …]}))) over the
 * plan's header and every content item everyone in the plan can read (sorted by id), each by its content hash
 * (agreements.js: where a step is up to is not part of it). Items kept to one audience are not in it, so every
 * member's device computes the same hash. Null while the plan has no header.
 */
export async function planHash(plan) {
  const header = plan.header;
  if (!header?.hash) return null;
  const items = [...plan.items.values()]
    .filter((item) => TYPES[item.type]?.content && forEveryone(item) && item.hash && !item.removed)
    .map((item) => [item.id, item.hash])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const digest = await crypto.subtle.digest('SHA-256', canonicalJson({ header: header.hash, items }));
  return b64uEncode(new Uint8Array(digest));
}

/** Whether a field's statement checked out or is still to be checked (not failed, not missing). */
const attributable = (item, name) => item.fieldChecks?.[name] !== false && item.fieldChecks?.[name] !== null;

/**
 * Who signed up to the plan: [{name, by, party, value, at, hash, recordedOn}], the latest record per
 * (device, party, name). `party` 'self': the device's own user agreed on their own device (named by its roster
 * entry); 'named': the device recorded that the participant `name` agreed (a device passed round), with
 * `recordedOn` that device's {name, label}. A record counts only if one device set all its fields with
 * statements that verify (agreementRecord, and the `name` field too).
 */
export function signUps(plan) {
  const header = plan.header;
  if (!header) return [];
  const latest = new Map();
  for (const item of plan.list('agreement')) {
    const record = agreementRecord(item);
    if (!record?.valid || record.target !== header.id || !['self', 'named'].includes(record.party)) continue;
    let name;
    if (record.party === 'named') {
      const field = item.f.name;
      if (!field || field.dev !== record.by || !attributable(item, 'name')) continue;
      name = String(field.v ?? '').trim();
    } else name = plan.deviceName(record.by)?.name || '';
    if (!name) continue;
    const key = JSON.stringify([record.by, record.party, name]);
    const held = latest.get(key);
    if (held && (held.at > record.at || (held.at === record.at && held.id > record.id))) continue;
    latest.set(key, { ...record, name });
  }
  return [...latest.values()]
    .filter((record) => record.value === 'yes')
    .sort((a, b) => a.at - b.at)
    .map(({ name, by, party, value, at, content }) => ({
      name,
      by,
      party,
      value,
      at,
      hash: content,
      recordedOn: party === 'named' ? plan.deviceName(by) : null,
    }));
}

/**
 * Record that `name` signs up to the plan as it stands (value 'yes'; '' takes it back). On this device's own
 * user's name (or the person's, on one of the person's devices) it is their own agreement (`for: self`);
 * otherwise this device records that the named participant agreed (`for: named`, with `name`). One agreement
 * item per (party, name) on each device, written again each time.
 */
export function signUp(plan, name, { value = 'yes' } = {}) {
  return plan.queueWrite(async () => {
    if (plan.me.access !== 'write') throw new Error('this device cannot record a sign-up');
    if (!['yes', ''].includes(value)) throw new Error('a sign-up is yes, or taken back');
    const who = String(name ?? '').trim();
    if (!who) throw new Error('a sign-up names who agrees');
    const header = plan.header;
    const content = await planHash(plan);
    if (!content) throw new Error('nothing to sign up to');
    const own = who === ownName(plan) || (plan.me.role === 'owner' && who === fieldValue(header, 'person'));
    const party = own ? 'self' : 'named';
    const values = { item: header.id, content, value, note: '', for: party, ...(own ? {} : { name: who }) };
    const mine = plan
      .list('agreement')
      .find(
        (a) =>
          a.f.item?.v === header.id &&
          a.f.for?.v === party &&
          a.f.value?.dev === plan.device.deviceId &&
          (own || a.f.name?.v === who) &&
          !a.flags?.unsignedRemoval,
      );
    if (mine) await plan.updateNow(mine.id, values, { renew: ['value', 'content'] });
    else await plan.createNow('agreement', values, undefined, { audience: 'everyone' });
  });
}
