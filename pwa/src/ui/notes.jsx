// "My reflective notes": a worker's private notes on their own practice (docs/app.md, "My reflective notes";
// spec §23). Kept on this device only, sealed under a key derived from this device's own keys
// (data/reflectivenotes.js): never in a plan, never sent to the server, never seen by the person, the
// organisation or another worker. Written from "My plans" or after a review (then it names, inside the
// note, the plan it was written after). Works with no connection.

import { useEffect, useState } from 'preact/hooks';
import { loadDevice } from '../data/device.js';
import { fieldValue } from '../data/kinds.js';
import { openPlan } from '../data/session.js';
import { deleteNote, readNotes, writeNote } from '../data/reflectivenotes.js';
import { formatDateTime, t, tn } from '../i18n/index.js';
import { Button, ErrorSummary, Screen, TextArea, U } from './common.jsx';
import { appState } from './store.js';

const isWorker = (device) => device?.kind === 'worker' || device?.kind === 'admin';

/** The link to write a note after a review (a worker's device only). */
export function NotesLink({ planId }) {
  if (!isWorker(appState.device.value)) return null;
  return (
    <p class="notes-link">
      <a href={`#/notes/${encodeURIComponent(planId)}`}>{t('notes.after_review')}</a>
    </p>
  );
}

/** The person's name and the title of a plan this device holds (from its local copy), or ''. */
async function planTitle(planId) {
  if (!planId || !(await loadDevice())?.plans[planId]) return '';
  const { plan } = await openPlan(planId);
  return [fieldValue(plan.header, 'person'), fieldValue(plan.header, 'title')].filter(Boolean).join(' — ');
}

function NoteCard({ note, onDelete }) {
  const [asking, setAsking] = useState(false);
  return (
    <li class="card reflective-note" data-note={note.id}>
      <p class="muted note-head">
        {formatDateTime(Date.parse(note.written))}
        {note.planTitle && (
          <>
            {' · '}
            {t('notes.after')} <U>{note.planTitle}</U>
          </>
        )}
      </p>
      <U tag="p" class="note-text">
        {note.text}
      </U>
      {asking ? (
        <div class="actions" role="group" aria-label={t('notes.delete_sure')}>
          <Button kind="secondary" onClick={() => onDelete(note.id)}>
            {t('notes.delete_yes')}
          </Button>
          <Button kind="secondary" onClick={() => setAsking(false)}>
            {t('notes.delete_no')}
          </Button>
        </div>
      ) : (
        <Button kind="secondary" onClick={() => setAsking(true)}>
          {t('notes.delete')}
        </Button>
      )}
    </li>
  );
}

export function ReflectiveNotes({ planId }) {
  const [found, setFound] = useState(null);
  const [text, setText] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = () =>
    readNotes().then(setFound, (e) => {
      console.error('could not read the reflective notes', e);
      setError(t('notes.cannot_open'));
    });
  useEffect(() => {
    load();
    planTitle(planId).then(setTitle, () => setTitle(''));
  }, [planId]);
  const save = async (event) => {
    event.preventDefault();
    setSaved(false);
    if (!text.trim()) return setError(t('notes.empty'));
    setBusy(true);
    setError(null);
    try {
      await writeNote(text, { plan: planId || null, planTitle: title });
      setText('');
      setSaved(true);
      await load();
    } catch (e) {
      console.error('could not keep the note', e);
      setError(t('error.save'));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id) => {
    await deleteNote(id);
    await load();
  };
  const back = planId ? { path: `plan/${encodeURIComponent(planId)}`, label: t('plan.back') } : { path: '', label: t('notes.back') };
  return (
    <Screen title={t('notes.title')} back={back}>
      <p>{t('notes.intro')}</p>
      <p class="notice" data-notes-private>
        {t('notes.private')}
      </p>
      <form class="card notes-form" onSubmit={save} noValidate>
        <ErrorSummary message={error} />
        {title && (
          <p class="muted" data-note-plan>
            {t('notes.after')} <U>{title}</U>
          </p>
        )}
        <TextArea name="note" label={t('notes.new')} hint={t('notes.new_hint')} value={text} onInput={setText} rows={5} />
        <Button type="submit" disabled={busy}>
          {t('notes.save')}
        </Button>
        {saved && <p role="status">{t('notes.saved')}</p>}
      </form>
      <section aria-labelledby="notes-kept-h">
        <h2 id="notes-kept-h">{t('notes.kept')}</h2>
        {found && found.notes.length === 0 && <p>{t('notes.none')}</p>}
        {found && found.unopened > 0 && <p class="muted">{tn('notes.unopened', found.unopened)}</p>}
        <ul class="plain notes-list">
          {found?.notes.map((note) => (
            <NoteCard key={note.id} note={note} onDelete={remove} />
          ))}
        </ul>
      </section>
      <p class="muted">{t('notes.cost')}</p>
    </Screen>
  );
}
