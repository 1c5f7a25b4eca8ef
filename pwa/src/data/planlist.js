// "My plans" without opening every plan. Each row reads its plan's names from the local database by
// decrypting only the plan-details item, with no sync; the plans not on screen sync one at a time in
// the background with a one-shot replication, so their changes still arrive without N live feeds.
//
// Nothing readable is stored: the names live in memory only (the app lock promises that nothing of a
// plan can be read while locked). The device store keeps just two opaque document ids per plan (the
// plan-details item and a keyring document granting its key to this device) to find them again.

import { Keyring, decryptItem, openGrant } from '../crypto/index.js';
import { loadDevice, rememberPlan, rememberRoster, trustedDevices } from './device.js';
import { openLocalDatabase } from './localdb.js';
import { Plan } from './plan.js';
import { isOpen } from './session.js';
import { signal } from './state.js';
import { PlanSync } from './sync.js';
import { readNews } from './looks.js';

const STATUS = '_local/alongside-status';
const summaries = new Map(); // planId -> signal of {person, title, pending, noKey}, or null until read

/** The summary last read for a plan (in memory) as a signal: its `.value` is null until read. */
export function summaryOf(planId) {
  if (!summaries.has(planId)) summaries.set(planId, signal(null));
  return summaries.get(planId);
}

/** Forget a plan's names (its copy on this device is gone). */
export function forgetSummary(planId) {
  summaryOf(planId).value = null;
}

/** The plan's names and how many changes wait to sync, read from this device's copy. */
export async function readSummary(planId) {
  const device = await loadDevice();
  const info = device.plans[planId] || {};
  const db = await openLocalDatabase(planId);
  const status = await db.get(STATUS).catch(() => null);
  let summary = info.header && info.grant ? await readHeader(db, planId, device, info) : null;
  if (!summary) summary = await readWholePlan(planId, device);
  summary = { ...summary, pending: status?.pending?.length || 0 };
  summaryOf(planId).value = summary;
  return summary;
}

function namesOf(body) {
  return { person: body.f?.person?.v || '', title: body.f?.title?.v || '', noKey: false };
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

/** The first time (or after a key change): read the whole plan, without syncing, and remember where its names are. */
async function readWholePlan(planId, device) {
  const plan = await new Plan(planId, device, { db: await openLocalDatabase(planId) }).start(await trustedDevices(planId));
  plan.stop();
  await rememberRoster(planId, [...plan.devices.values()]);
  const header = plan.header;
  if (!plan.keyring || !header) return { person: '', title: '', noKey: !plan.keyring };
  const grant = await findGrant(plan, header);
  if (grant) await rememberPlan(planId, { header: header.id, grant });
  return namesOf(header);
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
