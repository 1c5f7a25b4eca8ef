// Consent to membership (data/consent.js): the members waiting for the person's yes, with their own chosen
// names (on the person's device, and on the worker's with "the person is here and says yes"); the person's
// choice whether people they trust may invite; and, on a device that joined with a pending invite, what it
// waits for.

import { useEffect, useState } from 'preact/hooks';
import { approveMember, declineMember, letSupportersInvite, pendingMembers, supportersMayInvite } from '../data/consent.js';
import { loadDevice } from '../data/device.js';
import { handoverOf, recordDecision } from '../data/handover.js';
import { sendPlanNow } from '../data/session.js';
import { t, tAbout } from '../i18n/index.js';
import { Button, Checkbox, ErrorSummary, U } from './common.jsx';
import { problemText } from './start.jsx';
import { appState } from './store.js';

const LOOK_AGAIN = 5000;

/** The members waiting for a yes, read again every few seconds while on screen (nothing when offline). */
function usePending(plan, decider) {
  const [pending, setPending] = useState([]);
  const load = async () => {
    try {
      setPending(await pendingMembers(plan));
    } catch {
      /* no connection: nobody to show */
    }
  };
  useEffect(() => {
    if (!decider || !plan.keyring) return undefined;
    load();
    const timer = setInterval(load, LOOK_AGAIN);
    return () => clearInterval(timer);
  }, [plan, decider]);
  return [pending, load];
}

/** "Waiting for your yes": on the person's devices; on the worker's, for when the person is there. */
export function PendingMembers({ plan }) {
  const role = plan.me.role;
  const decider = plan.me.access === 'write' && (role === 'owner' || role === 'worker');
  const [pending, reload] = usePending(plan, decider);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  if (!decider || (!pending.length && !done && !error)) return null;
  const inPerson = role !== 'owner';
  const decide = async (waiting, yes) => {
    setBusy(true);
    setError(null);
    try {
      if (yes) {
        await approveMember(plan, waiting, { inPerson });
        await sendPlanNow(plan.id); // the new member's device waits for the key just granted
      } else await declineMember(plan, waiting, { inPerson });
      await recordDecision(plan, waiting, yes);
      const name = waiting.name || t('consent.someone');
      setDone(t(yes ? 'consent.let_in' : 'consent.turned_down', { name }));
      await reload();
    } catch (e) {
      setError(problemText(e, 'consent.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="pending-members" aria-labelledby="pending-h" data-pending-members>
      <h2 id="pending-h">{inPerson ? tAbout(plan, 'consent.title_worker') : t('consent.title')}</h2>
      <ErrorSummary message={error} />
      {done && (
        <p role="status" class="notice">
          {done}
        </p>
      )}
      {pending.length > 0 && <p>{inPerson ? tAbout(plan, 'consent.intro_worker') : t('consent.intro')}</p>}
      <ul class="plain">
        {pending.map((waiting) => (
          <li key={waiting.account} class="card member pending" data-pending-member={waiting.name || ''}>
            <p>
              {waiting.name ? <U tag="strong">{waiting.name}</U> : <strong>{t('consent.someone')}</strong>}{' '}
              {waiting.label && <U class="muted">{waiting.label}</U>}
            </p>
            <HandoverQuestion plan={plan} waiting={waiting} inPerson={inPerson}>
              <p>
                {waiting.invitedBy ? <U>{t('consent.invited_by', { name: waiting.invitedBy })}</U> : t('consent.invited')}{' '}
                {t(waiting.access === 'write' ? 'consent.could_write' : 'consent.could_read')}
              </p>
            </HandoverQuestion>
            {!waiting.bindOk && <p class="muted">{t('consent.unreadable')}</p>}
            <div class="actions">
              <Button onClick={() => decide(waiting, true)} disabled={busy || !waiting.bindOk}>
                {inPerson ? tAbout(plan, 'consent.yes_in_person') : t('consent.yes')}
              </Button>{' '}
              <Button kind="secondary" onClick={() => decide(waiting, false)} disabled={busy}>
                {inPerson ? tAbout(plan, 'consent.no_in_person') : t('consent.no')}
              </Button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * For a colleague who came with a handover code (data/handover.js), the question in plain words: "Ali is handing
 * your plan over to Priya. Is that OK?", with the worker's note; for anyone else, `children`.
 */
function HandoverQuestion({ plan, waiting, inPerson, children }) {
  const handover = waiting.role === 'worker' ? handoverOf(plan, waiting.inviteId) : null;
  if (!handover) return children;
  const names = { from: handover.fromName || t('consent.someone'), to: waiting.name || t('consent.someone') };
  return (
    <div data-handover-question>
      <p>
        <strong>
          <U>{inPerson ? tAbout(plan, 'handover.question_worker', names) : t('handover.question', names)}</U>
        </strong>
      </p>
      <p>{t('handover.question_then', names)}</p>
      {handover.requested && <p>{t('handover.question_requested', { from: names.from, asked: handover.askedName || names.to })}</p>}
      {handover.note && (
        <p>
          {t('handover.note_from', { name: names.from })} <U>{handover.note}</U>
        </p>
      )}
    </div>
  );
}

/**
 * Who may invite: on the person's own device, their choice whether people they trust invite others; on a
 * supporter's device, whether they may (so the share screen says plainly why it offers no code).
 */
export function useSupportersMayInvite(plan) {
  const [allowed, setAllowed] = useState(null);
  useEffect(() => {
    supportersMayInvite(plan.id).then(setAllowed);
  }, [plan]);
  return [allowed, setAllowed];
}

export function InviteSetting({ plan, allowed, onChange }) {
  const [error, setError] = useState(null);
  if (plan.me.role !== 'owner' || allowed === null) return null;
  const change = async (value) => {
    setError(null);
    try {
      await letSupportersInvite(plan.id, value);
      onChange(value);
    } catch (e) {
      setError(problemText(e, 'consent.setting_refused'));
    }
  };
  return (
    <div class="invite-setting" data-invite-setting>
      <ErrorSummary message={error} />
      <Checkbox name="supporters-may-invite" label={t('consent.setting')} checked={allowed} onChange={change} />
    </div>
  );
}

/**
 * On a device that joined with a pending invite and has no key yet: waiting for the person's yes, or a no;
 * on any other device, `children` (what a plan without its key says).
 */
export function WaitingForYes({ plan, children = null }) {
  const [info, setInfo] = useState(appState.device.value?.plans?.[plan.id] || null);
  useEffect(() => {
    const read = () => loadDevice().then((device) => setInfo(device?.plans?.[plan.id] || null), () => {});
    read();
    const timer = setInterval(read, LOOK_AGAIN / 2);
    return () => clearInterval(timer);
  }, [plan]);
  if (!info?.consent) return children;
  if (info.pending === 'declined') {
    return (
      <p role="status" class="notice" data-declined>
        {t('consent.declined_here')}
      </p>
    );
  }
  return (
    <div class="notice" data-waiting-for-yes>
      <h2>{t('consent.waiting_title')}</h2>
      <p role="status">{t(info.pending === 'consent' ? 'consent.waiting' : 'consent.waiting_key', { name: info.consent.name })}</p>
    </div>
  );
}
