// App-wide state (this device, the route, the update prompt) with a tiny subscribe/re-render hook.

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();
export const state = { device: undefined, route: parseRoute(), update: null, ready: false };

export function setState(changes) {
  Object.assign(state, changes);
  for (const listener of listeners) listener();
}

export function useAppState() {
  const [, force] = useState(0);
  useEffect(() => {
    const listener = () => force((n) => n + 1);
    listeners.add(listener);
    listener(); // catch up with any change made between the render and this effect
    return () => listeners.delete(listener);
  }, []);
  return state;
}

/** `#/plan/ID/goals` -> {parts: ['plan', 'ID', 'goals']}. */
export function parseRoute() {
  const path = location.hash.replace(/^#\/?/, '');
  return { parts: path ? path.split('/').map(decodeURIComponent) : [] };
}

export function go(path) {
  location.hash = `#/${path}`;
}

addEventListener('hashchange', () => {
  setState({ route: parseRoute() });
});

/** Re-render when an object with subscribe() (a plan, its sync) changes. */
export function useSubscription(source) {
  const [, force] = useState(0);
  useEffect(() => {
    if (!source) return undefined;
    const unsubscribe = source.subscribe(() => force((n) => n + 1));
    force((n) => n + 1);
    return unsubscribe;
  }, [source]);
  return source;
}
