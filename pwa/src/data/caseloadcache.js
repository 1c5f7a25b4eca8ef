// The caseload summary kept at rest (docs/app.md, "Plan details and the caseload"; spec §13.3): what each
// row of "My plans" shows (the person's and the plan's names, the details, the open steps' due dates and
// the last change, the changes waiting to sync) and the update_seq of the plan's database it was read at,
// for every plan on this device, as ONE record in the device store. A reload draws the whole list from it
// at once instead of opening every plan's database and unwrapping every plan key (data/planlist.js checks
// each plan after, in the background, and reads again only those whose database changed).
//
// It is never readable at rest: sealed with AES-256-GCM under a key derived from the device's private
// keys (crypto/pinlock.js, caseloadKey), which the device record holds, so with the app lock on it cannot
// be opened before the PIN unseals the record, and with the lock off it is still not plaintext. The key
// is derived when needed and never kept. A record that does not open (altered, another format, keys that
// changed) is ignored and made again as the plans are read; a plan no longer on this device is dropped.

import { caseloadKey, openAtRest, sealAtRest } from '../crypto/index.js';
import { loadDevice, readCaseloadRecord, writeCaseloadRecord } from './device.js';

const FORMAT = 1; // the JSON inside: {v: 1, plans: {planId: {person, title, details, noKey, facts, pending, seq}}}
const KIND = 'sealed-caseload';
const WRITE_AFTER = 1500; // ms at most: every summary that changed meanwhile is written at once, not one write per row

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let kept = null; // planId -> entry, as opened or last kept (null until opened in this page)
let opening = null;
let timer = null;
let writing = Promise.resolve();

const sealingKey = (device) => caseloadKey(device.keys.privateBytes());

const wellFormed = (entry) =>
  entry !== null && typeof entry === 'object' && ['number', 'string'].includes(typeof entry.seq) && typeof entry.noKey === 'boolean';

/**
 * The summaries kept at rest for the plans this device holds, opened once per page: a Map planId -> entry
 * ({person, title, details, noKey, facts, pending, seq}); empty when there is none or it does not open.
 * Null while the app is locked (nothing is opened then).
 */
export function keptSummaries() {
  opening ??= openRecord().then((found) => {
    if (!found) opening = null; // locked: opened once unlocked
    return found;
  });
  return opening;
}

async function openRecord() {
  const device = await loadDevice();
  if (!device) return null;
  let plans = {};
  try {
    const stored = await readCaseloadRecord();
    if (stored) {
      if (stored.v !== 1 || stored.kind !== KIND) throw new Error('another format');
      const body = JSON.parse(decoder.decode(await openAtRest(await sealingKey(device), 'caseload', stored)));
      if (body?.v !== FORMAT || body.plans === null || typeof body.plans !== 'object') throw new Error('another format');
      plans = body.plans;
    }
  } catch {
    plans = {}; // altered, another format or sealed under other keys: made again as the plans are read
  }
  const held = Object.entries(plans).filter(([planId, entry]) => device.plans[planId] && wellFormed(entry));
  kept = new Map(held);
  if (held.length !== Object.keys(plans).length) writeNow(); // a plan gone from this device leaves the record
  return kept;
}

/**
 * Keep a plan's summary, read at its database's update_seq `seq` (`entry` = {...summary, seq}): written
 * at rest a moment later, together with every other summary that changed meanwhile.
 */
export function keepSummary(planId, entry) {
  if (!kept) return; // not opened in this page (locked): nothing to write to
  const text = JSON.stringify(entry);
  if (JSON.stringify(kept.get(planId)) === text) return;
  kept.set(planId, JSON.parse(text));
  later();
}

/** Write the summaries that changed now rather than later (the plans being read are all read). */
export function flushSummaries() {
  if (timer !== null) writeNow();
}

/** Drop a plan from the record at once (its copy on this device is gone). */
export async function dropSummary(planId) {
  if ((await keptSummaries())?.delete(planId)) writeNow();
  await writing.catch(() => {});
}

function later() {
  timer ??= setTimeout(writeNow, WRITE_AFTER);
}

/** Seal and store every kept summary of a plan this device still holds (writes go one after another). */
function writeNow() {
  clearTimeout(timer);
  timer = null;
  const write = async () => {
    const device = await loadDevice();
    if (!device || !kept) return; // locked meanwhile: nothing is written
    const plans = Object.fromEntries([...kept].filter(([planId]) => device.plans[planId]));
    const plaintext = encoder.encode(JSON.stringify({ v: FORMAT, plans }));
    await writeCaseloadRecord({ v: 1, kind: KIND, ...(await sealAtRest(await sealingKey(device), 'caseload', plaintext)) });
  };
  writing = writing.then(write, write);
  return writing.catch(() => {}); // a write that failed is made again with the next change
}
