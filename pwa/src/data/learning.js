// Learning what helps, without taking control (docs/app.md, "Learning"; docs/security.md, "Learning without
// control"). Pure: the person's choice to share (the plan's `learning-consent` items), the small fixed set of
// facts a plan gives (activity tags tried, whether the person went and would go again, scales' movement in
// bands; never words, names, dates or ids), and what an admin's device shows of many plans' facts (only groups
// of at least MIN_GROUP plans). Sending and the admin's key are in learningsend.js and learningadmin.js.

import { fieldValue } from './kinds.js';
import { linkedActivity } from './activitylinks.js';
import { goalSeries } from './progress.js';

/** The smallest group of plans the learning page shows anything of (docs/security.md, "Learning without control"). */
export const MIN_GROUP = 5;

/** The limits of a fact set (docs/crypto.md §24): at most 50 activity tags and 50 scales; a tag is 1 to 60 characters. */
export const MAX_ACTIVITIES = 50;
export const MAX_SCALES = 50;
const TAG = /^[^\u0000-\u001f\u007f-\u009f,;]+$/u;

/** The bands of a scale's movement, from up to down. */
export const BANDS = ['up', 'up_a_little', 'same', 'down_a_little', 'down'];

/** A rating's movement from the first to the latest, as its band: ≥+2 up, +1 up a little, 0 same, −1, ≤−2 down. */
export function band(delta) {
  if (delta >= 2) return 'up';
  if (delta >= 1) return 'up_a_little';
  if (delta > -1) return 'same';
  if (delta > -2) return 'down_a_little';
  return 'down';
}

// The follow-up's answers as facts: "not yet" is not having gone; "maybe" is no answer either way.
const WENT = { yes: 'yes', not_yet: 'no', no: 'no' };
const AGAIN = { yes: 'yes', no: 'no' };
// Where one tag is linked more than once, the best answer wins: yes over no, an answer over none.
const RANK = { unknown: 0, no: 1, yes: 2 };
const better = (a, b) => (RANK[b] > RANK[a] ? b : a);

// Only what every steward's device can read counts: an item the person shared with their family only is
// not the organisation's to learn from, and the person's and the worker's devices then derive the same facts.
const countable = (item) => !item.deleted && (item.audience === undefined || item.audience === 'everyone' || item.audience === 'worker');

/** A directory tag as a fact's tag: the catalogue's tag as it is, if it is 1 to 60 characters with no control character, ',' or ';'; else ''. */
export function factTag(tag) {
  return typeof tag === 'string' && TAG.test(tag) && [...tag].length <= 60 ? tag : '';
}

/** The tags of the activity linked to a step, from the copy the step keeps (activitySnapshot), as facts' tags. */
function tagsOf(step) {
  const tags = linkedActivity(step)?.tags;
  return Array.isArray(tags) ? [...new Set(tags.map(factTag).filter(Boolean))] : [];
}

/**
 * The facts a plan's `items` (its shown items) give, as the facts body of docs/crypto.md §24: {v: 1,
 * activities: [{tag, went, again}] (one per tag of an activity linked to a step, the step's newest follow-up
 * answering, sorted by tag), scales: [band] (one per goal's series of one participant's ratings with at least
 * two, first to latest, sorted)}. Nothing else: no words, names, dates or ids.
 */
export function learningFacts(items) {
  const shown = [...items].filter(countable);
  const byTag = new Map();
  for (const step of shown.filter((item) => item.type === 'step')) {
    const tags = tagsOf(step);
    if (!tags.length) continue;
    const followup = newestFollowUp(shown, step.id);
    const went = WENT[fieldValue(followup, 'went')] || 'unknown';
    const again = AGAIN[fieldValue(followup, 'again')] || 'unknown';
    for (const tag of tags) {
      const was = byTag.get(tag) || { tag, went: 'unknown', again: 'unknown' };
      byTag.set(tag, { tag, went: better(was.went, went), again: better(was.again, again) });
    }
  }
  const activities = [...byTag.values()].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)).slice(0, MAX_ACTIVITIES);
  const list = (type) => shown.filter((item) => item.type === type).sort((a, b) => (a.created?.at ?? 0) - (b.created?.at ?? 0));
  const scales = [];
  for (const goal of list('goal')) {
    for (const { points } of goalSeries({ list }, goal.id)) {
      if (points.length >= 2) scales.push(band(points[points.length - 1].value - points[0].value));
    }
  }
  scales.sort();
  return { v: 1, activities, scales: scales.slice(0, MAX_SCALES) };
}

/** The newest follow-up of a step (by its day, then when it was written), or null. */
function newestFollowUp(items, stepId) {
  let newest = null;
  for (const item of items) {
    if (item.type !== 'followup' || fieldValue(item, 'step') !== stepId) continue;
    const at = [String(fieldValue(item, 'date') || ''), item.created?.at ?? 0];
    if (!newest || at[0] > newest.at[0] || (at[0] === newest.at[0] && at[1] > newest.at[1])) newest = { item, at };
  }
  return newest?.item ?? null;
}

const SET = /^[0-9a-f]{32}$/;
const PROOF = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether a `learning-consent` item's choice counts: set by the person's own device (a proven owner where roles
 * are proven), or by a worker's device that recorded the person's yes or stop in person (`agreed: 'in person'`,
 * set with the choice). Its fields must carry statements that check out.
 */
function counts(plan, item) {
  const field = item.f.share;
  if (!field || typeof field.v !== 'boolean' || item.deleted) return false;
  for (const name of ['share', 'set', 'proof', 'agreed']) if (item.fieldChecks?.[name] === false) return false;
  const role = plan.roles?.get(field.dev);
  if (!role || (plan.proven && !role.proven)) return false;
  if (role.role === 'owner') return true;
  return role.role === 'worker' && fieldValue(item, 'agreed') === 'in person' && item.f.agreed?.dev === field.dev;
}

/**
 * The person's choice about sharing for learning, from the plan's `learning-consent` items: the latest that
 * counts (by when `share` was set), as {share, set, proof, agreed, said_by, by (device id), at}; null when the
 * person was never asked. `set`/`proof` are those of the fact set the choice is about (a stop keeps them, so
 * any device can withdraw the set).
 */
export function learningConsentOf(plan) {
  let latest = null;
  for (const item of plan.list('learning-consent')) {
    if (!counts(plan, item)) continue;
    if (!latest || item.f.share.at > latest.f.share.at) latest = item;
  }
  if (!latest) return null;
  const set = fieldValue(latest, 'set');
  const proof = fieldValue(latest, 'proof');
  if (!SET.test(set || '') || !PROOF.test(proof || '')) return null;
  return {
    share: latest.f.share.v,
    set,
    proof,
    agreed: fieldValue(latest, 'agreed') || 'own device',
    said_by: fieldValue(latest, 'said_by') || '',
    by: latest.f.share.dev,
    at: latest.f.share.at,
  };
}

/**
 * Every fact set this plan's consent items ever named that is not the one shared now, with its proof: those
 * a device withdraws (a stop seen, or a yes again after a stop this device never saw). [{set, proof}].
 */
export function setsToWithdraw(plan, current = learningConsentOf(plan)) {
  const out = new Map();
  for (const item of plan.list('learning-consent')) {
    if (!counts(plan, item)) continue;
    const set = fieldValue(item, 'set');
    const proof = fieldValue(item, 'proof');
    if (!SET.test(set || '') || !PROOF.test(proof || '')) continue;
    if (current?.share && current.set === set) continue;
    out.set(set, { set, proof });
  }
  return [...out.values()];
}

/** Whether this device may record the person's choice: the person's own device, or a worker's (in person). */
export const mayRecordConsent = (plan) => plan.me?.access === 'write' && (plan.me.role === 'owner' || plan.me.role === 'worker');

/** The new consent item's values: a yes draws a new set and proof unless one is being shared already; a stop keeps them. */
export function consentValues(plan, share, { random, saidBy = '' }) {
  const current = learningConsentOf(plan);
  const inPerson = plan.me.role !== 'owner';
  let { set, proof } = current || {};
  if (share && !current?.share) {
    set = [...random(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
    proof = base64url(random(32));
  }
  if (!set || !proof) return null; // a stop with nothing ever shared: nothing to record
  return { share, set, proof, agreed: inPerson ? 'in person' : 'own device', said_by: inPerson ? saidBy : '' };
}

function base64url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * What an admin's device shows of the opened fact sets `sets` (each a facts body): {plans (how many sets),
 * shown (false when fewer than MIN_GROUP: nothing else is given), activities: [{tag, tried, went, again}]
 * for the tags at least MIN_GROUP plans tried (most tried first), hidden (true when some tags were left out),
 * scales: {plans, counts: {band: n}} when at least MIN_GROUP plans have a scale, else null}.
 */
export function aggregateFacts(sets) {
  const plans = sets.length;
  if (plans < MIN_GROUP) return { plans, shown: false, activities: [], hidden: plans > 0, scales: null };
  const byTag = new Map();
  for (const facts of sets) {
    for (const { tag, went, again } of facts.activities) {
      const group = byTag.get(tag) || { tag, tried: 0, went: 0, again: 0 };
      group.tried += 1;
      if (went === 'yes') group.went += 1;
      if (again === 'yes') group.again += 1;
      byTag.set(tag, group);
    }
  }
  const groups = [...byTag.values()];
  const activities = groups.filter((g) => g.tried >= MIN_GROUP).sort((a, b) => b.tried - a.tried || (a.tag < b.tag ? -1 : 1));
  const withScales = sets.filter((facts) => facts.scales.length > 0);
  let scales = null;
  if (withScales.length >= MIN_GROUP) {
    const counts = Object.fromEntries(BANDS.map((b) => [b, 0]));
    for (const facts of withScales) for (const b of facts.scales) counts[b] += 1;
    scales = { plans: withScales.length, counts };
  }
  return { plans, shown: true, activities, hidden: activities.length < groups.length, scales };
}
