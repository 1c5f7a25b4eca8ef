// "My plans" without opening every plan. Each row reads its plan's names from the local database by
// decrypting only the plan-details item, with no sync; the plans not on screen sync one at a time in
// the background with a one-shot replication, so their changes still arrive without N live feeds.
//
// Nothing readable is stored: the names live in memory, and sealed at rest in the caseload summary
// (caseloadcache.js), which a reload opens first to draw every row at once; each plan is then checked in
// the background and read again only if its database changed since. The device store keeps two opaque
// document ids per plan (the plan-details item and a keyring document granting its key to this device).
//
// The caseload (docs/app.md, "Plan details and the caseload") also needs what only the whole plan says:
// the due dates of its open steps and when it last changed (plandetails.js, caseloadFacts). Those are
// read when the whole plan is read, kept in memory with the database's update_seq they were read at, and
// read again (the whole plan, a few plans at a time) only when the plan's database has changed since.
// Both are kept in the caseload summary with that update_seq.

import { Keyring, decryptItem, openGrant } from '../crypto/index.js';
import { loadDevice, rememberPlan, rememberRoster, trustedDevices } from './device.js';
import { openLocalDatabase } from './localdb.js';
import { Plan } from './plan.js';
import { isOpen } from './session.js';
import { signal } from './state.js';
import { PlanSync } from './sync.js';
import { readNews } from './looks.js';
import { caseloadFacts, detailsOf } from './plandetails.js';
import { dropSummary, flushSummaries, keepSummary, keptSummaries } from './caseloadcache.js';
import { shareWhatWeLearn } from './learningsend.js';

const STATUS = '_local/alongside-status';
const summaries = new Map(); // planId -> signal of {person, title, details, facts, pending, noKey}, or null until read
const factsRead = new Map(); // planId -> {due, changed, seq}: caseloadFacts of the whole plan, at the database's update_seq
const namesAt = new Map(); // planId -> the database's update_seq the names in its summary were read at
const WHOLE_AT_ONCE = 3; // whole plans read at the same time (each decrypts and checks every item)

/** The summary last read for a plan (in memory) as a signal: its `.value` is null until read. */
export function summaryOf(planId) {
  if (!summaries.has(planId)) summaries.set(planId, signal(null));
  return summaries.get(planId);
}

/** How many rows this page drew from the caseload summary kept at rest, as a signal (null until it is opened). */
export const drawnFromRecord = signal(null);

let restoring = null;

/**
 * Once per page (unlocked): every summary kept at rest shown at once, before any plan's database is opened;
 * resolves a frame later, so the rows are drawn before the plans are checked.
 */
function restore() {
  restoring ??= keptSummaries().then(async (kept) => {
    if (!kept) return void (restoring = null); // locked: nothing is shown
    for (const [planId, { seq, ...summary }] of kept) {
      if (summaryOf(planId).peek()) continue; // read in this page already
      namesAt.set(planId, seq);
      if (summary.facts) factsRead.set(planId, summary.facts);
      summaryOf(planId).value = summary;
    }
    drawnFromRecord.value = kept.size;
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
  });
  return restoring;
}

/** Show a plan's summary, unless it says the same as the one shown (the row is not drawn again). */
function show(planId, summary) {
  if (JSON.stringify(summaryOf(planId).peek()) !== JSON.stringify(summary)) summaryOf(planId).value = summary;
}

/** Forget a plan's names (its copy on this device is gone), in memory and at rest. */
export function forgetSummary(planId) {
  summaryOf(planId).value = null;
  factsRead.delete(planId);
  namesAt.delete(planId);
  return dropSummary(planId);
}

/**
 * The plan's names, details and caseload facts, and how many changes wait to sync, read from this device's
 * copy: the names and details from the plan-details item alone when it can (shown at once), the facts from
 * memory while the database is unchanged, else from the whole plan (`facts` null until then).
 */
export async function readSummary(planId) {
  await restore();
  let { device, seq, pending, summary, facts } = await naming(() => readNames(planId));
  if (!summary || !facts) {
    if (summary) await namesRead(); // every row named first: whole plans are read after
    const whole = await inTurn(() => readWholePlan(planId, device, seq));
    summary = whole.summary;
    facts = whole.facts;
  }
  summary = { ...summary, facts, pending };
  show(planId, summary);
  namesAt.set(planId, seq);
  keepSummary(planId, { ...summary, seq });
  if (!namesReading && !reading) flushSummaries(); // the last plan being read: written now, not a moment later
  return summary;
}

/**
 * The cheap part of readSummary: the names and details (shown at once; the plan-details item is opened only
 * when the database changed since the names shown were read), and the facts if still up to date.
 */
async function readNames(planId) {
  const device = await loadDevice();
  const info = device.plans[planId] || {};
  const db = await openLocalDatabase(planId);
  const [status, { update_seq: seq }] = await Promise.all([db.get(STATUS).catch(() => null), db.info()]);
  const shown = summaryOf(planId).peek();
  let summary = null;
  if (shown && namesAt.get(planId) === seq) summary = { person: shown.person, title: shown.title, details: shown.details, noKey: shown.noKey };
  else if (info.header && info.grant) summary = await readHeader(db, planId, device, info);
  const pending = status?.pending?.length || 0;
  const facts = factsRead.get(planId)?.seq === seq ? factsRead.get(planId) : null;
  if (summary) show(planId, { ...summary, facts: facts ?? shown?.facts ?? null, pending });
  return { device, seq, pending, summary, facts };
}

function namesOf(body) {
  const details = detailsOf(body);
  return { person: details.person, title: details.title, details, noKey: false };
}

let namesReading = 0; // plan-details items being read
const named = []; // resolvers waiting until none is

/** Run `read`, a read of a plan-details item: whole plans and background syncs wait until every such read is done. */
async function naming(read) {
  namesReading += 1;
  try {
    return await read();
  } finally {
    namesReading -= 1;
    if (!namesReading) named.splice(0).forEach((resolve) => resolve());
  }
}

/** Resolves once no plan-details item is being read (the list has every name it can have). */
const namesRead = () => (namesReading ? new Promise((resolve) => named.push(resolve)) : Promise.resolve());

let reading = 0;
const waiting = [];

/** Run `read` when fewer than WHOLE_AT_ONCE whole plans are being read. */
async function inTurn(read) {
  if (reading >= WHOLE_AT_ONCE) await new Promise((resolve) => waiting.push(resolve));
  reading += 1;
  try {
    return await read();
  } finally {
    reading -= 1;
    waiting.shift()?.();
  }
}

/** The cheap way: the plan-details item and the keyring document remembered for it. */
async function readHeader(db, planId, device, info) {
  try {
    const [header, grant] = await Promise.all([db.get(info.header), db.get(info.grant)]);
    if (header.kid !== grant.kid) return null; // the plan key changed since: read the whole plan once
    const { key } = await openGrant(grant, { planId, device: device.keys, trusted: await trustedDevices(planId) });
    const { signed } = await decryptItem(header, { planId, keyring: new Keyring(planId, [key]) });
    return signed.body.type === 'plan' ? namesOf(signed.body) : null;
  } catch {
    return null;
  }
}

/**
 * The first time, after a key change or once the database changed: read the whole plan, without syncing,
 * remember where its names are, and keep its caseload facts (in memory, with the update_seq `seq` they are of).
 * Returns {summary, facts}.
 */
async function readWholePlan(planId, device, seq) {
  const plan = await new Plan(planId, device, { db: await openLocalDatabase(planId) }).start(await trustedDevices(planId));
  plan.stop();
  await rememberRoster(planId, [...plan.devices.values()]);
  const header = plan.header;
  if (!plan.keyring) return { summary: { person: '', title: '', details: null, noKey: true }, facts: null };
  const facts = { ...caseloadFacts(plan.items.values()), seq };
  factsRead.set(planId, facts);
  shareWhatWeLearn(plan).catch(() => {}); // the person's facts, if they chose to share them (learningsend.js)
  if (!header) return { summary: { person: '', title: '', details: null, noKey: false }, facts };
  const grant = await findGrant(plan, header);
  if (grant) await rememberPlan(planId, { header: header.id, grant });
  return { summary: namesOf(header), facts };
}

/** A keyring document granting this device the key the plan-details item is sealed under, from a device it trusts. */
async function findGrant(plan, header) {
  const doc = await plan.db.get(header.id);
  const { rows } = await plan.db.allDocs({ include_docs: true });
  for (const { doc: grant } of rows) {
    if (grant?.kind !== 'keyring' || grant.to !== plan.device.deviceId || grant.kid !== doc.kid) continue;
    try {
      await openGrant(grant, { planId: plan.id, device: plan.device.keys, trusted: plan.trusted });
      return grant._id;
    } catch {
      /* granted by a device known only from the roster: try another */
    }
  }
  return null;
}

let running = null;

/**
 * Sync the plans that are not open, one at a time, each with a one-shot replication; then read each
 * one's names again, and what changed since the user last looked (offline too). One pass at a time; a
 * plan opened meanwhile is left to its own live sync.
 */
export function syncInBackground(planIds) {
  if (running) return running;
  running = (async () => {
    await namesRead();
    for (const planId of planIds) {
      const device = await loadDevice();
      const info = device?.plans[planId];
      if (!device || !info || info.pending || isOpen(planId)) continue;
      if (device.token && !info.copy && navigator.onLine) {
        const plan = new Plan(planId, device, { db: await openLocalDatabase(planId) });
        await plan.readStatus();
        await new PlanSync(plan, device.token).once();
        if (!isOpen(planId)) await readSummary(planId).catch(() => {});
      }
      if (!isOpen(planId)) await readNews(planId).catch(() => {}); // what changed since the user last looked (whatsnew.js)
    }
  })().finally(() => {
    running = null;
  });
  return running;
}
