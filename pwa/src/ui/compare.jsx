// What changed between two agreed versions (docs/app.md, "What changed between agreed versions"): the items
// the newer version added, changed (field by field: the words before and after) and no longer holds, each
// older | newer side by side on a wide screen and one above the other on a phone, in the words the
// versions kept. The choice of two versions sits on the agreed-versions list.

import { useState } from 'preact/hooks';
import { TYPES, fieldValue } from '../data/kinds.js';
import { bySection, comparisonPath, diffVersions, keptAgreement, parseComparison } from '../data/versiondiff.js';
import { formatDateTime, formatDay, t } from '../i18n/index.js';
import { Button, ErrorSummary, Pieces, Screen, Select } from './common.jsx';
import { saveReadableCopy } from './backup.jsx';
import { wordingContext } from './items.jsx';
import { go } from './store.js';
import { fieldLabel, personAgreement, valuePieces } from './wording.js';

/** The plan's agreed versions, oldest first. */
export const versionsInOrder = (plan) => plan.list('version').sort((a, b) => (fieldValue(a, 'number') || 0) - (fieldValue(b, 'number') || 0));

const numberOf = (version) => fieldValue(version, 'number');

/**
 * "Compare two versions": an older and a newer version (at first the first and the latest), then the
 * comparison. Shown when the plan has two versions or more.
 */
export function CompareForm({ plan }) {
  const versions = versionsInOrder(plan);
  const [older, setOlder] = useState(versions[0]?.id);
  const [newer, setNewer] = useState(versions[versions.length - 1]?.id);
  const [problem, setProblem] = useState(null);
  if (versions.length < 2) return null;
  const options = versions.map((version) => ({
    value: version.id,
    label: `${t('versions.number', { n: numberOf(version) })} · ${formatDateTime(version.created.at)}`,
  }));
  const compare = (event) => {
    event.preventDefault();
    const [a, b] = [plan.items.get(older), plan.items.get(newer)];
    if (!a || !b || a.id === b.id) return setProblem(t('compare.two_different'));
    // Whichever way round they were chosen, the lower number is the older version.
    const [first, second] = numberOf(a) <= numberOf(b) ? [a, b] : [b, a];
    go(`plan/${plan.id}/${comparisonPath(first.id, second.id)}`);
  };
  return (
    <form class="card compare-form" onSubmit={compare} aria-labelledby="compare-form-h">
      <h2 id="compare-form-h">{t('compare.choose')}</h2>
      <ErrorSummary message={problem} />
      <Select name="compare_older" label={t('compare.older')} value={older} onChange={setOlder} options={options} />
      <Select name="compare_newer" label={t('compare.newer')} value={newer} onChange={setNewer} options={options} />
      <Button type="submit">{t('compare.button')}</Button>
    </form>
  );
}

/** The text a snapshot entry is read back by. */
const textOf = (entry) => entry?.values?.[TYPES[entry.type]?.text] ?? '';

/** One side of an entry: which version, then the item as that version kept it (or that it held no such item). */
function Side({ which, version, entry, fields, showText, context, linked }) {
  const label = t('versions.number', { n: numberOf(version) });
  if (!entry) {
    return (
      <div class={`diff-side diff-${which}`} data-side={which}>
        <p class="diff-which">{label}</p>
        <p class="muted">{t('compare.not_in')}</p>
      </div>
    );
  }
  const shown = (name) => {
    const pieces = valuePieces(t, entry.type, name, entry.values?.[name], { formatDay, mainTextOf: linked });
    return pieces.length ? <Pieces pieces={pieces} /> : <span class="muted">{t('history.nothing')}</span>;
  };
  return (
    <div class={`diff-side diff-${which}`} data-side={which}>
      <p class="diff-which">{label}</p>
      {showText && (
        <p class="item-text" dir="auto">
          {textOf(entry)}
        </p>
      )}
      {fields?.length > 0 && (
        <dl class="changes">
          {fields.map((name) => (
            <div class="change" data-field={name} key={name}>
              <dt>{name === 'agreement' ? t('compare.agreement') : fieldLabel(t, entry.type, name)}</dt>
              <dd>{name === 'agreement' ? <AgreementLine record={keptAgreement(entry)} context={context} /> : shown(name)}</dd>
            </div>
          ))}
        </dl>
      )}
      {!fields && <AgreementLine record={keptAgreement(entry)} context={context} />}
    </div>
  );
}

/** What the person said about the item, as the version kept it. */
function AgreementLine({ record, context }) {
  const line = personAgreement(record || null, context);
  return (
    <p class={line ? `diff-agreement ${line.tone}-mark` : 'diff-agreement muted'} data-agreement="person">
      {line ? <Pieces pieces={line.pieces} /> : t('versions.not_asked')}
    </p>
  );
}

/** One list of the difference (added, changed or removed), by section. */
function DiffList({ plan, kind, entries, older, newer, context, linked }) {
  const id = `diff-${kind}-h`;
  return (
    <section class="diff" data-diff={kind} aria-labelledby={id}>
      <h2 id={id}>
        {t(`compare.${kind}`)} ({entries.length})
      </h2>
      {entries.length === 0 && <p class="muted">{t('compare.nothing')}</p>}
      {bySection(entries).map((group) => (
        <div key={group.section || 'other'} data-section={group.section || undefined}>
          {group.section && <h3>{t(`section.${group.section}`)}</h3>}
          <ul class="plain diff-list">
            {group.entries.map((entry) => {
              const before = kind === 'added' ? null : kind === 'changed' ? entry.before : entry;
              const after = kind === 'removed' ? null : kind === 'changed' ? entry.after : entry;
              const names = kind === 'changed' ? [...entry.fields.map((f) => f.name), ...(entry.agreement ? ['agreement'] : [])] : null;
              // The item's words head each side unless they are among the changes listed.
              const showText = kind !== 'changed' || !names.includes(TYPES[entry.type]?.text);
              return (
                <li key={entry.id} class="card diff-entry" data-item={entry.id}>
                  <Side which="older" version={older} entry={before} fields={names} showText={showText} context={context} linked={linked.older} />
                  <Side which="newer" version={newer} entry={after} fields={names} showText={showText} context={context} linked={linked.newer} />
                  <p class="history-line">
                    <a class="history-link" href={`#/plan/${plan.id}/item/${entry.id}/history`}>
                      {t('history.link')}
                      <span class="visually-hidden">: {textOf(after || before)}</span>
                    </a>
                  </p>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </section>
  );
}

/** "Save a readable copy" of the plan, with this comparison as its part on what changed. */
function SaveComparison({ plan, older, newer }) {
  const [state, setState] = useState(null);
  const save = async () => {
    setState(null);
    try {
      await saveReadableCopy(plan, { compare: { older: older.id, newer: newer.id } });
      setState('saved');
    } catch (error) {
      console.error('could not save the readable copy', error);
      setState('failed');
    }
  };
  return (
    <div class="actions">
      <Button kind="secondary" onClick={save}>
        {t('compare.save_copy')}
      </Button>
      {state === 'saved' && <p role="status">{t('export.saved')}</p>}
      <ErrorSummary message={state === 'failed' && t('error.general')} />
    </div>
  );
}

export function CompareVersions({ plan, sub }) {
  const back = { path: `plan/${plan.id}/versions`, label: t('versions.title') };
  const chosen = parseComparison(sub);
  let older = chosen && plan.items.get(chosen.older);
  let newer = chosen && plan.items.get(chosen.newer);
  // Whichever order the path gives them in, the lower number is the earlier version.
  if (older && newer && numberOf(older) > numberOf(newer)) [older, newer] = [newer, older];
  if (!older || !newer || older.type !== 'version' || newer.type !== 'version') {
    return (
      <Screen title={t('compare.title')} back={back}>
        <p>{t('compare.missing')}</p>
      </Screen>
    );
  }
  const [before, after] = [fieldValue(older, 'snapshot') || [], fieldValue(newer, 'snapshot') || []];
  const difference = diffVersions(before, after);
  const context = wordingContext(plan);
  // A linked item is named as the same version names it.
  const namer = (snapshot) => (id) => {
    const entry = snapshot.find((e) => e.id === id);
    return entry ? textOf(entry) : null;
  };
  const linked = { older: namer(before), newer: namer(after) };
  const same = !difference.added.length && !difference.changed.length && !difference.removed.length;
  return (
    <Screen title={t('compare.title')} back={back} wide>
      <p class="compare-which" data-compare={`${older.id}..${newer.id}`}>
        {t('compare.between', {
          older: numberOf(older),
          older_when: formatDateTime(older.created.at),
          newer: numberOf(newer),
          newer_when: formatDateTime(newer.created.at),
        })}
      </p>
      {same && <p data-diff-same>{t('compare.same')}</p>}
      {['added', 'changed', 'removed'].map((kind) => (
        <DiffList key={kind} plan={plan} kind={kind} entries={difference[kind]} older={older} newer={newer} context={context} linked={linked} />
      ))}
      <SaveComparison plan={plan} older={older} newer={newer} />
    </Screen>
  );
}
