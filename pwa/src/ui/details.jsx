// The plan's details (docs/app.md, "Plan details and the caseload"): its name, status (draft, in use,
// closed), next visit and review date, written in the plan-details item by the worker's or the person's
// device (any device with write access), each field shown with who last changed it and when.
// A closed plan stays readable and writable: closing says the work is over, it locks nothing.

import { useState } from 'preact/hooks';
import { PLAN_STATUSES, detailsOf, visitMoment } from '../data/plandetails.js';
import { ABOUT_LABELS, ADDRESS_FORMS } from '../i18n/address.js';
import { formatDateTime, formatDay, t } from '../i18n/index.js';
import { Button, ErrorSummary, Radios, Screen, TextInput, U, choiceOptions } from './common.jsx';
import { deviceText } from './wording.js';

/** The fields this screen writes, with the form values they come from. */
const FIELDS = [
  ['title', 'title'],
  ['status', 'status'],
  ['visit', 'visit'],
  ['visit_time', 'visitTime'],
  ['review', 'review'],
  ['address', 'address'],
];

/** When the next visit is, in words ('' when none is set). */
export function visitText({ visit, visitTime }) {
  if (!visit) return '';
  return visitTime ? formatDateTime(visitMoment({ visit, visitTime })) : formatDay(visit);
}

/** The plan's status, next visit and review date in one line (the plan's home screen). */
export function PlanDates({ header }) {
  const shown = detailsOf(header);
  const parts = [t(`choice.status_plan.${shown.status}`)];
  if (shown.visit) parts.push(t('details.visit_on', { when: visitText(shown) }));
  if (shown.review) parts.push(t('details.review_on', { when: formatDay(shown.review) }));
  return (
    <p class="muted plan-dates" data-plan-dates>
      {parts.join(' · ')}
    </p>
  );
}

/** "This plan is closed": shown on the plan's screens while it is. */
export function ClosedNote({ plan }) {
  if (detailsOf(plan.header).status !== 'closed') return null;
  return (
    <div class="banner plan-closed" role="note" data-plan-closed>
      <p>{t('details.closed_note')}</p>
    </div>
  );
}

/** Who last changed a field of the header, and when: "Changed by Ali (work tablet) on 2 Dec 2026, 15:00". */
function ChangedBy({ plan, name }) {
  const field = plan.header?.f?.[name];
  if (!field || typeof field.at !== 'number') return null;
  const who = deviceText((id) => plan.deviceName(id), field.dev) || t('prov.unknown_device');
  const checked = plan.header.fieldChecks?.[name] !== false;
  const [before, after = ''] = t('details.changed_by', { time: formatDateTime(field.at) }).split('{who}'); // the name in its own direction
  return (
    <p class="provenance" data-field-provenance={name}>
      {before}
      <bdi dir="auto">{who}</bdi>
      {after}
      {!checked && <span class="warn"> · {t('prov.unverified')}</span>}
    </p>
  );
}

/** The plan's details, to read and (with write access) to change. */
export function PlanDetails({ plan }) {
  const header = plan.header;
  const shown = detailsOf(header);
  const canWrite = plan.me.access === 'write';
  const [initial, setInitial] = useState(shown); // what the form started from
  const [values, setValues] = useState(shown);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState(null);
  const set = (name) => (value) => {
    setSaved(false);
    setValues({ ...values, [name]: value, ...(name === 'visit' && !value && { visitTime: '' }) });
  };
  const save = async (event) => {
    event.preventDefault();
    if (values.visitTime && !values.visit) {
      setError(t('details.time_needs_day'));
      return;
    }
    setSaving(true);
    setError(null);
    try {
      // Only what was changed here: a change another device made meanwhile to another field stays.
      const changes = {};
      for (const [field, name] of FIELDS) if ((values[name] ?? '') !== (initial[name] ?? '')) changes[field] = values[name] ?? '';
      if (header) await plan.update(header.id, changes);
      else await plan.create('plan', { person: '', ...changes });
      setInitial(values);
      setSaved(true);
    } catch {
      setError(t('details.not_saved'));
    } finally {
      setSaving(false);
    }
  };
  const back = { path: `plan/${plan.id}`, label: t('plan.back') };
  // How the app speaks about the person: theirs to choose (on their own phone, "about you").
  const isPerson = plan.me?.role === 'owner';
  const personName = shown.person || t('matter.person');
  const aboutLegend = isPerson ? t('address.about.legend_you') : t('address.about.legend', { name: personName });
  return (
    <Screen title={t('details.title')} back={back}>
      {shown.person && (
        <U tag="p" class="person-name">
          {shown.person}
        </U>
      )}
      <ClosedNote plan={plan} />
      {!canWrite ? (
        <dl class="plan-details" data-plan-details>
          <dt>{t('details.name')}</dt>
          <dd>
            <U>{shown.title || '—'}</U>
          </dd>
          <dt>{t('details.status')}</dt>
          <dd data-plan-status={shown.status}>{t(`choice.status_plan.${shown.status}`)}</dd>
          <dt>{t('details.visit')}</dt>
          <dd>{visitText(shown) || t('details.not_set')}</dd>
          <dt>{t('details.review')}</dt>
          <dd>{shown.review ? formatDay(shown.review) : t('details.not_set')}</dd>
          <dt>{aboutLegend}</dt>
          <dd data-plan-address={shown.address || 'none'}>{t(ABOUT_LABELS[shown.address])}</dd>
        </dl>
      ) : (
        <form onSubmit={save} class="plan-details" data-plan-details noValidate>
          <ErrorSummary message={error} />
          <TextInput name="title" label={t('details.name')} hint={t('details.name_hint')} value={values.title} onInput={set('title')} />
          <ChangedBy plan={plan} name="title" />
          <Radios
            name="status"
            legend={t('details.status')}
            hint={t('details.status_hint')}
            value={values.status}
            onChange={set('status')}
            options={choiceOptions(PLAN_STATUSES, 'choice.status_plan')}
          />
          <ChangedBy plan={plan} name="status" />
          <TextInput name="visit" type="date" label={t('details.visit')} value={values.visit} onInput={set('visit')} />
          <TextInput name="visit_time" type="time" label={t('details.visit_time')} hint={t('details.visit_time_hint')} value={values.visitTime} onInput={set('visitTime')} />
          <ChangedBy plan={plan} name="visit" />
          <TextInput name="review" type="date" label={t('details.review')} value={values.review} onInput={set('review')} />
          <ChangedBy plan={plan} name="review" />
          <Radios
            name="address"
            legend={aboutLegend}
            hint={isPerson ? t('address.about.hint_you') : t('address.about.hint', { name: personName })}
            value={values.address}
            onChange={set('address')}
            options={ADDRESS_FORMS.map((value) => ({ value, label: t(ABOUT_LABELS[value]) }))}
          />
          <ChangedBy plan={plan} name="address" />
          <div class="actions">
            <Button type="submit" disabled={saving}>
              {t('details.save')}
            </Button>
          </div>
          {saved && (
            <p role="status" data-details-saved>
              {t('details.saved')}
            </p>
          )}
        </form>
      )}
    </Screen>
  );
}
