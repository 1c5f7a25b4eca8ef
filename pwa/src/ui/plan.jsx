// A plan's home (the conversation's sections), the section screens (each lists the kinds the registry,
// data/kinds.js, puts in it), and the screen that changes one item.

import { useEffect, useState } from 'preact/hooks';
import { CHOICES, KINDS, SECTIONS, fieldValue, formOf, sectionOf } from '../data/kinds.js';
import { mainText, values as valuesOf } from '../data/model.js';
import { beginVisit, endVisit, markLooked, whatsNew } from '../data/looks.js';
import { anyNews } from '../data/whatsnew.js';
import { t, tAbout, tNamed, tn } from '../i18n/index.js';
import { Button, Screen, U } from './common.jsx';
import { DeleteButton, HistoryLink, IntegrityNote, ItemCard, ItemForm, NewMark, Provenance, flagNames } from './items.jsx';
import { go } from './store.js';
import { PendingMembers, WaitingForYes } from './consent.jsx';
import { ClosedNote, PlanDates } from './details.jsx';
import { canLinkActivities } from './activitylink.jsx';
import { LearningConsent } from './learning.jsx';

const back = (plan) => ({ path: `plan/${plan.id}`, label: t('plan.back') });

function sectionCount(plan, section) {
  if (section.screen === 'readback') return plan.list('version').length;
  return plan.list(...section.kinds).length;
}

/** The key was changed and this device waits for the person's or the worker's device to pass it on. */
function KeyWaiting({ plan }) {
  if (plan.keyProblem !== 'waiting') return null;
  return (
    <div class="banner key-waiting" role="status" data-key-problem="waiting">
      <p>{tAbout(plan, 'plan.key_waiting')}</p>
    </div>
  );
}

/** Items whose versions need a look (spec §8.3): older copies that came back, removals without a signature. */
function IntegrityBanner({ plan }) {
  const flagged = (plan.flagged || []).filter((item) => item.flags?.rollback || item.flags?.replay || item.flags?.unsignedRemoval);
  if (!flagged.length) return null;
  const removed = flagged.filter((item) => item.flags.unsignedRemoval).length;
  const older = flagged.length - removed;
  return (
    <div class="banner integrity-banner" role="status" data-integrity-banner>
      {older > 0 && <p>{tn('integrity.banner_rollback', older)}</p>}
      {removed > 0 && <p>{tn('integrity.banner_removed', removed)}</p>}
      <ul class="plain">
        {flagged.map((item) => (
          <li key={item.id}>
            <a href={`#/plan/${plan.id}/item/${item.id}/history`}>
              {mainText(item) ? <U>{mainText(item)}</U> : t('integrity.an_item')}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A visit to a plan (docs/app.md, "What's new since you last looked"): from opening any of its screens to
 * leaving them (or the page), what another device wrote since the last look is shown as new; leaving
 * writes the new look mark.
 */
export function useVisit(plan) {
  useEffect(() => {
    if (!plan) return undefined;
    beginVisit(plan).catch(() => {});
    const leavePage = () => markLooked(plan).catch(() => {});
    addEventListener('pagehide', leavePage);
    return () => {
      removeEventListener('pagehide', leavePage);
      endVisit(plan).catch(() => {});
    };
  }, [plan]);
}

const NEWS_PARTS = [
  ['stepsDone', 'news.steps_done'],
  ['goodNews', 'news.good_news'],
  ['added', 'news.added'],
  ['changed', 'news.changed'],
  ['clashes', 'news.clashes'],
];

/** "Since you last looked: 1 step done, 1 piece of good news." (null when nothing is new). */
export function newsSentence(counts) {
  if (!anyNews(counts)) return null;
  const parts = NEWS_PARTS.filter(([name]) => counts[name] > 0).map(([name, key]) => tn(key, counts[name]));
  return t('news.since', { list: parts.join(t('news.separator')) });
}

function WhatsNew({ plan }) {
  const sentence = newsSentence(whatsNew(plan).counts);
  if (!sentence) return null;
  return (
    <div class="banner whats-new" role="status" data-whats-new>
      <p>{sentence}</p>
    </div>
  );
}

/** How many items of a section are new or changed since the last look. */
function newInSection(plan, section) {
  const { marks } = whatsNew(plan);
  if (!marks.size) return 0;
  const kinds = section.screen === 'readback' ? [] : section.kinds;
  return [...marks.keys()].filter((id) => kinds.includes(plan.items.get(id)?.type)).length;
}

export function PlanHome({ plan }) {
  if (!plan.keyring) {
    return (
      <Screen title={t('plan.title')} back={{ path: 'plans', label: t('plans.title') }}>
        <WaitingForYes plan={plan}>
          {plan.keyProblem === 'waiting' ? <KeyWaiting plan={plan} /> : <p role="status">{t('plan.no_key')}</p>}
        </WaitingForYes>
      </Screen>
    );
  }
  const header = plan.header;
  const conflicted = plan.conflicted;
  return (
    <Screen title={t('plan.title')} back={{ path: 'plans', label: t('plans.title') }}>
      {header && (
        <div class="plan-header">
          <U tag="p" class="person-name">
            {fieldValue(header, 'person')}
          </U>
          {fieldValue(header, 'title') && (
            <U tag="p" class="plan-title">
              {fieldValue(header, 'title')}
            </U>
          )}
          <PlanDates header={header} />
        </div>
      )}
      <p class="details-link">
        <a href={`#/plan/${plan.id}/details`} data-details-link>
          {t('details.link')}
        </a>
      </p>
      <ClosedNote plan={plan} />
      <KeyWaiting plan={plan} />
      <PendingMembers plan={plan} />
      <WhatsNew plan={plan} />
      <IntegrityBanner plan={plan} />
      {conflicted.length > 0 && (
        <div class="banner conflict" role="alert">
          <p>{tn('conflict.banner', conflicted.length)}</p>
          <a class="button secondary" href={`#/plan/${plan.id}/resolve/${conflicted[0].id}`}>
            {t('conflict.decide')}
          </a>
        </div>
      )}
      <p class="my-plan-link">
        <a class="button" href={`#/plan/${plan.id}/mine`}>
          {t('mine.link')}
        </a>
      </p>
      <h2>{t('plan.conversation')}</h2>
      <ol class="sections plain" data-news-read={whatsNew(plan).ready ? '' : undefined}>
        {SECTIONS.map((section, index) => (
          <li key={section.id}>
            <a class="section-link" href={`#/plan/${plan.id}/${section.route}`}>
              <span class="step-number" aria-hidden="true">
                {index + 1}
              </span>
              <span class="section-name">{t(section.label)}</span>
              <span class="count">{tn(section.screen === 'readback' ? 'count.versions' : 'count.items', sectionCount(plan, section))}</span>
              {newInSection(plan, section) > 0 && (
                <span class="badge new-badge" data-new-in-section>
                  {tn('news.in_section', newInSection(plan, section))}
                </span>
              )}
            </a>
          </li>
        ))}
      </ol>
      <div class="actions stacked">
        <a class="button secondary" href={`#/plan/${plan.id}/review`} data-review-link>
          {t('review.link')}
        </a>
        <a class="button secondary" href={`#/plan/${plan.id}/progress`} data-progress-link>
          {t('progress.link')}
        </a>
        <a class="button secondary" href={`#/plan/${plan.id}/meeting`}>
          {t('meeting.link')}
        </a>
        <a class="button secondary" href={`#/plan/${plan.id}/share`}>
          {t('share.link')}
        </a>
        {plan.audiences.length > 1 && (
          <a class="button secondary" href={`#/plan/${plan.id}/sharing`} data-sharing-link>
            {t('audience.link')}
          </a>
        )}
      </div>
      <LearningConsent plan={plan} />
    </Screen>
  );
}

/** "Add …" that opens the form in place; the form closes after saving. */
export function AddItem({ plan, type, defaults, label }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <div class="actions">
        <Button onClick={() => setOpen(true)}>{label || t(`add.${type}`)}</Button>
      </div>
    );
  }
  return (
    <section class="card add-form" aria-label={label || t(`add.${type}`)}>
      <h3>{label || t(`add.${type}`)}</h3>
      <ItemForm plan={plan} type={type} defaults={defaults} onDone={() => setOpen(false)} />
    </section>
  );
}

function MatterCard({ plan, item }) {
  const v = valuesOf(item);
  return (
    <article class="card item matter" data-item={item.id} data-type="matter" data-flags={flagNames(item)}>
      <NewMark plan={plan} item={item} />
      <IntegrityNote plan={plan} item={item} />
      {(item.conflicts || item.removed) && (
        <p class="conflict-note" role="note">
          <strong>{t(item.removed ? 'conflict.card_removed' : 'conflict.card')}</strong> <a href={`#/plan/${plan.id}/resolve/${item.id}`}>{t('conflict.decide')}</a>
        </p>
      )}
      <div class="views">
        <div class="view">
          <h4>{tNamed(plan, v.said_by, 'matter.view_of', { name: v.said_by || t('matter.person') })}</h4>
          <U tag="p" class="item-text">
            {v.text}
          </U>
        </div>
        {v.other_view && (
          <div class="view">
            <h4>{t('matter.view_of', { name: v.other_by || t('matter.someone') })}</h4>
            <U tag="p">{v.other_view}</U>
          </div>
        )}
      </div>
      {v.differ && <p class="differ">{t('matter.differ')}</p>}
      <Provenance plan={plan} item={item} />
      <div class="actions small">
        {!item.flags?.unsignedRemoval && (
          <a class="button secondary small" href={`#/plan/${plan.id}/item/${item.id}`}>
            {t('item.change')}
            <span class="visually-hidden">: {v.text}</span>
          </a>
        )}
        <HistoryLink plan={plan} item={item} />
        {!item.flags?.unsignedRemoval && <DeleteButton plan={plan} item={item} />}
      </div>
    </article>
  );
}

function Matters({ plan }) {
  return (
    <>
      <p>{t('matters.intro')}</p>
      <div class="columns">
        {CHOICES.column.map((column) => {
          const items = plan.list('matter').filter((item) => fieldValue(item, 'column') === column);
          return (
            <section key={column} class={`column ${column}`} aria-labelledby={`col-${column}`}>
              <h2 id={`col-${column}`}>{t(`choice.column.${column}`)}</h2>
              {items.length === 0 && <p class="muted">{t('section.empty')}</p>}
              {items.map((item) => (
                <MatterCard key={item.id} plan={plan} item={item} />
              ))}
              <AddItem plan={plan} type="matter" defaults={{ column }} label={t(`add.matter.${column}`)} />
            </section>
          );
        })}
      </div>
    </>
  );
}

function ItemList({ plan, type }) {
  const items = plan.list(type);
  return (
    <>
      {items.length === 0 && <p class="muted">{t('section.empty')}</p>}
      <ul class="plain cards">
        {items.map((item) => (
          <li key={item.id}>
            <ItemCard plan={plan} item={item} />
          </li>
        ))}
      </ul>
      <AddItem plan={plan} type={type} />
    </>
  );
}

/** A section of the conversation (SECTIONS in data/kinds.js): the cards and forms of each kind in it. */
export function Section({ plan, section: id }) {
  const section = SECTIONS.find((s) => s.id === id);
  return (
    <Screen title={t(section.label)} back={back(plan)} wide={section.screen === 'columns'}>
      {section.screen === 'columns' ? (
        <Matters plan={plan} />
      ) : (
        <>
          {section.intro && <p>{tAbout(plan, section.intro)}</p>}
          {id === 'steps' && canLinkActivities(plan) && (
            <p data-link-activity>
              <a href={`#/plan/${plan.id}/link`}>{t('link.open')}</a>
            </p>
          )}
          {section.kinds.map((type, index) => (
            <div key={type} class="section-kind" data-kind={type}>
              {index > 0 && KINDS[type].heading && <h2>{t(KINDS[type].heading)}</h2>}
              {index > 0 && KINDS[type].intro && <p>{tAbout(plan, KINDS[type].intro)}</p>}
              <ItemList plan={plan} type={type} />
            </div>
          ))}
        </>
      )}
      <NextSection plan={plan} current={id} />
    </Screen>
  );
}

/** A link on to the next part of the conversation. */
export function NextSection({ plan, current }) {
  const index = SECTIONS.findIndex((s) => s.id === current);
  const next = SECTIONS[index + 1];
  if (!next) return null;
  return (
    <p class="next-section">
      <a href={`#/plan/${plan.id}/${next.route}`}>{t('section.next', { name: t(next.label) })}</a>
    </p>
  );
}

export function ItemScreen({ plan, sub }) {
  const item = plan.items.get(sub);
  if (!item || !formOf(item.type).length) {
    return (
      <Screen title={t('item.gone_title')} back={back(plan)}>
        <p>{t('item.gone')}</p>
      </Screen>
    );
  }
  const returnTo = item.type === 'goal' ? `plan/${plan.id}/goal/${item.id}` : `plan/${plan.id}/${sectionOf(item.type) || ''}`;
  return (
    <Screen title={t(`change.${item.type}`)} back={{ path: returnTo, label: t('back') }}>
      <p class="muted" dir="auto">
        {mainText(item)}
      </p>
      <ItemForm plan={plan} type={item.type} item={item} onDone={() => go(returnTo)} />
    </Screen>
  );
}
