// Take the plan away as a file (locked with a passphrase), and open such a file again.

import { useState } from 'preact/hooks';
import { exportPlan, importPlan } from '../data/backup.js';
import { loadDevice } from '../data/device.js';
import { openPlan } from '../data/session.js';
import { t } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextInput } from './common.jsx';
import { go, setState } from './store.js';

const MIN_PASSPHRASE = 8;

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
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `notes-${new Date().toISOString().slice(0, 10)}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
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
