// How state is published in the app: with signals (@preact/signals-core), and only with them. A plan,
// its sync, the outbox and the plan list each keep what they show in a signal; a screen that reads a
// signal's `.value` while it renders re-renders when it changes (the Preact binding, @preact/signals, in
// ui/), and code outside the screens follows a change with `watch` (docs/app.md, "App state and routes").

import { effect, untracked } from '@preact/signals-core';

export { batch, computed, effect, signal } from '@preact/signals-core';

/**
 * Call `listener(value)` after each change of `source` (a signal or computed), not for the value it has
 * now; returns the function that stops it. Changes made together in one `batch` call it once.
 */
export function watch(source, listener) {
  let current = true;
  return effect(() => {
    const value = source.value;
    if (current) {
      current = false;
      return;
    }
    untracked(() => listener(value));
  });
}
