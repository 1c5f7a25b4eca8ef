// Items: the form to write or change one (with its provenance) and the card that shows one.

import { useState } from 'preact/hooks';
import { CHOICES, TYPES, mainText, values as valuesOf } from '../data/model.js';
import { currentLanguage, formatDateTime, formatDay, t } from '../i18n/index.js';
import { Button, Checkbox, Checkboxes, ErrorSummary, Radios, Select, TextArea, TextInput, U, choiceOptions } from './common.jsx';

/** The form of each item type: field, control, choices. */
export const FORMS = {
  strength: [
    { name: 'text', control: 'area', required: true, hint: true },
    { name: 'kind', control: 'radios', choices: 'kind' },
    { name: 'noticed', control: 'text', hint: true },
    { name: 'example', control: 'area' },
  ],
  matter: [
    { name: 'column', control: 'radios', choices: 'column' },
    { name: 'text', control: 'area', required: true, hint: true },
    { name: 'other_view', control: 'area', hint: true },
    { name: 'other_by', control: 'text' },
    { name: 'differ', control: 'check' },
  ],
  goal: [
    { name: 'text', control: 'area', required: true, hint: true },
    { name: 'horizon', control: 'radios', choices: 'horizon' },
    { name: 'status', control: 'select', choices: 'status_goal' },
    { name: 'due', control: 'date' },
    { name: 'low', control: 'text', hint: true },
    { name: 'high', control: 'text', hint: true },
  ],
  step: [
    { name: 'text', control: 'area', required: true },
    { name: 'who', control: 'text', names: true },
    { name: 'due', control: 'date' },
    { name: 'checker', control: 'text', names: true },
    { name: 'status', control: 'select', choices: 'status_step' },
    { name: 'goals', control: 'links', of: 'goal' },
  ],
  contingency: [
    { name: 'trigger', control: 'area', required: true },
    { name: 'response', control: 'area', required: true },
    { name: 'who', control: 'text', names: true },
    { name: 'call', control: 'text' },
  ],
  person: [
    { name: 'name', control: 'text', required: true },
    { name: 'relationship', control: 'text', hint: true },
    { name: 'circle', control: 'radios', choices: 'circle' },
    { name: 'safe', control: 'radios', choices: 'safe' },
    { name: 'goals', control: 'links', of: 'goal' },
    { name: 'steps', control: 'links', of: 'step' },
  ],
  good_news: [{ name: 'text', control: 'area', required: true, hint: true }],
};

export const DEFAULTS = {
  strength: { kind: 'personal' },
  matter: { column: 'working', differ: false },
  goal: { horizon: 'possible', status: 'proposed' },
  step: { status: 'not_started', goals: [] },
  contingency: {},
  person: { circle: 'friends', safe: 'unknown', goals: [], steps: [] },
  good_news: {},
};

/** Names people might pick for "said by", "who" or "who checks": the person, this device's user, my people. */
export function knownNames(plan) {
  const names = [plan.header?.f.person?.v, plan.deviceName(plan.device.deviceId)?.name];
  for (const person of plan.list('person')) names.push(person.f.name?.v);
  return [...new Set(names.filter(Boolean))];
}

function Control({ spec, type, value, set, plan, error }) {
  const label = t(`form.${type}.${spec.name}`);
  const hint = spec.hint ? t(`form.${type}.${spec.name}.hint`) : undefined;
  const common = { name: spec.name, label, hint, value, error };
  switch (spec.control) {
    case 'area':
      return <TextArea {...common} onInput={set} />;
    case 'date':
      return <TextInput {...common} type="date" onInput={set} />;
    case 'text':
      return <TextInput {...common} onInput={set} list={spec.names ? 'known-names' : undefined} />;
    case 'select':
      return <Select {...common} onChange={set} options={choiceOptions(CHOICES[spec.choices], `choice.${spec.choices}`)} />;
    case 'radios':
      return <Radios name={spec.name} legend={label} hint={hint} value={value} onChange={set} options={choiceOptions(CHOICES[spec.choices], `choice.${spec.choices}`)} />;
    case 'check':
      return <Checkbox name={spec.name} label={label} checked={value} onChange={set} />;
    case 'links':
      return (
        <Checkboxes
          name={spec.name}
          legend={label}
          values={value || []}
          onChange={set}
          options={plan.list(spec.of).map((item) => ({ value: item.id, label: mainText(item) }))}
        />
      );
    default:
      return null;
  }
}

/** Write a new item of `type` or change `item`. Provenance: who said it and in whose words. */
export function ItemForm({ plan, type, item, defaults, onDone }) {
  const content = TYPES[type].content;
  const [values, setValues] = useState(() =>
    item ? valuesOf(item) : { ...DEFAULTS[type], said_by: plan.header?.f.person?.v || '', voice: 'own', ...defaults },
  );
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = async (event) => {
    event.preventDefault();
    const missing = FORMS[type].find((spec) => spec.required && !String(values[spec.name] ?? '').trim());
    if (missing) {
      setError(t('form.required', { field: t(`form.${type}.${missing.name}`) }));
      return;
    }
    setBusy(true);
    try {
      if (item) await plan.update(item.id, values);
      else await plan.create(type, { ...values, lang: values.lang || currentLanguage() });
      onDone?.();
    } catch (e) {
      console.error(e);
      setError(t('error.save'));
      setBusy(false);
    }
  };
  return (
    <form class="item-form" onSubmit={submit} noValidate>
      <ErrorSummary message={error} />
      <datalist id="known-names">
        {knownNames(plan).map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      {FORMS[type].map((spec) => (
        <Control key={spec.name} spec={spec} type={type} plan={plan} value={values[spec.name]} set={set(spec.name)} />
      ))}
      {content && (
        <fieldset class="provenance-fields">
          <legend>{t('prov.legend')}</legend>
          <TextInput name="said_by" label={t('prov.said_by')} value={values.said_by} onInput={set('said_by')} list="known-names" />
          <Radios name="voice" legend={t('prov.voice')} value={values.voice} onChange={set('voice')} options={choiceOptions(CHOICES.voice, 'choice.voice')} />
        </fieldset>
      )}
      <div class="actions">
        <Button type="submit" disabled={busy}>
          {t('form.save')}
        </Button>
        {onDone && (
          <Button kind="secondary" onClick={onDone}>
            {t('form.cancel')}
          </Button>
        )}
      </div>
    </form>
  );
}

/** Who said it, in whose words, who typed it on which device, when. */
export function Provenance({ plan, item, values: v = item && valuesOf(item) }) {
  const typed = item?.created ? plan.deviceName(item.created.dev) : null;
  const parts = [];
  if (v.said_by) parts.push(<span>{t('prov.said_by_short')} <U>{v.said_by}</U></span>);
  if (v.voice) parts.push(<span>{t(`choice.voice.${v.voice}`)}</span>);
  if (typed) {
    parts.push(
      <span>
        {t('prov.typed_by')} <U>{typed.label ? `${typed.name} (${typed.label})` : typed.name}</U>
      </span>,
    );
  }
  if (item?.created) parts.push(<span>{formatDateTime(item.created.at)}</span>);
  return (
    <p class="provenance" data-provenance>
      {parts.map((part, index) => (
        <span key={index}>
          {index > 0 && ' · '}
          {part}
        </span>
      ))}
      {item?.verified === false && <span class="warn"> · {t('prov.unverified')}</span>}
    </p>
  );
}

/** Who ticked a step off (or changed where it is up to), from which device, when: the status field's own provenance. */
export function TickedBy({ plan, item }) {
  const status = item.f.status;
  if (!status || status.v !== 'done' || !status.dev) return null;
  const device = plan.deviceName(status.dev);
  const who = device ? (device.label ? `${device.name} (${device.label})` : device.name) : t('prov.unknown_device');
  return (
    <p class="provenance ticked-by" data-ticked-by>
      {t('mine.ticked_by')} <U>{who}</U> · {formatDateTime(status.at)}
    </p>
  );
}

/** The details of an item besides its main text, as label/value pairs. */
export function details(plan, type, v) {
  const out = [];
  for (const spec of FORMS[type] || []) {
    if (spec.name === TYPES[type].text) continue;
    const value = v[spec.name];
    if (value === undefined || value === '' || value === null || value === false) continue;
    if (Array.isArray(value) && !value.length) continue;
    let text;
    if (spec.control === 'date') text = formatDay(value);
    else if (spec.choices) text = t(`choice.${spec.choices}.${value}`);
    else if (spec.control === 'check') text = t('yes');
    else if (spec.control === 'links') text = value.map((id) => (plan.items.get(id) ? mainText(plan.items.get(id)) : '…')).join('; ');
    else text = value;
    out.push({ name: spec.name, label: t(`form.${type}.${spec.name}`), text, user: !spec.choices && spec.control !== 'date' });
  }
  return out;
}

export function Details({ plan, type, values: v }) {
  const list = details(plan, type, v);
  if (!list.length) return null;
  return (
    <dl class="details">
      {list.map((d) => (
        <div key={d.name}>
          <dt>{d.label}</dt>
          <dd dir={d.user ? 'auto' : undefined}>{d.text}</dd>
        </div>
      ))}
    </dl>
  );
}

function DeleteButton({ plan, item }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button kind="secondary small" onClick={() => setAsking(true)}>
        {t('item.delete')}
      </Button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={t('item.delete_question')}>
      <span>{t('item.delete_question')}</span>
      <Button kind="warning small" onClick={() => plan.remove(item.id)}>
        {t('item.delete_yes')}
      </Button>
      <Button kind="secondary small" onClick={() => setAsking(false)}>
        {t('item.delete_no')}
      </Button>
    </span>
  );
}

/** One item as a card: its text in the person's words, details, provenance, and what can be done. */
export function ItemCard({ plan, item, children, headingLevel = 3 }) {
  const v = valuesOf(item);
  const Heading = `h${headingLevel}`;
  return (
    <article class="card item" data-item={item.id} data-type={item.type}>
      {(item.conflicts || item.removed) && (
        <p class="conflict-note" role="note">
          <strong>{t(item.removed ? 'conflict.card_removed' : 'conflict.card')}</strong> <a href={`#/plan/${plan.id}/resolve/${item.id}`}>{t('conflict.decide')}</a>
        </p>
      )}
      <Heading class="item-text" dir="auto">
        {mainText(item)}
      </Heading>
      <Details plan={plan} type={item.type} values={v} />
      {item.type === 'step' && <TickedBy plan={plan} item={item} />}
      {children}
      {TYPES[item.type].content && <Provenance plan={plan} item={item} />}
      <div class="actions small">
        <a class="button secondary small" href={`#/plan/${plan.id}/item/${item.id}`}>
          {t('item.change')}
          <span class="visually-hidden">: {mainText(item)}</span>
        </a>
        <DeleteButton plan={plan} item={item} />
      </div>
    </article>
  );
}
