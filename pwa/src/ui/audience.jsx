// Who can read what (docs/app.md, "Who can read what"; data/audiences.js): the "Who can read this?" choice
// in an item's form, the short tag on a card whose audience is not everyone, and the person's screen of
// choices: the audience each section starts new things in, and which supporters are from a service.

import { useState } from 'preact/hooks';
import { AUDIENCE_WORDS, audienceWord, circleOf, mayMove, served, sharingOf } from '../data/audiences.js';
import { SECTIONS } from '../data/kinds.js';
import { rotateIfSomeoneLeft } from '../data/session.js';
import { t, tAbout } from '../i18n/index.js';
import { Button, Checkbox, ErrorSummary, Radios, Screen, Select, U } from './common.jsx';

const options = (plan, audiences) => audiences.map((value) => ({ value, label: tAbout(plan, audienceWord(plan, value)) }));

/**
 * "Who can read this?": the audiences this device holds keys for (for an item being changed, those it may
 * move the item to). Nothing to choose (only everyone): not shown. Choosing fewer readers for an item that
 * exists says plainly that copies already on others' devices stay there.
 */
export function AudienceField({ plan, item, value, onChange }) {
  const choices = plan.audiences.filter((audience) => !item || audience === item.audience || mayMove(plan, item, audience));
  if (choices.length < 2) return null;
  const fewer = item && value !== item.audience && value !== 'everyone';
  return (
    <div class="audience-field" data-audience-field>
      <Radios name="audience" legend={t('audience.legend')} hint={t('audience.hint')} value={value} onChange={onChange} options={options(plan, choices)} />
      {fewer && (
        <p class="warn" role="note" data-copies-stay>
          {t('audience.copies_stay')}
        </p>
      )}
    </div>
  );
}

/** The short tag on a card whose audience is not everyone ("Only you and your worker"). */
export function AudienceTag({ plan, item }) {
  const tag = AUDIENCE_WORDS[item.audience]?.tag;
  if (!tag) return null;
  return (
    <p class="audience-tag" data-audience={item.audience}>
      {tAbout(plan, tag)}
    </p>
  );
}

/** The sections people write in (those with kinds of content). */
const writtenSections = () => SECTIONS.filter((section) => section.kinds.length);

/**
 * The person's choices (route `sharing`): which audience each section starts new things in, and which
 * supporters are from a service (they read only what everyone in the plan reads). Only the person's
 * devices change them; anyone else sees what the person chose.
 */
export function Sharing({ plan }) {
  const chosen = sharingOf(plan);
  const mine = plan.me.role === 'owner' && plan.me.access === 'write';
  const [sections, setSections] = useState(() => Object.fromEntries(writtenSections().map((s) => [s.id, plan.sectionAudience(s.id)])));
  // Supporters the server still serves (by the member list this device last fetched, when it has one).
  const listed = (id) => !plan.context.members?.length || served(plan, id);
  const supporters = [...plan.devices.keys()].filter((id) => plan.roles.get(id)?.role === 'supporter' && listed(id));
  const [services, setServices] = useState(() => supporters.filter((id) => circleOf(plan, id, chosen) === 'service'));
  const [state, setState] = useState(null);
  const save = async () => {
    setState('saving');
    try {
      await plan.setSharing({ sections, services });
      // Someone now from a service leaves the family's audience: its key changes (spec §5.3). With no signal, the
      // plan's next opening does it (rotateIfSomeoneLeft runs after every first sync).
      await rotateIfSomeoneLeft(plan).catch(() => {});
      setState('saved');
    } catch (error) {
      console.error('could not save', error);
      setState('failed');
    }
  };
  const nameOf = (id) => {
    const named = plan.deviceName(id);
    return named ? (named.label ? `${named.name} (${named.label})` : named.name) : t('prov.unknown_device');
  };
  return (
    <Screen title={t('audience.screen')} back={{ path: `plan/${plan.id}`, label: t('plan.back') }}>
      <p>{t('audience.screen_intro')}</p>
      {!mine && <p class="muted">{tAbout(plan, 'audience.person_decides')}</p>}
      <h2>{t('audience.sections')}</h2>
      {writtenSections().map((section) =>
        mine ? (
          <Select
            key={section.id}
            name={`section-${section.id}`}
            label={t(section.label)}
            value={sections[section.id]}
            onChange={(value) => setSections((s) => ({ ...s, [section.id]: value }))}
            options={options(plan, plan.audiences)}
          />
        ) : (
          <p key={section.id}>
            {t(section.label)}: {tAbout(plan, audienceWord(plan, plan.sectionAudience(section.id)))}
          </p>
        ),
      )}
      {mine && supporters.length > 0 && (
        <>
          <h2>{t('audience.services')}</h2>
          <p>{t('audience.services_intro')}</p>
          {supporters.map((id) => (
            <Checkbox
              key={id}
              name={`service-${id}`}
              label={<U>{nameOf(id)}</U>}
              checked={services.includes(id)}
              onChange={(on) => setServices((list) => (on ? [...list, id] : list.filter((x) => x !== id)))}
            />
          ))}
        </>
      )}
      {mine && (
        <div class="actions">
          <Button onClick={save} disabled={state === 'saving'}>
            {t('form.save')}
          </Button>
        </div>
      )}
      {state === 'saved' && (
        <p role="status" data-saved>
          {t('audience.saved')}
        </p>
      )}
      <ErrorSummary message={state === 'failed' && t('error.save')} />
    </Screen>
  );
}
