// The frame around every screen (quick exit, update prompt, sync status) and the router.

import { useEffect, useState } from 'preact/hooks';
import { openPlan } from '../data/session.js';
import { appName, formatTime, t, tn } from '../i18n/index.js';
import { OpenFile } from './backup.jsx';
import { GoalDetail, Goals } from './goals.jsx';
import { ItemHistory } from './history.jsx';
import { People } from './people.jsx';
import { ItemScreen, PlanHome, Section } from './plan.jsx';
import { ReadBack, VersionView, Versions } from './readback.jsx';
import { MyPlan } from './myplan.jsx';
import { LockScreen } from './lock.jsx';
import { Resolve } from './resolve.jsx';
import { Share } from './share.jsx';
import { Enrol, Join, NewPlan, Plans, Settings, Welcome } from './start.jsx';
import { state as appState, useAppState, useSubscription } from './store.js';

export const NEUTRAL_PAGE = 'https://www.bbc.co.uk/weather';

/** Leave at once: blank the app, then replace this page in history with a neutral one. */
export function quickExit() {
  document.body.replaceChildren();
  document.title = '\u200b';
  location.replace(NEUTRAL_PAGE);
}

/** Shift pressed three times within two seconds also leaves (GOV.UK "Exit this page"). */
export function listenForQuickExit() {
  let presses = [];
  addEventListener('keydown', (event) => {
    if (event.key !== 'Shift' || event.repeat) return;
    const now = Date.now();
    presses = [...presses.filter((at) => now - at < 2000), now];
    if (presses.length >= 3) quickExit();
  });
}

function QuickExit() {
  return (
    <div class="exit-bar">
      <button type="button" class="button exit" onClick={quickExit}>
        {t('exit.button')}
      </button>
      <span class="exit-hint">{t('exit.hint')}</span>
    </div>
  );
}

function UpdateBanner() {
  const { update } = useAppState();
  if (!update) return null;
  return (
    <div class="banner update" role="status">
      <span>{t('update.ready')}</span>
      <button type="button" class="button secondary" onClick={update}>
        {t('update.reload')}
      </button>
    </div>
  );
}

/** Where this plan's changes are, in plain words, always on screen. */
export function SyncStatus({ sync }) {
  useSubscription(sync);
  useSubscription(sync?.plan);
  if (!sync) return null;
  const pending = sync.pending;
  const waiting = pending ? tn('sync.waiting', pending) : '';
  let text;
  let tone = 'ok';
  switch (sync.state) {
    case 'offline':
      text = `${t('sync.offline')} ${waiting || t('sync.offline_nothing')}`;
      tone = 'local';
      break;
    case 'syncing':
      text = `${t('sync.syncing')} ${waiting}`;
      break;
    case 'retrying':
      text = `${t('sync.retrying')} ${waiting}`;
      tone = 'local';
      break;
    case 'problem':
      text = t(sync.problem === 'removed' ? 'sync.removed' : sync.problem === 'refused' ? 'sync.refused' : 'sync.failed');
      tone = 'problem';
      break;
    case 'waiting': // not on the server for this device yet: a plan started offline, or a join to finish
      text = t(`sync.waiting_${sync.waiting}`, { n: pending });
      tone = sync.waiting === 'refused' ? 'problem' : 'local';
      break;
    default:
      text = pending ? `${t('sync.saved_here')} ${waiting}` : t('sync.synced', { time: sync.lastSynced ? formatTime(sync.lastSynced) : '' });
  }
  return (
    <div class={`sync ${tone}`} data-sync-state={sync.state} data-pending={pending}>
      <p role="status" aria-live="polite">
        {text}
        {sync.state === 'problem' && sync.problem === 'failed' && (
          <button type="button" class="button secondary small" onClick={() => sync.restart()}>
            {t('sync.try_again')}
          </button>
        )}
      </p>
      {sync.state === 'waiting' && sync.checkNumber && (
        <p>
          {t('share.fingerprint')}{' '}
          <strong class="fingerprint" dir="ltr" data-fingerprint>
            {sync.checkNumber}
          </strong>
        </p>
      )}
      {sync.progress && (
        <div class="progress">
          <label for="download-progress">{t('sync.downloading', { done: sync.progress.done, total: sync.progress.total })}</label>
          <progress id="download-progress" max={sync.progress.total} value={sync.progress.done} />
        </div>
      )}
    </div>
  );
}

/** {plan, sync} for a plan id, re-rendering on every change of either. */
export function usePlan(planId) {
  const [opened, setOpened] = useState(null);
  useEffect(() => {
    let live = true;
    setOpened(null);
    openPlan(planId).then((o) => live && setOpened(o));
    return () => {
      live = false;
    };
  }, [planId]);
  useSubscription(opened?.plan);
  useSubscription(opened?.sync);
  return opened;
}

function PlanRoutes({ parts }) {
  const [, planId, screen, sub, detail] = parts;
  const opened = usePlan(planId);
  if (!opened) {
    return (
      <main id="main" class="screen">
        <p role="status">{t('plan.opening')}</p>
      </main>
    );
  }
  const { plan, sync } = opened;
  const props = { plan, sync, sub };
  let body;
  if (!plan.keyring) body = <PlanHome {...props} />;
  else if (screen === 'goals') body = <Goals {...props} />;
  else if (screen === 'goal') body = <GoalDetail {...props} />;
  else if (screen === 'people') body = <People {...props} />;
  else if (screen === 'readback') body = <ReadBack {...props} />;
  else if (screen === 'versions') body = <Versions {...props} />;
  else if (screen === 'version') body = <VersionView {...props} />;
  else if (screen === 'resolve') body = <Resolve {...props} />;
  else if (screen === 'share') body = <Share {...props} />;
  else if (screen === 'item' && detail === 'history') body = <ItemHistory {...props} />;
  else if (screen === 'item') body = <ItemScreen {...props} />;
  else if (screen === 'mine') body = <MyPlan {...props} />;
  else if (screen === 'strengths' || screen === 'matters' || screen === 'steps' || screen === 'news') body = <Section {...props} section={screen} />;
  else body = <PlanHome {...props} />;
  return (
    <>
      <SyncStatus sync={sync} />
      {opened.copy && (
        <div class="sync local" data-copy>
          <p>{t('file.copy_note')}</p>
        </div>
      )}
      {body}
    </>
  );
}

function Routes() {
  const { device, route, locked } = useAppState();
  const parts = route.parts;
  if (locked) return <LockScreen />;
  if (device === undefined) return null;
  if (parts[0] === 'settings') return <Settings />;
  if (parts[0] === 'join') return <Join code={appState.inviteText} />;
  if (!device) return parts[0] === 'enrol' ? <Enrol /> : <Welcome />;
  if (parts[0] === 'new') return <NewPlan />;
  if (parts[0] === 'open-file') return <OpenFile />;
  if (parts[0] === 'plan' && parts[1]) return <PlanRoutes parts={parts} />;
  return <Plans />;
}

function skipToContent(event) {
  event.preventDefault();
  document.querySelector('#main h1')?.focus();
}

export function App() {
  const { ready, locked } = useAppState();
  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        {t('skip')}
      </a>
      <QuickExit />
      <header class="top">
        <div class="brand-row">
          <a class="brand" href="#/">
            {appName()}
          </a>
          {!locked && (
            <a class="settings-link" href="#/settings">
              {t('settings.link')}
            </a>
          )}
        </div>
      </header>
      <UpdateBanner />
      {ready ? <Routes /> : null}
    </>
  );
}
