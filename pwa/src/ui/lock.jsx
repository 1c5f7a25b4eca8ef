// The app lock: a PIN or passphrase wraps this device's record, keys and all (spec §13, §13.2). While locked the app
// shows only this screen (no plan content, a neutral title); the keys are unwrapped into memory on
// unlock. Settings turns the lock on or off, changes the PIN, chooses how soon the app locks itself
// when it is out of sight, and can give the app a neutral name (and icon).

import { useState } from 'preact/hooks';
import { changeLock, forgetKeys, removeLock, setLock, unlockDevice } from '../data/device.js';
import { moveLocalDatabases } from '../data/localdb.js';
import { closeAllPlans, sendQueuedNow } from '../data/session.js';
import { MIN_NEW_PIN, newPinProblem } from '../data/safety.js';
import { appName, setNeutralName, t, usesNeutralName } from '../i18n/index.js';
import { Button, Checkbox, ErrorSummary, Radios, Screen, TextInput } from './common.jsx';
import { appState, setState } from './store.js';

// A new PIN needs at least 6 digits (a 4- or 5-digit one is refused in plain words); a lock set with a
// shorter PIN before this rule still opens, and only the next new PIN must follow it.
export const pinProblem = (pin) => {
  const problem = newPinProblem(pin);
  return problem && t(problem, { n: MIN_NEW_PIN });
};
let failures = 0;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// How long the app may be out of sight (another app in front, screen off) before it locks itself.
const LOCK_AFTER = 'alongside-lock-after';
export const LOCK_DELAYS = { now: 0, one: 60_000, five: 300_000 };
export const lockAfter = () => (localStorage.getItem(LOCK_AFTER) in LOCK_DELAYS ? localStorage.getItem(LOCK_AFTER) : 'one');
const setLockAfter = (choice) => localStorage.setItem(LOCK_AFTER, choice);

/**
 * Turn the app lock on with `pin` (from Settings or the step after joining): the record is sealed, the open
 * plans are closed, and the plans' databases move to names that say nothing of the plans (localdb.js).
 */
export async function turnOnLock(pin) {
  setState({ device: await setLock(pin) });
  closeAllPlans(); // nothing open keeps using a database by its old name
  await moveLocalDatabases();
}

/** Lock at once: the lock screen replaces everything, the keys are forgotten, and the page reloads
 * so nothing decrypted stays in memory. */
export function lockNow() {
  forgetKeys();
  setState({ locked: true, device: null });
  location.reload();
}

/** Lock when the app has been hidden for longer than the chosen time (only when a lock is set). */
export function listenForAutoLock() {
  let hiddenAt = null;
  let timer = null;
  document.addEventListener('visibilitychange', () => {
    if (!appState.device.value?.locked || appState.locked.value) return;
    const delay = LOCK_DELAYS[lockAfter()];
    if (document.visibilityState === 'hidden') {
      hiddenAt = Date.now();
      clearTimeout(timer);
      if (delay === 0) lockNow();
      else timer = setTimeout(lockNow, delay);
      return;
    }
    clearTimeout(timer);
    if (hiddenAt !== null && Date.now() - hiddenAt >= delay) lockNow();
    hiddenAt = null;
  });
}

export function LockScreen() {
  const [pin, setPin] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    if (!pin) {
      setError(t('lock.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const device = await unlockDevice(pin);
      failures = 0;
      setState({ device, locked: false });
      sendQueuedNow(); // what waited for the keys (a plan's set-up, an invite) goes now, not at the next retry
      moveLocalDatabases().catch(() => {}); // databases still named after their plans (a move cut short, an older lock)
    } catch {
      failures += 1;
      // Each wrong try after the third waits a little longer (the format itself cannot count tries).
      if (failures > 3) await pause(Math.min(30, 2 ** (failures - 3)) * 1000);
      setPin('');
      setError(t('lock.wrong'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Screen title={t('lock.title', { name: appName() })}>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <TextInput name="pin" type="password" label={t('lock.pin')} value={pin} onInput={setPin} />
        <Button type="submit" disabled={busy}>
          {t('lock.unlock')}
        </Button>
      </form>
    </Screen>
  );
}

export function LockSettings() {
  const device = appState.device.value;
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const [neutral, setNeutral] = useState(usesNeutralName());
  const [changing, setChanging] = useState(false);
  const [oldPin, setOldPin] = useState('');
  const [after, setAfter] = useState(lockAfter);
  // Turning the lock on ends with moving the plans' databases: the screen says "on" only once all of it is done.
  const [turningOn, setTurningOn] = useState(false);
  const on = !!device?.locked && !turningOn;
  const change = async (event) => {
    event.preventDefault();
    setDone(null);
    if (!oldPin) return setError(t('lock.missing'));
    if (pinProblem(pin)) return setError(pinProblem(pin));
    if (pin !== again) return setError(t('lock.mismatch'));
    setBusy(true);
    setError(null);
    try {
      setState({ device: await changeLock(oldPin, pin) });
      setOldPin('');
      setPin('');
      setAgain('');
      setChanging(false);
      setDone(t('lock.changed'));
    } catch {
      setOldPin('');
      setError(t('lock.wrong_old'));
    } finally {
      setBusy(false);
    }
  };
  const chooseAfter = (value) => {
    setLockAfter(value);
    setAfter(value);
  };
  const turnOn = async (event) => {
    event.preventDefault();
    setDone(null);
    if (pinProblem(pin)) return setError(pinProblem(pin));
    if (pin !== again) return setError(t('lock.mismatch'));
    setBusy(true);
    setTurningOn(true);
    setError(null);
    try {
      await turnOnLock(pin);
      setPin('');
      setAgain('');
      setDone(t('lock.on_done'));
    } finally {
      setBusy(false);
      setTurningOn(false);
    }
  };
  const turnOff = async (event) => {
    event.preventDefault();
    setDone(null);
    setBusy(true);
    setError(null);
    try {
      setState({ device: await removeLock(pin) });
      setPin('');
      setDone(t('lock.off_done'));
    } catch {
      setError(t('lock.wrong'));
    } finally {
      setBusy(false);
    }
  };
  const chooseName = (value) => {
    setNeutral(value);
    setNeutralName(value);
  };
  return (
    <section aria-labelledby="lock-h">
      <h2 id="lock-h">{t('lock.settings')}</h2>
      <ErrorSummary message={error} />
      {done && (
        <p role="status" class="notice">
          {done}
        </p>
      )}
      {on ? (
        <>
          <p>{t('lock.is_on')}</p>
          {/* Locking now reloads the page: everything decrypted in memory is gone, and it starts locked. */}
          <p class="lock-now">
            <Button onClick={lockNow}>{t('lock.now')}</Button>
          </p>
          <Radios
            name="lock-after"
            legend={t('lock.after')}
            value={after}
            onChange={chooseAfter}
            options={Object.keys(LOCK_DELAYS).map((value) => ({ value, label: t(`lock.after_${value}`) }))}
          />
          {changing ? (
            <form onSubmit={change} noValidate class="change-pin" aria-labelledby="change-pin-h">
              <h3 id="change-pin-h">{t('lock.change')}</h3>
              <TextInput name="pin-old" type="password" label={t('lock.old_pin')} value={oldPin} onInput={setOldPin} />
              <TextInput name="pin-new" type="password" label={t('lock.new_pin')} hint={t('lock.new_pin_hint', { n: MIN_NEW_PIN })} value={pin} onInput={setPin} />
              <TextInput name="pin-again" type="password" label={t('lock.pin_again')} value={again} onInput={setAgain} />
              <div class="actions">
                <Button type="submit" disabled={busy}>
                  {t('lock.change_save')}
                </Button>
                <Button
                  kind="secondary"
                  onClick={() => {
                    setChanging(false);
                    setError(null);
                    setOldPin('');
                    setPin('');
                    setAgain('');
                  }}
                >
                  {t('form.cancel')}
                </Button>
              </div>
            </form>
          ) : (
            <>
              <div class="actions">
                <Button
                  kind="secondary"
                  onClick={() => {
                    setDone(null);
                    setError(null);
                    setPin('');
                    setChanging(true);
                  }}
                >
                  {t('lock.change')}
                </Button>
              </div>
              <form onSubmit={turnOff} noValidate>
                <TextInput name="pin-off" type="password" label={t('lock.pin')} value={pin} onInput={setPin} />
                <Button type="submit" kind="secondary" disabled={busy}>
                  {t('lock.turn_off')}
                </Button>
              </form>
            </>
          )}
        </>
      ) : (
        <form onSubmit={turnOn} noValidate>
          <p>{t('lock.intro')}</p>
          <TextInput name="pin-new" type="password" label={t('lock.new_pin')} hint={t('lock.new_pin_hint', { n: MIN_NEW_PIN })} value={pin} onInput={setPin} />
          <TextInput name="pin-again" type="password" label={t('lock.pin_again')} value={again} onInput={setAgain} />
          <Button type="submit" disabled={busy}>
            {t('lock.turn_on')}
          </Button>
        </form>
      )}
      <Checkbox name="neutral-name" label={t('lock.neutral_name', { name: t('app.neutral_name') })} checked={neutral} onChange={chooseName} />
    </section>
  );
}
