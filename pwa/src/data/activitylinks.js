// Community activities linked to a plan's steps, and the person's follow-ups (docs/app.md, "Community
// activities": "Linking an activity to a step"). Pure: the step keeps a copy of what the person needs to see
// of the directory's entry (the person's phone keeps no directory), and `followup` items answer "Did you go?
// How was it? Would you go again?" about one step.

import { fieldValue } from './kinds.js';

/** The directory's fields a step keeps (the activity's id, name, when, where, cost, contact; also its days and tags). */
const KEPT = ['id', 'name', 'when', 'where', 'postcode', 'cost', 'phone', 'email', 'url'];

/**
 * What a step keeps of a directory entry (as data/activities.js reads it): its id and the text the person
 * needs to find it, free or not, its tags, and which directory version it was copied from. Empty fields are left out.
 */
export function activitySnapshot(activity, catalogueVersion = null) {
  const out = {};
  for (const name of KEPT) {
    const value = typeof activity[name] === 'string' ? activity[name].trim() : '';
    if (value) out[name] = value;
  }
  if (Array.isArray(activity.days) && activity.days.length) out.days = [...activity.days];
  // Its tags, so that any device holding the plan derives the same learning facts (learning.js).
  if (Array.isArray(activity.tags) && activity.tags.length) out.tags = activity.tags.filter((tag) => typeof tag === 'string');
  if (activity.free) out.free = true;
  if (Number.isInteger(catalogueVersion)) out.version = catalogueVersion;
  return out;
}

/** The activity linked to a step (its kept copy), or null. */
export function linkedActivity(step) {
  const value = fieldValue(step, 'activity');
  return value && typeof value === 'object' && typeof value.name === 'string' && value.name ? value : null;
}

/**
 * What the person needs to find a linked activity, as [label, text] pairs in plain text (the readable copy):
 * when, where, cost and contact, each left out when the copy has nothing for it.
 */
export function activityFacts(activity, t) {
  const days = (activity.days || []).map((day) => t(`activities.day.${day}`)).join(', ');
  const when = [activity.when, days].filter(Boolean).join(' · ');
  const where = [activity.where, activity.postcode].filter(Boolean).join(', ');
  const cost = activity.free ? [t('activities.free'), activity.cost].filter(Boolean).join(' · ') : activity.cost;
  const contact = [activity.phone, activity.email, activity.url].filter(Boolean).join(' · ');
  return [
    [t('activities.when'), when],
    [t('activities.where'), where],
    [t('activities.cost'), cost],
    [t('activities.contact'), contact],
  ].filter(([, text]) => text);
}

/** Whether a step waits "when I'm ready" (not for a date). */
export const waitsUntilReady = (step) => fieldValue(step, 'ready') === true;

/** The words of a new step for an activity ("Try the Riverside walking group"), from a catalog sentence. */
export const newStepText = (activity, sentence) => sentence.replace('{name}', activity.name);

/** A follow-up's day: its `date`, else the day it was written (YYYY-MM-DD, UTC). */
export function followUpDay(followup) {
  const date = fieldValue(followup, 'date');
  if (typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  return new Date(followup.created?.at ?? 0).toISOString().slice(0, 10);
}

const newestFirst = (a, b) => followUpDay(b).localeCompare(followUpDay(a)) || (b.created?.at ?? 0) - (a.created?.at ?? 0);

/** The follow-ups of step `stepId` in `items` (a plan's shown items), newest first. */
export function followUpsOf(items, stepId) {
  return items.filter((item) => item.type === 'followup' && !item.deleted && fieldValue(item, 'step') === stepId).sort(newestFirst);
}

/**
 * The follow-ups given since a review on day `since` (YYYY-MM-DD; null: all of them), newest first, each with
 * its step (null when the step was removed since): [{followup, step, day}]. A follow-up on the review's own
 * day counts as since (it was given at that visit or after it).
 */
export function followUpsSince(items, since) {
  const steps = new Map(items.filter((item) => item.type === 'step' && !item.deleted).map((item) => [item.id, item]));
  return items
    .filter((item) => item.type === 'followup' && !item.deleted && (!since || followUpDay(item) >= since))
    .sort(newestFirst)
    .map((followup) => ({ followup, step: steps.get(fieldValue(followup, 'step')) ?? null, day: followUpDay(followup) }));
}

/** Whether a follow-up is good news: the person went and would go again. */
export const wentAndLiked = (followup) => fieldValue(followup, 'went') === 'yes' && fieldValue(followup, 'again') === 'yes';

/** Good news: the newest follow-up of each step with a linked activity that says the person went and would go again. */
export function likedFollowUps(items) {
  const seen = new Set();
  return followUpsSince(items, null).filter(({ followup, step }) => {
    if (!step || !linkedActivity(step) || !wentAndLiked(followup) || seen.has(step.id)) return false;
    seen.add(step.id);
    return true;
  });
}
