// The route table: which screen each location hash shows (docs/app.md, "Screens and routes"). Patterns
// are wouter's (regexparam: `:name`, `:name?`, `*`), matched by wouter's own matcher, the first that
// matches wins, and a pattern matches a path that starts with it (`#/settings/x` is the settings
// screen). Plain data, read by the router in app.jsx and by the Node tests.

import { parse } from 'regexparam';
import { matchRoute } from 'wouter-preact';
import { SECTIONS } from '../data/model.js';

/**
 * The app's screens, by hash path (`#/plan/ID` is `/plan/ID`). `device`: shown only when this device
 * is set up here (true), or only when it is not (false); either when absent. (The lock screen, when
 * the app is locked, stands in for all of them.)
 */
export const APP_ROUTES = [
  { path: '/settings', screen: 'settings' },
  { path: '/join', screen: 'join' },
  { path: '/enrol', screen: 'enrol', device: false },
  { path: '*', screen: 'welcome', device: false },
  { path: '/new', screen: 'new-plan', device: true },
  { path: '/open-file', screen: 'open-file', device: true },
  { path: '/plan/:planId', screen: 'plan', device: true },
  { path: '/activities', screen: 'activities', device: true },
  { path: '/notes/:planId?', screen: 'notes', device: true },
  { path: '/learning', screen: 'learning', device: true },
  { path: '*', screen: 'plans', device: true },
];

/** Sections with a screen of their own; every other section is shown by the section screen. */
const OWN_SCREENS = ['goals', 'people', 'readback'];

/**
 * A plan's screens, by path under `/plan/:planId` (`sub`: the goal, item, version or conflict shown).
 * The sections' routes follow the registry's SECTIONS, so a section added there has its route. (A plan
 * whose key this device does not hold yet shows its home screen at every path; see app.jsx.)
 */
export function planRoutes() {
  return [
    { path: '/goal/:sub?', screen: 'goal' },
    { path: '/versions/:sub?', screen: 'versions' },
    { path: '/version/:sub?', screen: 'version' },
    { path: '/compare/:sub?', screen: 'compare' },
    { path: '/resolve/:sub?', screen: 'resolve' },
    { path: '/share/:sub?', screen: 'share' },
    { path: '/sharing', screen: 'sharing' },
    { path: '/details', screen: 'details' },
    { path: '/item/:sub/history', screen: 'item-history' },
    { path: '/item/:sub?', screen: 'item' },
    { path: '/mine/:sub?', screen: 'mine' },
    { path: '/meeting/:sub?', screen: 'meeting' },
    { path: '/review/:sub?', screen: 'review' },
    { path: '/progress', screen: 'progress' },
    { path: '/link/:sub?', screen: 'link' },
    ...SECTIONS.map((section) => {
      const own = section.screen ?? section.id;
      return { path: `/${section.route ?? section.id}/:sub?`, screen: OWN_SCREENS.includes(own) ? own : 'section', section: section.id };
    }),
    { path: '*', screen: 'home' },
  ];
}

const decode = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * The first of `routes` that matches `path`: the route with `params` (decoded; absent ones undefined)
 * and `rest`, the part of the path below the route's pattern (a plan's own screens). Null if none.
 */
export function matchFirst(routes, path) {
  for (const route of routes) {
    const [matches, params, base] = matchRoute(parse, route.path, path, true);
    if (!matches) continue;
    const named = {}; // wouter also gives each capture by its position: only the named ones are kept
    for (const [name, value] of Object.entries(params)) {
      if (!/^\d+$/.test(name)) named[name] = value === undefined ? undefined : decode(value);
    }
    return { ...route, params: named, rest: path.slice(base.length) || '/' };
  }
  return null;
}

/** The app screen for a hash path, with or without this device set up here. */
export const appRoute = (path, hasDevice) =>
  matchFirst(
    APP_ROUTES.filter((route) => route.device === undefined || route.device === hasDevice),
    path,
  );

/** The plan screen for a path under `/plan/:planId`. */
export const planRoute = (path) => matchFirst(planRoutes(), path);
