// The plan's details (docs/app.md, "Plan details and the caseload"): its name, status, next visit and
// review date live in the plan-details item (kind `plan`, the plan's header), encrypted and signed like every
// item, each field with who set it and when. And what "My plans" says of a plan without opening it: the
// facts a caseload row shows (next visit, review date, overdue steps, last change), read from its items.
// Pure: no browser, no database.

import { planAddressForm } from '../i18n/address.js';
import { CHOICES } from './kinds.js';
import { today } from './progress.js';

/** A plan's statuses: draft, active, closed. */
export const PLAN_STATUSES = CHOICES.status_plan;

/** Statuses older plans were written with, read as today's: on hold is still open, completed is closed. */
const OLDER = { on_hold: 'active', completed: 'closed' };

/** The status a stored value means (an older or unknown value read sensibly; nothing yet is a draft). */
export function planStatus(value) {
  if (PLAN_STATUSES.includes(value)) return value;
  return OLDER[value] || 'draft';
}

const text = (value) => (typeof value === 'string' ? value : '');
const isDay = (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
const isTime = (value) => typeof value === 'string' && /^\d{2}:\d{2}$/.test(value);

/**
 * The details a header item (or its plain values) holds: {title, person, status, visit, visitTime, review,
 * address} (dates as YYYY-MM-DD, the time as HH:MM, address 'f' / 'm'; '' when not set).
 */
export function detailsOf(header) {
  const v = (name) => (header?.f ? header.f[name]?.v : header?.[name]);
  return {
    title: text(v('title')),
    person: text(v('person')),
    status: planStatus(v('status')),
    visit: isDay(v('visit')) ? v('visit') : '',
    visitTime: isDay(v('visit')) && isTime(v('visit_time')) ? v('visit_time') : '',
    review: isDay(v('review')) ? v('review') : '',
    address: planAddressForm(header),
  };
}

/** The next visit with its time, as milliseconds on this device's clock (for formatDateTime); null without a time. */
export function visitMoment({ visit, visitTime }) {
  if (!visit || !visitTime) return null;
  const [y, m, d] = visit.split('-').map(Number);
  const [h, min] = visitTime.split(':').map(Number);
  return new Date(y, m - 1, d, h, min).getTime();
}

// Today on this device, as YYYY-MM-DD (local time: a step due today is not overdue until tomorrow).
export { today } from './progress.js';

const FINISHED = new Set(['done', 'stopped']);

/**
 * What a caseload row needs from a plan's items (as the plan shows them): `due`, the due dates of the steps
 * not done or stopped and not waiting "when I'm ready" (overdue ones are counted against the day the list is shown), and `changed`, when
 * anything in the plan was last changed (the newest field time; 0 when nothing is known).
 */
export function caseloadFacts(items) {
  const due = [];
  let changed = 0;
  for (const item of items) {
    if (!item?.f || item.deleted) continue;
    for (const field of Object.values(item.f)) if (typeof field?.at === 'number' && field.at > changed) changed = field.at;
    // A step that waits "when I'm ready" is never overdue, whatever date it once had.
    if (item.type === 'step' && isDay(item.f.due?.v) && !FINISHED.has(item.f.status?.v) && item.f.ready?.v !== true) due.push(item.f.due.v);
  }
  return { due: due.sort(), changed };
}

/** How many of the due dates `due` are before `day` (YYYY-MM-DD). */
export const overdueCount = (due, day = today()) => (due || []).filter((date) => date < day).length;

/** The sort orders "My plans" offers. */
export const SORTS = ['visit', 'review', 'changed'];

/**
 * Plan rows (each {id, details, facts, added}) in `order`: by next visit or review date, soonest first (plans
 * without one after, by name); by last change, newest first. Ties in the person's name order; plans with
 * nothing readable yet (no details) last, newest added first.
 */
export function sortPlans(rows, order, compareNames = (a, b) => (a < b ? -1 : a > b ? 1 : 0)) {
  const name = (row) => row.details?.person || row.details?.title || '';
  const when = (row) => {
    if (order === 'visit') return row.details?.visit ? `${row.details.visit}T${row.details.visitTime || '99:99'}` : null;
    if (order === 'review') return row.details?.review || null;
    return null;
  };
  return [...rows].sort((a, b) => {
    if (!a.details !== !b.details) return a.details ? -1 : 1; // plans nothing readable is known of yet: last
    if (!a.details) return (b.added || 0) - (a.added || 0);
    if (order === 'changed') {
      const diff = (b.facts?.changed || b.added || 0) - (a.facts?.changed || a.added || 0);
      return diff || compareNames(name(a), name(b));
    }
    const [x, y] = [when(a), when(b)];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    }
    return compareNames(name(a), name(b));
  });
}

/** Whether a row matches what was typed in the search (its person's name or the plan's name; case and accents ignored). */
export function matchesSearch(details, typed) {
  const fold = (value) =>
    text(value)
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLocaleLowerCase();
  const wanted = fold(typed).trim();
  if (!wanted) return true;
  return fold(details?.person).includes(wanted) || fold(details?.title).includes(wanted);
}
