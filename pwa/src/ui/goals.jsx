// Goals in the person's words (dream, possible, next month) and their scales: the person says what 0
// and 10 mean; every party rates separately with "why not lower?" and "one point higher?".

import { useState } from 'preact/hooks';
import { fieldValue } from '../data/kinds.js';
import { CHOICES, mainText, values as valuesOf } from '../data/model.js';
import { readingDay, today, validDay } from '../data/progress.js';
import { formatDay, t, tAbout } from '../i18n/index.js';
import { ReadingsChart } from './chart.jsx';
import { Button, ErrorSummary, Radios, Screen, TextArea, TextInput, U } from './common.jsx';
import { HistoryLink, ItemCard, knownNames } from './items.jsx';
import { AddItem, NextSection } from './plan.jsx';

export function Goals({ plan }) {
  return (
    <Screen title={t('section.goals')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <p>{tAbout(plan, 'goals.intro')}</p>
      {CHOICES.horizon.map((horizon) => {
        const goals = plan.list('goal').filter((g) => (fieldValue(g, 'horizon') || 'possible') === horizon);
        return (
          <section key={horizon} aria-labelledby={`h-${horizon}`}>
            <h2 id={`h-${horizon}`}>{t(`choice.horizon.${horizon}`)}</h2>
            {goals.length === 0 && <p class="muted">{t('section.empty')}</p>}
            <ul class="plain cards">
              {goals.map((goal) => (
                <li key={goal.id}>
                  <ItemCard plan={plan} item={goal}>
                    <p>
                      <a href={`#/plan/${plan.id}/goal/${goal.id}`}>
                        {t('goals.open_scale')}
                        <span class="visually-hidden">: {mainText(goal)}</span>
                      </a>
                    </p>
                  </ItemCard>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      <AddItem plan={plan} type="goal" />
      <NextSection plan={plan} current="goals" />
    </Screen>
  );
}

/**
 * A reading: who rates, the number (with the person's own words for 0 and 10), why not lower, one point
 * higher, and the day it was given (the visit's: `day`, else today; earlier for a reading taken on paper).
 */
export function ReadingForm({ plan, goal, onDone, day = today(), cancel = true }) {
  const [party, setParty] = useState(fieldValue(plan.header, 'person') || '');
  const [value, setValue] = useState(null);
  const [why, setWhy] = useState('');
  const [higher, setHigher] = useState('');
  const [date, setDate] = useState(day);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    if (value === null || !party.trim()) {
      setError(t('scale.missing'));
      return;
    }
    if (!validDay(date)) {
      setError(t('scale.date_missing'));
      return;
    }
    await plan.create('reading', { goal: goal.id, party: party.trim(), value, why, higher, date });
    onDone();
  };
  const options = Array.from({ length: 11 }, (_, n) => ({ value: n, label: String(n) }));
  return (
    <form class="card add-form" onSubmit={submit} noValidate>
      <ErrorSummary message={error} />
      <datalist id="party-names">
        {knownNames(plan).map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <TextInput name="party" label={t('scale.party')} value={party} onInput={setParty} list="party-names" />
      <Radios
        name="value"
        inline
        legend={t('scale.value')}
        hint={t('scale.value_hint', { low: fieldValue(goal, 'low') || '0', high: fieldValue(goal, 'high') || '10' })}
        value={value}
        onChange={setValue}
        options={options}
      />
      <TextArea name="why" label={t('scale.why')} value={why} onInput={setWhy} />
      <TextArea name="higher" label={t('scale.higher')} value={higher} onInput={setHigher} />
      <TextInput name="date" type="date" label={t('scale.date')} hint={t('scale.date_hint')} value={date} onInput={setDate} />
      <div class="actions">
        <Button type="submit">{t('scale.save')}</Button>
        {cancel && (
          <Button kind="secondary" onClick={onDone}>
            {t('form.cancel')}
          </Button>
        )}
      </div>
    </form>
  );
}

export function GoalDetail({ plan, sub }) {
  const goal = plan.items.get(sub);
  const [adding, setAdding] = useState(false);
  const back = { path: `plan/${plan.id}/goals`, label: t('section.goals') };
  if (!goal) {
    return (
      <Screen title={t('item.gone_title')} back={back}>
        <p>{t('item.gone')}</p>
      </Screen>
    );
  }
  const v = valuesOf(goal);
  const readings = plan
    .list('reading')
    .filter((r) => fieldValue(r, 'goal') === goal.id)
    .sort((a, b) => readingDay(a).localeCompare(readingDay(b)) || a.created.at - b.created.at);
  return (
    <Screen title={t('goal.title')} back={back}>
      <ItemCard plan={plan} item={goal} headingLevel={2} />
      <section aria-labelledby="scale-h">
        <h2 id="scale-h">{tAbout(plan, 'scale.title')}</h2>
        <div class="scale-ends">
          <p>
            <span class="end-number">0</span> <U>{v.low || t('scale.not_described')}</U>
          </p>
          <p>
            <span class="end-number">10</span> <U>{v.high || t('scale.not_described')}</U>
          </p>
        </div>
        <ReadingsChart plan={plan} goal={goal} />
        {readings.length === 0 && <p class="muted">{t('scale.none')}</p>}
        <ul class="plain readings">
          {readings.map((r) => (
            <li key={r.id} class="card reading" data-item={r.id}>
              <p>
                <U tag="strong">{fieldValue(r, 'party')}</U>: <span class="reading-value">{fieldValue(r, 'value')}</span> / 10{' '}
                <span class="muted" data-reading-date={readingDay(r)}>
                  {formatDay(readingDay(r))}
                </span>
              </p>
              {fieldValue(r, 'why') && (
                <p>
                  <span class="label">{t('scale.why')}</span> <U>{fieldValue(r, 'why')}</U>
                </p>
              )}
              {fieldValue(r, 'higher') && (
                <p>
                  <span class="label">{t('scale.higher')}</span> <U>{fieldValue(r, 'higher')}</U>
                </p>
              )}
              <p class="history-line">
                <HistoryLink plan={plan} item={r} />
              </p>
            </li>
          ))}
        </ul>
        {adding ? <ReadingForm plan={plan} goal={goal} onDone={() => setAdding(false)} /> : <Button onClick={() => setAdding(true)}>{t('scale.add')}</Button>}
      </section>
    </Screen>
  );
}
