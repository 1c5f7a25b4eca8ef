// First screens: welcome, enrol a worker's device, join a plan, my plans, start a plan, language.

import { useEffect, useRef, useState } from 'preact/hooks';
import { loadDevice } from '../data/device.js';
import { syncInBackground } from '../data/planlist.js';
import { enrol, joinWithInvite, refreshPlanList, startPlan } from '../data/session.js';
import { JoinCodeError, inviteTextFromCode, isJoinCode } from '../data/joincodes.js';
import { decodeImageFile, scanCamera } from '../lib/qr.js';
import { LANGUAGES, currentLanguage, setLanguage, t } from '../i18n/index.js';
import { OfferLock } from './joinlock.jsx';
import { AddressSetting } from './address.jsx';
import { LockSettings } from './lock.jsx';
import { Caseload } from './caseload.jsx';
import { Button, ErrorSummary, LinkButton, Radios, Screen, TextInput } from './common.jsx';
import { appState, go, setState } from './store.js';

/**
 * A plain message for a failed request: no connection, refused, or the server's own words. A 409 says
 * `conflictKey` (what it means differs by screen).
 */
export function problemText(error, refusedKey, conflictKey = 'error.conflict') {
  if (error?.status === 0) return t('error.offline');
  if (error?.status === 403 || error?.status === 401) return t(refusedKey);
  if (error?.status === 409) return t(conflictKey);
  if (error?.name === 'InviteExpiredError') return t('join.expired');
  if (error?.name === 'FormatError' || error?.name === 'DecryptionError') return t('join.bad_code');
  return t('error.general');
}

/** What a request sent again by itself is waiting for, in a plain sentence. */
function retryText(error) {
  if (error?.status === 429) return t('retry.busy');
  if (error?.status >= 500) return t('retry.server');
  return t('retry.offline');
}

export function Welcome() {
  return (
    <Screen title={t('welcome.title')}>
      <p>{t('welcome.intro')}</p>
      <div class="actions stacked">
        <LinkButton href="#/enrol">{t('welcome.enrol')}</LinkButton>
        <LinkButton href="#/join" kind="secondary">
          {t('welcome.join')}
        </LinkButton>
      </div>
    </Screen>
  );
}

/**
 * Enrol this device. With no connection, or an answer lost on the way, the enrolment is sent again by
 * itself (the same keys and code get the same answer, api.md §4) and the screen says so, until it goes
 * through, the server refuses it, or the person stops it.
 */
export function Enrol() {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState(null);
  const [waiting, setWaiting] = useState(null);
  const [busy, setBusy] = useState(false);
  const stopper = useRef(null);
  useEffect(() => () => stopper.current?.abort(), []);
  const submit = async (event) => {
    event.preventDefault();
    if (!code.trim() || !name.trim()) {
      setError(t('enrol.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    const controller = new AbortController();
    stopper.current = controller;
    try {
      const onWait = (e) => setWaiting(retryText(e));
      const device = await enrol({ code, name: name.trim(), label: label.trim() || t('enrol.default_label') }, { onWait, signal: controller.signal });
      setState({ device });
      go('plans');
    } catch (e) {
      if (!controller.signal.aborted) setError(problemText(e, 'enrol.refused', 'enrol.refused'));
    } finally {
      stopper.current = null;
      setWaiting(null);
      setBusy(false);
    }
  };
  return (
    <Screen title={t('enrol.title')} back={{ path: '', label: t('back') }}>
      <p>{t('enrol.intro')}</p>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <TextInput name="code" label={t('enrol.code')} hint={t('enrol.code_hint')} value={code} onInput={setCode} autocomplete="one-time-code" />
        <TextInput name="name" label={t('enrol.name')} value={name} onInput={setName} autocomplete="name" />
        <TextInput name="label" label={t('enrol.label')} hint={t('enrol.label_hint')} value={label} onInput={setLabel} />
        <Button type="submit" disabled={busy}>
          {t('enrol.submit')}
        </Button>
      </form>
      {waiting && (
        <div class="notice" data-retrying>
          <p role="status">{waiting}</p>
          <Button kind="secondary" onClick={() => stopper.current?.abort()}>
            {t('retry.stop')}
          </Button>
        </div>
      )}
    </Screen>
  );
}

/** Read the invite's QR code with the camera, or from a photo of it; `onCode(text)` gets what was read. */
function ScanInvite({ onCode }) {
  const video = useRef(null);
  const scan = useRef(null);
  const [scanning, setScanning] = useState(false);
  const [message, setMessage] = useState(null);
  const hasCamera = !!navigator.mediaDevices?.getUserMedia;
  const stop = () => {
    scan.current?.stop();
    scan.current = null;
    setScanning(false);
  };
  useEffect(() => stop, []);
  const read = (text) => {
    if (text) {
      onCode(text);
      setMessage(t('join.scan_read'));
    } else {
      setMessage(t('join.scan_none'));
    }
  };
  const start = async () => {
    setMessage(null);
    setScanning(true);
    try {
      scan.current = await scanCamera(video.current);
      const text = await scan.current.result;
      if (text) read(text);
    } catch {
      setMessage(t('join.scan_no_camera'));
    } finally {
      stop();
    }
  };
  const photo = async (event) => {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = '';
    if (!file) return;
    setMessage(null);
    try {
      read(await decodeImageFile(file));
    } catch {
      read(null);
    }
  };
  return (
    <div class="scan">
      {hasCamera && !scanning && (
        <Button kind="secondary" onClick={start}>
          {t('join.scan')}
        </Button>
      )}
      <video ref={video} class={scanning ? 'scan-video' : 'scan-video hidden'} muted aria-label={t('join.scan_video')} />
      {scanning && (
        <Button kind="secondary" onClick={stop}>
          {t('join.scan_stop')}
        </Button>
      )}
      <div class="field">
        <label for="invite-photo">{t('join.photo')}</label>
        <input id="invite-photo" type="file" accept="image/*" onChange={photo} />
      </div>
      {message && (
        <p role="status" class="scan-status">
          {message}
        </p>
      )}
    </div>
  );
}

/** Where a device lands after joining: "My plan" for the person and the people they trust, the plan's home for a worker. */
export const landingAfterJoin = (planId, role) => (role === 'owner' || role === 'supporter' ? `plan/${planId}/mine` : `plan/${planId}`);

export function Join({ code: initial }) {
  const device = appState.device.value;
  const [code, setCode] = useState(initial || '');
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [offer, setOffer] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    if (!code.trim() || (!device && !name.trim())) {
      setError(t('join.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // A short code typed by hand finds the invite on the server first (docs/crypto.md §21); then the same as a QR code.
      const text = isJoinCode(code) ? await inviteTextFromCode(code) : code;
      const planId = await joinWithInvite({ text, name: name.trim(), label: label.trim() || t('join.default_label') });
      const joined = await loadDevice();
      setState({ device: joined, inviteText: null });
      // A device new to the app is offered the app lock next (joinlock.jsx); one set up before goes straight on.
      if (!device && !joined?.locked) setOffer({ planId, role: joined?.plans[planId]?.role });
      else go(landingAfterJoin(planId, joined?.plans[planId]?.role));
    } catch (e) {
      setError(e instanceof JoinCodeError ? t(`join.code_${e.kind}`) : problemText(e, 'join.refused', 'join.conflict'));
    } finally {
      setBusy(false);
    }
  };
  if (offer) return <OfferLock role={offer.role} onDone={() => go(landingAfterJoin(offer.planId, offer.role))} />;
  return (
    <Screen title={t('join.title')} back={{ path: '', label: t('back') }}>
      <p>{t('join.intro')}</p>
      <ErrorSummary message={error} />
      <ScanInvite onCode={setCode} />
      <form onSubmit={submit} noValidate>
        <h2>{t('join.type_title')}</h2>
        <TextInput
          name="invite"
          label={t('join.code')}
          hint={t('join.code_hint')}
          value={code}
          onInput={setCode}
          class="join-code-input"
          inputmode="text"
          autocapitalize="characters"
          spellcheck={false}
        />
        {!device && <TextInput name="name" label={t('join.name')} value={name} onInput={setName} autocomplete="name" />}
        {!device && <TextInput name="label" label={t('enrol.label')} hint={t('fix.join.label_hint')} value={label} onInput={setLabel} />}
        <Button type="submit" disabled={busy}>
          {t('join.submit')}
        </Button>
      </form>
    </Screen>
  );
}

export function Plans() {
  const device = appState.device.value;
  const notice = appState.notice.value;
  const [refreshing, setRefreshing] = useState(false);
  // What happened just before (a plan left or deleted from this device): said once, here.
  useEffect(() => () => notice && setState({ notice: null }), [notice]);
  const ids = Object.entries(device.plans || {})
    .sort((a, b) => (b[1].added || 0) - (a[1].added || 0))
    .map(([id]) => id);
  // The plans not on screen sync one at a time, once, while the list is shown.
  useEffect(() => {
    syncInBackground(ids);
  }, [ids.join()]);
  const refresh = async () => {
    setRefreshing(true);
    try {
      setState({ device: await refreshPlanList() });
    } catch {
      /* offline: the list we have stands */
    } finally {
      setRefreshing(false);
    }
  };
  const worker = device.kind === 'worker' || device.kind === 'admin';
  return (
    <Screen title={t('plans.title')}>
      {notice && (
        <p role="status" class="notice" data-notice>
          {notice}
        </p>
      )}
      <p class="muted">{t('plans.signed_in', { name: device.name || '' })}</p>
      {/* Above the plans: it never moves as their rows are drawn (a tap meant for it never opens someone's plan),
          and a long caseload does not push it out of reach. */}
      {worker && (
        <div class="actions" data-start-plan>
          <LinkButton href="#/new">{t('plans.start')}</LinkButton>
        </div>
      )}
      {ids.length ? (
        <Caseload ids={ids} />
      ) : (
        <p>{t('plans.none')}</p>
      )}
      <div class="actions stacked">
        {worker && (
          <LinkButton href="#/activities" kind="secondary">
            {t('activities.link')}
          </LinkButton>
        )}
        {worker && (
          <LinkButton href="#/notes" kind="secondary">
            {t('notes.link')}
          </LinkButton>
        )}
        {device.kind === 'admin' && (
          <LinkButton href="#/learning" kind="secondary">
            {t('learning.page.link')}
          </LinkButton>
        )}
        <LinkButton href="#/join" kind="secondary">
          {t('plans.join')}
        </LinkButton>
        <LinkButton href="#/open-file" kind="secondary">
          {t('file.open_link')}
        </LinkButton>
        <Button kind="secondary" onClick={refresh} disabled={refreshing}>
          {t('plans.refresh')}
        </Button>
      </div>
    </Screen>
  );
}

export function NewPlan() {
  const [person, setPerson] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    if (!person.trim()) {
      setError(t('new.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const planId = await startPlan({ person: person.trim(), title: title.trim() });
      setState({ device: await loadDevice() });
      go(`plan/${planId}`);
    } catch (e) {
      setError(problemText(e, 'new.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Screen title={t('new.title')} back={{ path: 'plans', label: t('plans.title') }}>
      <p>{t('new.intro')}</p>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <TextInput name="person" label={t('new.person')} hint={t('new.person_hint')} value={person} onInput={setPerson} />
        <TextInput name="title" label={t('new.plan_title')} hint={t('new.plan_title_hint')} value={title} onInput={setTitle} />
        <Button type="submit" disabled={busy}>
          {t('new.submit')}
        </Button>
      </form>
    </Screen>
  );
}

export function Settings() {
  const device = appState.device.value;
  const [lang, setLang] = useState(currentLanguage());
  const choose = (code) => {
    setLang(code);
    // Offline on a device that never fetched that language's words: the choice goes back.
    setLanguage(code).then((done) => done || setLang(currentLanguage()));
  };
  return (
    <Screen title={t('settings.title')} back={{ path: device ? 'plans' : '', label: t('back') }}>
      <Radios
        name="language"
        legend={t('settings.language')}
        value={lang}
        onChange={choose}
        options={LANGUAGES.map((l) => ({ value: l.code, label: l.name }))}
      />
      <AddressSetting />
      <h2>{t('settings.safety')}</h2>
      <p>{t('settings.safety_text')}</p>
      <p>{t('settings.safety_after', { name: t('app.neutral_name') })}</p>
      {device && <LockSettings />}
    </Screen>
  );
}
