// The app's memory of looks and visits (docs/app.md, "What's new since you last looked"): which plan is on
// screen and the look mark its screens compare with, the mark written when the user leaves, and what
// "My plans" says is new in each plan (the computation itself is in whatsnew.js).

import { loadDevice, trustedDevices } from './device.js';
import { openLocalDatabase, readLookMark, sealLookMark } from './localdb.js';
import { Plan } from './plan.js';
import { signal } from './state.js';
import { NOTHING, changesSince, watermarks, writeLook } from './whatsnew.js';

const looks = new Map(); // planId -> signal of the stored look mark (undefined until read)
const visits = new Map(); // planId -> {plan, since, ready}: the plan on screen and the mark it is compared with
const live = new Map(); // planId -> the plan this page last showed (still open, with its live sync, until another is opened)
const visitsChanged = signal(0); // read while rendering: a visit begun or ended re-renders
const listed = new Map(); // planId -> signal of the counts read for "My plans" (plans not open)
const readAt = new Map(); // planId -> the database's update_seq when those counts were read
const cache = new Map(); // planId -> {items, since, me, result}: one computation per load of the plan
const writing = new Map(); // planId -> the look marks being written, in order (a promise that settles, never rejects)

/** Once every look mark this page has begun writing for the plan is stored: a read then sees the newest. */
const written = (planId) => writing.get(planId) ?? Promise.resolve();

const lookOf = (planId) => {
  if (!looks.has(planId)) looks.set(planId, signal(undefined));
  return looks.get(planId);
};
const listedOf = (planId) => {
  if (!listed.has(planId)) listed.set(planId, signal(null));
  return listed.get(planId);
};

function cached(plan, since) {
  const items = plan.items; // read while rendering: follows the plan's changes
  const last = cache.get(plan.id);
  if (last && last.items === items && last.since === since && last.me === plan.device.deviceId) return last.result;
  const result = changesSince(items.values(), since, plan.device.deviceId);
  cache.set(plan.id, { items, since, me: plan.device.deviceId, result });
  return result;
}

/**
 * The user opened one of the plan's screens: what they see as new is compared with the mark read now,
 * for as long as the visit lasts (so what was new stays marked while they move between its screens).
 */
export async function beginVisit(plan) {
  if (visits.get(plan.id)?.plan === plan) return;
  const visit = { plan, since: null, ready: false };
  visits.set(plan.id, visit);
  live.set(plan.id, plan);
  await written(plan.id); // leaving and coming straight back: compare with the mark just written, not the one before
  const look = await readLookMark(plan.db);
  lookOf(plan.id).value = look;
  if (visits.get(plan.id) !== visit) return; // left already
  visit.since = look;
  visit.ready = true;
  visitsChanged.value += 1;
}

/** The user left the plan's screens: they have looked; everything the plan shows now is no longer new. */
export async function endVisit(plan) {
  const visit = visits.get(plan.id);
  if (!visit || visit.plan !== plan) return;
  visits.delete(plan.id);
  visitsChanged.value += 1;
  await markLooked(plan);
}

/**
 * Write the look mark for everything the plan shows now (its items as this device judged them). Marks are
 * written one after another, each after the last is stored: two at once would read the same revision and
 * one would be refused.
 */
export function markLooked(plan) {
  if (!plan.keyring) return Promise.resolve();
  const seen = watermarks(plan.items.values());
  lookOf(plan.id).value = { seen };
  listedOf(plan.id).value = NOTHING;
  // Sealed once the device has a database key (localdb.js).
  const write = written(plan.id).then(async () => writeLook(plan.db, await sealLookMark(seen)));
  const settled = write.then(
    () => {},
    () => {},
  );
  writing.set(plan.id, settled);
  settled.then(() => {
    if (writing.get(plan.id) === settled) writing.delete(plan.id);
  });
  return write;
}

/** What is new in the plan on screen, for its screens: {counts, marks} (see changesSince). */
export function whatsNew(plan) {
  visitsChanged.value;
  const visit = visits.get(plan.id);
  if (!visit?.ready || visit.plan !== plan || !plan.keyring) return { counts: NOTHING, marks: new Map(), ready: false };
  return { ...cached(plan, visit.since), ready: true };
}

/**
 * What "My plans" says is new in a plan: from the plan this page still has open (followed live, compared
 * with the mark written when the user left it; a closed plan is stopped), else the counts readNews last read;
 * null until known.
 */
export function newsOf(planId) {
  visitsChanged.value;
  const read = listedOf(planId).value;
  const plan = live.get(planId);
  if (plan && !plan.stopped && plan.keyring && !visits.has(planId)) {
    const look = lookOf(planId).value;
    return look === undefined ? null : cached(plan, look).counts;
  }
  return read;
}

/**
 * Read what is new in a plan that is not open, from this device's copy (no sync): the whole plan is read
 * and checked, then closed. Read again only when the database changed since.
 */
export async function readNews(planId) {
  const db = await openLocalDatabase(planId);
  const { update_seq: seq } = await db.info();
  if (readAt.get(planId) === seq) return listedOf(planId).value;
  await written(planId);
  const look = await readLookMark(db);
  lookOf(planId).value = look;
  let counts = NOTHING;
  if (look) {
    const device = await loadDevice();
    const plan = new Plan(planId, device, { db });
    await plan.start(await trustedDevices(planId));
    await plan.idle();
    plan.stop();
    if (plan.keyring) counts = changesSince(plan.items.values(), look, device.deviceId).counts;
  }
  listedOf(planId).value = counts;
  readAt.set(planId, seq);
  return counts;
}
