// Take the plan away: as a file locked with a passphrase (and open such a file again), as a readable
// copy (one HTML file), or as a FHIR R4 bundle for health and care services.

import { useState } from 'preact/hooks';
import { exportPlan, importPlan } from '../data/backup.js';
import { contentItems } from '../data/model.js';
import { loadDevice } from '../data/device.js';
import { openPlan } from '../data/session.js';
import { appName, currentLanguage, direction, formatDateTime, formatDay, t, tAbout } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextInput } from './common.jsx';
import { go, setState } from './store.js';

const MIN_PASSPHRASE = 8;

/** Hand `text` to the browser as a download called `name`. */
export function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * What the readable copy and the FHIR bundle say about the plan besides its items, as data: provenance and
 * agreements by item id, each item's history (for the readable copy), and the roster's names and roles.
 */
export async function planFacts(plan, { histories = false } = {}) {
  const items = [...plan.items.values()];
  const facts = { items, provenance: {}, agreements: {}, histories: {}, names: {}, roles: {} };
  for (const item of contentItems(items)) {
    facts.provenance[item.id] = plan.provenanceOf(item);
    facts.agreements[item.id] = plan.agreementsFor(item.id);
    if (histories) facts.histories[item.id] = await plan.history(item.id);
  }
  const devices = new Set([...(plan.roles?.keys() || []), ...plan.list('device').map((entry) => entry.f.device_id?.v)]);
  for (const deviceId of devices) {
    const name = deviceId && plan.deviceName(deviceId);
    if (name) facts.names[deviceId] = name;
    const role = deviceId && plan.roles?.get(deviceId)?.role;
    if (role) facts.roles[deviceId] = role;
  }
  return facts;
}

/**
 * Save the plan's readable copy (one HTML file, loaded on first use in its own chunk); `extra` adds options
 * of readableCopy (for example `compare: {older, newer}`, the two agreed versions its "what changed" part compares).
 */
export async function saveReadableCopy(plan, extra = {}) {
  const { readableCopy } = await import('../data/readable.js');
  const { items, ...facts } = await planFacts(plan, { histories: true });
  const about = (key, params) => tAbout(plan, key, params); // words about the person, in the form they chose
  const html = readableCopy(items, { t, about, lang: currentLanguage(), dir: direction(), formatDay, formatDateTime, appName: appName(), ...extra, ...facts });
  download(html, `notes-${new Date().toISOString().slice(0, 10)}.html`, 'text/html');
}

/** A readable copy (HTML) and a FHIR bundle: neither is locked, and each card says so. */
function ShareCopies({ plan }) {
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const run = (make) => async () => {
    setDone(null);
    setError(null);
    try {
      await make();
      setDone(t('export.saved'));
    } catch (e) {
      console.error(e);
      setError(t('error.general'));
    }
  };
  // Both are loaded on first use (their own chunks, precached for offline use like every chunk).
  const saveCopy = run(() => saveReadableCopy(plan));
  const saveFhir = run(async () => {
    const { planToFhir } = await import('../data/fhir.js');
    const { items, provenance, agreements, names, roles } = await planFacts(plan);
    const bundle = await planToFhir(items, { planId: plan.id, t, provenance, agreements, names, roles, formatDateTime });
    download(`${JSON.stringify(bundle, null, 2)}\n`, 'plan.fhir.json', 'application/fhir+json');
  });
  return (
    <section class="card share-copies" aria-labelledby="copies-h">
      <h2 id="copies-h">{t('export.title')}</h2>
      <ErrorSummary message={error} />
      {done && (
        <p role="status" class="notice">
          {done}
        </p>
      )}
      <p>{t('export.copy_intro')}</p>
      <Button kind="secondary" onClick={saveCopy}>
        {t('export.copy_save')}
      </Button>
      <p>{tAbout(plan, 'export.fhir_intro')}</p>
      <Button kind="secondary" onClick={saveFhir}>
        {t('export.fhir_save')}
      </Button>
    </section>
  );
}

/** "Keep a copy in a file": the file name says nothing about the plan. */
export function SaveFile({ plan }) {
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const save = async (event) => {
    event.preventDefault();
    setDone(null);
    if ([...passphrase].length < MIN_PASSPHRASE) return setError(t('file.too_short', { n: MIN_PASSPHRASE }));
    if (passphrase !== again) return setError(t('lock.mismatch'));
    setError(null);
    setBusy(true);
    try {
      const text = await exportPlan(plan, passphrase);
      download(text, `notes-${new Date().toISOString().slice(0, 10)}.json`, 'application/json');
      setPassphrase('');
      setAgain('');
      setDone(t('file.saved'));
    } catch {
      setError(t('error.general'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <section class="card save-file" aria-labelledby="file-h">
        <h2 id="file-h">{t('file.title')}</h2>
        <p>{t('file.intro')}</p>
        <ErrorSummary message={error} />
        {done && (
          <p role="status" class="notice">
            {done}
          </p>
        )}
        <form onSubmit={save} noValidate>
          <TextInput name="file-pass" type="password" label={t('file.passphrase')} hint={t('file.passphrase_hint', { n: MIN_PASSPHRASE })} value={passphrase} onInput={setPassphrase} />
          <TextInput name="file-pass-again" type="password" label={t('lock.pin_again')} value={again} onInput={setAgain} />
          <Button type="submit" kind="secondary" disabled={busy}>
            {t('file.save')}
          </Button>
        </form>
      </section>
      <ShareCopies plan={plan} />
    </>
  );
}

export function OpenFile() {
  const [file, setFile] = useState(null);
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    if (!file || !passphrase) return setError(t('file.missing'));
    setBusy(true);
    setError(null);
    try {
      const planId = await importPlan(await file.text(), passphrase, openPlan);
      setState({ device: await loadDevice() });
      go(`plan/${planId}`);
    } catch (e) {
      setError(t(e?.name === 'DecryptionError' ? 'file.wrong' : 'file.not_a_plan'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Screen title={t('file.open_title')} back={{ path: 'plans', label: t('plans.title') }}>
      <p>{t('file.open_intro')}</p>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="plan-file">{t('file.choose')}</label>
          <input id="plan-file" type="file" accept=".json,application/json" onChange={(e) => setFile(e.currentTarget.files?.[0] || null)} />
        </div>
        <TextInput name="open-pass" type="password" label={t('file.passphrase')} value={passphrase} onInput={setPassphrase} />
        <Button type="submit" disabled={busy}>
          {t('file.open')}
        </Button>
      </form>
    </Screen>
  );
}
