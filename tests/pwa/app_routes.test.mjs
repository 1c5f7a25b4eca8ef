// The route table (ui/routes.js) without a browser: every hash the app links to, and people may have
// bookmarked, shows the same screen as under the router it replaced (the chain of `if`s, kept below as
// the reference), with and without this device set up; and the sections' routes follow the registry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SECTIONS } from '../../pwa/src/data/model.js';
import { appRoute, planRoute } from '../../pwa/src/ui/routes.js';

const PLAN = 'Jq3x9ZkT0bWm5cRv8nPa2g';
const ITEM = 'b7c1e0d2a9f84e3c9a6d5f1e2b3c4d5e';

/** The router before: the hash split into parts, then a chain of `if`s (app.jsx as it was). */
function before(hash, hasDevice) {
  const path = hash.replace(/^#\/?/, '');
  const parts = path ? path.split('/').map(decodeURIComponent) : [];
  if (parts[0] === 'settings') return { screen: 'settings' };
  if (parts[0] === 'join') return { screen: 'join' };
  if (!hasDevice) return { screen: parts[0] === 'enrol' ? 'enrol' : 'welcome' };
  if (parts[0] === 'new') return { screen: 'new-plan' };
  if (parts[0] === 'open-file') return { screen: 'open-file' };
  if (parts[0] !== 'plan' || !parts[1]) return { screen: 'plans' };
  const [, planId, screen, sub, detail] = parts;
  const named = ['goals', 'goal', 'people', 'readback', 'versions', 'version', 'resolve', 'share', 'mine'];
  let shown = 'home';
  if (named.includes(screen)) shown = screen;
  else if (screen === 'item') shown = detail === 'history' ? 'item-history' : 'item';
  else if (['strengths', 'matters', 'steps', 'news'].includes(screen)) shown = 'section';
  return { screen: 'plan', planId, plan: { screen: shown, sub, section: shown === 'section' ? screen : undefined } };
}

/** The router now: the hash as wouter's hash location gives it, through the route table. */
function now(hash, hasDevice) {
  const path = `/${hash.replace(/^#?\/?/, '')}`;
  const route = appRoute(path, hasDevice);
  if (route.screen !== 'plan') return { screen: route.screen };
  const inPlan = planRoute(route.rest);
  const section = inPlan.screen === 'section' ? inPlan.section : undefined;
  return { screen: 'plan', planId: route.params.planId, plan: { screen: inPlan.screen, sub: inPlan.params.sub, section } };
}

const HASHES = [
  '',
  '#',
  '#/',
  '#/plans',
  '#/settings',
  '#/join',
  '#/enrol',
  '#/new',
  '#/open-file',
  '#/nowhere',
  '#/plan',
  '#/plan/',
  `#/plan/${PLAN}`,
  `#/plan/${PLAN}/`,
  ...['goals', 'people', 'readback', 'versions', 'share', 'mine', 'strengths', 'matters', 'steps', 'news'].map((s) => `#/plan/${PLAN}/${s}`),
  `#/plan/${PLAN}/goal/${ITEM}`,
  `#/plan/${PLAN}/item/${ITEM}`,
  `#/plan/${PLAN}/item/${ITEM}/history`,
  `#/plan/${PLAN}/resolve/${ITEM}`,
  `#/plan/${PLAN}/version/${ITEM}`,
  `#/plan/${PLAN}/version/3`,
  `#/plan/${PLAN}/elsewhere`,
  `#/plan/${encodeURIComponent('a plan')}/goal/${encodeURIComponent('a goal')}`,
];

test('every hash the app had shows the same screen, with the same plan and item, with this device set up', () => {
  for (const hash of HASHES) assert.deepEqual(now(hash, true), before(hash, true), hash);
});

test('every hash the app had shows the same screen on a device not set up here', () => {
  for (const hash of HASHES) assert.deepEqual(now(hash, false), before(hash, false), hash);
});

test("each section of the registry has a route under the plan, to the section's own screen or the section screen", () => {
  assert.ok(SECTIONS.length > 0);
  for (const section of SECTIONS) {
    const route = planRoute(`/${section.route ?? section.id}`);
    const own = ['goals', 'people', 'readback'].includes(section.screen ?? section.id);
    assert.equal(route.screen, own ? section.screen ?? section.id : 'section', section.id);
    if (!own) assert.equal(route.section, section.id);
  }
});

test('a section added to the registry gets its route, and a path the table does not know shows the plan home', () => {
  assert.equal(planRoute('/allotment').screen, 'home');
  SECTIONS.splice(SECTIONS.length - 1, 0, { id: 'allotment', route: 'allotment', label: 'section.allotment', screen: 'list', kinds: [] });
  try {
    const route = planRoute('/allotment/some-item');
    assert.deepEqual([route.screen, route.section, route.params.sub], ['section', 'allotment', 'some-item']);
  } finally {
    SECTIONS.splice(SECTIONS.findIndex((s) => s.id === 'allotment'), 1);
  }
});

test('the comparison of two agreed versions has its route, both versions in one part of the path', () => {
  const older = 'a1'.repeat(16);
  const newer = 'b2'.repeat(16);
  const route = planRoute(`/compare/${older}..${newer}`);
  assert.deepEqual([route.screen, route.params.sub], ['compare', `${older}..${newer}`]);
});
