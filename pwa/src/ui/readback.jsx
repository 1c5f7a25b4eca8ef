// Read-back and agreement: the whole plan in plain words and large text; the person marks each item
// agreed or not agreed; then an agreed version is frozen (an item that is never changed) and can be
// read again later, beside newer ones.

import { useRef, useState } from 'preact/hooks';
import { SECTIONS, TYPES, contentItems, mainText, values as valuesOf } from '../data/model.js';
import { formatDateTime, t, tn } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextInput, U } from './common.jsx';
import { SaveFile } from './backup.jsx';
import { Details, Provenance } from './items.jsx';
import { NoSpeechNote, ReadAloud, StopReading } from './speech.jsx';

const sectionOf = (type) => SECTIONS.find((s) => s.types.includes(type))?.id;

// `drafts` (item id -> the note as typed) lets "Keep this version" keep a note typed but not yet saved.
function Agreement({ plan, item, drafts }) {
  const agree = item.f.agree?.v || '';
  const saved = item.f.agree_note?.v || '';
  const [note, setNote] = useState(saved);
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState(false);
  // A change that could not be saved says so in a plain sentence (nothing is dropped silently).
  const saveChange = async (values) => {
    setFailed(false);
    try {
      await plan.update(item.id, values);
    } catch (error) {
      console.error('could not save the agreement', error);
      setFailed(true);
    }
  };
  const set = (value) => saveChange({ agree: agree === value ? '' : value });
  const type = (value) => {
    setNote(value);
    drafts.set(item.id, value);
  };
  const saveNote = async () => {
    setSaving(true);
    try {
      await saveChange({ agree_note: note });
    } finally {
      setSaving(false);
    }
  };
  const text = mainText(item);
  return (
    <div class="agreement" role="group" aria-label={t('readback.agree_group')}>
      <Button kind={agree === 'yes' ? 'agreed' : 'secondary'} pressed={agree === 'yes'} onClick={() => set('yes')}>
        {t('readback.agree')}
        <span class="visually-hidden">: {text}</span>
      </Button>
      <Button kind={agree === 'no' ? 'not-agreed' : 'secondary'} pressed={agree === 'no'} onClick={() => set('no')}>
        {t('readback.disagree')}
        <span class="visually-hidden">: {text}</span>
      </Button>
      {agree === 'no' && (
        <div class="agree-note">
          <TextInput name="agree_note" label={t('readback.why_not')} value={note} onInput={type} />
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

export function ReadBack({ plan }) {
  const items = contentItems([...plan.items.values()]);
  const [frozen, setFrozen] = useState(null);
  const [keeping, setKeeping] = useState(false);
  const [keepFailed, setKeepFailed] = useState(false);
  const drafts = useRef(new Map()).current;
  const versions = plan.list('version');
  const agreed = items.filter((i) => i.f.agree?.v === 'yes').length;
  // The version is made from the plan once every change asked for on this screen is saved (a note saved a
  // moment ago, or typed and not saved yet), never from what was on screen before those landed.
  const freeze = async () => {
    setKeeping(true);
    setKeepFailed(false);
    try {
      const notes = [...drafts].filter(([id]) => plan.items.get(id)?.f.agree?.v === 'no');
      await Promise.all(notes.map(([id, note]) => plan.update(id, { agree_note: note })));
      await plan.settled();
      const snapshot = contentItems([...plan.items.values()]).map((item) => ({
        id: item.id,
        type: item.type,
        values: valuesOf(item),
        typed_by: plan.deviceName(item.created.dev)?.name || '',
        at: item.created.at,
      }));
      const number = plan.list('version').reduce((max, v) => Math.max(max, v.f.number?.v || 0), 0) + 1;
      const id = await plan.create('version', { number, snapshot, person: plan.header?.f.person?.v || '' });
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
      <p>{t('readback.intro')}</p>
      {plan.header && (
        <p class="print-only print-heading">
          <U tag="strong">{plan.header.f.person?.v}</U> <U>{plan.header.f.title?.v}</U>
        </p>
      )}
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
              <article class="card item" data-item={item.id}>
                <p dir="auto" class="item-text" data-speak>
                  {mainText(item)}
                </p>
                <Details plan={plan} type={item.type} values={valuesOf(item)} />
                <Provenance plan={plan} item={item} />
                <Agreement plan={plan} item={item} drafts={drafts} />
              </article>
            </div>
          );
        })}
        {items.length === 0 && <p>{t('readback.empty')}</p>}
      </div>
      <section class="card freeze" aria-labelledby="freeze-h">
        <h2 id="freeze-h">{t('readback.freeze_title')}</h2>
        <p>{t('readback.counts', { agreed, total: items.length })}</p>
        <p>{t('readback.freeze_text')}</p>
        <Button onClick={freeze} disabled={!items.length || keeping}>
          {keeping ? t('readback.keeping') : t('readback.freeze')}
        </Button>
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
  const versions = plan.list('version').sort((a, b) => (b.f.number?.v || 0) - (a.f.number?.v || 0));
  return (
    <Screen title={t('versions.title')} back={{ path: `plan/${plan.id}/readback`, label: t('section.readback') }}>
      {versions.length === 0 && <p>{t('versions.none')}</p>}
      <ul class="plain cards">
        {versions.map((version) => {
          const snapshot = version.f.snapshot?.v || [];
          const agreed = snapshot.filter((s) => s.values.agree === 'yes').length;
          return (
            <li key={version.id}>
              <a class="card-link" href={`#/plan/${plan.id}/version/${version.id}`}>
                <strong>{t('versions.number', { n: version.f.number?.v })}</strong>
                <span>{formatDateTime(version.created.at)}</span>
                <span class="muted">{t('readback.counts', { agreed, total: snapshot.length })}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </Screen>
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
  const snapshot = version.f.snapshot?.v || [];
  let lastSection = null;
  return (
    <Screen title={t('versions.number', { n: version.f.number?.v })} back={back}>
      <p class="frozen-note">{t('versions.frozen_at', { when: formatDateTime(version.created.at) })}</p>
      <div class="readback large" data-version={version.id}>
        {snapshot.map((entry) => {
          const section = sectionOf(entry.type);
          const heading = section !== lastSection ? <h2>{t(`section.${section}`)}</h2> : null;
          lastSection = section;
          const text = entry.values[TYPES[entry.type]?.text] ?? '';
          return (
            <div key={entry.id}>
              {heading}
              <article class="card item frozen">
                <U tag="p" class="item-text">
                  {text}
                </U>
                <Details plan={plan} type={entry.type} values={entry.values} />
                <Provenance plan={plan} values={entry.values} />
                <p class={entry.values.agree === 'yes' ? 'agreed-mark' : 'not-agreed-mark'}>
                  {entry.values.agree === 'yes' ? t('versions.agreed') : entry.values.agree === 'no' ? t('versions.not_agreed') : t('versions.not_asked')}
                  {entry.values.agree_note && (
                    <>
                      {' '}
                      — <U>{entry.values.agree_note}</U>
                    </>
                  )}
                </p>
              </article>
            </div>
          );
        })}
      </div>
    </Screen>
  );
}
