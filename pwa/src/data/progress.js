// Progress over time (docs/app.md, "Reviews and progress over time"): the day each reading was given, a
// goal's readings by participant and day, the day each agreed version belongs to, and how each
// participant's rating of each goal moved between their first and last reading. Pure functions of the
// plan's items; the chart (ui/chart.jsx), the review (ui/review.jsx) and the progress screen
// (ui/progress.jsx) read them.

import { fieldValue } from './kinds.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const pad = (n) => String(n).padStart(2, '0');

/** A moment (ms) as the local day it falls on, YYYY-MM-DD. */
export function isoDay(ms) {
  const date = new Date(ms);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Today, as this device's clock has it (a visit's date starts as today). */
export const today = () => isoDay(Date.now());

/** `value` if it is a real day written YYYY-MM-DD, else null. */
export function validDay(value) {
  const match = typeof value === 'string' ? DAY.exec(value) : null;
  if (!match) return null;
  const [y, m, d] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? value : null;
}

/** A day's place on a time axis: midnight UTC of that day, in ms (so days are evenly spaced). */
export function dayTime(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

/** The day a reading was given: its `date` (the visit's), or for a reading without one the day it was typed. */
export const readingDay = (reading) => validDay(fieldValue(reading, 'date')) || isoDay(reading.created?.at ?? 0);

/** A participant's name as a series key: the same name however it was spaced or capitalised. */
const partyKey = (name) => (name || '').trim().toLocaleLowerCase();

/**
 * The readings of `goalId`, one series per participant (in the order each first rated), each series's
 * points in day order (two on one day: in the order they were typed): [{party, points: [{id, day, time,
 * value}]}].
 */
export function goalSeries(plan, goalId) {
  const readings = plan
    .list('reading')
    .filter((r) => fieldValue(r, 'goal') === goalId && Number.isFinite(Number(fieldValue(r, 'value'))))
    .map((r) => ({ id: r.id, day: readingDay(r), at: r.created?.at ?? 0, party: (fieldValue(r, 'party') || '').trim() || '?', value: Number(fieldValue(r, 'value')) }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.at - b.at);
  const series = new Map();
  for (const reading of readings) {
    const key = partyKey(reading.party);
    if (!series.has(key)) series.set(key, { party: reading.party, points: [] });
    series.get(key).points.push({ id: reading.id, day: reading.day, time: dayTime(reading.day), value: reading.value });
  }
  return [...series.values()];
}

/** The review a version was agreed at (the review item naming it), or null. */
export const reviewOf = (plan, versionId) => plan.list('review').find((review) => fieldValue(review, 'version') === versionId) || null;

/**
 * The agreed versions on a time axis, in number order: [{id, number, day, time}]; a version kept at the
 * end of a review belongs to the review's day, any other to the day it was kept.
 */
export function versionMarks(plan) {
  return plan
    .list('version')
    .map((version) => {
      const day = validDay(fieldValue(reviewOf(plan, version.id), 'date')) || isoDay(version.created?.at ?? 0);
      return { id: version.id, number: fieldValue(version, 'number') || 0, day, time: dayTime(day) };
    })
    .sort((a, b) => a.number - b.number);
}

/**
 * How each participant's rating of each goal moved (the progress summary): per goal, [{goal, lines:
 * [{party, first: {day, value}, last: {day, value}, count, trend}]}], `trend` 'up', 'down', 'same' or
 * 'once' (a single reading, or all on one day).
 */
export function progressOf(plan, goals = plan.list('goal')) {
  return goals.map((goal) => ({
    goal,
    lines: goalSeries(plan, goal.id).map(({ party, points }) => {
      const first = points[0];
      const last = points[points.length - 1];
      const once = first.day === last.day;
      const trend = once ? 'once' : last.value > first.value ? 'up' : last.value < first.value ? 'down' : 'same';
      return { party, first: { day: first.day, value: first.value }, last: { day: last.day, value: last.value }, count: points.length, trend };
    }),
  }));
}

/** Whether `party` names the person whose plan it is (their readings are "your rating" on their own device). */
export const isPerson = (plan, party) => !!party && partyKey(party) === partyKey(fieldValue(plan.header, 'person'));

/** The reviews of the plan, newest day first: [{review, day}]. */
export function reviewsOf(plan) {
  return plan
    .list('review')
    .map((review) => ({ review, day: validDay(fieldValue(review, 'date')) || isoDay(review.created?.at ?? 0) }))
    .sort((a, b) => b.day.localeCompare(a.day) || (b.review.created?.at ?? 0) - (a.review.created?.at ?? 0));
}
