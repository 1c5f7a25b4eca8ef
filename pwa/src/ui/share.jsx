// Who can read this plan, and adding a device (the person's own phone, or someone they trust) with a
// one-time invite. The invite opens the plan, so it is shown only on this screen; it reaches the server only
// sealed under a short code, when someone asks for one to type (docs/crypto.md §21); both devices show the
// same check number (the plan fingerprint).

import { useEffect, useRef, useState } from 'preact/hooks';
import { b64uDecode, planFingerprint } from '../crypto/index.js';
import { loadDevice } from '../data/device.js';
import { outboxActions, queuedActions } from '../data/outbox.js';
import { inviteDevice } from '../data/session.js';
import { shareJoinCode } from '../data/joincodes.js';
import { qrPath } from '../lib/qr.js';
import { formatTime, t, tAbout } from '../i18n/index.js';
import { Button, ErrorSummary, Radios, Screen, U } from './common.jsx';
import { LeaveOrDelete } from './leave.jsx';
import { Members } from './members.jsx';
import { InviteSetting, PendingMembers, useSupportersMayInvite } from './consent.jsx';
import { HandoverPanel } from './handover.jsx';
import { problemText } from './start.jsx';

function useFingerprint(plan) {
  const [fingerprint, setFingerprint] = useState(null);
  useEffect(() => {
    (async () => {
      const device = await loadDevice();
      const inviter = device.plans[plan.id]?.inviter;
      const signer = inviter ? b64uDecode(inviter.sig, 32, 'sig') : device.keys.public.signing;
      setFingerprint(await planFingerprint(plan.id, plan.keyring.current.kid, signer));
    })();
  }, [plan]);
  return fingerprint;
}

/** Where this invite's registration stands: "waiting" (made with no connection), "sent", or "refused". */
function useRegistration(inviteId) {
  useEffect(() => {
    queuedActions(); // read the queue from this device's store, if it has not been yet
  }, []);
  const actions = outboxActions.value;
  if (!inviteId || !actions) return null;
  const owed = actions.find((a) => a.key === `invite:${inviteId}`);
  return !owed ? 'sent' : owed.refused ? 'refused' : 'waiting';
}

/** A device's role as the plan proves it (spec §19), or "not yet confirmed". */
function roleText(plan, deviceId) {
  const role = plan.roles?.get(deviceId)?.role;
  return t(role ? `role.${role}` : 'role.unconfirmed');
}

/**
 * The short code to type for `invite` (docs/crypto.md §21), made only when someone asks for one: only then does the
 * invite reach the server, sealed under the code (the QR code never leaves the two devices). Its state:
 * null (none yet), {making}, {code: "7D3H ZK1K CW66 G2YY"}, or {failed: the catalog key saying why} (the QR code still works).
 */
function useJoinCode(planId, invite) {
  const [state, setState] = useState(null);
  const shown = useRef(null); // the invite on screen: an answer for an earlier one is dropped
  const make = async () => {
    const made = invite;
    setState({ making: true });
    let next;
    try {
      next = { code: await shareJoinCode(planId, made) };
    } catch (error) {
      // No connection, or this device or plan not on the server yet: the short code waits for a connection.
      const offline = !error?.status || error.status === 404;
      next = { failed: offline ? 'share.code_offline' : 'share.code_unavailable' };
    }
    if (shown.current === made) setState(next);
  };
  useEffect(() => {
    shown.current = invite;
    setState(null);
  }, [invite]);
  return [state, make];
}

/** The invite as a QR code (SVG, dark modules on white, with its quiet zone). */
export function QrCode({ text, label }) {
  const { size, path } = qrPath(text);
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shape-rendering="crispEdges" data-qr>
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}

export function Share({ plan }) {
  const [who, setWho] = useState('owner');
  const [invite, setInvite] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fingerprint = useFingerprint(plan);
  const registration = useRegistration(invite?.inviteId);
  const [joinCode, retryJoinCode] = useJoinCode(plan.id, invite);
  const [supportersMay, setSupportersMay] = useSupportersMayInvite(plan);
  // A supporter with write access invites while the person lets them: only supporters, who wait for the person's yes.
  // On the person's own phone the choices speak to them ("Someone you trust").
  const yours = plan.me.role === 'owner';
  const supporterInvites = !plan.canInvite && plan.me.role === 'supporter' && plan.me.access === 'write' && supportersMay === true;
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const access = who === 'reader' ? 'read' : 'write';
      const owner = who === 'owner' && !supporterInvites;
      setInvite(await inviteDevice(plan, { role: owner ? 'owner' : 'supporter', access }));
    } catch (e) {
      setError(problemText(e, 'share.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Screen title={t('share.title')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <PendingMembers plan={plan} />
      <Members plan={plan} />
      <InviteSetting plan={plan} allowed={supportersMay} onChange={setSupportersMay} />
      <h2>{t('share.devices')}</h2>
      <ul class="plain roster">
        {plan.list('device').map((entry) => (
          <li key={entry.id}>
            <U tag="strong">{entry.f.name?.v}</U> <U class="muted">{entry.f.label?.v}</U>{' '}
            <span class="muted">({roleText(plan, entry.f.device_id?.v)})</span>
          </li>
        ))}
      </ul>
      {fingerprint && (
        <p>
          {t('share.fingerprint')}{' '}
          <strong class="fingerprint" dir="ltr" data-fingerprint>
            {fingerprint}
          </strong>
        </p>
      )}
      <h2>{t('share.add')}</h2>
      {!plan.canInvite && !supporterInvites ? (
        <p data-cannot-invite>{tAbout(plan, plan.me.role === 'supporter' && plan.me.access === 'write' ? 'consent.may_not_invite' : 'share.no_invite')}</p>
      ) : (
        <>
          <ErrorSummary message={error} />
          <Radios
            name="who"
            legend={t('share.who')}
            value={supporterInvites && who === 'owner' ? 'writer' : who}
            onChange={setWho}
            options={[
              ...(supporterInvites ? [] : [{ value: 'owner', label: yours ? t('fix.share.who.owner_you') : tAbout(plan, 'share.who.owner') }]),
              { value: 'writer', label: yours ? t('fix.share.who.writer_you') : tAbout(plan, 'share.who.writer') },
              { value: 'reader', label: yours ? t('fix.share.who.reader_you') : tAbout(plan, 'share.who.reader') },
            ]}
          />
          <Button onClick={create} disabled={busy}>
            {t('share.create')}
          </Button>
          {invite && (
            <section class="card invite" aria-labelledby="invite-h" data-invite={invite.text}>
              <h3 id="invite-h">{t('share.invite_title')}</h3>
              <p>{t('share.invite_text', { time: formatTime(invite.expiresAt * 1000) })}</p>
              <QrCode text={invite.text} label={t('share.qr_label')} />
              {!joinCode && (
                <Button kind="secondary" onClick={retryJoinCode}>
                  {t('share.code_make')}
                </Button>
              )}
              {joinCode?.making && (
                <p role="status" class="muted">
                  {t('share.code_making')}
                </p>
              )}
              {joinCode?.code && (
                <>
                  <p>{t('share.code_type')}</p>
                  <p class="join-code" dir="ltr" data-join-code={joinCode.code.replaceAll(' ', '')}>
                    {joinCode.code}
                  </p>
                </>
              )}
              {joinCode?.failed && (
                <div class="notice" data-join-code-failed>
                  <p role="status">{t(joinCode.failed)}</p>
                  <Button kind="secondary" onClick={retryJoinCode}>
                    {t('share.code_retry')}
                  </Button>
                </div>
              )}
              {invite.pending ? (
                <p data-invite-pending>{tAbout(plan, 'consent.invite_waits')}</p>
              ) : (
                <p class="muted">{t('share.invite_secret')}</p>
              )}
              {registration && (
                <p role="status" data-invite-registered={registration}>
                  {t(`share.invite_${registration}`)}
                </p>
              )}
            </section>
          )}
        </>
      )}
      <HandoverPanel plan={plan} />
      <LeaveOrDelete plan={plan} />
    </Screen>
  );
}
