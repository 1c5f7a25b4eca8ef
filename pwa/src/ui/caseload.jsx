// "My plans" as a caseload (docs/app.md, "Plan details and the caseload"): every plan on this device with
// its next visit, review date, overdue steps and what is new, searched by the person's name and the plan's
// name and sorted by next visit, review date or last change. Everything is read from this device's copy
// (data/planlist.js): nothing is sent anywhere, and it works offline. The names are decrypted here, in memory.

import { Component } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { newsOf } from '../data/looks.js';
import { anyNews } from '../data/whatsnew.js';
import { SORTS, matchesSearch, overdueCount, sortPlans, today } from '../data/plandetails.js';
import { drawnFromRecord, readSummary, summaryOf } from '../data/planlist.js';
import { currentLanguage, formatDay, t, tn } from '../i18n/index.js';
import { Select, TextInput, U } from './common.jsx';
import { visitText } from './details.jsx';
import { newsSentence } from './plan.jsx';
import { effect } from '../data/state.js';
import { appState } from './store.js';

/** One plan in "My plans": its names and dates from this device's copy (no live sync), overdue steps, what is new. */
function PlanRowBody({ planId, summary, day }) {
  const info = appState.device.value?.plans?.[planId];
  const joining =
    info?.pending === 'consent' ? 'plans.waiting_yes' : info?.pending === 'join' && !info.refused && (info.waitingFor === 'inviter' ? 'plans.waiting_inviter' : 'plans.joining');
  const named = summary && !summary.noKey && (summary.person || summary.title);
  const details = summary?.details;
  const counts = newsOf(planId);
  const news = named ? newsSentence(counts) : null;
  const overdue = summary?.facts ? overdueCount(summary.facts.due, day) : null;
  // What is new changed (the plan open in this page followed live, or read in the background): read its summary again.
  const newsKey = anyNews(counts) ? JSON.stringify(counts) : '';
  useEffect(() => {
    if (newsKey) readSummary(planId).catch(() => {});
  }, [newsKey]);
  return (
    <li
      class="plan-row"
      data-plan-row={planId}
      data-news-read={counts ? '' : undefined}
      data-facts-read={summary?.facts ? '' : undefined}
      data-overdue={overdue ?? undefined}
    >
      <a href={`#/plan/${planId}`} class="card-link">
        {named ? (
          <>
            <U tag="strong">{summary.person}</U>
            <U class="muted">{summary.title}</U>
          </>
        ) : (
          <span>{joining ? t(joining) : summary ? t('plans.waiting_key') : t('plan.opening')}</span>
        )}
        {named && details && (
          <span class="plan-facts">
            {details.status === 'closed' && (
              <span class="badge" data-closed>
                {t('choice.status_plan.closed')}
              </span>
            )}
            <span data-visit={details.visit || undefined}>
              {details.visit ? t('details.visit_on', { when: visitText(details) }) : t('caseload.no_visit')}
            </span>
            {details.review && <span data-review={details.review}>{t('details.review_on', { when: formatDay(details.review) })}</span>}
            {overdue > 0 && (
              <span class="badge overdue" data-overdue-steps>
                {tn('caseload.overdue', overdue)}
              </span>
            )}
          </span>
        )}
        {summary?.pending > 0 && <span class="badge">{t('plans.unsynced')}</span>}
        {news && (
          <span class="whats-new-row" data-whats-new>
            {news}
          </span>
        )}
      </a>
    </li>
  );
}

/** A row drawn again only when its own summary (or the day) changes: the list redraws as each plan is read. */
class PlanRow extends Component {
  shouldComponentUpdate(next) {
    return next.summary !== this.props.summary || next.day !== this.props.day || next.planId !== this.props.planId;
  }

  render(props) {
    return <PlanRowBody {...props} />;
  }
}

const collators = new Map();
const collatorFor = (lang) => {
  if (!collators.has(lang)) collators.set(lang, new Intl.Collator(lang));
  return collators.get(lang);
};

/**
 * Each listed plan's summary (read once it is listed, and again when the list is shown again: the copy may
 * have changed). The list is drawn again at most once a frame however many summaries arrive meanwhile (200
 * plans read one by one would otherwise redraw and sort the whole list 200 times).
 */
function useSummaries(ids) {
  const [, redraw] = useState(0);
  useEffect(() => {
    let frame = null;
    const stop = effect(() => {
      for (const id of ids) summaryOf(id).value; // follow every row's summary
      frame ??= requestAnimationFrame(() => {
        frame = null;
        redraw((n) => n + 1);
      });
    });
    for (const id of ids) readSummary(id).catch(() => {});
    return () => {
      stop();
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [ids.join()]);
  return ids.map((id) => summaryOf(id).peek());
}

/** The plans `ids` (newest first as added), with search and sort. */
export function Caseload({ ids }) {
  const [typed, setTyped] = useState('');
  const [order, setOrder] = useState('visit');
  const summaries = useSummaries(ids);
  const added = appState.device.value?.plans || {};
  const day = today();
  const rows = ids.map((id, index) => ({ id, summary: summaries[index], added: added[id]?.added || 0 }));
  const sorted = sortPlans(
    rows.map((row) => ({ ...row, details: row.summary?.details, facts: row.summary?.facts })),
    order,
    collatorFor(currentLanguage()).compare,
  );
  const shown = sorted.filter((row) => matchesSearch(row.details, typed) && (!typed.trim() || row.details));
  return (
    <div class="caseload" data-caseload data-from-record={drawnFromRecord.value ?? undefined}>
      <div class="caseload-tools">
        <TextInput name="plan-search" type="search" label={t('caseload.search')} hint={t('caseload.search_hint')} value={typed} onInput={setTyped} autocomplete="off" />
        <Select
          name="plan-sort"
          label={t('caseload.sort')}
          value={order}
          onChange={setOrder}
          options={SORTS.map((value) => ({ value, label: t(`caseload.sort.${value}`) }))}
        />
      </div>
      <p role="status" class="muted" data-shown-count={shown.length}>
        {typed.trim() ? tn('caseload.found', shown.length, { total: ids.length }) : tn('caseload.count', ids.length)}
      </p>
      {shown.length > 0 && (
        <ul class="plain cards" aria-label={t('plans.title')} data-plan-list>
          {shown.map((row) => (
            <PlanRow key={row.id} planId={row.id} summary={row.summary} day={day} />
          ))}
        </ul>
      )}
    </div>
  );
}
