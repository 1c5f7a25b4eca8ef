// The step after joining a plan: lock the app with a PIN or passphrase (docs/security.md, "Safety by
// default"). On the person's own phone (the plan's owner) locking is chosen already; on anyone else's it
// is offered with nothing chosen. "Not now" is a choice made on purpose, with what it means in plain words.

import { useState } from 'preact/hooks';
import { MIN_NEW_PIN } from '../data/safety.js';
import { t } from '../i18n/index.js';
import { Button, ErrorSummary, Radios, Screen, TextInput } from './common.jsx';
import { pinProblem, turnOnLock } from './lock.jsx';

/** `role`: the role this device joined with ('owner' on the person's own phone); `onDone()` opens the plan. */
export function OfferLock({ role, onDone }) {
  const person = role === 'owner';
  const [choice, setChoice] = useState(person ? 'on' : null);
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    if (!choice) return setError(t('join_lock.choose'));
    if (choice === 'later') return onDone();
    if (pinProblem(pin)) return setError(pinProblem(pin));
    if (pin !== again) return setError(t('lock.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await turnOnLock(pin); // the plan opened while joining opens again under its database's new name
      onDone();
    } finally {
      setBusy(false);
    }
  };
  const choose = (value) => {
    setChoice(value);
    setError(null);
  };
  return (
    <Screen title={t('join_lock.title')}>
      <p>{t(person ? 'join_lock.intro_person' : 'join_lock.intro')}</p>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate data-join-lock>
        <Radios
          name="join-lock"
          legend={t('join_lock.legend')}
          value={choice}
          onChange={choose}
          options={[
            { value: 'on', label: t('join_lock.on') },
            { value: 'later', label: t('join_lock.later') },
          ]}
        />
        {choice === 'on' && (
          <>
            <TextInput
              name="pin-new"
              type="password"
              label={t('lock.new_pin')}
              hint={t('lock.new_pin_hint', { n: MIN_NEW_PIN })}
              value={pin}
              onInput={setPin}
            />
            <TextInput name="pin-again" type="password" label={t('lock.pin_again')} value={again} onInput={setAgain} />
          </>
        )}
        {choice === 'later' && <p class="notice">{t('join_lock.later_means')}</p>}
        <Button type="submit" disabled={busy}>
          {t(choice === 'later' ? 'join_lock.open' : 'join_lock.lock')}
        </Button>
      </form>
    </Screen>
  );
}
