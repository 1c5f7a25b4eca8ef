// "Community activities": the organisation's directory as this device keeps it (data/activities.js), browsed
// and searched with no connection: by words, day, tag and cost (docs/app.md, "Community activities"). It only
// shows the directory; linking an activity to a step of a plan comes with that item kind.

import { useEffect, useState } from 'preact/hooks';
import { activityTags, findActivities, readActivities } from '../data/activities.js';
import { openActivitiesDatabase } from '../data/localdb.js';
import { refreshOurActivities } from '../data/session.js';
import { currentLanguage, formatDateTime, formatDay, t, tn } from '../i18n/index.js';
import { Button, Checkbox, Screen, Select, TextInput } from './common.jsx';
import { appState } from './store.js';

const DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];

/** A language code in the words of the app's language (the code itself if the browser has no name for it). */
function languageName(code) {
  try {
    return new Intl.DisplayNames([currentLanguage()], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}

/** A list in the app's language ("Welsh, English"; in Arabic with its own comma). */
function list(parts) {
  try {
    return new Intl.ListFormat(currentLanguage(), { style: 'short', type: 'unit' }).format(parts);
  } catch {
    return parts.join(', ');
  }
}

export const dayNames = (days) => list(days.map((day) => t(`activities.day.${day}`)));
export const telephone = (phone) => `tel:${phone.replace(/[^0-9+]/g, '')}`;

function Fact({ label, children }) {
  return (
    <>
      <dt>{label}</dt>
      <dd dir="auto">{children}</dd>
    </>
  );
}

function ActivityCard({ activity: a }) {
  const when = [a.when, dayNames(a.days)].filter(Boolean).join(' · ');
  const where = [a.where, a.postcode].filter(Boolean).join(', ');
  const cost = a.free ? [t('activities.free'), a.cost].filter(Boolean).join(' · ') : a.cost;
  return (
    <li class="card" data-activity={a.id}>
      <h2 class="activity-name" dir="auto">
        {a.name}
      </h2>
      {a.description && (
        <p class="activity-about" dir="auto">
          {a.description}
        </p>
      )}
      <dl class="activity-facts">
        {when && <Fact label={t('activities.when')}>{when}</Fact>}
        {where && <Fact label={t('activities.where')}>{where}</Fact>}
        {cost && <Fact label={t('activities.cost')}>{cost}</Fact>}
        {a.accessibility && <Fact label={t('activities.accessibility')}>{a.accessibility}</Fact>}
        {a.languages.length > 0 && <Fact label={t('activities.languages')}>{list(a.languages.map(languageName))}</Fact>}
        {(a.phone || a.email || a.url) && (
          <Fact label={t('activities.contact')}>
            {a.phone && <a href={telephone(a.phone)}>{a.phone}</a>}
            {a.phone && (a.email || a.url) && ' · '}
            {a.email && <a href={`mailto:${a.email}`}>{a.email}</a>}
            {a.email && a.url && ' · '}
            {a.url && <a href={a.url}>{a.url.replace(/^https?:\/\//, '')}</a>}
          </Fact>
        )}
        {a.last_checked && <Fact label={t('activities.last_checked')}>{formatDay(a.last_checked)}</Fact>}
      </dl>
      {a.tags.length > 0 && (
        <ul class="activity-tags" aria-label={t('activities.tags')}>
          {a.tags.map((tag) => (
            <li key={tag} class="badge" dir="auto">
              {tag}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function Activities() {
  const [copy, setCopy] = useState(undefined); // undefined while reading, null when this device has none
  const [text, setText] = useState('');
  const [day, setDay] = useState('');
  const [tag, setTag] = useState('');
  const [free, setFree] = useState(false);
  const [news, setNews] = useState(null);
  const [busy, setBusy] = useState(false);
  const load = async () => setCopy(await openActivitiesDatabase().then(readActivities).catch(() => null));
  useEffect(() => {
    load();
  }, []);
  const check = async () => {
    setBusy(true);
    try {
      const { status } = await refreshOurActivities(appState.device.value.token);
      setNews(t(`activities.result.${status}`));
      await load();
    } catch {
      setNews(t('activities.result.offline'));
    } finally {
      setBusy(false);
    }
  };
  const activities = copy?.activities ?? [];
  const found = findActivities(activities, { text, day, tag, free });
  const filtering = !!(text.trim() || day || tag || free);
  return (
    <Screen title={t('activities.title')} back={{ path: 'plans', label: t('plans.title') }}>
      <p>{t('activities.intro')}</p>
      {copy && (
        <p class="muted" data-checked-at={copy.checkedAt}>
          {t('activities.checked', { when: formatDateTime(copy.checkedAt) })}
        </p>
      )}
      {copy === null && <p data-no-activities>{t('activities.none')}</p>}
      {activities.length > 0 && (
        <div class="caseload-tools" data-activity-filters>
          <TextInput name="activity-search" type="search" label={t('activities.search')} hint={t('activities.search_hint')} value={text} onInput={setText} autocomplete="off" />
          <Select
            name="activity-day"
            label={t('activities.day')}
            value={day}
            onChange={setDay}
            options={[{ value: '', label: t('activities.any_day') }, ...DAYS.map((d) => ({ value: d, label: t(`activities.day.${d}`) }))]}
          />
          <Select
            name="activity-tag"
            label={t('activities.tag')}
            value={tag}
            onChange={setTag}
            options={[{ value: '', label: t('activities.any_tag') }, ...activityTags(activities).map((value) => ({ value, label: value }))]}
          />
          <Checkbox name="activity-free" label={t('activities.free_only')} checked={free} onChange={setFree} />
        </div>
      )}
      {copy && (
        <p role="status" class="muted" data-found={found.length}>
          {filtering ? tn('activities.found', found.length, { total: activities.length }) : tn('activities.count', activities.length)}
        </p>
      )}
      {found.length > 0 && (
        <ul class="plain cards" aria-label={t('activities.list')} data-activities>
          {found.map((activity) => (
            <ActivityCard key={activity.id} activity={activity} />
          ))}
        </ul>
      )}
      <div class="actions stacked">
        <Button kind="secondary" onClick={check} disabled={busy}>
          {t('activities.check')}
        </Button>
      </div>
      <p role="status" data-activities-news>
        {news}
      </p>
    </Screen>
  );
}
