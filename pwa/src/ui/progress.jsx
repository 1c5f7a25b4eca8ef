// "Progress over time" (docs/app.md, "Reviews and progress over time"): how each goal's ratings moved, in
// plain words ("Since 3 March 2026 your rating for “Back to college” went from 3 to 6.") or in easy read
// (short sentences, a symbol; the same device setting as "My plan"), and each goal's chart.

import { useState } from 'preact/hooks';
import { mainText } from '../data/model.js';
import { isPerson, progressOf } from '../data/progress.js';
import { formatDay, t, tAbout } from '../i18n/index.js';
import { ReadingsChart, ScaleEnds } from './chart.jsx';
import { Checkbox, Pieces, Screen, U } from './common.jsx';
import { setEasyRead, usesEasyRead } from './myplan.jsx';
import { Pictogram } from './symbols.jsx';
import { say } from './wording.js';

/**
 * One participant's progress on one goal as pieces. On the person's own device their readings are theirs
 * ("your rating"); elsewhere named ("Sam's rating").
 */
export function progressLine(plan, goal, line, easy = false) {
  const you = plan.me?.role === 'owner' && isPerson(plan, line.party);
  const key = `${easy ? 'easy.progress' : 'progress.line'}.${line.trend}${you ? '_you' : ''}`;
  return say(t, key, {
    goal: { user: mainText(goal) },
    name: { user: line.party },
    since: formatDay(line.first.day),
    until: formatDay(line.last.day),
    from: line.first.value,
    to: line.last.value,
  });
}

/** The progress of every goal, in plain words or easy read: a list per goal. */
export function ProgressSummary({ plan, easy = false, headingLevel = 2 }) {
  const goals = progressOf(plan);
  const Heading = `h${headingLevel}`;
  if (!goals.length) return <p class="muted">{t(easy ? 'easy.progress.no_goals' : 'progress.no_goals')}</p>;
  return (
    <div class={easy ? 'progress-summary easy' : 'progress-summary'} data-easy-read={easy ? 'on' : 'off'}>
      {goals.map(({ goal, lines }) => (
        <section key={goal.id} class="card progress-goal" data-goal={goal.id} aria-label={mainText(goal)}>
          <Heading class="progress-goal-h">
            {easy && <Pictogram name="goals" />}
            <U>{mainText(goal)}</U>
          </Heading>
          {lines.length === 0 && <p class="muted">{t(easy ? 'easy.progress.none' : 'progress.none')}</p>}
          <ul class="plain progress-lines">
            {lines.map((line) => (
              <li key={line.party} data-party={line.party} data-trend={line.trend} data-from={line.first.value} data-to={line.last.value}>
                <Pieces pieces={progressLine(plan, goal, line, easy)} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

export function Progress({ plan }) {
  const [easy, setEasy] = useState(usesEasyRead);
  const choose = (on) => {
    setEasyRead(on);
    setEasy(on);
  };
  const goals = plan.list('goal');
  return (
    <Screen title={t(easy ? 'easy.progress.title' : 'progress.title')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <Checkbox name="easy-read" label={t('mine.easy_toggle')} checked={easy} onChange={choose} />
      <p>{easy ? t('easy.progress.intro') : tAbout(plan, 'progress.intro')}</p>
      <ProgressSummary plan={plan} easy={easy} />
      {goals.length > 0 && <h2>{t('progress.charts')}</h2>}
      {goals.map((goal) => (
        <section key={goal.id} class="progress-chart" aria-labelledby={`progress-chart-${goal.id}`}>
          <h3 id={`progress-chart-${goal.id}`}>
            <U>{mainText(goal)}</U>
          </h3>
          <ScaleEnds goal={goal} />
          <ReadingsChart plan={plan} goal={goal} id={`progress-${goal.id}`} />
          <p>
            <a href={`#/plan/${plan.id}/goal/${goal.id}`}>
              {t('goals.open_scale')}
              <span class="visually-hidden">: {mainText(goal)}</span>
            </a>
          </p>
        </section>
      ))}
      <p class="actions">
        <a class="button secondary" href={`#/plan/${plan.id}/review`}>
          {t('review.link')}
        </a>
      </p>
    </Screen>
  );
}
