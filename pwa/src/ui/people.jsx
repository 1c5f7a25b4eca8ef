// My people: circles of closeness around the person. Tap a circle (or its "Add" button) to place
// someone in it; each person can be linked to goals and steps ("who could help with this?").

import { useEffect, useState } from 'preact/hooks';
import { fieldValue } from '../data/kinds.js';
import { CHOICES } from '../data/model.js';
import { t, tAbout } from '../i18n/index.js';
import { Button, Screen } from './common.jsx';
import { ItemCard, ItemForm } from './items.jsx';
import { NextSection } from './plan.jsx';

const RADII = [40, 70, 100, 130, 160];

function Circles({ plan, people, onPick }) {
  const size = 340;
  const c = size / 2;
  return (
    <svg class="circles" viewBox={`0 0 ${size} ${size}`} aria-hidden="true" direction="ltr">
      {[...CHOICES.circle].reverse().map((circle) => {
        const index = CHOICES.circle.indexOf(circle);
        return (
          <g key={circle} class={`ring ring-${index}`} onClick={() => onPick(circle)}>
            <circle cx={c} cy={c} r={RADII[index] + 8} />
          </g>
        );
      })}
      <circle cx={c} cy={c} r="14" class="centre" />
      {CHOICES.circle.map((circle, index) => {
        const inRing = people.filter((p) => (fieldValue(p, 'circle') || 'friends') === circle);
        const r = RADII[index] - 8;
        return inRing.map((person, i) => {
          const angle = -Math.PI / 2 + ((i + 0.5 + index * 0.37) / Math.max(inRing.length, 1)) * 2 * Math.PI;
          const x = c + r * Math.cos(angle);
          const y = c + r * Math.sin(angle);
          const name = fieldValue(person, 'name') || '';
          return (
            <g key={person.id} class="dot" onClick={() => (location.hash = `#/plan/${plan.id}/item/${person.id}`)}>
              <circle cx={x} cy={y} r="5" />
              <text x={x} y={y - 8} text-anchor="middle">
                {name.length > 12 ? `${name.slice(0, 11)}…` : name}
              </text>
            </g>
          );
        });
      })}
    </svg>
  );
}

export function People({ plan }) {
  const [adding, setAdding] = useState(null);
  const people = plan.list('person');
  const pick = (circle) => setAdding(circle);
  useEffect(() => {
    if (adding) document.getElementById('add-person-h')?.focus();
  }, [adding]);
  return (
    <Screen title={t('section.people')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }} wide>
      <p>{tAbout(plan, 'people.intro')}</p>
      <div class="people-layout">
        <div class="circles-wrap">
          <Circles plan={plan} people={people} onPick={pick} />
          <p class="muted small-print">{t('people.tap_hint')}</p>
        </div>
        <div>
          {adding && (
            <section class="card add-form" aria-labelledby="add-person-h">
              <h2 id="add-person-h" tabIndex={-1}>{t('people.add_to', { circle: t(`choice.circle.${adding}`) })}</h2>
              <ItemForm plan={plan} type="person" defaults={{ circle: adding }} onDone={() => setAdding(null)} />
            </section>
          )}
          {CHOICES.circle.map((circle) => {
            const inCircle = people.filter((p) => (fieldValue(p, 'circle') || 'friends') === circle);
            return (
              <section key={circle} class="circle-list" aria-labelledby={`c-${circle}`}>
                <h2 id={`c-${circle}`}>{t(`choice.circle.${circle}`)}</h2>
                <p class="hint">{tAbout(plan, `people.hint.${circle}`)}</p>
                <ul class="plain cards">
                  {inCircle.map((person) => (
                    <li key={person.id}>
                      <ItemCard plan={plan} item={person} />
                    </li>
                  ))}
                </ul>
                <Button kind="secondary" onClick={() => setAdding(circle)}>
                  {t('people.add')}
                  <span class="visually-hidden"> {t(`choice.circle.${circle}`)}</span>
                </Button>
              </section>
            );
          })}
        </div>
      </div>
      <NextSection plan={plan} current="people" />
    </Screen>
  );
}
