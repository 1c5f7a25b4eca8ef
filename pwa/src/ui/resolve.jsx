// When two devices changed the same part of an item, both versions stand side by side, in plain
// words, and people choose one or combine them. Nothing is dropped until they decide.

import { useState } from 'preact/hooks';
import { mainText } from '../data/model.js';
import { formatDateTime, formatDay, t } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextArea, U } from './common.jsx';
import { FORMS } from './items.jsx';
import { go } from './store.js';

function showValue(type, name, value) {
  const spec = FORMS[type]?.find((s) => s.name === name);
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

export function Resolve({ plan, sub }) {
  const item = plan.items.get(sub);
  const [choices, setChoices] = useState({});
  const [error, setError] = useState(null);
  const back = { path: `plan/${plan.id}`, label: t('plan.back') };
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
    const next = plan.conflicted[0];
    go(next ? `plan/${plan.id}/resolve/${next.id}` : `plan/${plan.id}`);
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
