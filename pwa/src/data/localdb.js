// The plan's local database in the browser (IndexedDB through PouchDB). Kept apart from plan.js so the
// plan itself runs anywhere PouchDB does (the Node tests give it a database of their own).

import PouchDB from 'pouchdb-browser';
import { localDatabaseName } from './plan.js';

/** The PouchDB database holding plan `planId`'s envelopes on this device (never compacted: history). */
export const openLocalDatabase = (planId) => new PouchDB(localDatabaseName(planId), { auto_compaction: false });
