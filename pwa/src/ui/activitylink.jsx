// Community activities in the plan (docs/app.md, "Community activities": "Linking an activity to a step"): the
// worker and the person pick an activity from the directory this device keeps (offline too) and link it to a
// new step or one already there, to wait for a date or "when I'm ready" (`#/plan/ID/link`, `link/STEP`); the
// step shows what it links to (name, when, where, cost, contact) on the worker's cards and in "My plan"; and
// the person's follow-up, "Did you go? How was it? Would you go again?", in their own words, on their phone
// or at a visit, listed at the next review.

import { useEffect, useState } from 'preact/hooks';
import { activitySnapshot, followUpDay, followUpsOf, followUpsSince, likedFollowUps, linkedActivity, newStepText, waitsUntilReady } from '../data/activitylinks.js';
import { findActivities, readActivities } from '../data/activities.js';
import { CHOICES, fieldValue } from '../data/kinds.js';
import { openActivitiesDatabase } from '../data/localdb.js';
import { mainText } from '../data/model.js';
import { reviewsOf, today, validDay } from '../data/progress.js';
import { currentLanguage, formatDay, t, tAbout } from '../i18n/index.js';
import { dayNames, telephone } from './activities.jsx';
import { Button, Checkbox, ErrorSummary, Radios, Screen, Select, TextArea, TextInput, U, choiceOptions } from './common.jsx';
import { go } from './store.js';

const DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];

/** Whether this device is the person's own (it speaks to them as "you"). */
const isPersons = (plan) => plan.me?.role === 'owner';

/** Whether this device links activities: a worker's, with write access (only the organisation's devices keep the directory). */
export const canLinkActivities = (plan) => plan.me?.role === 'worker' && plan.me?.access === 'write';

/** "When you're ready" on the person's own device, "When she's ready" (in the form they chose) elsewhere. */
export const readyWords = (plan) => (isPersons(plan) ? t('link.ready_you') : tAbout(plan, 'link.ready'));

/** What the person needs to find an activity: when, where, cost, contact (a step's copy, or a directory entry). */
function ActivityFacts({ activity: a }) {
  const when = [a.when, a.days?.length ? dayNames(a.days) : ''].filter(Boolean).join(' · ');
  const where = [a.where, a.postcode].filter(Boolean).join(', ');
  const cost = a.free ? [t('activities.free'), a.cost].filter(Boolean).join(' · ') : a.cost;
  const facts = [
    [t('activities.when'), when],
    [t('activities.where'), where],
    [t('activities.cost'), cost],
  ].filter(([, text]) => text);
  return (
    <dl class="activity-facts">
      {facts.map(([label, text]) => (
        <div key={label} data-speak>
          <dt>{label}</dt>
          <dd dir="auto">{text}</dd>
        </div>
      ))}
      {(a.phone || a.email || a.url) && (
        <div data-speak>
          <dt>{t('activities.contact')}</dt>
          <dd dir="auto">
            {a.phone && <a href={telephone(a.phone)}>{a.phone}</a>}
            {a.phone && (a.email || a.url) && ' · '}
            {a.email && <a href={`mailto:${a.email}`}>{a.email}</a>}
            {a.email && a.url && ' · '}
            {a.url && <a href={a.url}>{a.url.replace(/^https?:\/\//, '')}</a>}
          </dd>
        </div>
      )}
    </dl>
  );
}

/**
 * A step's linked activity and its waiting "when I'm ready" (the worker's card; "My plan" says "when you're
 * ready" with the step's other details), its follow-ups, and on a worker's device "Link an activity".
 */
export function StepActivity({ plan, item, mine = false }) {
  const activity = linkedActivity(item);
  const canLink = !mine && canLinkActivities(plan);
  return (
    <>
      {!mine && waitsUntilReady(item) && (
        <p class="step-ready" data-ready>
          {readyWords(plan)}
        </p>
      )}
      {activity && (
        <section class="linked-activity" data-linked-activity={activity.id || ''} aria-label={t('link.heading')}>
          <p class="linked-activity-name" data-speak>
            {t('link.heading')}: <U>{activity.name}</U>
          </p>
          <ActivityFacts activity={activity} />
        </section>
      )}
      {activity && <FollowUps plan={plan} step={item} />}
      {!activity && canLink && (
        <p>
          <a href={`#/plan/${plan.id}/link/${item.id}`}>
            {t('link.open_step')}
            <span class="visually-hidden">: {mainText(item)}</span>
          </a>
        </p>
      )}
    </>
  );
}

/** One follow-up: did they go, how was it (in the words of who said it), would they go again, on which day. */
function FollowUpAnswers({ followup }) {
  const went = fieldValue(followup, 'went');
  const how = (fieldValue(followup, 'how') || '').trim();
  const again = fieldValue(followup, 'again');
  const by = (fieldValue(followup, 'said_by') || '').trim();
  return (
    <dl class="review-answers followup-answers" data-followup={followup.id}>
      <div data-speak>
        <dt>{t('followup.day')}</dt>
        <dd>{formatDay(followUpDay(followup))}</dd>
      </div>
      {went && (
        <div data-speak data-answer="went">
          <dt>{t('followup.went')}</dt>
          <dd>{t(`choice.went.${went}`)}</dd>
        </div>
      )}
      {how && (
        <div data-speak data-answer="how">
          <dt>{t('followup.how')}</dt>
          <dd>
            <U>{how}</U>
            {by && (
              <>
                {' — '}
                <U>{by}</U>
              </>
            )}
          </dd>
        </div>
      )}
      {again && (
        <div data-speak data-answer="again">
          <dt>{t('followup.again')}</dt>
          <dd>{t(`choice.again.${again}`)}</dd>
        </div>
      )}
    </dl>
  );
}

/** A step's follow-ups, newest first, and the form to add one (the person's phone, or the worker's at a visit). */
function FollowUps({ plan, step }) {
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState(false);
  const list = followUpsOf(plan.list('followup'), step.id);
  const canWrite = plan.me?.access === 'write';
  return (
    <div class="followups" data-followups={step.id}>
      {list.length > 0 && <h4 class="followups-h">{t('followup.title')}</h4>}
      {list.map((followup) => (
        <FollowUpAnswers key={followup.id} followup={followup} />
      ))}
      {saved && !open && (
        <p role="status" class="notice">
          {t('followup.saved')}
        </p>
      )}
      {canWrite && !open && (
        <Button
          kind="secondary small"
          onClick={() => {
            setOpen(true);
            setSaved(false);
          }}
        >
          {t('followup.add')}
          <span class="visually-hidden">: {mainText(step)}</span>
        </Button>
      )}
      {open && (
        <FollowUpForm
          plan={plan}
          step={step}
          onDone={(done) => {
            setOpen(false);
            setSaved(done);
          }}
        />
      )}
    </div>
  );
}

/** "Did you go? How was it? Would you go again?": a `followup` item about `step`, in the words of who said it. */
export function FollowUpForm({ plan, step, onDone }) {
  const persons = isPersons(plan);
  const [went, setWent] = useState('');
  const [how, setHow] = useState('');
  const [again, setAgain] = useState('');
  const [saidBy, setSaidBy] = useState(() => (persons ? plan.deviceName(plan.device.deviceId)?.name : '') || fieldValue(plan.header, 'person') || '');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const save = async (event) => {
    event.preventDefault();
    if (!went) return setError(t('followup.went_missing'));
    setBusy(true);
    setError(null);
    try {
      const values = { step: step.id, went, date: today(), said_by: saidBy.trim(), voice: 'own', lang: currentLanguage() };
      if (how.trim()) values.how = how;
      if (again) values.again = again;
      // Read by whoever can read the step it is about (the person's choice for the steps section, or the step's own).
      await plan.create('followup', values, { audience: plan.audiences.includes(step.audience) ? step.audience : undefined });
      onDone?.(true);
    } catch (e) {
      console.error('could not save the follow-up', e);
      setError(t('error.save'));
      setBusy(false);
    }
  };
  return (
    <form class="card followup-form" onSubmit={save} noValidate data-followup-form={step.id}>
      <ErrorSummary message={error} />
      <Radios name="went" legend={t('followup.went')} value={went} onChange={setWent} options={choiceOptions(CHOICES.went, 'choice.went')} />
      <TextArea name="how" label={t('followup.how')} hint={t('followup.how_hint')} value={how} onInput={setHow} />
      <Radios name="again" legend={t('followup.again')} value={again} onChange={setAgain} options={choiceOptions(CHOICES.again, 'choice.again')} />
      {!persons && <TextInput name="said_by" label={t('prov.said_by')} value={saidBy} onInput={setSaidBy} />}
      <div class="actions">
        <Button type="submit" disabled={busy}>
          {t('form.save')}
        </Button>
        <Button kind="secondary" onClick={() => onDone?.(false)}>
          {t('form.cancel')}
        </Button>
      </div>
    </form>
  );
}

/** The review's list: the follow-ups given since the last review (all of them before the first), in the person's words. */
export function FollowUpsSinceReview({ plan }) {
  const last = reviewsOf(plan)[0]?.day ?? null;
  const list = followUpsSince([...plan.list('step'), ...plan.list('followup')], last);
  if (!list.length) return null;
  return (
    <section aria-labelledby="followups-since-h" data-followups-since={last || ''}>
      <h2 id="followups-since-h">{last ? t('followup.since', { when: formatDay(last) }) : t('followup.all')}</h2>
      <ul class="plain">
        {list.map(({ followup, step }) => {
          const activity = step && linkedActivity(step);
          return (
            <li key={followup.id} class="card" data-followup-item={followup.id}>
              <p class="item-text">
                <U>{activity ? activity.name : step ? mainText(step) : t('followup.step_gone')}</U>
              </p>
              <FollowUpAnswers followup={followup} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The follow-ups that are good news in "My plan" (data/activitylinks.js, `likedFollowUps`). */
export const likedActivities = (plan) => likedFollowUps([...plan.list('step'), ...plan.list('followup')]);

/**
 * Good news in "My plan": each activity the person went to and would go again (the newest such follow-up of each
 * step), with what they said of it in their words.
 */
export function LikedActivities({ plan, easy }) {
  const liked = likedActivities(plan);
  if (!liked.length) return null;
  return (
    <ul class="plain cards" data-liked-activities>
      {liked.map(({ followup, step }) => {
        const how = (fieldValue(followup, 'how') || '').trim();
        return (
          <li key={followup.id}>
            <article class="card mine-item" data-liked={followup.id}>
              <div class="mine-body">
                <p class="item-text" data-speak>
                  {t(easy ? 'followup.liked_easy' : 'followup.liked')} <U>{linkedActivity(step).name}</U>
                </p>
                {how && (
                  <p data-speak>
                    <U>{how}</U>
                    {fieldValue(followup, 'said_by') && (
                      <>
                        {' — '}
                        <U>{fieldValue(followup, 'said_by')}</U>
                      </>
                    )}
                  </p>
                )}
              </div>
            </article>
          </li>
        );
      })}
    </ul>
  );
}

/** One directory entry in the picker, with "Choose". */
function Choice({ activity, onChoose }) {
  return (
    <li class="card" data-activity={activity.id}>
      <h3 class="activity-name" dir="auto">
        {activity.name}
      </h3>
      <ActivityFacts activity={activity} />
      <Button kind="secondary small" onClick={() => onChoose(activity)}>
        {t('link.choose')}
        <span class="visually-hidden">: {activity.name}</span>
      </Button>
    </li>
  );
}

/** How the chosen activity joins the plan: a new step or one already there; waiting for a date or "when ready". */
function LinkForm({ plan, activity, version, stepId, onBack }) {
  const steps = plan.list('step');
  const [to, setTo] = useState(stepId && plan.items.get(stepId) ? 'step' : 'new');
  const [existing, setExisting] = useState(stepId || steps[0]?.id || '');
  const [text, setText] = useState(() => newStepText(activity, t('link.try')));
  const [wait, setWait] = useState('ready');
  const [due, setDue] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const save = async (event) => {
    event.preventDefault();
    if (to === 'new' && !text.trim()) return setError(t('link.text_missing'));
    if (to === 'step' && !plan.items.get(existing)) return setError(t('link.step_missing'));
    if (wait === 'date' && !validDay(due)) return setError(t('link.date_missing'));
    setBusy(true);
    setError(null);
    const when = wait === 'ready' ? { ready: true } : { ready: false, due };
    try {
      const link = { activity: activitySnapshot(activity, version), ...when };
      if (to === 'new') {
        const person = fieldValue(plan.header, 'person') || '';
        await plan.create('step', { text, who: person, status: 'not_started', goals: [], ...link, said_by: person, voice: 'own', lang: currentLanguage() }, { audience: plan.sectionAudience('steps') });
      } else await plan.update(existing, link);
      go(`plan/${plan.id}/steps`);
    } catch (e) {
      console.error('could not link the activity', e);
      setError(t('error.save'));
      setBusy(false);
    }
  };
  return (
    <form class="card link-form" onSubmit={save} noValidate data-link-form={activity.id}>
      <ErrorSummary message={error} />
      <h2 dir="auto">{activity.name}</h2>
      <ActivityFacts activity={activity} />
      {steps.length > 0 && (
        <Radios
          name="link-to"
          legend={t('link.to')}
          value={to}
          onChange={setTo}
          options={[
            { value: 'new', label: t('link.to_new') },
            { value: 'step', label: t('link.to_step') },
          ]}
        />
      )}
      {to === 'new' && <TextArea name="link-text" label={t('form.step.text')} value={text} onInput={setText} />}
      {to === 'step' && (
        <Select name="link-step" label={t('link.step')} value={existing} onChange={setExisting} options={steps.map((step) => ({ value: step.id, label: mainText(step) }))} />
      )}
      <Radios
        name="link-when"
        legend={t('link.when')}
        value={wait}
        onChange={setWait}
        options={[
          { value: 'ready', label: readyWords(plan) },
          { value: 'date', label: t('link.when_date') },
        ]}
      />
      {wait === 'date' && <TextInput name="link-due" type="date" label={t('form.step.due')} value={due} onInput={setDue} />}
      <div class="actions">
        <Button type="submit" disabled={busy}>
          {t('link.save')}
        </Button>
        <Button kind="secondary" onClick={onBack}>
          {t('link.back')}
        </Button>
      </div>
    </form>
  );
}

/** "Link a community activity" (`#/plan/ID/link`, or `link/STEP` for one step): search the directory, choose, link. */
export function LinkActivity({ plan, sub }) {
  const [copy, setCopy] = useState(undefined); // undefined while reading, null when this device has none
  const [text, setText] = useState('');
  const [day, setDay] = useState('');
  const [free, setFree] = useState(false);
  const [chosen, setChosen] = useState(null);
  useEffect(() => {
    openActivitiesDatabase()
      .then(readActivities)
      .catch(() => null)
      .then(setCopy);
  }, []);
  const step = sub ? plan.items.get(sub) : null;
  const activities = copy?.activities ?? [];
  const found = findActivities(activities, { text, day, free });
  return (
    <Screen title={t('link.title')} back={{ path: `plan/${plan.id}/steps`, label: t('section.steps') }}>
      <p>{tAbout(plan, 'link.intro')}</p>
      {step && (
        <p class="muted">
          {t('link.for_step')} <U>{mainText(step)}</U>
        </p>
      )}
      {copy === null && <p data-no-activities>{t('link.none')}</p>}
      {chosen ? (
        <LinkForm plan={plan} activity={chosen} version={copy?.version ?? null} stepId={step?.id} onBack={() => setChosen(null)} />
      ) : (
        activities.length > 0 && (
          <>
            <div class="caseload-tools" data-activity-filters>
              <TextInput name="link-search" type="search" label={t('activities.search')} hint={t('activities.search_hint')} value={text} onInput={setText} autocomplete="off" />
              <Select
                name="link-day"
                label={t('activities.day')}
                value={day}
                onChange={setDay}
                options={[{ value: '', label: t('activities.any_day') }, ...DAYS.map((d) => ({ value: d, label: t(`activities.day.${d}`) }))]}
              />
              <Checkbox name="link-free" label={t('activities.free_only')} checked={free} onChange={setFree} />
            </div>
            <ul class="plain cards" aria-label={t('activities.list')} data-activities>
              {found.map((activity) => (
                <Choice key={activity.id} activity={activity} onChoose={setChosen} />
              ))}
            </ul>
          </>
        )
      )}
    </Screen>
  );
}
