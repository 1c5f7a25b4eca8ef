// Sending what a plan teaches (docs/app.md, "Learning"; the scheme: docs/crypto.md §24). After a sync, a device
// of the person's or of a worker's that holds a plan whose person said yes derives the plan's facts
// (learning.js), and if they differ from what it last sent for that fact set, seals them to the organisation's
// learning key and puts them under the set's random id, with no Authorization and no cookie: nothing ties
// them to this device, the plan or an account. A stop withdraws the set. This device keeps, in its own
// record (sealed with it while the app lock is on), the learning key it pinned on first use and, per set, a
// hash of what it sent: never the facts.

import { canonicalJsonText, sealFacts, verifyLearningKey } from '../crypto/index.js';
import { anonymousApi, api } from './api.js';
import { loadDevice, setPreference } from './device.js';
import { consentValues, learningConsentOf, learningFacts, mayRecordConsent, setsToWithdraw } from './learning.js';

/** The most seconds a device waits, at random, before sending a fact set (this device's setting, below). */
export const SEND_DELAY = 30;
const DELAY_SETTING = 'alongside-learning-delay'; // localStorage: another most, in seconds (0: at once)
const WITHDRAWN = 'withdrawn';

/** How long to wait before sending (ms): a random time up to the device's most, so a send is not timed by the sync before it. */
export function sendDelay(random = Math.random) {
  const set = globalThis.localStorage?.getItem(DELAY_SETTING);
  const most = set !== null && set !== undefined && Number.isFinite(Number(set)) ? Math.max(0, Number(set)) : SEND_DELAY;
  return Math.floor(random() * most * 1000);
}

const pause = (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** This device's learning record: {key: {org, kid, pub, by} or null, sent: {set: hash or 'withdrawn'}}. */
async function learningRecord() {
  const device = await loadDevice();
  return { key: null, sent: {}, ...(device?.learning || {}) };
}

let writes = Promise.resolve();

/** Change the learning record (one change at a time). */
function remember(change) {
  const run = writes.then(async () => setPreference('learning', change(await learningRecord())));
  writes = run.catch(() => {});
  return run;
}

/**
 * The key document `doc` (GET /learning/key, with the org's admin devices) checked: the organisation's, signed
 * by the admin device it names (with that device's signing key as the server lists it). Returns what is pinned:
 * {org, kid, pub, by}. Throws (a CryptoError, or an Error) when it does not hold.
 */
export async function checkKeyDocument(doc, org) {
  const { admins = [], ...keyDoc } = doc || {};
  if (!org || keyDoc.org !== org) throw new Error('the learning key is not this organisation’s');
  const signer = admins.find((admin) => admin.device === keyDoc.by);
  if (!signer) throw new Error('the learning key’s signer is not an admin device');
  await verifyLearningKey(keyDoc, signer.sig_pub);
  return { org: keyDoc.org, kid: keyDoc.kid, pub: keyDoc.pub, by: keyDoc.by };
}

/**
 * The organisation's learning key as this device pinned it (trust on first use, as the activities directory's
 * key): the first key document it accepted. Fetched and pinned when none is yet; null when the organisation has
 * none. A device never seals to another key.
 */
export async function pinnedLearningKey(token) {
  const { key } = await learningRecord();
  if (key) return key;
  let doc;
  try {
    doc = await api('/learning/key', { token });
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
  // A worker's device knows its organisation; a person's has none of its own and takes its plans' (the server's
  // answer, api.md), trusted on first use as the key itself is.
  const { org } = await api('/me', { token });
  const pinned = await checkKeyDocument(doc, org || doc?.org);
  await remember((record) => ({ ...record, key: record.key || pinned }));
  return (await learningRecord()).key;
}

/** A hash of a fact set as sent (hex SHA-256 of its canonical JSON): whether it changed, without keeping it. */
async function factsHash(facts) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJsonText(facts)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

let turn = Promise.resolve();

/**
 * Share what `plan` teaches, as the person chose: withdraw every set they stopped sharing, and send the facts
 * of the set they share if they changed since this device last sent them. Only the person's devices and
 * workers' send. One plan at a time. Answers 'sent', 'unchanged', 'no-key', 'stopped' or 'none'; a failed
 * request throws (nothing is remembered, so it is tried again after the next sync).
 */
export function shareWhatWeLearn(plan) {
  const run = turn.then(() => shareNow(plan));
  turn = run.catch(() => {});
  return run;
}

async function shareNow(plan) {
  const device = await loadDevice();
  if (!device?.token || !plan.keyring || !['owner', 'worker'].includes(plan.me?.role)) return 'none';
  const consent = learningConsentOf(plan);
  for (const { set, proof } of setsToWithdraw(plan, consent)) {
    if ((await learningRecord()).sent[set] === WITHDRAWN) continue;
    try {
      await anonymousApi(`/learning/facts/${set}`, { method: 'DELETE', body: { proof } });
    } catch (error) {
      if (error.status !== 404) throw error; // never sent, or gone already
    }
    await remember((record) => ({ ...record, sent: { ...record.sent, [set]: WITHDRAWN } }));
  }
  if (!consent) return 'none';
  if (!consent.share) return 'stopped';
  const facts = learningFacts(plan.items.values());
  const hash = await factsHash(facts);
  const sent = (await learningRecord()).sent[consent.set];
  // A set withdrawn is never sent again (a yes after a stop draws a new one): a copy of the plan read before
  // the stop arrived must not bring it back.
  if (sent === WITHDRAWN) return 'stopped';
  if (sent === hash) return 'unchanged';
  const key = await pinnedLearningKey(device.token);
  if (!key) return 'no-key';
  const sealed = await sealFacts(facts, key);
  await pause(sendDelay());
  try {
    await anonymousApi(`/learning/facts/${consent.set}`, { method: 'PUT', body: { sealed, proof: consent.proof } });
  } catch (error) {
    if (error.status !== 410) throw error;
    // Withdrawn from another device (the person's stop has not reached this copy yet): final, never sent again.
    await remember((record) => ({ ...record, sent: { ...record.sent, [consent.set]: WITHDRAWN } }));
    return 'stopped';
  }
  await remember((record) => ({ ...record, sent: { ...record.sent, [consent.set]: hash } }));
  return 'sent';
}

/**
 * Record the person's choice (plan.create, for everyone in the plan): on their own device, or on a worker's
 * with them there (`saidBy`: the person's name, recorded as who said it). A yes draws a new fact set unless
 * one is shared already; a stop names the set it stops. Then shares or withdraws at once.
 */
export async function recordLearningChoice(plan, share, { saidBy = '' } = {}) {
  if (!mayRecordConsent(plan)) throw new Error('only the person, or a worker with them, says whether to share');
  const values = consentValues(plan, share, { random: (n) => crypto.getRandomValues(new Uint8Array(n)), saidBy });
  if (!values) return;
  await plan.create('learning-consent', values, { audience: 'everyone' });
  await shareWhatWeLearn(plan).catch(() => {}); // no connection: sent after a later sync
}
