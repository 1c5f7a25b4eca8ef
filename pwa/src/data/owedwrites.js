// The writes a plan's check finds owed (plan.js, check; planread.js, present), made in turn with the plan's
// other writes: a rollback put right (the remembered version re-sealed on top, spec §7.4), fields merged
// forward (§8.3), a clean merge of a clash, this device's roster entry re-sealed after a key change, and this
// device's own words under a key retired since re-sealed under the current one (§10.1). Each is tried once.

import { resealItem, rosterDocumentId } from '../crypto/index.js';
import { resealOwnLeaf } from './plankeys.js';
import { same } from './planread.js';

/** Make `writes` ([{kind, id, onTop}]) on `plan`, each only if the item is still where the check found it; then reload. */
export async function writeOwed(plan, writes) {
  for (const write of writes) {
    plan.attempted.add(`${write.kind}:${write.id}:${write.onTop}`);
    if (write.kind === 'reseal-own') {
      await resealOwn(plan, write.id, write.onTop);
      continue;
    }
    const item = plan.items.get(write.id);
    if (!item || item.rev !== write.onTop) continue;
    if (write.kind === 'restore') await plan.save([await plan.resealRemembered(write.id, write.onTop)]);
    else if (write.kind === 'reseal') {
      const doc = await plan.db.get(write.id, { rev: write.onTop });
      const { keyring } = plan;
      await plan.save([await resealItem(doc, { planId: plan.id, keyring, devices: plan.known(), key: plan.keyFor(doc.kid) })]);
    } else if (write.kind === 'forward') {
      await plan.save([await plan.seal(item.id, { ...plan.bodyOf(item), f: item.f }, { rev: item.rev, replaces: item.base })]);
    } else if (write.kind === 'merge') {
      const winner = plan.opened.get(`${item.id}/${item.rev}`);
      await plan.writeMerged(item, item.f, !same(winner?.body.f, item.f));
    }
  }
  await plan.reload();
}

/** This device's own leaf `rev` of `id`, under a retired key, sealed again under the current key (spec §10.1). */
async function resealOwn(plan, id, rev) {
  try {
    await resealOwnLeaf(plan, id, rev);
  } catch (error) {
    console.warn('could not seal an edit again under the current key', error); // no longer a leaf: it was done
  }
}

/**
 * After a key change this device re-seals its own roster entry (nobody else may write at its roster id, spec
 * §14.3): that write, unless `writes` already re-seal it as this device's own words, or none.
 */
export async function rosterResealOwed(plan, writes) {
  const rosterId = await rosterDocumentId(plan.id, plan.device.deviceId);
  const own = plan.liveDocs.find((doc) => doc._id === rosterId);
  if (!own || !plan.keyring.has(own.kid) || own.kid === plan.keyring.current.kid) return [];
  const resealing = writes.some((write) => write.kind === 'reseal-own' && write.id === rosterId && write.onTop === own._rev);
  return resealing ? [] : [{ kind: 'reseal', id: rosterId, onTop: own._rev }];
}
