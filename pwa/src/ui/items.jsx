// Items: the form to write or change one (with its provenance) and the card that shows one. Both follow the
// kind's fields in the registry (data/kinds.js).

import { useState } from 'preact/hooks';
import { defaultsOf, fieldValue, formOf, sectionOf } from '../data/kinds.js';
import { CHOICES, TYPES, mainText, values as valuesOf } from '../data/model.js';
import { whatsNew } from '../data/looks.js';
import { fieldLanguage } from '../data/wordslanguage.js';
import { defaultSpeaker } from '../data/roles.js';
import { currentLanguage, formatDateTime, formatDay, t, tAbout } from '../i18n/index.js';
import { Button, Checkbox, Checkboxes, ErrorSummary, Pieces, Radios, Select, TextArea, TextInput, U, choiceOptions } from './common.jsx';
import { provenanceParts } from './wording.js';
import { AudienceField, AudienceTag } from './audience.jsx';
import { StepActivity } from './activitylink.jsx';

/** Names people might pick for "said by", "who" or "who checks": the person, this device's user, my people. */
export function knownNames(plan) {
  const names = [fieldValue(plan.header, 'person'), plan.deviceName(plan.device.deviceId)?.name];
  for (const person of plan.list('person')) names.push(fieldValue(person, 'name'));
  return [...new Set(names.filter(Boolean))];
}

function Control({ spec, type, value, set, plan, error }) {
  // Labels and hints speak of the person in the form they chose ("in her own words").
  const label = tAbout(plan, `form.${type}.${spec.name}`);
  const hint = spec.hint ? tAbout(plan, `form.${type}.${spec.name}.hint`) : undefined;
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

/**
 * "In whose words": on the person's own device, what they said themselves is "Your own words"; elsewhere,
 * what the person said is "their own words" in the form they chose for words about them.
 */
function voiceOptions(plan, saidBy) {
  const speaker = (saidBy || '').trim();
  const yours = plan.me?.role === 'owner' && (!speaker || speaker === defaultSpeaker(plan) || speaker === plan.deviceName(plan.device.deviceId)?.name);
  const person = (fieldValue(plan.header, 'person') || '').trim();
  const own = yours ? t('prov.voice_own_you') : person && speaker === person ? tAbout(plan, 'choice.voice.own') : null;
  return choiceOptions(CHOICES.voice, 'choice.voice').map((option) => (own && option.value === 'own' ? { ...option, label: own } : option));
}

/** Write a new item of `type` or change `item`. Provenance: who said it and in whose words. */
export function ItemForm({ plan, type, item, defaults, onDone }) {
  const content = TYPES[type].content;
  const [values, setValues] = useState(() =>
    item ? valuesOf(item) : { ...defaultsOf(type), said_by: defaultSpeaker(plan), voice: 'own', ...defaults },
  );
  const [audience, setAudience] = useState(() => item?.audience ?? plan.sectionAudience(sectionOf(type)));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = async (event) => {
    event.preventDefault();
    const missing = formOf(type).find((spec) => spec.required && !String(values[spec.name] ?? '').trim());
    if (missing) {
      setError(t('form.required', { field: t(`form.${type}.${missing.name}`) }));
      return;
    }
    setBusy(true);
    try {
      if (item) {
        await plan.update(item.id, values);
        if (audience !== item.audience) await plan.setAudience(item.id, audience);
      } else await plan.create(type, { ...values, lang: values.lang || currentLanguage() }, { audience });
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
      {formOf(type).map((spec) => (
        <Control key={spec.name} spec={spec} type={type} plan={plan} value={values[spec.name]} set={set(spec.name)} />
      ))}
      {content && (
        <fieldset class="provenance-fields">
          <legend>{t('prov.legend')}</legend>
          <TextInput name="said_by" label={t('prov.said_by')} value={values.said_by} onInput={set('said_by')} list="known-names" />
          <Radios name="voice" legend={t('prov.voice')} value={values.voice} onChange={set('voice')} options={voiceOptions(plan, values.said_by)} />
        </fieldset>
      )}
      {content && <AudienceField plan={plan} item={item} value={audience} onChange={setAudience} />}
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

/** What wording.js needs to know about this plan and this device, to name people and devices. */
export function wordingContext(plan) {
  return {
    t,
    about: (key, params) => tAbout(plan, key, params),
    formatDateTime,
    names: (deviceId) => plan.deviceName(deviceId),
    roles: (deviceId) => plan.roles?.get(deviceId)?.role,
    person: fieldValue(plan.header, 'person') || '',
    you: plan.me?.role === 'owner',
    self: plan.me?.deviceId,
    showMine: plan.canAgreeFor?.() === 'self' && plan.me?.role !== 'owner',
  };
}

/**
 * Who said it, in whose words, who typed it (or changed it after it was said) on which device, when, and
 * who confirmed new wording: from `plan.provenanceOf(item)`, or `prov` as a version kept it.
 */
export function Provenance({ plan, item, prov = item && plan.provenanceOf(item) }) {
  const segments = provenanceParts(prov, wordingContext(plan));
  const unchecked = prov?.checked === false || !!item?.flags?.unchecked;
  if (!segments.length && !unchecked) return null;
  return (
    <p class="provenance" data-provenance data-voice-dropped={prov?.voiceDropped ? 'true' : undefined}>
      {segments.map((segment, index) => (
        <span key={index}>
          {index > 0 && ' · '}
          <Pieces pieces={segment} />
        </span>
      ))}
      {unchecked && (
        <span class="warn">
          {segments.length > 0 && ' · '}
          {t('prov.unverified')}
        </span>
      )}
    </p>
  );
}

/**
 * What this device noticed about an item's versions (spec §8.3): an older copy that came back (kept the
 * newer one; "OK" dismisses the notice on this device), or a removal without a valid signature (the item
 * stays, with "Put it back" and, for a device allowed to delete it, "Remove it").
 */
export function IntegrityNote({ plan, item }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const flags = item.flags || {};
  if (!flags.rollback && !flags.replay && !flags.unsignedRemoval) return null;
  const run = (action) => async () => {
    setBusy(true);
    setFailed(false);
    try {
      await action();
    } catch (error) {
      console.error('could not save', error);
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  const text = mainText(item);
  const canWrite = plan.me?.access === 'write';
  return (
    <div class="integrity">
      {(flags.rollback || flags.replay) && !flags.unsignedRemoval && (
        <div class="integrity-note" role="note" data-flag="rollback">
          <p>{t('integrity.rollback')}</p>
          <Button kind="secondary small" disabled={busy} onClick={run(() => plan.acknowledge(item.id))}>
            {t('integrity.ok')}
            <span class="visually-hidden">: {text}</span>
          </Button>
        </div>
      )}
      {flags.unsignedRemoval && (
        <div class="integrity-note" role="note" data-flag="unsigned-removal">
          <p>
            <strong>{t('integrity.unsigned')}</strong> {t(canWrite ? 'integrity.unsigned_text' : 'integrity.unsigned_read')}
          </p>
          {canWrite && (
            <div class="actions small">
              <Button kind="secondary small" disabled={busy} onClick={run(() => plan.restore(item.id))}>
                {t('integrity.put_back')}
                <span class="visually-hidden">: {text}</span>
              </Button>
              {plan.canDelete(item) && (
                <Button kind="warning small" disabled={busy} onClick={run(() => plan.remove(item.id))}>
                  {t('integrity.remove')}
                  <span class="visually-hidden">: {text}</span>
                </Button>
              )}
            </div>
          )}
        </div>
      )}
      <ErrorSummary message={failed && t('error.save')} />
    </div>
  );
}

/** The flags of an item, for the page (and tests) to see: "rollback unsigned-removal …". */
export const flagNames = (item) =>
  Object.entries(item.flags || {})
    .filter(([, on]) => on)
    .map(([name]) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
    .join(' ') || undefined;

/** "What changed": the item's history of versions. */
export function HistoryLink({ plan, item }) {
  return (
    <a class="history-link" href={`#/plan/${plan.id}/item/${item.id}/history`}>
      {t('history.link')}
      <span class="visually-hidden">: {mainText(item)}</span>
    </a>
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
  for (const spec of formOf(type)) {
    if (spec.name === TYPES[type].text) continue;
    const value = v[spec.name];
    if (value === undefined || value === '' || value === null || value === false) continue;
    if (Array.isArray(value) && !value.length) continue;
    if (spec.control === 'check' && spec.mine) continue; // said as a sentence (a step's "when they're ready": ui/activitylink.jsx)
    let text;
    if (spec.control === 'date') text = formatDay(value);
    else if (spec.choices) text = t(`choice.${spec.choices}.${value}`);
    else if (spec.control === 'check') text = t('yes');
    else if (spec.control === 'links') text = value.map((id) => (plan.items.get(id) ? mainText(plan.items.get(id)) : '…')).join('; ');
    else text = value;
    out.push({ name: spec.name, label: tAbout(plan, `form.${type}.${spec.name}`), text, user: !spec.choices && spec.control !== 'date', words: ['area', 'text'].includes(spec.control) });
  }
  return out;
}

/** An item's details as a list; each is read aloud (label, then the words in their own language, from `item`). */
export function Details({ plan, type, values: v, item }) {
  const list = details(plan, type, v);
  if (!list.length) return null;
  return (
    <dl class="details">
      {list.map((d) => (
        <div key={d.name} data-speak>
          <dt>{d.label}</dt>
          <dd dir={d.user ? 'auto' : undefined} lang={item && d.words ? fieldLanguage(item, d.name, currentLanguage()) : undefined}>
            {d.text}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** "Delete" with a question first ("Delete this?" yes / no); only where this device may remove the item. */
export function DeleteButton({ plan, item }) {
  const [asking, setAsking] = useState(false);
  if (!plan.canDelete(item)) return null;
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
/** "New" or "Changed" on a card whose item another device wrote since the user last looked (data/looks.js). */
export function NewMark({ plan, item }) {
  const mark = whatsNew(plan).marks.get(item.id);
  if (!mark) return null;
  return (
    <p class="new-mark" data-new={mark}>
      <strong>{t(mark === 'new' ? 'news.new' : 'news.changed_mark')}</strong>
      <span class="visually-hidden"> ({t('news.since_you_looked')})</span>
    </p>
  );
}

export function ItemCard({ plan, item, children, headingLevel = 3 }) {
  const v = valuesOf(item);
  const Heading = `h${headingLevel}`;
  const removedUnsigned = !!item.flags?.unsignedRemoval;
  return (
    <article class="card item" data-item={item.id} data-type={item.type} data-flags={flagNames(item)}>
      <NewMark plan={plan} item={item} />
      <IntegrityNote plan={plan} item={item} />
      {(item.conflicts || item.removed) && (
        <p class="conflict-note" role="note">
          <strong>{t(item.removed ? 'conflict.card_removed' : 'conflict.card')}</strong> <a href={`#/plan/${plan.id}/resolve/${item.id}`}>{t('conflict.decide')}</a>
        </p>
      )}
      {plan.notAccepted().includes(item.id) && (
        <p class="conflict-note" role="note" data-not-accepted>
          {t('item.not_accepted')}
        </p>
      )}
      <Heading class="item-text" dir="auto">
        {mainText(item)}
      </Heading>
      <AudienceTag plan={plan} item={item} />
      <Details plan={plan} type={item.type} values={v} item={item} />
      {item.type === 'step' && <TickedBy plan={plan} item={item} />}
      {item.type === 'step' && <StepActivity plan={plan} item={item} />}
      {children}
      {TYPES[item.type].content && <Provenance plan={plan} item={item} />}
      <div class="actions small">
        {!removedUnsigned && (
          <a class="button secondary small" href={`#/plan/${plan.id}/item/${item.id}`}>
            {t('item.change')}
            <span class="visually-hidden">: {mainText(item)}</span>
          </a>
        )}
        <HistoryLink plan={plan} item={item} />
        {!removedUnsigned && <DeleteButton plan={plan} item={item} />}
      </div>
    </article>
  );
}
