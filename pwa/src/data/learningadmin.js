// The admin's side of learning (docs/app.md, "Learning"; docs/crypto.md §24): the organisation's learning key,
// drawn on an admin's device and granted to each admin device (the server never holds it), and "What we are
// learning": every fact set opened on this device and counted, only groups of at least MIN_GROUP plans shown.

import { newLearningKey, openFacts, openLearningGrant, signLearningKey, wrapLearningKeyFor } from '../crypto/index.js';
import { api } from './api.js';
import { aggregateFacts } from './learning.js';

/** The key document without what the server adds to its answer (`admins`). */
const keyDocumentOf = ({ admins, ...doc }) => doc;

/** The organisation's learning key document and its admin devices, or null when there is none yet. */
export async function learningKeyDocument(token) {
  try {
    return await api('/learning/key', { token });
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** Publish the key document `doc` (admins' devices only); the server keeps the grants it had and adds these. */
const publish = (token, doc) => api('/learning/key', { method: 'PUT', token, body: keyDocumentOf(doc) });

/**
 * "Set up learning": a new learning key drawn on this admin's device, signed by it, granted to it and to the
 * organisation's other admin devices, and published. Returns the published document.
 */
export async function setUpLearning(device) {
  const { org } = await api('/me', { token: device.token });
  const { priv, pub, kid } = await newLearningKey();
  const doc = await signLearningKey({ org, pub, kid, deviceKeys: device.keys });
  const grant = await wrapLearningKeyFor({ priv, kid, to: device.deviceId, encPub: device.keys.public.encryption });
  await publish(device.token, { ...doc, grants: [grant] });
  return grantToOtherAdmins(device, priv);
}

/**
 * Grant the learning key to every admin device the server lists that has no grant yet (this device must hold
 * one: `priv`, else it is opened from its grant). Returns the document as published (or as it was).
 */
export async function grantToOtherAdmins(device, priv = null) {
  const doc = await learningKeyDocument(device.token);
  if (!doc) return null;
  const granted = new Set(doc.grants.map((grant) => grant.to));
  const lacking = (doc.admins || []).filter((admin) => !granted.has(admin.device) && admin.enc_pub);
  if (!lacking.length) return doc;
  const key = priv || (await openLearningGrant(keyDocumentOf(doc), null, device.keys));
  const grants = [];
  for (const admin of lacking) grants.push(await wrapLearningKeyFor({ priv: key, kid: doc.kid, to: admin.device, encPub: admin.enc_pub }));
  return publish(device.token, { ...doc, grants: [...doc.grants, ...grants] });
}

/**
 * What we are learning: every fact set on the server opened with the learning key (this device's grant) and
 * counted (aggregateFacts). {state: 'none'} when the organisation has no key yet, {state: 'no-grant'} when this
 * device was not given it yet, else {state: 'ready', kid, unreadable (sets that did not open), ...aggregate}.
 */
export async function whatWeAreLearning(device) {
  let doc = await learningKeyDocument(device.token);
  if (!doc) return { state: 'none' };
  let priv;
  try {
    priv = await openLearningGrant(keyDocumentOf(doc), null, device.keys);
  } catch {
    return { state: 'no-grant' };
  }
  doc = (await grantToOtherAdmins(device, priv).catch(() => null)) || doc; // admin devices enrolled since
  const { sets } = await api('/learning/facts', { token: device.token });
  const opened = [];
  let unreadable = 0;
  for (const sealed of sets) {
    try {
      opened.push(await openFacts(sealed, { priv, kid: doc.kid }));
    } catch {
      unreadable += 1; // sealed to another key, altered, or not a facts body: not counted
    }
  }
  return { state: 'ready', kid: doc.kid, unreadable, ...aggregateFacts(opened) };
}
