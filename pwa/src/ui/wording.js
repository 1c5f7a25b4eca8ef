// The words the app uses for provenance, agreements and an item's history, built once and rendered three
// ways: on screen (JSX), in the readable copy (HTML) and in FHIR notes (plain text). Pure: no browser, no
// catalog of its own; `t(key, params)` gives the words. What is built is a list of pieces: a string is the
// app's own words, `{user: text}` is people's words or names (shown with dir="auto").

import { TYPES, readableFields } from '../data/kinds.js';
import { planStatus } from '../data/plandetails.js';
import { ABOUT_LABELS } from '../i18n/address.js';

/** How a field of `type` is shown: words, date, flag, links, a choice group, or plain. */
export function kindOf(type, name) {
  const listed = readableFields(type).find(([field]) => field === name);
  if (listed) return listed[1];
  if (name === TYPES[type]?.text || name === 'said_by' || name === 'agree_note') return 'words';
  if (name === 'voice') return 'voice';
  if (name === 'lang') return 'lang';
  if (name === 'agree') return 'agree';
  if (name === 'title' || name === 'person' || name === 'name' || name === 'label') return 'words';
  if (name === 'status' && type === 'plan') return 'status_plan';
  if (name === 'activity' && type === 'step') return 'activity'; // a linked community activity's copy (data/activitylinks.js)
  if (name === 'address' && type === 'plan') return 'address';
  if (name === 'review' || (name === 'visit' && type === 'plan')) return 'date';
  return 'plain';
}

/** The label of a field of `type` in the UI language (provenance fields have their own). */
export function fieldLabel(t, type, name) {
  if (name === 'said_by') return t('prov.said_by');
  if (name === 'voice') return t('prov.voice');
  if (name === 'lang') return t('history.field.lang');
  if (name === 'agree' || name === 'agree_note') return t(`history.field.${name}`);
  const key = `form.${type}.${name}`;
  const label = t(key);
  return label === key ? name : label;
}

/** The languages of the UI, by their own names (what a `lang` field says). */
const LANGUAGE_NAMES = { en: 'English', cy: 'Cymraeg', ar: 'العربية' };

const blank = (value) => value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length);

/**
 * A field's value as pieces: `mainTextOf(id)` names a linked item (or null when it is not in the plan).
 * Returns [] for an empty value.
 */
export function valuePieces(t, type, name, value, { formatDay, mainTextOf = () => null }) {
  if (blank(value) || value === false) return [];
  const kind = kindOf(type, name);
  if (kind === 'words') return typeof value === 'string' && value.trim() ? [{ user: value }] : [];
  if (kind === 'date') return [typeof value === 'string' ? formatDay(value) : String(value)];
  if (kind === 'flag') return [t(value ? 'yes' : 'no')];
  if (kind === 'links') {
    const names = (Array.isArray(value) ? value : []).map((id) => mainTextOf(id)).filter((text) => typeof text === 'string' && text);
    return names.length ? [{ user: names.join('; ') }] : [];
  }
  if (kind === 'activity') return typeof value?.name === 'string' ? [{ user: value.name }] : [];
  if (kind === 'plain') return typeof value === 'string' ? [{ user: value }] : [JSON.stringify(value)];
  if (kind === 'voice') return [t(`choice.voice.${value}`)];
  if (kind === 'lang') return [{ user: LANGUAGE_NAMES[value] || String(value) }];
  if (kind === 'address') return [t(ABOUT_LABELS[value] || ABOUT_LABELS[''])]; // how the app speaks about the person
  if (kind === 'status_plan') return [t(`choice.status_plan.${planStatus(value)}`)]; // an older plan's value read as today's
  return [t(`choice.${kind}.${value}`)];
}

// Private-use characters mark where people's words go in a sentence, so they can be wrapped on their own.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARK = new RegExp(`${OPEN}(\\d+)${CLOSE}`);

/** A catalog sentence as pieces: params given as {user: text} stay separate pieces (people's words). */
export function say(t, key, params = {}) {
  const users = [];
  const filled = {};
  for (const [name, value] of Object.entries(params)) {
    if (value && typeof value === 'object') {
      filled[name] = `${OPEN}${users.length}${CLOSE}`;
      users.push(value);
    } else {
      filled[name] = value;
    }
  }
  const parts = t(key, filled).split(MARK);
  const pieces = [];
  parts.forEach((part, index) => {
    if (index % 2) pieces.push(users[Number(part)]);
    else if (part) pieces.push(part);
  });
  return pieces;
}

/** Pieces as plain text. */
export const plainText = (pieces) => pieces.map((piece) => (typeof piece === 'string' ? piece : piece.user)).join('');

// `names` (device id -> {name, label}) and `roles` (device id -> role) are objects, or functions of a device id.
const lookup = (table, id) => (!id || !table ? null : typeof table === 'function' ? table(id) : table[id]);

/** "Name (label)" for a device from `names`, or null when the plan does not name it. */
export function deviceText(names, deviceId) {
  const device = lookup(names, deviceId);
  if (!device?.name) return null;
  return device.label ? `${device.name} (${device.label})` : device.name;
}

const deviceOrUnknown = (t, names, deviceId) => deviceText(names, deviceId) || t('prov.unknown_device');

/**
 * Who said it, in whose words, who typed it or changed it, and who confirmed it: a list of segments (each a
 * list of pieces), shown joined by " · ". `prov` is `plan.provenanceOf(item)`. `you` says this device is the
 * person's own (then the person is "you"); `person` is the person's name; `roles` maps device id -> role;
 * `about(key, params)` gives words about the person in the form they chose (i18n `tAbout`; `t` without it).
 */
export function provenanceParts(prov, { t, about = t, names, person, you = false, roles = null, formatDateTime, withDate = true }) {
  if (!prov) return [];
  const segments = [];
  const saidBy = typeof prov.saidBy === 'string' ? prov.saidBy.trim() : '';
  const byPerson = !!saidBy && !!person && saidBy === String(person).trim();
  const tSpeaker = byPerson ? about : t; // "said it", "their own words": in the person's form when they said it
  if (saidBy) segments.push(you && byPerson ? [t('prov.said_by_you')] : [`${tSpeaker('prov.said_by_short')} `, { user: saidBy }]);
  if (prov.voice) segments.push([you && byPerson && prov.voice === 'own' ? t('prov.voice_own_you') : tSpeaker(`choice.voice.${prov.voice}`)]);
  const personal = (deviceId) => you && lookup(roles, deviceId) === 'owner';
  const personName = { user: person || t('matter.person') };
  if (prov.changed) {
    const when = formatDateTime(prov.changed.at);
    const who = { user: deviceOrUnknown(t, names, prov.changed.by) };
    segments.push(personal(prov.changed.by) ? say(t, 'prov.changed_by_you', { when }) : say(t, 'prov.changed_by', { who, when }));
  } else {
    const typist = deviceText(names, prov.typedBy);
    if (typist) segments.push([`${t('prov.typed_by')} `, { user: typist }]);
    if (withDate && Number.isFinite(prov.typedAt)) segments.push([formatDateTime(prov.typedAt)]);
  }
  if (prov.confirmed) {
    const recorded = lookup(roles, prov.confirmed.by) !== 'owner';
    const recorder = { user: deviceOrUnknown(t, names, prov.confirmed.by) };
    if (you && !recorded) segments.push([t('prov.confirmed_by_you')]);
    else if (recorded) segments.push(say(t, 'prov.confirmed_by_recorded', { name: personName, recorder }));
    else segments.push(say(t, 'prov.confirmed_by', { name: personName }));
  }
  return segments;
}

/** The device that recorded an agreement for the person, when it is not the person's own. */
const recorderOf = (record) => (record.recorded ? (typeof record.recorded === 'string' ? record.recorded : record.by) : null);

/**
 * The person's agreement with one item as a line: {tone, pieces} or null. `record` is
 * `agreementsFor(id).person` (or a version's snapshot of it): {value, note, at, by, recorded, current}.
 * `prefix` is 'agree' (or 'easy.agree' for easy read).
 */
export function personAgreement(record, { t, names, person, you = false, formatDateTime, prefix = 'agree' }) {
  if (!record || (record.value !== 'yes' && record.value !== 'no')) return null;
  const recorder = recorderOf(record);
  let pieces;
  if (record.current === false) {
    pieces = say(t, `${prefix}.earlier_${record.value}`, { when: formatDateTime(record.at) });
  } else {
    const key = `${prefix}.${you ? 'you' : 'person'}_${record.value}${recorder ? '_recorded' : ''}`;
    pieces = say(t, key, { name: { user: person || t('matter.person') }, recorder: { user: recorder ? deviceOrUnknown(t, names, recorder) : '' } });
  }
  if (record.value === 'no' && typeof record.note === 'string' && record.note.trim()) pieces.push(' — ', { user: record.note });
  const tone = record.current === false ? 'earlier' : record.value === 'yes' ? 'agreed' : 'not-agreed';
  return { tone, pieces };
}

/**
 * Every agreement line of one item (`agreementsFor(id)`): the person's, this device's user's own (a
 * supporter: `mine`, with `showMine`), other people's own (`others`, never counted as the person's), records
 * refused as the person's, and an old `agree` field. Each line is {kind, tone, pieces}.
 */
export function agreementLines(agreements, options) {
  const { t, names, person, formatDateTime, self = null, showMine = false } = options;
  if (!agreements) return [];
  const lines = [];
  const personLine = personAgreement(agreements.person, options);
  if (personLine) lines.push({ kind: 'person', ...personLine });
  const own = (record, who) => {
    if (!record || (record.value !== 'yes' && record.value !== 'no')) return null;
    const earlier = record.current === false;
    const key = `agree.${who ? 'other' : 'mine'}_${earlier ? 'earlier_' : ''}${record.value}`;
    const pieces = say(t, key, { name: { user: who || '' }, when: formatDateTime(record.at) });
    if (record.value === 'no' && typeof record.note === 'string' && record.note.trim()) pieces.push(' — ', { user: record.note });
    return { tone: earlier ? 'earlier' : record.value === 'yes' ? 'agreed' : 'not-agreed', pieces };
  };
  // This device's user's own agreement (a supporter's: "You agree"); on the person's or the worker's device
  // their records are the person's, already said above.
  const mine = own(showMine ? agreements.mine : null, null);
  if (mine) lines.push({ kind: 'mine', ...mine });
  for (const other of agreements.others || []) {
    if (self && other.by === self) continue;
    const line = own(other, lookup(names, other.by)?.name || deviceOrUnknown(t, names, other.by));
    if (line) lines.push({ kind: 'other', ...line });
  }
  for (const refused of agreements.refused || []) {
    const pieces = say(t, 'agree.refused', { device: { user: deviceOrUnknown(t, names, refused.by) }, name: { user: person || t('matter.person') } });
    lines.push({ kind: 'refused', tone: 'warn', pieces });
  }
  const legacy = agreements.legacy;
  if (legacy && (legacy.value === 'yes' || legacy.value === 'no')) lines.push({ kind: 'legacy', tone: 'earlier', pieces: [t(`agree.legacy_${legacy.value}`)] });
  return lines;
}

/** Is this (the person's) agreement a current yes? Only these count as agreed. */
export const agreedNow = (record) => record?.value === 'yes' && record.current !== false;

/**
 * The heading of one version in an item's history: who wrote it, when; the first version is "written",
 * a deletion "removed", every other "changed".
 */
export function versionHeading(version, { t, names, formatDateTime, first }) {
  const key = version.deleted ? 'history.removed' : first ? 'history.written' : 'history.changed';
  return say(t, key, { who: { user: deviceOrUnknown(t, names, version.by) }, when: formatDateTime(version.at) });
}
