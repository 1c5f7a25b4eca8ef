// The organisation's community activities on this device (docs/app.md, "Community activities"): the last good
// copy of the catalogue the server signs with the organisation's catalogue key (docs/crypto.md §22), kept in a
// local document (`_local/alongside-activities`, never replicated) of a database of its own, so the directory
// can be browsed with no connection. A new copy replaces it only when its signature verifies under the key this
// device pinned (the key of the first copy it kept), it is the same organisation's, and it is not older; a
// tampered, unsigned or older copy is refused and the old copy stays. The catalogue holds no personal data.

import { CryptoError, verifyCatalogue } from '../crypto/index.js';

const ID = '_local/alongside-activities';
const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;

/** What this device keeps: {key, signed: {catalogue, sig}, checkedAt} or null. */
async function stored(db) {
  return db.get(ID).catch(() => null);
}

/**
 * The activities of the copy this device keeps (checked again under the pinned key: a copy changed at rest is
 * not shown), with the catalogue's `org`, `version` and `issued_at`; null when there is none (or it fails).
 */
export async function readActivities(db) {
  const copy = await stored(db);
  if (!copy?.signed) return null;
  try {
    const catalogue = await verifyCatalogue(copy.signed, copy.key);
    return { ...catalogue, checkedAt: copy.checkedAt ?? null };
  } catch (error) {
    if (error instanceof CryptoError) return null;
    throw error;
  }
}

/**
 * Fetch the signed catalogue (`fetchSigned()`, the server's answer to GET /api/v1/activities) and keep it if it
 * is good. `org`, when given, is the organisation this device is enrolled with. Answers {status, reason?}:
 * `updated` (a newer copy kept), `unchanged` (the same version), or `refused` with the reason (`signature`,
 * `organisation`, `older`, `malformed`): the old copy stays. A failed fetch (no connection) throws, as `api` does.
 */
export async function refreshActivities({ db, fetchSigned, org = null, now = () => Date.now() }) {
  const signed = await fetchSigned();
  const copy = await stored(db);
  const pinned = copy?.key ?? signed?.key;
  if (typeof pinned !== 'string' || !KEY_TEXT.test(pinned)) return { status: 'refused', reason: 'malformed' };
  let catalogue;
  try {
    catalogue = await verifyCatalogue(signed, pinned);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return { status: 'refused', reason: error.name === 'SignatureError' ? 'signature' : 'malformed' };
  }
  const previous = copy?.signed?.catalogue;
  if ((org && catalogue.org !== org) || (previous && previous.org !== catalogue.org)) return { status: 'refused', reason: 'organisation' };
  if (previous && catalogue.version < previous.version) return { status: 'refused', reason: 'older' };
  if (previous && catalogue.version === previous.version) return { status: 'unchanged' };
  const next = { _id: ID, key: pinned, signed: { catalogue, sig: signed.sig }, checkedAt: now() };
  await db.put(copy?._rev ? { ...next, _rev: copy._rev } : next);
  return { status: 'updated' };
}

const folded = (text) => text.toLocaleLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');

/** Every tag the activities use, sorted (for the "Tag" choice). */
export function activityTags(activities) {
  return [...new Set(activities.flatMap((a) => a.tags))].sort();
}

/**
 * The activities that match every filter given, in name order: `text` (each word found in the name, what it
 * is, when, where, cost or a tag; case and accents ignored), `day` (mo … su), `tag`, `free` (true: free only).
 */
export function findActivities(activities, { text = '', day = '', tag = '', free = false } = {}) {
  const words = folded(text).split(/\s+/).filter(Boolean);
  return activities
    .filter((a) => {
      if (day && !a.days.includes(day)) return false;
      if (tag && !a.tags.includes(tag)) return false;
      if (free && !a.free) return false;
      const haystack = folded([a.name, a.description, a.when, a.where, a.cost, ...a.tags].join(' '));
      return words.every((word) => haystack.includes(word));
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
