// This phone's copy of a plan: leave the plan (a supporter, or a worker handing over), or delete the
// copy from this phone (anyone; the only choice for the person, who cannot leave their own plan).
// Each asks first in plain words, and warns when changes made here have not reached the server yet.

import { useEffect, useRef, useState } from 'preact/hooks';
import { loadDevice } from '../data/device.js';
import { forgetSummary } from '../data/planlist.js';
import { deleteMyCopy, leavePlan, unsentChanges } from '../data/session.js';
import { t, tn } from '../i18n/index.js';
import { Button, ErrorSummary } from './common.jsx';
import { go, setState } from './store.js';

/** The plan is gone from this device: back to "My plans", with what happened said there. */
async function backToPlans(notice) {
  setState({ device: await loadDevice(), notice });
  go('');
}

export function LeaveOrDelete({ plan }) {
  const [info, setInfo] = useState(null);
  const [asking, setAsking] = useState(null); // 'leave' | 'delete'
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const question = useRef(null);
  useEffect(() => {
    loadDevice().then((device) => setInfo(device?.plans[plan.id] || {}));
  }, [plan]);
  useEffect(() => {
    if (asking) question.current?.focus();
  }, [asking]);
  if (!info) return null;
  const owner = info.role === 'owner';
  const canLeave = !owner && !info.copy && !info.pending;
  // A copy opened from a file never syncs: its changes were never going to reach the server.
  const unsent = info.copy ? 0 : unsentChanges(plan);
  const ask = (what) => {
    setError(null);
    setAsking(what);
  };
  const leave = async () => {
    setBusy(true);
    setError(null);
    try {
      await leavePlan(plan.id);
      forgetSummary(plan.id);
      await backToPlans(t('leave.left'));
    } catch (e) {
      setError(t(e?.status === 0 ? 'leave.offline' : e?.status ? 'leave.refused' : 'leave.failed'));
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const { told } = await deleteMyCopy(plan.id);
      forgetSummary(plan.id);
      await backToPlans(t(told ? 'leave.deleted' : 'leave.deleted_offline'));
    } catch (e) {
      setError(t(e?.status ? 'leave.delete_refused' : 'leave.failed'));
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="leave-h" class="leave">
      <h2 id="leave-h">{t('leave.title')}</h2>
      <ErrorSummary message={error} />
      <div class="actions stacked">
        {canLeave && (
          <Button kind="secondary" onClick={() => ask('leave')} disabled={busy} pressed={asking === 'leave'}>
            {t('leave.leave')}
          </Button>
        )}
        <Button kind="secondary" onClick={() => ask('delete')} disabled={busy} pressed={asking === 'delete'}>
          {t('leave.delete')}
        </Button>
      </div>
      {asking && (
        <div class="card leave-question" data-asking={asking}>
          <p tabIndex={-1} ref={question}>
            {asking === 'leave' ? t('leave.leave_check') : t(owner ? 'leave.delete_check_owner' : 'leave.delete_check')}
          </p>
          {unsent > 0 && (
            <p class="warn" data-unsent={unsent}>
              <strong>{tn('leave.unsent', unsent)}</strong>
            </p>
          )}
          <div class="actions">
            <Button onClick={asking === 'leave' ? leave : remove} disabled={busy}>
              {t(asking === 'leave' ? 'leave.leave_yes' : 'leave.delete_yes')}
            </Button>{' '}
            <Button kind="secondary" onClick={() => setAsking(null)} disabled={busy}>
              {t('leave.no')}
            </Button>
          </div>
        </div>
      )}
    </section>
  );
}
