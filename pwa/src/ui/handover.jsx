// Handing the plan over to a colleague (data/handover.js), on the "Who can see this plan" screen: on the worker's
// device, a note and a handover code for the colleague's work device; on every device, what happened to each
// handover (who handed over to whom, when, and whether the person said yes); once the person said yes, on the
// colleague's device or the person's, finishing it (the old worker removed, the keys changed), and on the old
// worker's device, a warning to send what it has not sent before that. A handover the organisation asked for
// (the worker away or gone) is shown on the person's device and the old worker's, which make its code.

import { useEffect, useState } from 'preact/hooks';
import {
  finishHandover,
  handoverRequests,
  handovers,
  mayAnswerRequest,
  mayHandOver,
  startHandover,
  startRequestedHandover,
} from '../data/handover.js';
import { sendQueuedNow, unsentChanges } from '../data/session.js';
import { formatDateTime, formatTime, t, tAbout, tn } from '../i18n/index.js';
import { Button, ErrorSummary, TextArea, U } from './common.jsx';
import { QrCode } from './share.jsx';
import { problemText } from './start.jsx';

const LOOK_AGAIN = 2000;

/** When a handover's status was last set (its status field's time). */
const whenOf = (plan, handover) => plan.items.get(handover.id)?.f.status?.at || handover.at;

function HandoverCode({ plan, code }) {
  return (
    <section class="card invite" aria-labelledby="handover-code-h" data-handover-code={code.text}>
      <h3 id="handover-code-h">{t('handover.code_title')}</h3>
      <p>
        {code.to
          ? t('handover.code_text_named', { to: code.to, time: formatTime(code.expiresAt * 1000) })
          : t('handover.code_text', { time: formatTime(code.expiresAt * 1000) })}
      </p>
      <QrCode text={code.text} label={t('handover.qr_label')} />
      <details>
        <summary>{t('handover.code_show')}</summary>
        <p class="join-code" dir="ltr">
          {code.text}
        </p>
      </details>
      <p>
        {code.to && plan.me.role === 'owner'
          ? t('handover.code_waits_person', { to: code.to })
          : tAbout(plan, 'handover.code_waits')}
      </p>
    </section>
  );
}

/** This device's changes not sent yet, looked at again every few seconds while `watching` (they leave quietly). */
function useUnsent(plan, watching) {
  const [unsent, setUnsent] = useState(() => (watching ? unsentChanges(plan) : 0));
  useEffect(() => {
    if (!watching) return undefined;
    const look = () => setUnsent(unsentChanges(plan));
    look();
    const timer = setInterval(look, LOOK_AGAIN);
    return () => clearInterval(timer);
  }, [plan, watching]);
  return unsent;
}

/** One handover as a line of the plan's history, and what this device can do about it. */
function HandoverLine({ plan, handover, onError }) {
  const [busy, setBusy] = useState(false);
  // The old worker's: the device that made the code, or any device of the old worker's account (a requested one).
  const mine = handover.fromDevice === plan.device.deviceId || (!!handover.fromAccount && handover.fromAccount === plan.device.account);
  const names = {
    from: handover.fromName || t('consent.someone'),
    to: handover.toName || handover.askedName || t('handover.colleague'),
  };
  const when = formatDateTime(whenOf(plan, handover));
  // The colleague's device, or the person's, finishes an agreed handover; the old worker's is told to send first.
  const finisher = !mine && plan.me.access === 'write' && (plan.me.role === 'owner' || plan.me.role === 'worker');
  const unsent = useUnsent(plan, mine && handover.status === 'agreed');
  const finish = async () => {
    setBusy(true);
    onError(null);
    try {
      await finishHandover(plan, handover);
    } catch (e) {
      onError(problemText(e, 'handover.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card handover" data-handover={handover.status}>
      <p>
        <U>{tAbout(plan, `handover.status.${handover.status}`, names)}</U> <span class="muted">{when}</span>
      </p>
      {handover.note && (
        <p>
          {t('handover.note_from', { name: names.from })} <U>{handover.note}</U>
        </p>
      )}
      {handover.status === 'agreed' && mine && (
        <div class="notice" data-handover-warning>
          <p>{tAbout(plan, 'handover.leaving', names)}</p>
          {unsent > 0 && (
            <>
              <p role="status">{tn('handover.unsent', unsent)}</p>
              <Button kind="secondary" onClick={() => sendQueuedNow()}>
                {t('handover.send_now')}
              </Button>
            </>
          )}
        </div>
      )}
      {handover.status === 'agreed' && finisher && (
        <>
          <p>{t('handover.finish_text', names)}</p>
          <Button onClick={finish} disabled={busy}>
            {t('handover.finish')}
          </Button>
        </>
      )}
    </li>
  );
}

/** The organisation's request for a handover, on the person's device or the old worker's: make its code. */
function HandoverRequest({ plan, request, onCode, onError }) {
  const [busy, setBusy] = useState(false);
  const person = plan.me.role === 'owner';
  const names = { from: request.from_name || t('consent.someone'), to: request.to_name || t('handover.colleague') };
  const make = async () => {
    setBusy(true);
    onError(null);
    try {
      onCode(await startRequestedHandover(plan, request));
    } catch (e) {
      onError(problemText(e, 'handover.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card handover" data-handover-request={request.request_id}>
      <p>
        <U>{t(person ? 'handover.request_person' : 'handover.request', names)}</U>{' '}
        <span class="muted">{formatDateTime(request.started_at * 1000)}</span>
      </p>
      <p>{person ? t('handover.request_code_person', names) : tAbout(plan, 'handover.request_code', names)}</p>
      <Button onClick={make} disabled={busy}>
        {t('handover.start')}
      </Button>
    </li>
  );
}

/** The organisation's requests this device may answer, asked of the server when the panel opens (none offline). */
function useRequests(plan, code) {
  const [requests, setRequests] = useState([]);
  const steward = plan.me.role === 'owner' || plan.me.role === 'worker';
  useEffect(() => {
    if (!steward) return undefined; // only the person's devices and the worker's make a requested code
    let live = true;
    handoverRequests(plan.id).then((found) => live && setRequests(found.filter((r) => mayAnswerRequest(plan, r))));
    return () => {
      live = false;
    };
  }, [plan, code, steward]);
  return requests;
}

export function HandoverPanel({ plan }) {
  const [note, setNote] = useState('');
  const [code, setCode] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const requests = useRequests(plan, code);
  const all = handovers(plan);
  // One handover at a time: none starts while another is waiting for the person or for its finish.
  const open = all.some((h) => h.status === 'asked' || h.status === 'agreed');
  if (!all.length && !requests.length && !mayHandOver(plan)) return null;
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setCode(await startHandover(plan, { note: note.trim() }));
      setNote('');
    } catch (e) {
      setError(problemText(e, 'handover.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="handovers" aria-labelledby="handover-h" data-handovers>
      <h2 id="handover-h">{t('handover.title')}</h2>
      <ErrorSummary message={error} />
      {all.length > 0 && (
        <ul class="plain">
          {all.map((handover) => (
            <HandoverLine key={handover.id} plan={plan} handover={handover} onError={setError} />
          ))}
        </ul>
      )}
      {!open && !code && requests.length > 0 && (
        <ul class="plain">
          {requests.map((request) => (
            <HandoverRequest key={request.request_id} plan={plan} request={request} onCode={setCode} onError={setError} />
          ))}
        </ul>
      )}
      {code && <HandoverCode plan={plan} code={code} />}
      {mayHandOver(plan) && !open && !code && (
        <div data-handover-start>
          <p>{tAbout(plan, 'handover.intro')}</p>
          <TextArea name="handover-note" label={t('handover.note_label')} hint={t('handover.note_hint')} value={note} onInput={setNote} />
          <Button onClick={start} disabled={busy}>
            {t('handover.start')}
          </Button>
        </div>
      )}
    </section>
  );
}
