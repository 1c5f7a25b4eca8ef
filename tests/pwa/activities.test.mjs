// The device's copy of its organisation's activities (pwa/src/data/activities.js, docs/crypto.md §22): the first
// good copy pins the catalogue key; a copy altered on the way, signed by another key, unsigned, older or from
// another organisation is refused and the last good copy stays; a copy changed at rest is not shown.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PouchDB from 'pouchdb';
import { b64uEncode, catalogueMessage } from '../../pwa/src/crypto/index.js';
import { ed25519Public, ed25519Sign } from '../../pwa/src/crypto/primitives.js';
import { activityTags, findActivities, readActivities, refreshActivities } from '../../pwa/src/data/activities.js';

const folder = mkdtempSync(join(tmpdir(), 'alongside-activities-'));
const Local = PouchDB.defaults({ prefix: `${folder}/` });
after(() => rmSync(folder, { recursive: true, force: true }));

const ORG = '5f0b1d2c3e4a59687786a5b4c3d2e1f0';
const orgSeed = new Uint8Array(32).fill(7);
const otherSeed = new Uint8Array(32).fill(9);
const activity = (id, name) => ({
  id, name, description: '', when: 'Thursdays', days: ['th'], where: 'Library steps', postcode: '', lat: '', lon: '',
  cost: 'Free', free: true, accessibility: '', phone: '', email: '', url: '', languages: ['en'], tags: ['walking'], last_checked: '',
});

async function signed(version, activities, { seed = orgSeed, org = ORG } = {}) {
  const catalogue = { v: 1, org, version, issued_at: 1796000000 + version, activities };
  const sig = b64uEncode(await ed25519Sign(seed, catalogueMessage(catalogue)));
  return { catalogue, key: b64uEncode(await ed25519Public(seed)), sig };
}

const names = async (db) => (await readActivities(db))?.activities.map((a) => a.name);

test('the first good copy is kept and pins the key; altered, foreign, unsigned, older or other copies are refused', async () => {
  const db = new Local('device-a');
  const refresh = (answer) => refreshActivities({ db, fetchSigned: async () => answer, org: ORG, now: () => 1 });
  const first = await signed(3, [activity('walk', 'Walking group'), activity('choir', 'Choir')]);
  assert.deepEqual(await refresh(first), { status: 'updated' });
  assert.deepEqual(await names(db), ['Walking group', 'Choir']);

  const altered = structuredClone(await signed(4, [activity('walk', 'Walking group'), activity('choir', 'Choir')]));
  altered.catalogue.activities[1].where = 'The old quarry';
  assert.deepEqual(await refresh(altered), { status: 'refused', reason: 'signature' });
  // A whole catalogue signed by another key, which says it is the key: the pinned key decides.
  assert.deepEqual(await refresh(await signed(5, [activity('x', 'Not ours')], { seed: otherSeed })), { status: 'refused', reason: 'signature' });
  const unsigned = await signed(5, []);
  delete unsigned.sig;
  assert.deepEqual(await refresh(unsigned), { status: 'refused', reason: 'signature' });
  assert.deepEqual(await refresh(await signed(2, [])), { status: 'refused', reason: 'older' });
  assert.deepEqual(await refresh(await signed(6, [], { org: 'ab'.repeat(16) })), { status: 'refused', reason: 'organisation' });
  assert.deepEqual(await refresh({ catalogue: { v: 1 }, key: first.key, sig: first.sig }), { status: 'refused', reason: 'malformed' });
  assert.deepEqual(await names(db), ['Walking group', 'Choir']); // the last good copy stayed

  assert.deepEqual(await refresh(first), { status: 'unchanged' });
  assert.deepEqual(await refresh(await signed(4, [activity('walk', 'Walking group')])), { status: 'updated' });
  assert.deepEqual(await names(db), ['Walking group']);
  await assert.rejects(refreshActivities({ db, fetchSigned: async () => Promise.reject(new Error('offline')) }), /offline/);
  assert.deepEqual(await names(db), ['Walking group']); // no connection: the copy is still there
});

test('a copy changed at rest is not shown', async () => {
  const db = new Local('device-b');
  await refreshActivities({ db, fetchSigned: async () => signed(1, [activity('walk', 'Walking group')]) });
  const stored = await db.get('_local/alongside-activities');
  stored.signed.catalogue.activities[0].name = 'Something else';
  await db.put(stored);
  assert.equal(await readActivities(db), null);
});

test('finding activities: words anywhere (case and accents ignored), a day, a tag, free only', async () => {
  const walk = activity('walk', 'Walking group');
  const choir = { ...activity('choir', 'Côr y Cwm'), days: ['we'], tags: ['music'], free: false, where: 'Chapel' };
  const cafe = { ...activity('cafe', 'Repair café'), days: ['sa'], tags: ['fixing', 'music'], description: 'Bring a broken toaster' };
  const all = [walk, choir, cafe];
  const names = (found) => found.map((a) => a.name);
  assert.deepEqual(names(findActivities(all)), ['Côr y Cwm', 'Repair café', 'Walking group']);
  assert.deepEqual(names(findActivities(all, { text: 'cor' })), ['Côr y Cwm']);
  assert.deepEqual(names(findActivities(all, { text: 'TOASTER cafe' })), ['Repair café']);
  assert.deepEqual(names(findActivities(all, { tag: 'music' })), ['Côr y Cwm', 'Repair café']);
  assert.deepEqual(names(findActivities(all, { tag: 'music', free: true })), ['Repair café']);
  assert.deepEqual(names(findActivities(all, { day: 'th' })), ['Walking group']);
  assert.deepEqual(names(findActivities(all, { text: 'nothing like this' })), []);
  assert.deepEqual(activityTags(all), ['fixing', 'music', 'walking']);
});
