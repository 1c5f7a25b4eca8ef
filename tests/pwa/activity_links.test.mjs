// Community activities linked to steps (docs/app.md, "Linking an activity to a step"): what a step keeps of a
// directory entry, "when I'm ready" never overdue in the caseload, and the follow-ups a review lists.
import assert from 'node:assert/strict';
import test from 'node:test';
import { activitySnapshot, followUpsOf, followUpsSince, likedFollowUps, linkedActivity, newStepText, waitsUntilReady, wentAndLiked } from '../../pwa/src/data/activitylinks.js';
import { caseloadFacts, overdueCount } from '../../pwa/src/data/plandetails.js';
import { KINDS, TYPES, WORDS, formOf } from '../../pwa/src/data/kinds.js';

const item = (id, type, values, at = 1) => ({ id, type, created: { at }, f: Object.fromEntries(Object.entries(values).map(([name, v]) => [name, { v, at }])) });

const WALK = {
  id: 'walk',
  name: ' Riverside walking group ',
  description: 'A gentle walk along the river.',
  when: 'Thursdays 10:00',
  days: ['th'],
  where: 'Library steps',
  postcode: 'CF10 1AA',
  cost: '',
  free: true,
  accessibility: 'Flat paths',
  phone: '029 2000 0000',
  email: 'walks@example.org',
  url: '',
  languages: ['en', 'cy'],
  tags: ['walking'],
};

test('a step keeps what the person needs to find the activity, and nothing empty', () => {
  const kept = activitySnapshot(WALK, 3);
  assert.deepEqual(kept, {
    id: 'walk',
    name: 'Riverside walking group',
    when: 'Thursdays 10:00',
    where: 'Library steps',
    postcode: 'CF10 1AA',
    phone: '029 2000 0000',
    email: 'walks@example.org',
    days: ['th'],
    tags: ['walking'],
    free: true,
    version: 3,
  });
  assert.equal(newStepText(kept, 'Try {name}'), 'Try Riverside walking group');
  const step = item('s1', 'step', { text: 'Try it', activity: kept, ready: true });
  assert.equal(linkedActivity(step).name, 'Riverside walking group');
  assert.equal(waitsUntilReady(step), true);
  assert.equal(linkedActivity(item('s2', 'step', { text: 'Call the GP' })), null);
  assert.equal(waitsUntilReady(item('s2', 'step', { text: 'Call the GP', ready: false })), false);
});

test('the registry: the copy is not anyone\'s words and not in the form; "when I\'m ready" is a choice; a follow-up\'s "how" is words', () => {
  assert.ok(TYPES.step.fields.includes('activity'));
  assert.ok(!WORDS.step.includes('activity'));
  assert.ok(!formOf('step').some((f) => f.name === 'activity'));
  assert.equal(formOf('step').find((f) => f.name === 'ready').control, 'check');
  assert.deepEqual(WORDS.followup, ['how']);
  assert.equal(KINDS.followup.section, undefined, 'a follow-up is a record of what was said, not content to agree to');
});

test('a step waiting "when I\'m ready" is never overdue, even with an old date', () => {
  const items = [
    item('a', 'step', { text: 'Overdue', due: '2026-11-01', status: 'not_started' }),
    item('b', 'step', { text: 'Walk', due: '2026-11-01', status: 'not_started', ready: true }),
    item('c', 'step', { text: 'Walk, no date', status: 'not_started', ready: true }),
  ];
  const facts = caseloadFacts(items);
  assert.deepEqual(facts.due, ['2026-11-01']);
  assert.equal(overdueCount(facts.due, '2026-12-03'), 1);
});

test('follow-ups: of one step newest first; since the last review (that day counts), with their step', () => {
  const step = item('s1', 'step', { text: 'Try the walk', activity: activitySnapshot(WALK) });
  const older = item('f1', 'followup', { step: 's1', went: 'not_yet', date: '2026-10-01' }, 10);
  const onReviewDay = item('f2', 'followup', { step: 's1', went: 'yes', how: 'Lovely people', again: 'yes', date: '2026-11-15' }, 20);
  const newer = item('f3', 'followup', { step: 's1', went: 'yes', how: 'Rained', again: 'maybe', date: '2026-12-01' }, 30);
  const orphan = item('f4', 'followup', { step: 'gone', went: 'no', date: '2026-12-02' }, 40);
  const items = [step, older, onReviewDay, newer, orphan];
  assert.deepEqual(
    followUpsOf(items, 's1').map((f) => f.id),
    ['f3', 'f2', 'f1'],
  );
  const since = followUpsSince(items, '2026-11-15');
  assert.deepEqual(
    since.map(({ followup, step: s, day }) => [followup.id, s?.id ?? null, day]),
    [
      ['f4', null, '2026-12-02'],
      ['f3', 's1', '2026-12-01'],
      ['f2', 's1', '2026-11-15'],
    ],
  );
  assert.equal(followUpsSince(items, null).length, 4, 'before the first review: all of them');
  assert.equal(wentAndLiked(onReviewDay), true);
  assert.equal(wentAndLiked(newer), false);
});

test('good news: the newest follow-up of each linked step that says "went, and would go again"', () => {
  const walk = item('s1', 'step', { text: 'Try the walk', activity: activitySnapshot(WALK) });
  const plain = item('s2', 'step', { text: 'Call the GP' });
  const items = [
    walk,
    plain,
    item('f1', 'followup', { step: 's1', went: 'yes', again: 'yes', how: 'Good', date: '2026-11-01' }, 10),
    item('f2', 'followup', { step: 's1', went: 'yes', again: 'yes', how: 'Even better', date: '2026-12-01' }, 20),
    item('f3', 'followup', { step: 's2', went: 'yes', again: 'yes', date: '2026-12-01' }, 30),
  ];
  assert.deepEqual(
    likedFollowUps(items).map(({ followup }) => followup.id),
    ['f2'],
  );
});

test('the link picker has its route under a plan, for the plan or for one step', async () => {
  const { planRoute } = await import('../../pwa/src/ui/routes.js');
  assert.equal(planRoute('/link').screen, 'link');
  assert.deepEqual([planRoute('/link/s1').screen, planRoute('/link/s1').params.sub], ['link', 's1']);
});
