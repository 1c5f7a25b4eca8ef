// Agreements bound to words, and provenance that stays true (docs/app.md, "Items and provenance" and
// "Agreements"). Pure functions of the items as the plan shows them, the roles and the content hashes:
// the plan precomputes what they need during a load, so rendering stays synchronous.

import { b64uEncode, canonicalJson } from '../crypto/index.js';
import { AGREEMENT, NOT_CONTENT, WORDS } from './model.js';
import { originOf } from './roles.js';

const AGREEMENT_FIELDS = ['item', 'content', 'value', 'for'];

/**
 * An item's content hash: b64u(SHA-256(canonical_json({"fields": {name: value}, "type": type}))) over
 * every field but where it is up to (`status` of steps and goals) and the old `agree`/`agree_note`.
 */
export async function contentHash(type, fields) {
  const skip = new Set([...(NOT_CONTENT[type] || []), ...AGREEMENT]);
  const values = {};
  for (const [name, field] of Object.entries(fields || {})) if (!skip.has(name)) values[name] = field.v;
  return b64uEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', canonicalJson({ fields: values, type }))));
}

/** Whether a field's statement checked out (true), failed (false), was never made (null) or is not checked yet (undefined). */
const fieldChecked = (item, name) => item.fieldChecks?.[name];
const attributable = (item, name) => fieldChecked(item, name) !== false && fieldChecked(item, name) !== null;

/**
 * What an agreement item records: {id, target, content, value, note, party, at, by, valid}. `by` is the
 * device that set its value (the recorder); it is `valid` only if the fields that make the record (item,
 * content, value, for) were all set by that device with field statements that verify (or are still to
 * be checked, before the background check has run).
 */
export function agreementRecord(item) {
  const f = item.f || {};
  if (!f.value || !f.item) return null;
  const by = f.value.dev;
  const valid = AGREEMENT_FIELDS.every((name) => f[name] && f[name].dev === by && attributable(item, name));
  return {
    id: item.id,
    target: f.item.v,
    content: f.content?.v ?? null,
    value: f.value.v,
    note: f.note?.v ?? '',
    party: f.for?.v ?? null,
    at: f.value.at,
    by,
    valid,
  };
}

const latest = (records) => records.reduce((a, b) => (!a || b.at > a.at || (b.at === a.at && b.id > a.id) ? b : a), null);

/**
 * The agreements recorded for one item (docs/app.md, "Agreements"): the person's (the latest `self`
 * record of one of the person's devices or `person` record of the worker's device), this device's own,
 * every other participant's own (one per device), the records that claim to be the person's but are not
 * (`refused`), and the legacy `agree` field of a schema-1 item. `hash` is the item's content hash now.
 */
export function agreementsFor(records, { hash, roles, me, party, legacyField = null }) {
  const roleOf = (id) => roles.get(id)?.role ?? null;
  const current = (record) => record.content === hash;
  const view = (record) => {
    if (!record?.value) return null;
    const { value, note, at, by } = record;
    return { value, note, at, by, recorded: record.party === 'person', current: current(record) };
  };
  const forPerson = [];
  const refused = [];
  const own = new Map();
  for (const record of records) {
    const ownerDevice = roleOf(record.by) === 'owner';
    const claimsPerson = record.party === 'person' || (record.party === 'self' && ownerDevice);
    const byWorker = roleOf(record.by) === 'worker';
    const counts = record.valid && ((record.party === 'self' && ownerDevice) || (record.party === 'person' && byWorker));
    if (counts) forPerson.push(record);
    else if (claimsPerson) refused.push(record);
    if (record.valid && record.party === 'self' && !ownerDevice) own.set(record.by, latest([own.get(record.by), record].filter(Boolean)));
  }
  const mine = latest(records.filter((r) => r.valid && r.by === me && r.party === party));
  const refusedBy = new Map();
  for (const record of refused) refusedBy.set(record.by, latest([refusedBy.get(record.by), record].filter(Boolean)));
  const legacy = ['yes', 'no'].includes(legacyField?.v) ? { value: legacyField.v, at: legacyField.at, dev: legacyField.dev } : null;
  return {
    person: view(latest(forPerson)),
    mine: view(mine),
    others: [...own.values()]
      .filter((r) => r.by !== me && r.value)
      .map((r) => ({ by: r.by, value: r.value, note: r.note, at: r.at, current: current(r) })),
    refused: [...refusedBy.values()].map((r) => ({ by: r.by, at: r.at })),
    legacy,
  };
}

/**
 * Provenance that stays true (docs/app.md, "Items and provenance"): who said it and in whose words, who
 * typed it and when, and whether someone changed the words after they were said. A words field set after
 * `said_by` (or, without `said_by`, after the item was typed) by a device that is not one of the person's
 * drops the voice ("their own words") until the person agrees to the current wording (`person`: the
 * person's agreement with the item as agreementsFor gives it). A field whose statement failed is never
 * attributed to the device it names.
 */
export function provenanceOf(item, { roles, person = null }) {
  const f = item.f || {};
  const origin = originOf(f);
  const said = f.said_by;
  const since = said ? said.at : origin ? origin.at : Number.NEGATIVE_INFINITY;
  const byPerson = (name) => attributable(item, name) && roles.get(f[name].dev)?.role === 'owner';
  const changes = (WORDS[item.type] || []).filter((name) => f[name] && f[name].at > since && !byPerson(name));
  const last = changes.reduce((a, name) => (!a || f[name].at > f[a].at ? name : a), null);
  const changed = last ? { by: attributable(item, last) ? f[last].dev : null, at: f[last].at } : null;
  const confirmed = changed && person && person.value === 'yes' && person.current ? { by: person.by, at: person.at } : null;
  const voiceDropped = !!changed && !confirmed;
  const checks = Object.values(item.fieldChecks || {});
  return {
    saidBy: said?.v ?? null,
    voice: voiceDropped ? null : (f.voice?.v ?? null),
    voiceDropped,
    // A schema-1 field (no statement) names its device as a claim (spec §20); a failed statement names nobody.
    typedBy: origin && fieldChecked(item, origin.name) !== false ? origin.dev : null,
    typedAt: origin?.at ?? item.created?.at ?? null,
    changed,
    confirmed,
    checked: item.verified !== false && !checks.includes(false),
    legacy: Object.values(f).some((field) => field && !field.sig),
  };
}
