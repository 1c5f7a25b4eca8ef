// "My plan": the person's own view of their plan. Large text and plain words, or easy read (short
// sentences, one idea each, a symbol beside each part); read aloud (the whole plan or one part); steps
// they can tick off; good news they add between visits. People's words are shown as they wrote them.
// Its parts, and what each kind reads out, come from the registry (data/kinds.js).

import { useRef, useState } from 'preact/hooks';
import { KINDS, PARTS, fieldValue, formOf, partOf, symbolOf } from '../data/kinds.js';
import { mainText, tickedStatus, values as valuesOf } from '../data/model.js';
import { fieldLanguage } from '../data/wordslanguage.js';
import { currentLanguage, formatDay, t } from '../i18n/index.js';
import { Button, Checkbox, ErrorSummary, Screen, TextArea, U } from './common.jsx';
import { HistoryLink, IntegrityNote, Provenance, TickedBy, flagNames } from './items.jsx';
import { Agreement, AgreementStatus } from './readback.jsx';
import { NoSpeechNote, ReadAloud, StopReading } from './speech.jsx';
import { Pictogram } from './symbols.jsx';
import { LikedActivities, StepActivity, likedActivities } from './activitylink.jsx';
import { LearningConsent } from './learning.jsx';

const EASY_READ = 'alongside-easy-read';

/** Easy read is a setting of this device (localStorage), never part of the plan. */
export const usesEasyRead = () => localStorage.getItem(EASY_READ) === '1';

export function setEasyRead(on) {
  if (on) localStorage.setItem(EASY_READ, '1');
  else localStorage.removeItem(EASY_READ);
}

/** The items of a part of "My plan" (PARTS in data/kinds.js). */
const itemsOf = (plan, part) => plan.list(...part.kinds).filter((item) => partOf(item) === part.id);

/** Fixed text in plain words, or its easy-read version. */
const say = (easy, key, params) => t(`${easy ? 'easy' : 'mine'}.${key}`, params);

// Steps the person ticks off remember, for this visit to the page, where they were before (to untick).
const statusBefore = new Map();

function StepTick({ plan, item, easy }) {
  const status = fieldValue(item, 'status') || 'not_started';
  // Shown at once while the edit is written (the box must not flick back before the plan reloads).
  const [wanted, setWanted] = useState(null);
  const toggle = async (done) => {
    setWanted(done);
    try {
      if (done) statusBefore.set(item.id, status);
      await plan.update(item.id, { status: tickedStatus(done, statusBefore.get(item.id)) });
    } finally {
      setWanted(null);
    }
  };
  return (
    <div class="tick">
      <label class="choice">
        <input type="checkbox" name={`done-${item.id}`} checked={wanted ?? status === 'done'} onChange={(e) => toggle(e.currentTarget.checked)} />
        <span>{say(easy, 'done')}</span>
        <span class="visually-hidden">: {fieldValue(item, 'text')}</span>
      </label>
    </div>
  );
}

/** The language of field `name` of `item` (the page marks people's words with it: read aloud follows). */
const langOf = (item, name) => fieldLanguage(item, name, currentLanguage());

function ItemBody({ plan, item, easy }) {
  const v = valuesOf(item);
  switch (item.type) {
    case 'matter':
      return (
        <>
          <p dir="auto" class="item-text" data-speak lang={langOf(item, 'text')}>
            {v.text}
          </p>
          {v.other_view && (
            <p class="other-view" data-speak>
              {say(easy, 'other_view', { name: v.other_by || t('matter.someone') })} <U lang={langOf(item, 'other_view')}>{v.other_view}</U>
            </p>
          )}
          {v.differ && (
            <p class="differ" data-speak>
              {say(easy, 'differ')}
            </p>
          )}
        </>
      );
    case 'contingency':
      return (
        <>
          <p class="item-text" data-speak>
            {say(easy, 'if')} <U lang={langOf(item, 'trigger')}>{v.trigger}</U>
          </p>
          <p class="item-text" data-speak>
            {say(easy, 'then')} <U lang={langOf(item, 'response')}>{v.response}</U>
          </p>
          <MineDetails item={item} values={v} easy={easy} />
        </>
      );
    case 'person':
      return (
        <p class="item-text" data-speak>
          <U lang={langOf(item, 'name')}>{v.name}</U>
          {v.relationship && (
            <>
              {' — '}
              <U lang={langOf(item, 'relationship')}>{v.relationship}</U>
            </>
          )}
        </p>
      );
    default:
      return (
        <>
          <p dir="auto" class="item-text" data-speak lang={langOf(item, KINDS[item.type].text)}>
            {mainText(item)}
          </p>
          <MineDetails item={item} values={v} easy={easy} />
        </>
      );
  }
}

/** The details "My plan" reads out for a kind (its fields with a `mine` sentence in the registry), in one line. */
function MineDetails({ item, values: v, easy }) {
  const shown = formOf(item.type).filter((field) => field.mine && v[field.name] !== undefined && v[field.name] !== '' && v[field.name] !== false);
  if (!shown.length) return null;
  return (
    <p class="mine-details" data-speak>
      {shown.map((field, index) => (
        <span key={field.name} data-field={field.name}>
          {index > 0 && '. '}
          {field.control === 'date' && say(easy, field.mine, { when: formatDay(v[field.name]) })}
          {field.choices && `${say(easy, field.mine)} ${t(`choice.${field.choices}.${v[field.name]}`)}`}
          {field.control === 'check' && say(easy, field.mine)}
          {field.control !== 'date' && field.control !== 'check' && !field.choices && (
            <>
              {say(easy, field.mine)} <U lang={langOf(item, field.name)}>{v[field.name]}</U>
            </>
          )}
        </span>
      ))}
    </p>
  );
}

function MyItem({ plan, item, part, easy, drafts }) {
  return (
    <li>
      <article class="card mine-item" data-item={item.id} data-type={item.type} data-flags={flagNames(item)}>
        {easy && <Pictogram name={symbolOf(item.type, part)} />}
        <div class="mine-body">
          <IntegrityNote plan={plan} item={item} />
          <ItemBody plan={plan} item={item} easy={easy} />
          {item.type === 'step' && fieldValue(item, 'status') === 'done' && (
            <p class="done-mark" data-speak>
              {say(easy, 'is_done')}
            </p>
          )}
          {item.type === 'step' && <StepTick plan={plan} item={item} easy={easy} />}
          {item.type === 'step' && <TickedBy plan={plan} item={item} />}
          {item.type === 'step' && <StepActivity plan={plan} item={item} mine />}
          <Provenance plan={plan} item={item} />
          <AgreementStatus plan={plan} item={item} easy={easy} symbol={easy ? <Pictogram name="agreed" /> : null} />
          <Agreement plan={plan} item={item} drafts={drafts} />
          <p class="history-line">
            <HistoryLink plan={plan} item={item} />
          </p>
        </div>
      </article>
    </li>
  );
}

function AddGoodNews({ plan, easy }) {
  const [text, setText] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const add = async (event) => {
    event.preventDefault();
    setDone(false);
    if (!text.trim()) return setError(say(easy, 'news_missing'));
    setError(null);
    setBusy(true);
    try {
      const writer = plan.deviceName(plan.device.deviceId)?.name || fieldValue(plan.header, 'person') || '';
      await plan.create('good_news', { text, said_by: writer, voice: 'own', lang: currentLanguage() });
      setText('');
      setDone(true);
    } catch (e) {
      console.error(e);
      setError(t('error.save'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card add-news" onSubmit={add} noValidate>
      <ErrorSummary message={error} />
      <TextArea name="good-news" label={say(easy, 'news_label')} hint={say(easy, 'news_hint')} value={text} onInput={setText} />
      <Button type="submit" disabled={busy}>
        {say(easy, 'news_add')}
      </Button>
      {done && (
        <p role="status" class="notice">
          {say(easy, 'news_added')}
        </p>
      )}
    </form>
  );
}

export function MyPlan({ plan }) {
  const [easy, setEasy] = useState(usesEasyRead);
  const drafts = useRef(new Map()).current;
  const choose = (on) => {
    setEasyRead(on);
    setEasy(on);
  };
  const parts = PARTS.map((part) => ({ ...part, list: itemsOf(plan, part) })).filter((part) => part.always || part.list.length);
  return (
    <Screen title={say(easy, 'title')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <div class="mine-tools">
        <Checkbox name="easy-read" label={t('mine.easy_toggle')} checked={easy} onChange={choose} />
        <ReadAloud target="my-plan" label={say(easy, 'read_all')} />
        <StopReading />
        <NoSpeechNote />
      </div>
      <div id="my-plan" class={easy ? 'my-plan easy' : 'my-plan'} data-easy-read={easy ? 'on' : 'off'}>
        <p class="mine-intro" data-speak>
          {say(easy, 'intro')}
        </p>
        {parts.map((part) => (
          <section key={part.id} id={`mine-${part.id}`} class="mine-part" aria-labelledby={`mine-${part.id}-h`} data-part={part.id}>
            <div class="part-head">
              <h2 id={`mine-${part.id}-h`} data-speak>
                {easy && <Pictogram name={part.id} />}
                {say(easy, `h.${part.id}`)}
              </h2>
              <ReadAloud
                target={`mine-${part.id}`}
                label={
                  <>
                    {say(easy, 'read_part')}
                    <span class="visually-hidden">: {say(easy, `h.${part.id}`)}</span>
                  </>
                }
              />
            </div>
            <p class="part-intro" data-speak>
              {say(easy, `intro.${part.id}`)}
            </p>
            {part.list.length === 0 && !(part.id === 'news' && likedActivities(plan).length) && (
              <p class="muted" data-speak>
                {say(easy, 'empty')}
              </p>
            )}
            <ul class="plain cards">
              {part.list.map((item) => (
                <MyItem key={item.id} plan={plan} item={item} part={part.id} easy={easy} drafts={drafts} />
              ))}
            </ul>
            {part.id === 'news' && <LikedActivities plan={plan} easy={easy} />}
            {part.id === 'news' && <AddGoodNews plan={plan} easy={easy} />}
          </section>
        ))}
      </div>
      {plan.me.role === 'owner' && <LearningConsent plan={plan} />}
    </Screen>
  );
}
