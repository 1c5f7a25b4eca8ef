// When two devices changed the same part of an item, both versions stand side by side, in plain
// words, and people choose one or combine them. When one device removed an item another changed,
// people keep it or remove it. Nothing is dropped until they decide.

import { useState } from 'preact/hooks';
import { formOf } from '../data/kinds.js';
import { mainText } from '../data/model.js';
import { formatDateTime, formatDay, t } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextArea, U } from './common.jsx';
import { go } from './store.js';

function showValue(type, name, value) {
  const spec = formOf(type).find((s) => s.name === name);
  if (spec?.control === 'date') return formatDay(value);
  if (spec?.choices) return t(`choice.${spec.choices}.${value}`);
  if (typeof value === 'boolean') return value ? t('yes') : t('no');
  if (Array.isArray(value)) return value.join(', ');
  return String(value ?? '');
}

function FieldChoice({ plan, item, name, versions, choice, setChoice }) {
  const mine = versions.some((v) => v.dev === plan.device.deviceId);
  const textual = versions.every((v) => typeof v.v === 'string');
  const label = t(`form.${item.type}.${name}`);
  const combined = choice?.combined ?? versions.map((v) => v.v).join('\n');
  return (
    <section class="card conflict-field" aria-labelledby={`cf-${name}`}>
      <h2 id={`cf-${name}`}>{t(mine ? `conflict.you.${item.type}` : `conflict.two.${item.type}`)}</h2>
      <p>{t('conflict.which', { field: label })}</p>
      <div class="side-by-side">
        {versions.map((version, index) => {
          const who = plan.deviceName(version.dev);
          const chosen = choice && !('combined' in choice) && choice.index === index;
          return (
            <div class={chosen ? 'option chosen' : 'option'} key={version.h[0]}>
              <p class="option-who">
                {version.dev === plan.device.deviceId ? t('conflict.this_device') : t('conflict.other_device', { name: who?.name || '?' })}
                <span class="muted"> · {formatDateTime(version.at)}</span>
              </p>
              <U tag="p" class="option-value">
                {showValue(item.type, name, version.v)}
              </U>
              <Button kind={chosen ? 'agreed' : 'secondary'} pressed={chosen} onClick={() => setChoice({ index, value: version.v })}>
                {t('conflict.keep')}
                <span class="visually-hidden">: {showValue(item.type, name, version.v)}</span>
              </Button>
            </div>
          );
        })}
      </div>
      {textual && (
        <div class="combine">
          <TextArea name={`combine-${name}`} label={t('conflict.combine')} hint={t('conflict.combine_hint')} value={combined} onInput={(value) => setChoice({ combined: value, value })} />
          <Button kind={choice && 'combined' in choice ? 'agreed' : 'secondary'} pressed={!!(choice && 'combined' in choice)} onClick={() => setChoice({ combined, value: combined })}>
            {t('conflict.use_combined')}
          </Button>
        </div>
      )}
    </section>
  );
}

/** Who did it, in plain words: this device, a device of the plan's roster, or one we cannot name. */
function whoDid(plan, deviceId, mine, theirs) {
  if (deviceId === plan.device.deviceId) return t(mine);
  const who = plan.deviceName(deviceId);
  return who ? t(theirs, { name: who.label ? `${who.name} (${who.label})` : who.name }) : t(`${theirs}_unknown`);
}

/** The latest change to an item's fields: {at, dev}. */
function lastChange(item) {
  let last = item.created || { at: 0, dev: item.author };
  for (const field of Object.values(item.f)) if (field.at > last.at) last = field;
  return last;
}

/** One device removed the item, another changed it: keep it, or remove it. */
function Removal({ plan, item, done }) {
  const [busy, setBusy] = useState(false);
  const removal = item.removed;
  const changed = lastChange(item);
  const settle = async (keep) => {
    setBusy(true);
    try {
      await plan.settleRemoval(item.id, keep);
      done();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card conflict-field" aria-labelledby="cf-removed" data-removal>
      <h2 id="cf-removed">{t('conflict.removed')}</h2>
      <div class="side-by-side">
        <div class="option">
          <p class="option-who">
            {whoDid(plan, removal.dev, 'conflict.removed_here', 'conflict.removed_by')}
            <span class="muted"> · {formatDateTime(removal.at)}</span>
            {removal.verified === false && <span class="warn"> · {t('prov.unverified')}</span>}
          </p>
          <Button kind="secondary" disabled={busy} onClick={() => settle(false)}>
            {t('conflict.remove_item')}
          </Button>
        </div>
        <div class="option">
          <p class="option-who">
            {whoDid(plan, changed.dev, 'conflict.this_device', 'conflict.other_device')}
            <span class="muted"> · {formatDateTime(changed.at)}</span>
            {item.verified === false && <span class="warn"> · {t('prov.unverified')}</span>}
          </p>
          <Button kind="secondary" disabled={busy} onClick={() => settle(true)}>
            {t('conflict.keep_item')}
          </Button>
        </div>
      </div>
    </section>
  );
}

export function Resolve({ plan, sub }) {
  const item = plan.items.get(sub);
  const [choices, setChoices] = useState({});
  const [error, setError] = useState(null);
  const back = { path: `plan/${plan.id}`, label: t('plan.back') };
  const next = () => {
    const other = plan.conflicted[0];
    go(other ? `plan/${plan.id}/resolve/${other.id}` : `plan/${plan.id}`);
  };
  if (item?.removed) {
    return (
      <Screen title={t('conflict.title')} back={back}>
        <p class="muted" dir="auto">
          {mainText(item)}
        </p>
        <Removal plan={plan} item={item} done={next} />
      </Screen>
    );
  }
  if (!item || !item.conflicts) {
    return (
      <Screen title={t('conflict.done_title')} back={back}>
        <p>{t('conflict.nothing')}</p>
      </Screen>
    );
  }
  const names = Object.keys(item.conflicts);
  const save = async () => {
    if (names.some((name) => !choices[name])) {
      setError(t('conflict.choose_all'));
      return;
    }
    const chosen = {};
    for (const name of names) chosen[name] = choices[name].value;
    await plan.resolve(item.id, chosen);
    next();
  };
  return (
    <Screen title={t('conflict.title')} back={back}>
      <p>{t('conflict.intro')}</p>
      <p class="muted" dir="auto">
        {mainText(item)}
      </p>
      <ErrorSummary message={error} />
      {names.map((name) => (
        <FieldChoice
          key={name}
          plan={plan}
          item={item}
          name={name}
          versions={item.conflicts[name]}
          choice={choices[name]}
          setChoice={(choice) => setChoices((c) => ({ ...c, [name]: choice }))}
        />
      ))}
      <Button onClick={save}>{t('conflict.save')}</Button>
    </Screen>
  );
}
