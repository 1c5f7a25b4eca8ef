// Read-back and agreement: the whole plan in plain words and large text; the person marks each item
// agreed or not agreed; then an agreed version is frozen (an item that is never changed) and can be
// read again later, beside newer ones.

import { useRef, useState } from 'preact/hooks';
import { fieldValue, sectionOf } from '../data/kinds.js';
import { TYPES, contentItems, mainText, values as valuesOf } from '../data/model.js';
import { planStatus } from '../data/plandetails.js';
import { keptAgreement } from '../data/versiondiff.js';
import { fieldLanguage } from '../data/wordslanguage.js';
import { currentLanguage, formatDateTime, formatDay, t, tAbout, tn } from '../i18n/index.js';
import { Button, ErrorSummary, Pieces, Screen, TextInput, U } from './common.jsx';
import { SaveFile } from './backup.jsx';
import { CompareForm } from './compare.jsx';
import { Details, HistoryLink, IntegrityNote, Provenance, flagNames, wordingContext } from './items.jsx';
import { agreedNow, agreementLines, personAgreement, say } from './wording.js';
import { NoSpeechNote, ReadAloud, StopReading } from './speech.jsx';
import { NotesLink } from './notes.jsx';
import { ReviewReflections } from './reflection.jsx';

/**
 * Whose agreement this device records (docs/app.md, "Agreements"): the worker's device records the
 * person's ("Sam agrees"), the person's own device the person's ("I agree"), a supporter with write access
 * their own ("I agree"); anyone else records none. Returns null, or {party, record} with the record of
 * that party as it stands.
 */
export function ownAgreement(plan, itemId) {
  const party = plan.canAgreeFor?.() || null;
  if (!party) return null;
  const agreements = plan.agreementsFor(itemId);
  const forPerson = party === 'person' || plan.me?.role === 'owner';
  return { party, forPerson, record: (forPerson ? agreements.person : agreements.mine) || null };
}

const TONE_CLASS = { agreed: 'agreed-mark', 'not-agreed': 'not-agreed-mark', warn: 'warn agreement-refused', earlier: 'earlier-mark' };

/** What each party said about an item, in plain words (the person's first; others' never count as the person's). */
export function AgreementStatus({ plan, item, easy = false, symbol = null }) {
  const lines = agreementLines(plan.agreementsFor(item.id), { ...wordingContext(plan), prefix: easy ? 'easy.agree' : 'agree' });
  if (!lines.length) return null;
  return (
    <div class="agreement-status" data-agreements>
      {lines.map((line, index) => (
        <p
          key={index}
          class={TONE_CLASS[line.tone]}
          data-agreement={line.kind}
          data-tone={line.tone}
          data-speak
        >
          {line.kind === 'person' && line.tone === 'agreed' && symbol}
          <Pieces pieces={line.pieces} />
        </p>
      ))}
    </div>
  );
}

// `drafts` (item id -> the note as typed) lets "Keep this version" keep a note typed but not yet saved.
export function Agreement({ plan, item, drafts }) {
  const own = ownAgreement(plan, item.id);
  const record = own?.record;
  const value = record && record.current !== false ? record.value : '';
  const saved = (value === 'no' && record.note) || '';
  const [note, setNote] = useState(saved);
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!own) return null;
  const person = fieldValue(plan.header, 'person') || t('matter.person');
  // A change that could not be saved says so in a plain sentence (nothing is dropped silently).
  const saveChange = async (values) => {
    setFailed(false);
    try {
      await plan.agree(item.id, values);
    } catch (error) {
      console.error('could not save the agreement', error);
      setFailed(true);
    }
  };
  // Pressing the pressed button again takes the agreement back (recorded like any other change).
  const set = (chosen) => {
    if (chosen === value) saveChange({ value: '', note: '' });
    else saveChange({ value: chosen, note: chosen === 'no' ? (drafts.get(item.id) ?? note) : '' });
  };
  const type = (typed) => {
    setNote(typed);
    drafts.set(item.id, typed);
  };
  const saveNote = async () => {
    setSaving(true);
    try {
      await saveChange({ value: 'no', note });
    } finally {
      setSaving(false);
    }
  };
  const text = mainText(item);
  const forPerson = own.party === 'person';
  const label = (key) => (forPerson ? <Pieces pieces={say(t, `${key}_for`, { name: { user: person } })} /> : t(key));
  return (
    <div class="agreement" role="group" aria-label={forPerson ? t('readback.agree_group', { name: person }) : t('readback.agree_group_self')}>
      <Button kind={value === 'yes' ? 'agreed' : 'secondary'} pressed={value === 'yes'} onClick={() => set('yes')}>
        {label('readback.agree')}
        <span class="visually-hidden">: {text}</span>
      </Button>
      <Button kind={value === 'no' ? 'not-agreed' : 'secondary'} pressed={value === 'no'} onClick={() => set('no')}>
        {label('readback.disagree')}
        <span class="visually-hidden">: {text}</span>
      </Button>
      {value === 'no' && (
        <div class="agree-note">
          <TextInput name="agree_note" label={forPerson ? tAbout(plan, 'readback.why_not') : t('readback.why_not_self')} value={note} onInput={type} />
          <Button kind="secondary small" onClick={saveNote} disabled={saving}>
            {saving ? t('readback.saving_note') : t('readback.save_note')}
          </Button>
          {!saving && note && note === saved && <span role="status">{t('readback.note_saved')}</span>}
        </div>
      )}
      <ErrorSummary message={failed && t('error.save')} />
    </div>
  );
}

/** What a version keeps of one item: its words, provenance and the person's agreement as they stood. */
function snapshotOf(plan, item) {
  const person = plan.agreementsFor(item.id).person;
  const entry = {
    id: item.id,
    type: item.type,
    values: valuesOf(item),
    typed_by: plan.deviceName(item.created?.dev)?.name || '',
    at: item.created?.at,
    hash: item.hash,
    prov: plan.provenanceOf(item),
    agreement: person && {
      value: person.value,
      note: person.note || '',
      by: person.by,
      recorded: person.recorded || false,
      current: person.current !== false,
      at: person.at,
    },
  };
  // Only what canonical JSON can hold: no undefined members.
  return JSON.parse(JSON.stringify(entry));
}

export function ReadBack({ plan, sub }) {
  const items = contentItems([...plan.items.values()]);
  // `#/plan/<id>/readback/<review id>`: this read-back ends a review, which links to the version kept.
  const review = plan.items.get(sub)?.type === 'review' ? plan.items.get(sub) : null;
  const [frozen, setFrozen] = useState(null);
  const [keeping, setKeeping] = useState(false);
  const [keepFailed, setKeepFailed] = useState(false);
  const drafts = useRef(new Map()).current;
  const versions = plan.list('version');
  const agreed = items.filter((i) => agreedNow(plan.agreementsFor(i.id).person)).length;
  // The version is made from the plan once every change asked for on this screen is saved (a note saved a
  // moment ago, or typed and not saved yet), never from what was on screen before those landed.
  const freeze = async () => {
    setKeeping(true);
    setKeepFailed(false);
    try {
      const notes = [...drafts].filter(([id, note]) => {
        const record = ownAgreement(plan, id)?.record;
        return record?.value === 'no' && record.current !== false && (record.note || '') !== note;
      });
      await Promise.all(notes.map(([id, note]) => plan.agree(id, { value: 'no', note })));
      await plan.settled();
      const snapshot = contentItems([...plan.items.values()]).map((item) => snapshotOf(plan, item));
      const number = plan.list('version').reduce((max, v) => Math.max(max, fieldValue(v, 'number') || 0), 0) + 1;
      const id = await plan.create('version', { number, snapshot, person: fieldValue(plan.header, 'person') || '' });
      if (review && !fieldValue(review, 'version')) await plan.update(review.id, { version: id });
      setFrozen(id);
    } catch (error) {
      console.error('could not keep the version', error);
      setKeepFailed(true);
    } finally {
      setKeeping(false);
    }
  };
  let lastSection = null;
  return (
    <Screen title={t('section.readback')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <p class="instructions">{tAbout(plan, 'readback.intro')}</p>
      {review && (
        <p class="banner review-banner" data-review={review.id}>
          {t('review.readback_note', { when: formatDay(fieldValue(review, 'date')) })}
        </p>
      )}
      {review && <ReviewReflections plan={plan} reviewId={review.id} />}
      {review && <NotesLink planId={plan.id} />}
      {plan.header && (
        <p class="print-only print-heading">
          <U tag="strong">{fieldValue(plan.header, 'person')}</U> <U>{fieldValue(plan.header, 'title')}</U>{' '}
          <span data-plan-status>{t(`choice.status_plan.${planStatus(fieldValue(plan.header, 'status'))}`)}</span>
        </p>
      )}
      <p class="print-only" data-printed-on>
        {t('print.printed_on', { when: formatDateTime(Date.now()) })}
      </p>
      <div class="actions">
        <Button kind="secondary" onClick={() => window.print()}>
          {t('readback.print')}
        </Button>
        <ReadAloud target="readback-items" label={t('readback.read_aloud')} />
        <StopReading />
        <a class="button secondary" href={`#/plan/${plan.id}/versions`}>
          {tn('readback.versions', versions.length)}
        </a>
      </div>
      <NoSpeechNote />
      <div class="readback large" id="readback-items">
        {items.map((item) => {
          const section = sectionOf(item.type);
          const heading = section !== lastSection ? <h2 data-speak>{t(`section.${section}`)}</h2> : null;
          lastSection = section;
          return (
            <div key={item.id}>
              {heading}
              <article class="card item" data-item={item.id} data-flags={flagNames(item)}>
                <IntegrityNote plan={plan} item={item} />
                <p dir="auto" class="item-text" data-speak lang={fieldLanguage(item, TYPES[item.type].text, currentLanguage())}>
                  {mainText(item)}
                </p>
                <Details plan={plan} type={item.type} values={valuesOf(item)} item={item} />
                <Provenance plan={plan} item={item} />
                <AgreementStatus plan={plan} item={item} />
                {!plan.agreementsFor(item.id).person && (
                  <p class="print-only not-agreed-mark" data-agreement="none">
                    {t('versions.not_asked')}
                  </p>
                )}
                <Agreement plan={plan} item={item} drafts={drafts} />
                <p class="history-line">
                  <HistoryLink plan={plan} item={item} />
                </p>
              </article>
            </div>
          );
        })}
        {items.length === 0 && <p>{t('readback.empty')}</p>}
      </div>
      <section class="card freeze" aria-labelledby="freeze-h">
        <h2 id="freeze-h">{t('readback.freeze_title')}</h2>
        <p>{t('readback.counts', { agreed, total: items.length })}</p>
        {plan.canKeepVersions ? (
          <>
            <p>{t('readback.freeze_text')}</p>
            <Button onClick={freeze} disabled={!items.length || keeping}>
              {keeping ? t('readback.keeping') : t('readback.freeze')}
            </Button>
          </>
        ) : (
          <p data-cannot-keep>{tAbout(plan, 'readback.no_keep')}</p>
        )}
        <ErrorSummary message={keepFailed && t('readback.keep_failed')} />
        {frozen && (
          <p role="status">
            {t('readback.frozen')} <a href={`#/plan/${plan.id}/version/${frozen}`}>{t('readback.view_frozen')}</a>
          </p>
        )}
      </section>
      <SaveFile plan={plan} />
    </Screen>
  );
}

export function Versions({ plan }) {
  const versions = plan.list('version').sort((a, b) => (fieldValue(b, 'number') || 0) - (fieldValue(a, 'number') || 0));
  return (
    <Screen title={t('versions.title')} back={{ path: `plan/${plan.id}/readback`, label: t('section.readback') }}>
      {versions.length === 0 && <p>{t('versions.none')}</p>}
      <ul class="plain cards">
        {versions.map((version) => {
          const snapshot = fieldValue(version, 'snapshot') || [];
          const agreed = snapshot.filter((entry) => agreedNow(keptAgreement(entry))).length;
          return (
            <li key={version.id}>
              <a class="card-link" href={`#/plan/${plan.id}/version/${version.id}`}>
                <strong>{t('versions.number', { n: fieldValue(version, 'number') })}</strong>
                <span>{formatDateTime(version.created.at)}</span>
                <span class="muted">{t('readback.counts', { agreed, total: snapshot.length })}</span>
              </a>
            </li>
          );
        })}
      </ul>
      <CompareForm plan={plan} />
    </Screen>
  );
}

/** A kept version written by a device that may not keep versions (not a steward): said so above it. */
function KeptBy({ plan, version }) {
  const keeper = version.author || version.created?.dev;
  if (!keeper || !plan.isSteward || plan.isSteward(keeper)) return null;
  const device = plan.deviceName(keeper);
  const name = device ? (device.label ? `${device.name} (${device.label})` : device.name) : t('prov.unknown_device');
  return (
    <p class="warn kept-by" data-kept-by-other>
      <Pieces pieces={say(t, 'versions.not_steward', { device: { user: name } })} />
    </p>
  );
}

export function VersionView({ plan, sub }) {
  const version = plan.items.get(sub);
  const back = { path: `plan/${plan.id}/versions`, label: t('versions.title') };
  if (!version) {
    return (
      <Screen title={t('item.gone_title')} back={back}>
        <p>{t('item.gone')}</p>
      </Screen>
    );
  }
  const snapshot = fieldValue(version, 'snapshot') || [];
  const context = wordingContext(plan);
  let lastSection = null;
  return (
    <Screen title={t('versions.number', { n: fieldValue(version, 'number') })} back={back}>
      <p class="frozen-note">{t('versions.frozen_at', { when: formatDateTime(version.created.at) })}</p>
      <KeptBy plan={plan} version={version} />
      <div class="readback large" data-version={version.id}>
        {snapshot.map((entry) => {
          const section = sectionOf(entry.type);
          const heading = section !== lastSection ? <h2>{t(`section.${section}`)}</h2> : null;
          lastSection = section;
          const text = entry.values[TYPES[entry.type]?.text] ?? '';
          const line = personAgreement(keptAgreement(entry), context);
          const prov = entry.prov || { saidBy: entry.values.said_by, voice: entry.values.voice };
          return (
            <div key={entry.id}>
              {heading}
              <article class="card item frozen">
                <U tag="p" class="item-text">
                  {text}
                </U>
                <Details plan={plan} type={entry.type} values={entry.values} />
                <Provenance plan={plan} prov={prov} />
                <p class={line ? TONE_CLASS[line.tone] : 'not-agreed-mark'} data-agreement="person">
                  {line ? <Pieces pieces={line.pieces} /> : t('versions.not_asked')}
                </p>
              </article>
            </div>
          );
        })}
      </div>
    </Screen>
  );
}
