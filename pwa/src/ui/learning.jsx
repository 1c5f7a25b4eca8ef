// Learning what helps (docs/app.md, "Learning"): "Help us learn what helps" on the plan, where the person says
// yes or stop (on their own device, or on the worker's with the worker at the kitchen table), with exactly what
// is shared and who can read it; and the admin's "What we are learning", only groups of at least MIN_GROUP plans.

import { useEffect, useState } from 'preact/hooks';
import { fieldValue } from '../data/kinds.js';
import { BANDS, MIN_GROUP, learningConsentOf, mayRecordConsent } from '../data/learning.js';
import { setUpLearning, whatWeAreLearning } from '../data/learningadmin.js';
import { recordLearningChoice } from '../data/learningsend.js';
import { formatDateTime, formatNumber, t, tAbout, tn } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, U } from './common.jsx';
import { problemText } from './start.jsx';
import { appState } from './store.js';

/** "Help us learn what helps": what is shared, who can read it, and yes or stop (the person's, or said in person). */
export function LearningConsent({ plan }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  if (!plan.keyring || !mayRecordConsent(plan)) return null;
  const inPerson = plan.me.role !== 'owner';
  const say = (key) => (inPerson ? tAbout(plan, `learning.consent.${key}_worker`) : t(`learning.consent.${key}`));
  const consent = learningConsentOf(plan);
  const sharing = !!consent?.share;
  const choose = async (share) => {
    setBusy(true);
    setError(null);
    try {
      await recordLearningChoice(plan, share, { saidBy: fieldValue(plan.header, 'person') || '' });
    } catch (e) {
      setError(problemText(e, 'learning.consent.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="learning-consent card" aria-labelledby="learning-consent-h" data-learning-consent={sharing ? 'yes' : 'no'}>
      <h2 id="learning-consent-h">{t('learning.consent.title')}</h2>
      <p>{say('intro')}</p>
      <h3>{t('learning.consent.what')}</h3>
      <ul>
        <li>{say('what_activities')}</li>
        <li>{say('what_went')}</li>
        <li>{say('what_scales')}</li>
      </ul>
      <p>{say('never')}</p>
      <h3>{t('learning.consent.who')}</h3>
      <p>{t('learning.consent.who_text', { n: formatNumber(MIN_GROUP) })}</p>
      <p>{say('stop_any_time')}</p>
      <ErrorSummary message={error} />
      <p role="status" class="notice" data-learning-state>
        {sharing ? say('sharing') : say('not_sharing')}
        {consent && (
          <span class="muted">
            {' '}
            {consent.agreed === 'in person' && consent.said_by ? (
              <>
                {t('learning.consent.said_in_person')} <U>{consent.said_by}</U>,{' '}
              </>
            ) : null}
            {formatDateTime(consent.at)}
          </span>
        )}
      </p>
      <div class="actions">
        {sharing ? (
          <Button kind="secondary" onClick={() => choose(false)} disabled={busy}>
            {say('stop')}
          </Button>
        ) : (
          <Button onClick={() => choose(true)} disabled={busy}>
            {say('yes')}
          </Button>
        )}
      </div>
    </section>
  );
}

/** "What we are learning" (`#/learning`): an admin's device sets up the learning key, then sees the totals. */
export function LearningPage() {
  const device = appState.device.value;
  const [seen, setSeen] = useState(undefined); // undefined while asking the server
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const admin = device?.kind === 'admin';
  const load = async () => {
    setError(null);
    try {
      setSeen(await whatWeAreLearning(device));
    } catch (e) {
      setSeen(null);
      setError(problemText(e, 'learning.page.refused'));
    }
  };
  useEffect(() => {
    if (admin) load();
  }, [admin]);
  const setUp = async () => {
    setBusy(true);
    setError(null);
    try {
      await setUpLearning(device);
      await load();
    } catch (e) {
      setError(problemText(e, 'learning.page.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Screen title={t('learning.page.title')} back={{ path: 'plans', label: t('plans.title') }}>
      <p>{t('learning.page.intro')}</p>
      <p>{t('learning.page.min_group', { n: formatNumber(MIN_GROUP) })}</p>
      <ErrorSummary message={error} />
      {!admin && <p role="status">{t('learning.page.admins_only')}</p>}
      {admin && seen === undefined && !error && <p role="status">{t('learning.page.reading')}</p>}
      {seen?.state === 'none' && (
        <div data-learning-setup>
          <p>{t('learning.page.none')}</p>
          <Button onClick={setUp} disabled={busy}>
            {t('learning.page.set_up')}
          </Button>
        </div>
      )}
      {seen?.state === 'no-grant' && <p role="status">{t('learning.page.no_grant')}</p>}
      {seen?.state === 'ready' && <Totals seen={seen} />}
      {admin && seen !== undefined && (
        <div class="actions">
          <Button kind="secondary" onClick={load} disabled={busy}>
            {t('learning.page.again')}
          </Button>
        </div>
      )}
    </Screen>
  );
}

function Totals({ seen }) {
  return (
    <div data-learning-ready data-learning-plans={seen.plans}>
      <p role="status">{tn('learning.page.plans', seen.plans)}</p>
      {!seen.shown && <p>{t('learning.page.too_few', { n: formatNumber(MIN_GROUP) })}</p>}
      {seen.shown && (
        <>
          <h2 id="learning-activities-h">{t('learning.page.activities')}</h2>
          {seen.activities.length > 0 ? (
            <div class="chart-table learning-table">
              <table aria-labelledby="learning-activities-h">
                <thead>
                  <tr>
                    <th scope="col">{t('learning.page.tag')}</th>
                    <th scope="col">{t('learning.page.tried')}</th>
                    <th scope="col">{t('learning.page.went')}</th>
                    <th scope="col">{t('learning.page.again_col')}</th>
                  </tr>
                </thead>
                <tbody>
                  {seen.activities.map((group) => (
                    <tr key={group.tag} data-learning-tag={group.tag} data-tried={group.tried} data-went={group.went} data-again={group.again}>
                      <th scope="row">
                        <U>{group.tag}</U>
                      </th>
                      <td>{formatNumber(group.tried)}</td>
                      <td>{formatNumber(group.went)}</td>
                      <td>{formatNumber(group.again)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>{t('learning.page.no_activities', { n: formatNumber(MIN_GROUP) })}</p>
          )}
          {seen.hidden && seen.activities.length > 0 && <p class="muted">{t('learning.page.hidden', { n: formatNumber(MIN_GROUP) })}</p>}
          <h2 id="learning-scales-h">{t('learning.page.scales')}</h2>
          {seen.scales ? (
            <div class="chart-table learning-table" data-learning-scales={seen.scales.plans}>
              <p>{tn('learning.page.scales_plans', seen.scales.plans)}</p>
              <table aria-labelledby="learning-scales-h">
                <thead>
                  <tr>
                    <th scope="col">{t('learning.page.movement')}</th>
                    <th scope="col">{t('learning.page.ratings')}</th>
                  </tr>
                </thead>
                <tbody>
                  {BANDS.map((band) => (
                    <tr key={band} data-scale={band} data-count={seen.scales.counts[band]}>
                      <th scope="row">{t(`learning.band.${band}`)}</th>
                      <td>{formatNumber(seen.scales.counts[band])}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>{t('learning.page.no_scales', { n: formatNumber(MIN_GROUP) })}</p>
          )}
        </>
      )}
      {seen.unreadable > 0 && <p class="muted">{tn('learning.page.unreadable', seen.unreadable)}</p>}
    </div>
  );
}
