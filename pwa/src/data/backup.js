// A plan in a file the person can keep: the plan's documents exactly as the server holds them (item
// envelopes and keyring documents, ciphertext) plus the plan keys and the devices it trusts, locked
// under a passphrase chosen when saving (the PIN-lock format, spec §13: PBKDF2-SHA-256 and AES-GCM).
// Opening the file on a device brings the plan back: on a device that belongs to the plan it joins
// the local copy and syncs as usual; anywhere else it is a copy on that device only, never synced.

import {
  DevicePublicKeys,
  EVERYONE,
  FormatError,
  PlanKey,
  b64uDecode,
  b64uEncode,
  checkAudience,
  lockSecret,
  unlockSecret,
} from '../crypto/index.js';
import { loadDevice, rememberPlan } from './device.js';
import { openLocalDatabase } from './localdb.js';

const KIND = 'alongside-plan-file';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The file's text for `plan`, its keys locked under `passphrase`. */
export async function exportPlan(plan, passphrase) {
  const { rows } = await plan.db.allDocs({ include_docs: true });
  const docs = rows.map((row) => row.doc).filter((doc) => doc && !doc._id.startsWith('_'));
  const trusted = new Map([...plan.trusted, ...plan.devices]);
  const secret = {
    plan: plan.id,
    // Audience keys (spec §5.3) name their line; a key without `aud` is the plan key, as in older files.
    keys: [...plan.keyring.keys.values()].map((key) => ({
      epoch: key.epoch,
      key: b64uEncode(key.secret),
      ...(key.audience !== EVERYONE ? { aud: key.audience } : {}),
    })),
    trusted: [...trusted.values()].map((pub) => pub.toJSON()),
  };
  const lock = await lockSecret(encoder.encode(JSON.stringify(secret)), passphrase);
  return JSON.stringify({ v: 1, kind: KIND, plan: plan.id, saved: Math.floor(Date.now() / 1000), lock, docs });
}

/** Read a plan file with its passphrase; DecryptionError for a wrong passphrase, FormatError for a wrong file. */
export async function readPlanFile(text, passphrase) {
  let file;
  try {
    file = JSON.parse(text);
  } catch {
    throw new FormatError('not a plan file');
  }
  if (file?.v !== 1 || file.kind !== KIND || typeof file.plan !== 'string' || !Array.isArray(file.docs)) {
    throw new FormatError('not a plan file');
  }
  const secret = JSON.parse(decoder.decode(await unlockSecret(file.lock, passphrase)));
  if (secret.plan !== file.plan) throw new FormatError('not a plan file');
  const keys = [];
  for (const k of secret.keys) {
    const audience = k.aud === undefined ? EVERYONE : checkAudience(k.aud);
    keys.push(await PlanKey.fromSecret(file.plan, k.epoch, b64uDecode(k.key, 32, 'key'), audience));
  }
  const docs = file.docs.filter((doc) => doc && typeof doc._id === 'string' && (doc.kind === 'item' || doc.kind === 'keyring'));
  return { planId: file.plan, keys, trusted: secret.trusted, docs };
}

/** Bring a plan file back onto this device; returns the plan id. */
export async function importPlan(text, passphrase, openPlan) {
  const { planId, keys, trusted, docs } = await readPlanFile(text, passphrase);
  for (const pub of trusted) await DevicePublicKeys.fromJSON(pub); // each one must be well formed
  const db = await openLocalDatabase(planId);
  await db.bulkDocs(docs, { new_edits: false });
  const device = await loadDevice();
  const member = device.plans[planId] && !device.plans[planId].copy;
  await rememberPlan(planId, member ? {} : { copy: true, trusted, added: Date.now() });
  const { plan } = await openPlan(planId);
  await plan.adoptKeys(keys);
  return planId;
}
