// Devices edit the same documents while offline, then sync both ways through the server.
// Input: {url, token}. Documents (keyed by label in the output, with their `id`):
//   same-depth: A and B each edit once (two branches at generation 2);
//   deeper:     A edits once, B twice (B's branch is longer);
//   three-way:  A, B and C each edit once (three branches at generation 2: two conflicts).
// Prints the revisions each device wrote and what every device and the server hold afterwards.
import { docId, itemDoc } from './docs.mjs';
import { leaves, localDb, remoteDb, replicationFacts, run } from './pouch.mjs';

const EDITS = {
  'same-depth': { a: 1, b: 1 },
  deeper: { a: 1, b: 2 },
  'three-way': { a: 1, b: 1, c: 1 },
};

async function edit(db, id) {
  const current = await db.get(id);
  const next = { ...itemDoc(id, 256), _rev: current._rev };
  const written = await db.put(next);
  return { rev: written.rev, ct: next.ct };
}

async function state(db, id) {
  const doc = await db.get(id, { conflicts: true });
  return { rev: doc._rev, conflicts: doc._conflicts || [], ct: doc.ct, leaves: await leaves(db, id) };
}

run(async ({ url, token }) => {
  const remote = remoteDb(url, { token });
  const devices = { a: localDb('device-a'), b: localDb('device-b'), c: localDb('device-c') };
  const ids = Object.fromEntries(Object.keys(EDITS).map((label) => [label, docId('conflict-' + label)]));

  for (const id of Object.values(ids)) {
    await devices.a.put(itemDoc(id, 256));
  }
  const setup = [];
  for (const device of Object.values(devices)) {
    setup.push(await device.sync(remote));
  }

  // Offline: no replication while the devices edit.
  const written = {};
  for (const [label, counts] of Object.entries(EDITS)) {
    written[label] = { id: ids[label], edits: {} };
    for (const [name, times] of Object.entries(counts)) {
      written[label].edits[name] = [];
      for (let i = 0; i < times; i++) {
        written[label].edits[name].push(await edit(devices[name], ids[label]));
      }
    }
  }

  // Back online: A, B, C, then A and B again, each syncing both ways, so every device sees every edit.
  const syncs = [];
  for (const name of ['a', 'b', 'c', 'a', 'b']) {
    const result = await devices[name].sync(remote);
    syncs.push({ device: name, push: replicationFacts(result.push), pull: replicationFacts(result.pull) });
  }

  const held = {};
  for (const [label, id] of Object.entries(ids)) {
    held[label] = { server: await state(remote, id) };
    for (const [name, device] of Object.entries(devices)) {
      held[label][name] = await state(device, id);
    }
  }
  return { setup_ok: setup.every((s) => s.push.ok && s.pull.ok), written, syncs, held };
});
