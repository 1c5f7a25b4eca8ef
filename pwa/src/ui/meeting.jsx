// The family's own meeting (docs/app.md, "Family meeting"): who takes part, who is speaking on a device passed
// round, what each person says (attributed to the speaker), private family time and what the family shares
// with the worker, "if… then…", the review date, and each participant signing up to the plan.

import { useEffect, useState } from 'preact/hooks';
import { defaultsOf, fieldValue } from '../data/kinds.js';
import { mainText } from '../data/model.js';
import {
  addParticipant,
  currentSpeaker,
  inFamilyTime,
  participants,
  planHash,
  setFamilyTime,
  setSpeaker,
  signUp,
  signUps,
  speakers,
} from '../data/meeting.js';
import { mayMove } from '../data/audiences.js';
import { defaultSpeaker } from '../data/roles.js';
import { currentLanguage, formatDay, t, tNamed } from '../i18n/index.js';
import { Button, ErrorSummary, Radios, Screen, TextArea, TextInput, U } from './common.jsx';
import { Provenance } from './items.jsx';

/** What can be said in the meeting: the kind written, and the values it starts with. */
const SAYINGS = {
  strength: { type: 'strength', fields: ['text'] },
  worry: { type: 'matter', fields: ['text'], values: { column: 'worry' } },
  goal: { type: 'goal', fields: ['text'] },
  step: { type: 'step', fields: ['text'] },
  contingency: { type: 'contingency', fields: ['trigger', 'response'] },
};
const SAID_KINDS = ['strength', 'matter', 'goal', 'step', 'contingency', 'good_news'];

const speakerNow = (plan) => currentSpeaker(plan, defaultSpeaker(plan));
const isFamilyItem = (item) => item.audience === 'family';
/** Whether this device holds the family's own key (audiences, data/audiences.js) and can write for it. */
const holdsFamilyKey = (plan) => typeof plan.setAudience === 'function' && (plan.audiences || []).includes('family');

/** A save in progress, and whether the last one failed: `run(action)` runs one (logging a failure). */
function useSaving() {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const run = async (action) => {
    setBusy(true);
    setFailed(false);
    try {
      await action();
      return true;
    } catch (e) {
      console.error(e);
      setFailed(true);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, failed, run };
}

/** A row of large buttons, one per participant: one tap sets who is speaking (a radio group). */
function SpeakerSwitcher({ plan }) {
  const names = speakers(plan);
  const speaker = speakerNow(plan);
  return (
    <section class="card speaker-switcher" aria-labelledby="speaker-heading">
      <fieldset class="speakers">
        <legend id="speaker-heading">{t('meeting.who_speaks')}</legend>
        {names.map((name) => (
          <label key={name} class="speaker">
            <input type="radio" name="speaker" value={name} checked={name === speaker} onChange={() => setSpeaker(plan, name)} />
            <span dir="auto">{name}</span>
          </label>
        ))}
      </fieldset>
      <p class="now-speaking" role="status" aria-live="polite" data-speaker={speaker}>
        {t('meeting.now_speaking', { name: speaker })}
      </p>
    </section>
  );
}

/** What the speaker says: a strength, a worry, a goal, a next step or an "if… then…", said by the speaker. */
function Contribute({ plan, family }) {
  const speaker = speakerNow(plan);
  const [kind, setKind] = useState('strength');
  const [words, setWords] = useState({});
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const { busy, failed, run } = useSaving();
  if (plan.me.access !== 'write') return null;
  const saying = SAYINGS[kind];
  const submit = async (event) => {
    event.preventDefault();
    const missing = saying.fields.find((name) => !String(words[name] ?? '').trim());
    if (missing) {
      setError(t('form.required', { field: t(`form.${saying.type}.${missing}`) }));
      return;
    }
    setError(null);
    const values = { ...defaultsOf(saying.type), ...saying.values, said_by: speaker, voice: 'own', lang: currentLanguage() };
    for (const name of saying.fields) values[name] = words[name].trim();
    const done = await run(() => (family ? plan.create(saying.type, values, { audience: 'family' }) : plan.create(saying.type, values)));
    if (done) {
      setWords({});
      setSaved(speaker);
    }
  };
  return (
    <section class="card contribute" aria-labelledby="contribute-heading" data-audience={family ? 'family' : 'everyone'}>
      <h2 id="contribute-heading">{tNamed(plan, speaker, family ? 'meeting.family_says' : 'meeting.says', { name: speaker })}</h2>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error || (failed && t('error.save'))} />
        <Radios
          name="saying"
          legend={t('meeting.kind')}
          value={kind}
          onChange={setKind}
          options={Object.keys(SAYINGS).map((value) => ({ value, label: t(`meeting.kind.${value}`) }))}
        />
        {saying.fields.map((name) => (
          <TextArea
            key={`${kind}-${name}`}
            name={name}
            label={t(saying.fields.length > 1 ? `form.${saying.type}.${name}` : 'meeting.words')}
            value={words[name] || ''}
            onInput={(value) => setWords((w) => ({ ...w, [name]: value }))}
          />
        ))}
        <p class="hint">{tNamed(plan, speaker, family ? 'meeting.family_only' : 'meeting.said_by', { name: speaker })}</p>
        <div class="actions">
          <Button type="submit" disabled={busy}>
            {tNamed(plan, speaker, 'meeting.save', { name: speaker })}
          </Button>
        </div>
        {saved && (
          <p role="status" class="saved">
            {tNamed(plan, saved, 'meeting.saved', { name: saved })}
          </p>
        )}
      </form>
    </section>
  );
}

/** What people said, newest first: each item's words and who said them. */
function SaidList({ plan, family }) {
  const { busy, failed, run } = useSaving();
  const items = plan
    .list(...SAID_KINDS)
    .filter((item) => isFamilyItem(item) === family)
    .reverse();
  if (!items.length) return family ? <p class="muted">{t('meeting.family_empty')}</p> : null;
  const share = (item) => run(() => plan.setAudience(item.id, 'everyone'));
  return (
    <>
      <ErrorSummary message={failed && t('error.save')} />
      <ul class="plain said-list" data-said={family ? 'family' : 'everyone'}>
        {items.map((item) => (
          <li key={item.id} class="card item" data-item={item.id} data-said-by={fieldValue(item, 'said_by') || undefined}>
            <p class="item-text" dir="auto">
              {mainText(item)}
            </p>
            <Provenance plan={plan} item={item} />
            {family && mayMove(plan, item, 'everyone') && (
              <Button kind="secondary small" disabled={busy} onClick={() => share(item)}>
                {t('meeting.share_with_worker')}
                <span class="visually-hidden">: {mainText(item)}</span>
              </Button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Private family time: what the family writes now is for the family only; then it chooses what to share. */
function FamilyTime({ plan }) {
  if (!holdsFamilyKey(plan)) {
    return (
      <section class="card family-time" aria-labelledby="family-heading">
        <h2 id="family-heading">{t('meeting.family_time')}</h2>
        <p>{t('meeting.family_time_not_here')}</p>
      </section>
    );
  }
  const on = inFamilyTime(plan);
  return (
    <section class="card family-time" aria-labelledby="family-heading" data-family-time={on ? 'on' : 'off'}>
      <h2 id="family-heading">{t('meeting.family_time')}</h2>
      <p>{t('meeting.family_time_intro')}</p>
      <div class="actions">
        <Button kind={on ? 'secondary' : 'primary'} pressed={on} onClick={() => setFamilyTime(plan, !on)}>
          {t(on ? 'meeting.family_time_end' : 'meeting.family_time_start')}
        </Button>
      </div>
      <h3>{t('meeting.family_kept')}</h3>
      <p class="hint">{t('meeting.family_share_intro')}</p>
      <SaidList plan={plan} family />
    </section>
  );
}

/** The people taking part: who is here (on this device, passed round) and who joins from their own phone. */
function Participants({ plan }) {
  const [name, setName] = useState('');
  const [joins, setJoins] = useState('here');
  const [error, setError] = useState(null);
  const { busy, failed, run } = useSaving();
  const list = participants(plan);
  const submit = async (event) => {
    event.preventDefault();
    if (!name.trim()) {
      setError(t('form.required', { field: t('meeting.participant_name') }));
      return;
    }
    setError(null);
    if (await run(() => addParticipant(plan, { name, joins }))) setName('');
  };
  return (
    <section class="card participants" aria-labelledby="participants-heading">
      <h2 id="participants-heading">{t('meeting.participants')}</h2>
      {list.length ? (
        <ul class="plain participant-list">
          {list.map((p) => (
            <li key={p.id} data-participant={p.name} data-joins={p.joins}>
              <U>{p.name}</U> · {t(`meeting.joins.${p.joins}`)}{' '}
              {plan.canDelete(plan.items.get(p.id)) && (
                <Button kind="secondary small" disabled={busy} onClick={() => run(() => plan.remove(p.id))}>
                  {t('meeting.remove_participant')}
                  <span class="visually-hidden">: {p.name}</span>
                </Button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('meeting.no_participants')}</p>
      )}
      {plan.me.access === 'write' && (
        <form onSubmit={submit} noValidate>
          <ErrorSummary message={error || (failed && t('error.save'))} />
          <TextInput name="participant" label={t('meeting.participant_name')} value={name} onInput={setName} />
          <Radios
            name="joins"
            legend={t('meeting.joins')}
            value={joins}
            onChange={setJoins}
            options={['here', 'phone'].map((value) => ({ value, label: t(`meeting.joins.${value}`) }))}
          />
          <div class="actions">
            <Button type="submit" kind="secondary" disabled={busy}>
              {t('meeting.add_participant')}
            </Button>
          </div>
        </form>
      )}
      {plan.canInvite && list.some((p) => p.joins === 'phone') && (
        <p>
          <a class="button secondary" href={`#/plan/${plan.id}/share`}>
            {t('meeting.invite_phone')}
          </a>
        </p>
      )}
    </section>
  );
}

/** The plan's next review date, shown and set here. */
function ReviewDate({ plan }) {
  const header = plan.header;
  const [value, setValue] = useState(null);
  const [saved, setSaved] = useState(false);
  const { busy, failed, run } = useSaving();
  if (!header) return null;
  const review = fieldValue(header, 'review') || '';
  const save = async (event) => {
    event.preventDefault();
    setSaved(await run(() => plan.update(header.id, { review: value ?? review })));
  };
  return (
    <section class="card review" aria-labelledby="review-heading">
      <h2 id="review-heading">{t('meeting.review')}</h2>
      <p data-review={review || undefined}>{review ? t('meeting.review_on', { date: formatDay(review) }) : t('meeting.review_none')}</p>
      {plan.me.access === 'write' && (
        <form onSubmit={save} noValidate>
          <TextInput name="review" type="date" label={t('meeting.review_set')} value={value ?? review} onInput={setValue} />
          <div class="actions">
            <Button type="submit" kind="secondary" disabled={busy}>
              {t('meeting.review_save')}
            </Button>
          </div>
          {saved && <p role="status">{t('meeting.review_saved')}</p>}
          <ErrorSummary message={failed && t('error.save')} />
        </form>
      )}
    </section>
  );
}

/**
 * "Jo agreed (recorded on Sam's tablet)", "Kim agreed", or that it was an earlier version of the plan; the person
 * of the plan is spoken of in the form they chose.
 */
function signUpText(plan, record, hash) {
  const device = record.recordedOn ? record.recordedOn.label || record.recordedOn.name : null;
  const key = `meeting.signed${record.hash === hash ? '' : '_earlier'}${device ? '_recorded' : ''}`;
  return tNamed(plan, record.name, key, { name: record.name, device: device || '', date: formatDay(new Date(record.at).toISOString().slice(0, 10)) });
}

/** Each participant signs up to the plan as it stands: their own agreement, or recorded on the device passed round. */
function SignUp({ plan }) {
  const [hash, setHash] = useState(null);
  const { busy, failed, run } = useSaving();
  const updates = plan.updates.value;
  useEffect(() => {
    let live = true;
    planHash(plan).then((value) => live && setHash(value));
    return () => {
      live = false;
    };
  }, [plan, updates]);
  const speaker = speakerNow(plan);
  const records = signUps(plan);
  const agree = () => run(() => signUp(plan, speaker));
  return (
    <section class="card sign-up" aria-labelledby="signup-heading">
      <h2 id="signup-heading">{t('meeting.signup')}</h2>
      <p>{t('meeting.signup_intro')}</p>
      {records.length > 0 && (
        <ul class="plain signed-list">
          {records.map((record) => (
            <li key={`${record.by}-${record.party}-${record.name}`} data-signed={record.name} data-current={record.hash === hash ? 'yes' : 'no'}>
              {signUpText(plan, record, hash)}
            </li>
          ))}
        </ul>
      )}
      {plan.me.access === 'write' && speaker && (
        <div class="actions">
          <Button onClick={agree} disabled={busy || !hash}>
            {tNamed(plan, speaker, 'meeting.signup_button', { name: speaker })}
          </Button>
        </div>
      )}
      <ErrorSummary message={failed && t('error.save')} />
    </section>
  );
}

export function Meeting({ plan }) {
  return (
    <Screen title={t('meeting.title')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <p>{t('meeting.intro')}</p>
      <SpeakerSwitcher plan={plan} />
      <FamilyTime plan={plan} />
      <Contribute plan={plan} family={holdsFamilyKey(plan) && inFamilyTime(plan)} />
      <section aria-labelledby="said-heading">
        <h2 id="said-heading">{t('meeting.said')}</h2>
        <SaidList plan={plan} family={false} />
      </section>
      <Participants plan={plan} />
      <ReviewDate plan={plan} />
      <SignUp plan={plan} />
    </Screen>
  );
}
