// "Review the plan" (docs/app.md, "Reviews and progress over time"): at a visit, the person and the people
// helping them look back together. The review walks through each goal's scale (re-rated, with the person's
// own words for 0 and 10 in view), then what has changed, what helped, what got in the way and what next,
// each in someone's own words with who said it (a `review` item); then the read-back, whose agreed version
// the review links to (ui/readback.jsx keeps it and writes the link).

import { useEffect, useRef, useState } from 'preact/hooks';
import { fieldValue } from '../data/kinds.js';
import { mainText } from '../data/model.js';
import { goalSeries, reviewsOf, today, validDay } from '../data/progress.js';
import { formatDay, t, tAbout } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextArea, TextInput, U } from './common.jsx';
import { ReadingsChart, ScaleEnds } from './chart.jsx';
import { ReadingForm } from './goals.jsx';
import { ProgressSummary } from './progress.jsx';
import { appState, go } from './store.js';
import { ReflectionFields, ReviewReflections, emptyReflections, saveReflections } from './reflection.jsx';
import { FollowUpsSinceReview } from './activitylink.jsx';

/** The questions of a review, in order: the field each answer is kept in (and `<field>_by`, who said it). */
export const QUESTIONS = ['changed', 'helped', 'hindered', 'next'];

/** A heading that takes the focus when it appears (each step of the review opens with one). */
function StepHeading({ children }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h2 tabIndex={-1} ref={ref} class="review-step">
      {children}
    </h2>
  );
}

/** What was said at a review, each answer in the words it was said in, with who said it. */
export function ReviewAnswers({ review }) {
  const answered = QUESTIONS.filter((q) => (fieldValue(review, q) || '').trim());
  if (!answered.length) return null;
  return (
    <dl class="review-answers">
      {answered.map((q) => (
        <div key={q} data-answer={q}>
          <dt>{t(`review.q.${q}`)}</dt>
          <dd>
            <U>{fieldValue(review, q)}</U>
            {fieldValue(review, `${q}_by`) && (
              <>
                {' — '}
                <U>{fieldValue(review, `${q}_by`)}</U>
              </>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Start({ plan, day, setDay, onStart }) {
  const [error, setError] = useState(null);
  const earlier = reviewsOf(plan);
  const start = (event) => {
    event.preventDefault();
    if (!validDay(day)) return setError(t('scale.date_missing'));
    onStart();
  };
  return (
    <>
      <p>{t('review.intro')}</p>
      <form class="card review-start" onSubmit={start} noValidate>
        <ErrorSummary message={error} />
        <TextInput name="review-date" type="date" label={t('review.date')} hint={t('review.date_hint')} value={day} onInput={setDay} />
        <Button type="submit">{t('review.start')}</Button>
      </form>
      <FollowUpsSinceReview plan={plan} />
      {earlier.length > 0 && (
        <section aria-labelledby="earlier-reviews-h">
          <h2 id="earlier-reviews-h">{t('review.earlier')}</h2>
          <ul class="plain earlier-reviews">
            {earlier.map(({ review, day: when }) => {
              const version = plan.items.get(fieldValue(review, 'version'));
              return (
                <li key={review.id} class="card" data-review={review.id}>
                  <p class="review-head">
                    <strong>{t('review.of_day', { when: formatDay(when) })}</strong>
                    {version && (
                      <>
                        {' · '}
                        <a href={`#/plan/${plan.id}/version/${version.id}`}>{t('versions.number', { n: fieldValue(version, 'number') })}</a>
                      </>
                    )}
                  </p>
                  <ReviewAnswers review={review} />
                  <ReviewReflections plan={plan} reviewId={review.id} />
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}

function GoalStep({ plan, goal, index, total, day }) {
  const [saved, setSaved] = useState(0);
  const series = goalSeries(plan, goal.id);
  const before = series.map((s) => ({ party: s.party, last: [...s.points].reverse().find((p) => p.day < day) })).filter((s) => s.last);
  const now = series.flatMap((s) => s.points.filter((p) => p.day === day).map((p) => ({ ...p, party: s.party })));
  return (
    <section data-review-goal={goal.id}>
      <StepHeading>{t('review.goal_step', { n: index + 1, total })}</StepHeading>
      <U tag="p" class="item-text review-goal">
        {mainText(goal)}
      </U>
      <h3>{tAbout(plan, 'scale.title')}</h3>
      <ScaleEnds goal={goal} />
      <ReadingsChart plan={plan} goal={goal} />
      {before.length > 0 && (
        <>
          <h3>{t('review.last_time')}</h3>
          <ul class="plain">
            {before.map(({ party, last }) => (
              <li key={party}>
                <U>{party}</U>: {last.value} / 10 <span class="muted">({formatDay(last.day)})</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t('review.this_visit', { when: formatDay(day) })}</h3>
      {now.length === 0 && <p class="muted">{t('scale.none')}</p>}
      <ul class="plain review-readings">
        {now.map((p) => (
          <li key={p.id} data-reading={p.id} data-value={p.value}>
            <U>{p.party}</U>: {p.value} / 10
          </li>
        ))}
      </ul>
      <h3>{t('scale.add')}</h3>
      <ReadingForm key={`${goal.id}-${saved}`} plan={plan} goal={goal} day={day} cancel={false} onDone={() => setSaved((n) => n + 1)} />
    </section>
  );
}

function Talk({ plan, day, onBack }) {
  const person = fieldValue(plan.header, 'person') || '';
  const [answers, setAnswers] = useState(() => Object.fromEntries(QUESTIONS.flatMap((q) => [[q, ''], [`${q}_by`, person]])));
  const [reflections, setReflections] = useState(() => emptyReflections(plan, appState.device.value?.kind === 'worker' ? appState.device.value.name : ''));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const set = (name) => (value) => setAnswers((old) => ({ ...old, [name]: value }));
  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const values = { date: day };
      for (const q of QUESTIONS) {
        if (!answers[q].trim()) continue;
        values[q] = answers[q];
        values[`${q}_by`] = answers[`${q}_by`].trim();
      }
      const id = await plan.create('review', values);
      await saveReflections(plan, id, reflections);
      go(`plan/${plan.id}/readback/${id}`);
    } catch (e) {
      console.error('could not save the review', e);
      setError(t('error.save'));
      setBusy(false);
    }
  };
  return (
    <>
      <StepHeading>{t('review.talk')}</StepHeading>
      <ProgressSummary plan={plan} headingLevel={3} />
      <form class="review-talk" onSubmit={save} noValidate>
        <ErrorSummary message={error} />
        {QUESTIONS.map((q) => (
          <fieldset key={q} class="card" data-question={q}>
            <legend>{t(`review.q.${q}`)}</legend>
            <TextArea name={q} label={t('review.said')} hint={tAbout(plan, `review.q.${q}.hint`)} value={answers[q]} onInput={set(q)} />
            <TextInput name={`${q}_by`} label={t('review.said_by')} value={answers[`${q}_by`]} onInput={set(`${q}_by`)} />
          </fieldset>
        ))}
        <ReflectionFields plan={plan} reflections={reflections} onChange={setReflections} />
        <div class="actions">
          <Button type="submit" disabled={busy}>
            {t('review.to_readback')}
          </Button>
          <Button kind="secondary" onClick={onBack}>
            {t('review.back')}
          </Button>
        </div>
      </form>
    </>
  );
}

export function Review({ plan }) {
  const [day, setDay] = useState(today);
  const [step, setStep] = useState(0);
  const goals = plan.list('goal');
  const last = goals.length + 1;
  return (
    <Screen title={t('review.title')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      {step > 0 && (
        <p class="review-day" data-review-day={day}>
          {t('review.of_day', { when: formatDay(day) })}
        </p>
      )}
      {step === 0 && <Start plan={plan} day={day} setDay={setDay} onStart={() => setStep(1)} />}
      {step > 0 && step < last && (
        <>
          <GoalStep key={goals[step - 1].id} plan={plan} goal={goals[step - 1]} index={step - 1} total={goals.length} day={day} />
          <div class="actions review-nav">
            <Button onClick={() => setStep(step + 1)}>{step + 1 === last ? t('review.next_talk') : t('review.next_goal')}</Button>
            <Button kind="secondary" onClick={() => setStep(step - 1)}>
              {t('review.back')}
            </Button>
          </div>
        </>
      )}
      {step >= last && <Talk plan={plan} day={day} onBack={() => setStep(step - 1)} />}
    </Screen>
  );
}
