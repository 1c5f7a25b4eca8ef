// The frame around every screen (quick exit, update prompt, sync status) and the router: wouter follows
// the location hash, and the route table (routes.js) says which screen each hash shows.

import { signal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Router, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { forgetKeys } from '../data/device.js';
import { clearExited, hasExited, markExited } from '../data/safety.js';
import { closeAllPlans, openPlan } from '../data/session.js';
import { appName, formatTime, t, tAbout, tn, usesNeutralName } from '../i18n/index.js';
import { Activities } from './activities.jsx';
import { LinkActivity } from './activitylink.jsx';
import { OpenFile } from './backup.jsx';
import { ReflectiveNotes } from './notes.jsx';
import { LearningPage } from './learning.jsx';
import { GoalDetail, Goals } from './goals.jsx';
import { CompareVersions } from './compare.jsx';
import { ItemHistory } from './history.jsx';
import { PlanDetails } from './details.jsx';
import { People } from './people.jsx';
import { ItemScreen, PlanHome, Section, useVisit } from './plan.jsx';
import { ReadBack, VersionView, Versions } from './readback.jsx';
import { Review } from './review.jsx';
import { Progress } from './progress.jsx';
import { MyPlan } from './myplan.jsx';
import { Meeting } from './meeting.jsx';
import { LockScreen } from './lock.jsx';
import { Resolve } from './resolve.jsx';
import { Share } from './share.jsx';
import { Sharing } from './audience.jsx';
import { Button, Screen } from './common.jsx';
import { appRoute, planRoute } from './routes.js';
import { Enrol, Join, NewPlan, Plans, Settings, Welcome } from './start.jsx';
import { appState, setState } from './store.js';

export const NEUTRAL_PAGE = 'https://www.bbc.co.uk/weather';

/** After a quick exit the app shows only a neutral "Open" screen, until the user chooses to open it. */
export const exited = signal(false);

/**
 * Leave at once: mark the exit on this device (so Back, a reload or the home-screen icon show nothing of any
 * plan), blank the page, forget the keys and close the open plans, then replace this page in history with a
 * neutral one.
 */
export function quickExit() {
  markExited();
  document.body.replaceChildren();
  document.title = '\u200b';
  forgetKeys();
  closeAllPlans();
  exited.value = true;
  setState({ device: null });
  location.replace(NEUTRAL_PAGE);
}

/** On start after a quick exit: the address that led back here (a plan's) is replaced by the app's root. */
export function startAfterQuickExit() {
  exited.value = hasExited();
  if (exited.value) history.replaceState(null, '', '/#/');
  return exited.value;
}

/** The screen after a quick exit: the app's (perhaps neutral) name and "Open"; opening starts the app afresh. */
function AfterQuickExit() {
  const [path] = useLocation();
  // A plan's address typed or followed meanwhile does not stay in the address bar or history either.
  useEffect(() => {
    if (path !== '/') history.replaceState(null, '', '/#/');
  }, [path]);
  const open = () => {
    clearExited();
    location.reload();
  };
  return (
    <Screen title={appName()}>
      <Button onClick={open}>{t('exit.open')}</Button>
    </Screen>
  );
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
  // A page the browser kept whole (back-forward cache) and shows again after a quick exit starts afresh.
  addEventListener('pageshow', (event) => {
    if (event.persisted && hasExited()) location.reload();
  });
}

/** Space on the quick exit leaves too, as on any button. */
function leaveOnSpace(event) {
  if (event.key !== ' ') return;
  event.preventDefault();
  quickExit();
}

/**
 * The quick exit, first on every screen; with the neutral name it is a plain "Close" that gives nothing away.
 * A link to the neutral page that acts as a button (as GOV.UK's "Exit this page"): it leaves even before the
 * app's script has arrived (the first screen drawn in the HTML shell, server/first_screen.py).
 */
function QuickExit() {
  const neutral = usesNeutralName();
  const leave = (event) => {
    event.preventDefault();
    quickExit();
  };
  return (
    <div class="exit-bar">
      <a class={neutral ? 'button exit quiet' : 'button exit'} role="button" href={NEUTRAL_PAGE} onClick={leave} onKeyDown={leaveOnSpace}>
        {t(neutral ? 'exit.neutral' : 'exit.button')}
      </a>
      {!neutral && <span class="exit-hint">{t('exit.hint')}</span>}
    </div>
  );
}

function UpdateBanner() {
  const update = appState.update.value;
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

/**
 * The status line keeps the tallest height it has had on this plan's screens (until the window changes
 * size): on a flaky signal it says "Syncing…" and "Cannot reach the server…" in turn, one line and three,
 * and everything below it would jump up and down under the finger each time. It grows at most once.
 */
function useHeightThatNeverShrinks(plan) {
  const box = useRef(null);
  const tallest = useRef({ plan: null, height: 0 });
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    if (tallest.current.plan !== plan) tallest.current = { plan, height: 0 };
    element.style.minHeight = '';
    tallest.current.height = Math.max(tallest.current.height, element.getBoundingClientRect().height);
    element.style.minHeight = `${tallest.current.height}px`;
  });
  useEffect(() => {
    const forget = () => {
      tallest.current.height = 0;
      if (box.current) box.current.style.minHeight = '';
    };
    addEventListener('resize', forget);
    return () => removeEventListener('resize', forget);
  }, []);
  return box;
}

/** Where this plan's changes are, in plain words, always on screen (the person spoken of as they chose). */
export function SyncStatus({ plan, sync }) {
  const box = useHeightThatNeverShrinks(plan);
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
      text = sync.problem === 'refused' ? tAbout(plan, 'sync.refused') : t(sync.problem === 'removed' ? 'sync.removed' : 'sync.failed');
      tone = 'problem';
      break;
    case 'waiting': // not on the server for this device yet: a plan started offline, or a join to finish
      if (sync.trying) {
        text = `${t('sync.syncing')} ${waiting}`; // being set up now: a moment, as any sync
        break;
      }
      text = t(`sync.waiting_${sync.waiting}`, { n: pending });
      tone = sync.waiting === 'refused' || sync.waiting === 'declined' ? 'problem' : 'local';
      break;
    default:
      text = pending ? `${t('sync.saved_here')} ${waiting}` : t('sync.synced', { time: sync.lastSynced ? formatTime(sync.lastSynced) : '' });
  }
  // A change the server refused will not go as it is: once the sync is idle, say so instead of "waiting to sync".
  const notAccepted = sync.notAccepted;
  if (notAccepted && sync.state === 'synced') {
    text = tn('sync.not_accepted', notAccepted);
    tone = 'problem';
  }
  return (
    <div ref={box} class={`sync ${tone}`} data-sync-state={sync.state} data-pending={pending} data-not-accepted={notAccepted}>
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

/** {plan, sync} for a plan id, once opened (a screen that reads them while it renders follows their changes). */
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
  return opened;
}

/** The screens of one plan, by the `screen` of its route (routes.js). */
const PLAN_SCREENS = {
  home: PlanHome,
  goals: Goals,
  goal: GoalDetail,
  people: People,
  readback: ReadBack,
  versions: Versions,
  version: VersionView,
  compare: CompareVersions,
  resolve: Resolve,
  share: Share,
  sharing: Sharing,
  details: PlanDetails,
  'item-history': ItemHistory,
  item: ItemScreen,
  mine: MyPlan,
  meeting: Meeting,
  review: Review,
  progress: Progress,
  link: LinkActivity,
  section: Section,
};

function PlanRoutes({ planId, path }) {
  const opened = usePlan(planId);
  useVisit(opened?.plan);
  if (!opened) {
    return (
      <main id="main" class="screen">
        <p role="status">{t('plan.opening')}</p>
      </main>
    );
  }
  const { plan, sync } = opened;
  // A plan whose key this device does not hold yet shows its home screen, whatever the path.
  const route = plan.keyring ? planRoute(path) : { screen: 'home', params: {} };
  const PlanScreen = PLAN_SCREENS[route.screen];
  const section = route.screen === 'section' ? { section: route.section } : {};
  const body = <PlanScreen plan={plan} sync={sync} sub={route.params.sub} {...section} />;
  return (
    <>
      <SyncStatus plan={plan} sync={sync} />
      {opened.copy && (
        <div class="sync local" data-copy>
          <p>{t('file.copy_note')}</p>
        </div>
      )}
      {body}
    </>
  );
}

/** The app's screens, by the `screen` of their route (routes.js). */
const APP_SCREENS = {
  settings: () => <Settings />,
  join: () => <Join code={appState.inviteText.value} />,
  enrol: () => <Enrol />,
  welcome: () => <Welcome />,
  'new-plan': () => <NewPlan />,
  'open-file': () => <OpenFile />,
  plan: ({ params, rest }) => <PlanRoutes planId={params.planId} path={rest} />,
  plans: () => <Plans />,
  activities: () => <Activities />,
  notes: ({ params }) => <ReflectiveNotes planId={params.planId} />,
  learning: () => <LearningPage />,
};

function Routes() {
  const [path] = useLocation();
  const device = appState.device.value;
  if (exited.value) return <AfterQuickExit />;
  if (appState.locked.value) return <LockScreen />;
  if (device === undefined) return null;
  const route = appRoute(path, !!device);
  return APP_SCREENS[route.screen](route);
}

function skipToContent(event) {
  event.preventDefault();
  document.querySelector('#main h1')?.focus();
}

export function App() {
  const locked = appState.locked.value;
  return (
    <Router hook={useHashLocation}>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        {t('skip')}
      </a>
      <QuickExit />
      <header class="top">
        <div class="brand-row">
          <a class="brand" href="#/">
            {appName()}
          </a>
          {!locked && !exited.value && (
            <a class="settings-link" href="#/settings">
              {t('settings.link')}
            </a>
          )}
        </div>
      </header>
      <UpdateBanner />
      {appState.ready.value ? <Routes /> : null}
    </Router>
  );
}
