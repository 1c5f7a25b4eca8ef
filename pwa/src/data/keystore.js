// The grants this device accepted (spec §9.5; docs/app.md, "Trust"), kept in a local document of the
// plan's own database (`_local/alongside-keys`, never replicated): the keyring documents themselves (still
// wrapped for this device's key, so nothing readable is stored) with the public keys of the device that
// granted each. Read first on start, so nothing written to the plan can take a key away from this device.

import { DevicePublicKeys } from '../crypto/index.js';

const ID = '_local/alongside-keys';
const WIRE = ['_id', 'v', 'kind', 'kid', 'to', 'epk', 'nonce', 'ct'];

export class KeyStore {
  constructor(db) {
    this.db = db;
    this.grants = null; // [{doc, granter: DevicePublicKeys}]
    this.writing = Promise.resolve();
  }

  /** The accepted grants (read once). */
  async load() {
    if (!this.grants) {
      const stored = await this.db.get(ID).catch(() => null);
      const grants = [];
      for (const { doc, granter } of stored?.grants || []) {
        try {
          grants.push({ doc, granter: await DevicePublicKeys.fromJSON(granter) });
        } catch {
          /* a malformed entry: skipped */
        }
      }
      this.grants ??= grants;
    }
    return this.grants;
  }

  /** Keep a grant this device accepted, with its granter's public keys. */
  async add(doc, granter) {
    const grants = await this.load();
    if (!granter || grants.some((g) => g.doc._id === doc._id)) return;
    const copy = {};
    for (const name of WIRE) if (name in doc) copy[name] = doc[name];
    grants.push({ doc: copy, granter });
    this.writing = this.writing.then(() => this.write());
    await this.writing;
  }

  async write() {
    const grants = this.grants.map(({ doc, granter }) => ({ doc, granter: granter.toJSON() }));
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.db.get(ID).catch(() => ({ _id: ID }));
      try {
        await this.db.put({ _id: ID, ...(current._rev ? { _rev: current._rev } : {}), grants });
        return;
      } catch {
        /* written meanwhile: read its revision again */
      }
    }
  }
}
