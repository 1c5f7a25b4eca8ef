// Goals in the person's words (dream, possible, next month) and their scales: the person says what 0
// and 10 mean; every party rates separately with "why not lower?" and "one point higher?".

import { useState } from 'preact/hooks';
import { fieldValue } from '../data/kinds.js';
import { CHOICES, mainText, values as valuesOf } from '../data/model.js';
import { formatDateTime, t } from '../i18n/index.js';
import { Button, ErrorSummary, Radios, Screen, TextArea, TextInput, U } from './common.jsx';
import { ItemCard, knownNames } from './items.jsx';
import { AddItem, NextSection } from './plan.jsx';

export function Goals({ plan }) {
  return (
    <Screen title={t('section.goals')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <p>{t('goals.intro')}</p>
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

const MARKS = ['circle', 'square', 'diamond', 'triangle'];

function Marker({ shape, x, y }) {
  if (shape === 'square') return <rect x={x - 4} y={y - 4} width="8" height="8" />;
  if (shape === 'diamond') return <polygon points={`${x},${y - 5} ${x + 5},${y} ${x},${y + 5} ${x - 5},${y}`} />;
  if (shape === 'triangle') return <polygon points={`${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}`} />;
  return <circle cx={x} cy={y} r="4" />;
}

/** A small chart of readings over time: one line per party, 0 at the bottom, 10 at the top. */
export function ReadingsChart({ readings }) {
  if (readings.length < 1) return null;
  const parties = [...new Set(readings.map((r) => fieldValue(r, 'party') || '?'))];
  const times = [...new Set(readings.map((r) => r.created.at))].sort((a, b) => a - b);
  const W = 320;
  const H = 150;
  const left = 28;
  const top = 10;
  const plotW = W - left - 12;
  const plotH = H - top - 24;
  const xOf = (at) => left + (times.length === 1 ? plotW / 2 : (times.indexOf(at) / (times.length - 1)) * plotW);
  const yOf = (value) => top + plotH - (value / 10) * plotH;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-caption" preserveAspectRatio="xMidYMid meet" direction="ltr">
        {[0, 5, 10].map((v) => (
          <g key={v} class="grid">
            <line x1={left} x2={W - 8} y1={yOf(v)} y2={yOf(v)} />
            <text x={left - 6} y={yOf(v) + 4} text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {parties.map((party, index) => {
          const points = readings.filter((r) => (fieldValue(r, 'party') || '?') === party).sort((a, b) => a.created.at - b.created.at);
          const path = points.map((r) => `${xOf(r.created.at)},${yOf(fieldValue(r, 'value') ?? 0)}`).join(' ');
          return (
            <g key={party} class={`series s${index % 4}`}>
              <polyline points={path} fill="none" />
              {points.map((r) => (
                <Marker key={r.id} shape={MARKS[index % 4]} x={xOf(r.created.at)} y={yOf(fieldValue(r, 'value') ?? 0)} />
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption id="chart-caption">
        {t('scale.chart')}{' '}
        <span class="legend">
          {parties.map((party, index) => (
            <span key={party} class={`key s${index % 4}`}>
              <svg viewBox="-6 -6 12 12" width="12" height="12" aria-hidden="true">
                <Marker shape={MARKS[index % 4]} x={0} y={0} />
              </svg>{' '}
              <U>{party}</U>
            </span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}

function ReadingForm({ plan, goal, onDone }) {
  const [party, setParty] = useState(fieldValue(plan.header, 'person') || '');
  const [value, setValue] = useState(null);
  const [why, setWhy] = useState('');
  const [higher, setHigher] = useState('');
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    if (value === null || !party.trim()) {
      setError(t('scale.missing'));
      return;
    }
    await plan.create('reading', { goal: goal.id, party: party.trim(), value, why, higher });
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
      <div class="actions">
        <Button type="submit">{t('scale.save')}</Button>
        <Button kind="secondary" onClick={onDone}>
          {t('form.cancel')}
        </Button>
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
  const readings = plan.list('reading').filter((r) => fieldValue(r, 'goal') === goal.id);
  return (
    <Screen title={t('goal.title')} back={back}>
      <ItemCard plan={plan} item={goal} headingLevel={2} />
      <section aria-labelledby="scale-h">
        <h2 id="scale-h">{t('scale.title')}</h2>
        <div class="scale-ends">
          <p>
            <span class="end-number">0</span> <U>{v.low || t('scale.not_described')}</U>
          </p>
          <p>
            <span class="end-number">10</span> <U>{v.high || t('scale.not_described')}</U>
          </p>
        </div>
        <ReadingsChart readings={readings} />
        {readings.length === 0 && <p class="muted">{t('scale.none')}</p>}
        <ul class="plain readings">
          {readings.map((r) => (
            <li key={r.id} class="card reading" data-item={r.id}>
              <p>
                <U tag="strong">{fieldValue(r, 'party')}</U>: <span class="reading-value">{fieldValue(r, 'value')}</span> / 10{' '}
                <span class="muted">{formatDateTime(r.created.at)}</span>
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
            </li>
          ))}
        </ul>
        {adding ? <ReadingForm plan={plan} goal={goal} onDone={() => setAdding(false)} /> : <Button onClick={() => setAdding(true)}>{t('scale.add')}</Button>}
      </section>
    </Screen>
  );
}
