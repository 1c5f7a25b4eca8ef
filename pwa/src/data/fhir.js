// The plan as a FHIR R4 Bundle, for health and care services that ask for one (docs/app.md, "FHIR").
//
// A pure function of the decrypted plan items (model.js) and the words for its labels: the same plan
// gives the same bundle. A `collection` Bundle holds one Patient (only the person's name, as the plan
// holds it), one CarePlan (status, intent "plan", title, goals, one activity per next step, and the
// strengths, what matters, my people, community, "if… then…" and good news as notes: every kind the registry,
// kinds.js, exports `as: 'note'`) and one Goal per goal (the person's
// words, lifecycle and achievement status, target with the scale and due date, readings as notes).
// Who said each thing, in whose words, who typed or changed it and whether the person agreed has no core
// FHIR element: it goes into the note that carries the item (Annotation.authorString is who said it),
// worded as on screen (ui/wording.js) from what the caller gathered (`plan.provenanceOf`, `agreementsFor`).
// Resource ids are UUIDs derived from the plan id and item id (SHA-256), so a service that receives
// two exports of one plan sees the same resources, and no id links back to what the server stores.

import { agreementLines, deviceText, plainText, provenanceParts } from '../ui/wording.js';
import { KINDS, fieldValue, formOf } from './kinds.js';
import { mainText, values as valuesOf } from './model.js';
import { planStatus } from './plandetails.js';
import { validDay } from './progress.js';

/** Lines of a note that are not "label: value": another person's view of what matters, "we see this differently". */
const OWN_LINES = {
  matter: (v, t) => [
    text(v.other_view) ? `${t('matter.view_of', { name: text(v.other_by) || t('matter.someone') })}: ${text(v.other_view)}` : undefined,
    v.differ ? t('matter.differ') : undefined,
  ],
};

const PLAN_STATUS = { draft: 'draft', active: 'active', closed: 'completed' }; // of planStatus (older values read as today's)
const STEP_STATUS = { not_started: 'not-started', in_progress: 'in-progress', done: 'completed', stopped: 'stopped' };
const GOAL_LIFECYCLE = { proposed: 'proposed', active: 'active', achieved: 'completed', not_achieved: 'completed', on_hold: 'on-hold' };
const GOAL_ACHIEVEMENT = { achieved: 'achieved', not_achieved: 'not-achieved' };
const ACHIEVEMENT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/goal-achievement';
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** A FHIR string: trimmed text, or undefined when there is none (FHIR has no empty strings). */
const text = (value) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const date = (value) => (typeof value === 'string' && DATE.test(value) ? value : undefined);
const dateTime = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : undefined);

/** Drop undefined members and empty arrays, so every element present has a value. */
function compact(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || (Array.isArray(value) && !value.length)) continue;
    out[key] = value;
  }
  return out;
}

/** A UUID (version 8, "custom") from SHA-256 of the plan id and a name within it. */
async function uuidFor(planId, name) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`alongside/v1/fhir|${planId}|${name}`)));
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A date and time for provenance lines when the caller gives no formatter: ISO, to the minute, UTC. */
const isoMinute = (ms) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The FHIR R4 Bundle (a plain object) for a plan: `items` are its decrypted items (model.js shape,
 * e.g. `[...plan.items.values()]`), `t(key, params)` gives the words for labels (the UI catalogs),
 * `now` (ms) the bundle's timestamp. Gathered by the caller, by item id: `provenance`
 * (`plan.provenanceOf`) and `agreements` (`plan.agreementsFor`); `names` (device id -> {name, label}) and
 * `roles` (device id -> role) from the roster; `formatDateTime` for "changed by …, when".
 */
export async function planToFhir(items, { planId, t, now = Date.now(), provenance = {}, agreements = {}, names = null, roles = {}, formatDateTime = isoMinute }) {
  const live = items.filter((item) => item && item.f && !item.deleted);
  const byType = (type) => live.filter((item) => item.type === type).sort((a, b) => a.created.at - b.created.at || (a.id < b.id ? -1 : 1));
  const byId = new Map(live.map((item) => [item.id, item]));
  const header = byType('plan')[0];
  const plan = header ? valuesOf(header) : {};
  const person = text(plan.person);

  // The roster's names: as the caller gives them (the devices the plan vouches for), else the device items.
  const roster = {};
  for (const device of byType('device')) {
    const v = valuesOf(device);
    if (text(v.name) && v.device_id && (!names || names[v.device_id])) roster[v.device_id] = names?.[v.device_id] || { name: text(v.name), label: text(v.label) || '' };
  }
  const typists = new Map(Object.keys(roster).map((id) => [id, deviceText(roster, id)]));
  const context = { t, names: { ...roster, ...(names || {}) }, roles, person: person || '', formatDateTime, withDate: false };

  const ids = { patient: await uuidFor(planId, 'patient'), carePlan: await uuidFor(planId, 'careplan') };
  const goalIds = new Map();
  for (const goal of byType('goal')) goalIds.set(goal.id, await uuidFor(planId, `goal/${goal.id}`));
  const patientRef = compact({ reference: `urn:uuid:${ids.patient}`, display: person });
  const goalRefs = (list) => (Array.isArray(list) ? list.filter((id) => goalIds.has(id)).map((id) => ({ reference: `urn:uuid:${goalIds.get(id)}` })) : []);

  const label = (key, value) => (text(value) ? `${t(key)}: ${text(value)}` : undefined);
  const choice = (group, value) => (value ? t(`choice.${group}.${value}`) : undefined);
  /** Who said it, in whose words, who typed or changed it, and what the person (and others) agreed: one line. */
  const provenanceLine = (item, v) => {
    const prov = provenance[item.id] || { saidBy: v.said_by, voice: v.voice, typedBy: item.created?.dev };
    const parts = provenanceParts(prov, context).map(plainText);
    if (prov.checked === false) parts.push(t('prov.unverified'));
    const found = agreements[item.id] || (v.agree === 'yes' || v.agree === 'no' ? { legacy: { value: v.agree } } : null);
    for (const line of agreementLines(found, context)) parts.push(plainText(line.pieces));
    return parts.map((part) => part.trim()).filter(Boolean).join(' · ') || undefined;
  };
  /** An Annotation from lines (the first in the person's words), said by whoever said it. */
  const note = (item, v, lines) => {
    const body = [...lines, provenanceLine(item, v)].filter(Boolean).join('\n');
    return body ? compact({ authorString: text(v.said_by), time: dateTime(item.created?.at), text: body }) : undefined;
  };
  const section = (key) => `${t(key)}:`;

  /** A field's value as words for a note line (a choice in the UI language, linked items by their text). */
  const shown = (field, value) => {
    if (field.choices) return value ? choice(field.choices, value) : undefined;
    if (field.control === 'check') return value === true ? t('yes') : undefined;
    if (field.control !== 'links') return text(value);
    const linked = Array.isArray(value) ? value.map((id) => byId.get(id)).filter(Boolean) : [];
    return linked.map((i) => text(mainText(i))).filter(Boolean).join('; ') || undefined;
  };
  /** A note kind's lines (the registry's `fhir`): heading, main text and head fields; then "label: value" per other field. */
  const kindNote = (type, kind, v) => {
    const fields = formOf(type);
    const head = (kind.fhir.head || []).map((spec) => (typeof spec === 'string' ? { name: spec } : spec));
    const headPart = ({ name, wrap = ['', ''] }) => {
      const value = shown(fields.find((f) => f.name === name) || { name }, v[name]);
      return value && `${wrap[0]}${value}${wrap[1]}`;
    };
    const first = [
      section(kind.fhir.heading || `section.${kind.section}`),
      ...head.filter((h) => h.before).map(headPart),
      text(v[kind.text]),
      ...head.filter((h) => !h.before).map(headPart),
    ];
    const inHead = new Set([kind.text, ...head.map((h) => h.name)]);
    const lines = OWN_LINES[type]
      ? OWN_LINES[type](v, t)
      : fields.filter((f) => !inHead.has(f.name)).map((f) => label(`form.${type}.${f.name}`, shown(f, v[f.name])));
    return [first.filter(Boolean).join(' '), ...lines];
  };

  const notes = [];
  for (const [type, kind] of Object.entries(KINDS)) {
    if (kind.fhir?.as !== 'note') continue;
    for (const item of byType(type)) {
      const v = valuesOf(item);
      notes.push(note(item, v, kindNote(type, kind, v)));
    }
  }
  if (date(plan.review)) notes.push({ text: `${t('export.review')}: ${plan.review}` });

  const activity = byType('step').map((item) => {
    const v = valuesOf(item);
    const progress = note(item, v, [label('form.step.checker', v.checker)]);
    return compact({
      progress: progress ? [progress] : undefined,
      detail: compact({
        goal: goalRefs(v.goals),
        status: STEP_STATUS[v.status] || 'unknown',
        scheduledPeriod: date(v.due) ? { end: date(v.due) } : undefined,
        performer: text(v.who) ? [{ display: text(v.who) }] : undefined,
        description: text(v.text),
      }),
    });
  });

  const readingsOf = (goalId) =>
    byType('reading')
      .filter((reading) => fieldValue(reading, 'goal') === goalId)
      .map((reading) => {
        const v = valuesOf(reading);
        const lines = [label('form.reading.value', v.value !== null && v.value !== '' && Number.isFinite(Number(v.value)) ? `${Number(v.value)} / 10` : undefined), label('form.reading.party', v.party)];
        const given = note(reading, { said_by: v.party }, [...lines, label('form.reading.why', v.why), label('form.reading.higher', v.higher)]);
        // A reading given on a visit's date (data/progress.js) is timed by that date, not by when it was typed.
        return given && validDay(v.date) ? { ...given, time: v.date } : given;
      });

  const goals = byType('goal').map((item) => {
    const v = valuesOf(item);
    const scale = [label('form.goal.low', v.low), label('form.goal.high', v.high)].filter(Boolean).join(' · ');
    const target = compact({
      measure: scale ? { text: scale } : undefined,
      detailQuantity: scale ? { value: 10 } : undefined,
      dueDate: date(v.due),
    });
    const said = text(v.said_by);
    const expressedBy = said ? (said === person ? { ...patientRef } : { display: said }) : undefined;
    const achievement = GOAL_ACHIEVEMENT[v.status];
    return compact({
      resourceType: 'Goal',
      id: goalIds.get(item.id),
      language: typeof v.lang === 'string' && LANGUAGE.test(v.lang) ? v.lang : undefined,
      lifecycleStatus: GOAL_LIFECYCLE[v.status] || 'proposed',
      achievementStatus: achievement ? { coding: [{ system: ACHIEVEMENT_SYSTEM, code: achievement }], text: choice('status_goal', v.status) } : undefined,
      description: { text: text(v.text) || t('form.goal.text') },
      subject: { ...patientRef },
      target: Object.keys(target).length ? [target] : undefined,
      statusDate: item.f.status?.at ? dateTime(item.f.status.at).slice(0, 10) : undefined,
      expressedBy,
      note: [note(item, v, [v.horizon && label('form.goal.horizon', choice('horizon', v.horizon))]), ...readingsOf(item.id)].filter(Boolean),
    });
  });

  const carePlan = compact({
    resourceType: 'CarePlan',
    id: ids.carePlan,
    status: plan.status ? PLAN_STATUS[planStatus(plan.status)] : 'unknown',
    intent: 'plan',
    title: text(plan.title),
    subject: { ...patientRef },
    created: header ? dateTime(header.created.at) : undefined,
    contributor: [...new Set(typists.values())].map((display) => ({ display })),
    goal: byType('goal').map((goal) => ({ reference: `urn:uuid:${goalIds.get(goal.id)}` })),
    activity,
    note: notes.filter(Boolean),
  });
  const patient = compact({ resourceType: 'Patient', id: ids.patient, name: person ? [{ text: person }] : undefined });

  const entry = (resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource });
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: dateTime(now),
    entry: [entry(patient), entry(carePlan), ...goals.map(entry)],
  };
}
