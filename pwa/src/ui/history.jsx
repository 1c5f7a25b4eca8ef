// "What changed": every version of one item this device holds, newest first, with who wrote each, when,
// and what changed field by field. A device that joined later holds only the versions written since, and
// says so.

import { useEffect, useState } from 'preact/hooks';
import { sectionOf } from '../data/kinds.js';
import { mainText } from '../data/model.js';
import { formatDay, t } from '../i18n/index.js';
import { Pieces, Screen } from './common.jsx';
import { IntegrityNote, Provenance, wordingContext } from './items.jsx';
import { fieldLabel, valuePieces, versionHeading } from './wording.js';

/** The history of one item, read again whenever the item changes; null while it is being read. */
function useHistory(plan, itemId, rev) {
  const [history, setHistory] = useState(null);
  useEffect(() => {
    let live = true;
    plan
      .history(itemId)
      .then((found) => live && setHistory(found))
      .catch((error) => {
        console.error('could not read the history', error);
        if (live) setHistory({ versions: [], complete: false, failed: true });
      });
    return () => {
      live = false;
    };
  }, [plan, itemId, rev]);
  return history;
}

/** One field's change in a version: its label, what it was and what it became. */
function Change({ plan, type, change, held }) {
  const linked = (id) => {
    const item = plan.items.get(id);
    return item ? mainText(item) : null;
  };
  const show = (value) => {
    const pieces = valuePieces(t, type, change.name, value, { formatDay, mainTextOf: linked });
    return pieces.length ? <Pieces pieces={pieces} /> : <span class="muted">{t('history.nothing')}</span>;
  };
  const added = change.before === undefined || change.before === null || change.before === '';
  if (held) {
    return (
      <div class="change" data-field={change.name}>
        <dt>{fieldLabel(t, type, change.name)}</dt>
        <dd class="after">{show(change.after)}</dd>
      </div>
    );
  }
  return (
    <div class="change" data-field={change.name}>
      <dt>{fieldLabel(t, type, change.name)}</dt>
      {!added && (
        <dd class="before">
          <span class="label">{t('history.before')}</span> {show(change.before)}
        </dd>
      )}
      <dd class="after">
        <span class="label">{t(added ? 'history.added' : 'history.after')}</span> {show(change.after)}
      </dd>
    </div>
  );
}

export function ItemHistory({ plan, sub }) {
  const item = plan.items.get(sub);
  const history = useHistory(plan, sub, item?.rev);
  const section = sectionOf(item?.type || history?.type);
  // A goal's reading is read on the goal's screen.
  const goalId = item?.type === 'goal' ? item.id : item?.type === 'reading' ? item.f.goal?.v : null;
  const back = goalId ? `plan/${plan.id}/goal/${goalId}` : `plan/${plan.id}/${section || ''}`;
  const context = wordingContext(plan);
  const versions = history ? [...history.versions].sort((a, b) => b.n - a.n) : [];
  return (
    <Screen title={t('history.title')} back={{ path: back, label: t('back') }}>
      {!item && history?.text && (
        <p class="muted item-text" dir="auto">
          {history.text}
        </p>
      )}
      {item && (
        <>
          <p class="muted item-text" dir="auto">
            {mainText(item)}
          </p>
          <IntegrityNote plan={plan} item={item} />
          {section && <Provenance plan={plan} item={item} />}
        </>
      )}
      {!history && <p role="status">{t('history.loading')}</p>}
      {history?.failed && <p>{t('history.failed')}</p>}
      {history && !history.failed && versions.length === 0 && <p>{t('history.none')}</p>}
      <ol class="plain history" data-history={sub}>
        {versions.map((version, index) => {
          // The oldest version here, when earlier ones are not on this device: what it held, not what it changed.
          const held = !history.complete && index === versions.length - 1 && version.n > 1;
          return (
            <li key={version.vh || version.n} class="card version-entry" data-n={version.n} data-deleted={version.deleted ? 'true' : undefined}>
              <h2>
                <Pieces pieces={versionHeading(version, { ...context, first: version.n <= 1 })} />
              </h2>
              {held && <p class="muted">{t('history.first_held')}</p>}
              {version.changes?.length > 0 && (
                <dl class="changes">
                  {version.changes.map((change) => (
                    <Change key={change.name} plan={plan} type={item?.type || history.type} change={change} held={held} />
                  ))}
                </dl>
              )}
            </li>
          );
        })}
      </ol>
      {history && !history.failed && !history.complete && (
        <p class="muted" data-history-incomplete>
          {t('history.incomplete')}
        </p>
      )}
    </Screen>
  );
}
