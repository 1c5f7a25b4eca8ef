// "Who can see my plan": the plan's members and their devices in plain words (from the server, named
// by the plan's own roster), and removing someone. After a removal this device locks the plan with a
// new key that only the remaining devices get (spec §10), so nothing written later reaches them.
// The server gives device labels and when each device last synced only to the person's and the
// worker's devices, and to everyone for their own devices (docs/security.md §3): a supporter's screen
// names devices from the roster alone and shows no one else's last sync.

import { useEffect, useState } from 'preact/hooks';
import { loadDevice } from '../data/device.js';
import { listMembers, removeMember } from '../data/session.js';
import { formatDateTime, t, tAbout } from '../i18n/index.js';
import { Button, ErrorSummary, U } from './common.jsx';
import { problemText } from './start.jsx';

/** May `me` (role, account) remove `member` (api.md §9)? */
function canRemove(me, member) {
  if (!member.active || member.account === me.account || member.role === 'owner') return false;
  return me.role === 'owner' || (me.role === 'worker' && member.role === 'supporter');
}

/**
 * Who a member is, in plain words; on the person's own phone (`me.role` 'owner'), "someone you trust";
 * elsewhere the person is spoken of in the form they chose for words about them.
 */
function whoText(member, me, plan) {
  const key = ['owner', 'worker'].includes(member.role) ? `members.${member.role}` : `members.supporter_${member.access === 'write' ? 'write' : 'read'}`;
  if (me?.role === 'owner') return t(`fix.${key}_you`);
  return member.role === 'owner' ? tAbout(plan, key) : t(key);
}

export function Members({ plan }) {
  const [members, setMembers] = useState(null);
  const [me, setMe] = useState(null);
  const [failed, setFailed] = useState(false);
  const [asking, setAsking] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const load = async () => {
    try {
      const device = await loadDevice();
      setMe({ account: device.account, deviceId: device.deviceId, role: device.plans[plan.id]?.role });
      setMembers(await listMembers(plan.id));
      setFailed(false);
    } catch {
      setFailed(true);
    }
  };
  useEffect(() => {
    load();
  }, [plan]);
  const rosterName = (member) => {
    for (const d of member.devices) {
      const entry = plan.deviceName(d.device_id);
      if (entry?.name) return entry.name;
    }
    return null;
  };
  const nameOf = (member) => rosterName(member) || whoText(member, me, plan);
  const remove = async (member) => {
    setBusy(true);
    setError(null);
    try {
      await removeMember(plan, member.account);
      setDone(t('members.removed', { name: nameOf(member) }));
      setAsking(null);
      await load();
    } catch (e) {
      setError(problemText(e, 'members.refused'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="members-h">
      <h2 id="members-h">{t('members.title')}</h2>
      <ErrorSummary message={error} />
      {done && (
        <p role="status" class="notice">
          {done}
        </p>
      )}
      {failed && <p>{t('members.offline')}</p>}
      {!members && !failed && <p role="status">{t('members.loading')}</p>}
      {members && (
        <ul class="plain members">
          {members
            .filter((m) => m.active && m.status !== 'pending')
            .map((member) => (
              <li key={member.account} class="card member" data-account={member.account}>
                {rosterName(member) ? (
                  <p>
                    <U tag="strong">{rosterName(member)}</U> <span class="muted">({whoText(member, me, plan)})</span>
                  </p>
                ) : (
                  <p>
                    <strong>{whoText(member, me, plan)}</strong>
                  </p>
                )}
                {!member.devices.some((d) => d.active) && <p class="muted">{t('members.no_device')}</p>}
                <ul class="devices">
                  {member.devices
                    .filter((d) => d.active)
                    .map((d) => {
                      const entry = plan.deviceName(d.device_id);
                      return (
                        <li key={d.device_id}>
                          <U>{entry?.label || d.label || t('members.a_device')}</U>
                          {d.device_id === me?.deviceId && <span class="muted"> {t('members.this_device')}</span>}
                          {d.last_seen && <span class="muted"> {t('members.last_seen', { time: formatDateTime(d.last_seen * 1000) })}</span>}
                        </li>
                      );
                    })}
                </ul>
                {me && canRemove(me, member) && asking !== member.account && (
                  <Button kind="secondary" onClick={() => setAsking(member.account)}>
                    {t('members.remove', { name: nameOf(member) })}
                  </Button>
                )}
                {asking === member.account && (
                  <div class="confirm">
                    <p>{t('members.remove_check', { name: nameOf(member) })}</p>
                    <Button onClick={() => remove(member)} disabled={busy}>
                      {t('members.remove_yes')}
                    </Button>{' '}
                    <Button kind="secondary" onClick={() => setAsking(null)} disabled={busy}>
                      {t('members.remove_no')}
                    </Button>
                  </div>
                )}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
