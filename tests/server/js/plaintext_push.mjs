// A PouchDB holding ordinary JSON documents (and a few envelopes) pushes to the server.
// Input: {url, token, envelopes: [wire docs]}. Output: the replication result and what the server holds.
import { localDb, remoteDb, run } from '../../sync/js/pouch.mjs';

await run(async ({ url, token, envelopes }) => {
  const device = localDb('plain');
  const plain = [
    { _id: '0123456789abcdef0123456789abcdef', name: 'Jo Bloggs', goal: 'Get my kids back' },
    { _id: 'fedcba9876543210fedcba9876543210', v: 1, kind: 'item', text: 'almost an envelope' },
    { _id: 'not-hex-at-all', v: 1 },
  ];
  await device.bulkDocs([...plain, ...envelopes]);
  const remote = remoteDb(url, { token });
  const direct = await remote.bulkDocs(plain);
  const result = await device.replicate.to(remote);
  const held = await remote.allDocs();
  return {
    direct,
    docs_written: result.docs_written,
    doc_write_failures: result.doc_write_failures,
    held: held.rows.map((row) => row.id),
  };
});
