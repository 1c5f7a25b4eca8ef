// Writes plan items holding unique canary strings through the real sync path: sealed with the
// browser crypto module, pushed by PouchDB, pulled by a second PouchDB and opened there.
// Input: {url, token, planId, canaries: [..]}. Output: {opened: [..texts], bodies: [..every response body]}.
import { PouchDB, localDb, run } from '../../sync/js/pouch.mjs';
import {
  Keyring,
  generateDeviceKeys,
  grantPlanKey,
  newDocumentId,
  newPlanKey,
  openItem,
  sealItem,
} from '../../../pwa/src/crypto/index.js';

await run(async ({ url, token, planId, canaries }) => {
  const bodies = [];
  const recordingFetch = async (u, opts) => {
    opts.headers.set('Authorization', 'Bearer ' + token);
    const response = await PouchDB.fetch(u, opts);
    // Read the body once and hand PouchDB a copy: reading a clone while the original is unread
    // stalls node-fetch once a body passes its buffer.
    const text = await response.text();
    bodies.push(text);
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const remote = new PouchDB(url, { fetch: recordingFetch });

  const author = await generateDeviceKeys();
  const key = await newPlanKey(planId);
  const tablet = localDb('tablet');
  const docs = [await grantPlanKey(key, { recipient: author.public, granter: author })];
  for (const [index, canary] of canaries.entries()) {
    const body = { section: index % 2 ? 'goals' : 'strengths', text: canary, said_by: 'person', voice: 'own words' };
    docs.push(await sealItem(body, { planId, docId: newDocumentId(), key, author }));
  }
  await tablet.bulkDocs(docs);
  const pushed = await tablet.replicate.to(remote);

  const phone = localDb('phone');
  await phone.replicate.from(remote);
  const keyring = new Keyring(planId, [key]);
  const devices = { [author.deviceId]: author.public };
  const opened = [];
  const all = await phone.allDocs({ include_docs: true });
  for (const row of all.rows) {
    if (row.doc.kind === 'item') {
      opened.push((await openItem(row.doc, { planId, keyring, devices })).body.text);
    }
  }
  // Read everything back through the remote too, so those response bodies are checked as well.
  await remote.allDocs({ include_docs: true });
  await remote.changes({ include_docs: true, style: 'all_docs' });
  await remote.close();
  return { docs_written: pushed.docs_written, opened, bodies };
});
