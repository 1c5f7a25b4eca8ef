// A worker's device refreshes its copy of the organisation's activities (pwa/src/data/activities.js) from `url`
// (the server, or a proxy in front of it) into a PouchDB database in `folder`, kept between runs.
// Input: {url, token, folder}. Output: {result: {status, reason?}, names: [the names in the copy it keeps]}.
import PouchDB from 'pouchdb';
import { readActivities, refreshActivities } from '../../../pwa/src/data/activities.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { url, token, folder } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const db = new (PouchDB.defaults({ prefix: `${folder}/` }))('activities');
const fetchSigned = async () => {
  const answer = await fetch(`${url}/api/v1/activities`, { headers: { Authorization: `Bearer ${token}` } });
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  return answer.json();
};
const result = await refreshActivities({ db, fetchSigned });
const copy = await readActivities(db);
await db.close();
console.log(JSON.stringify({ result, names: copy ? copy.activities.map((a) => a.name) : null }));
