// What a plan shows, published with signals (see state.js). A plan keeps its state in plain fields that
// its own code changes in place (items, roles, keys, ...) and then calls `notify()`; reading one of the
// fields below reads the plan's `updates` signal too, so a screen that reads the plan while it renders
// re-renders after each change it publishes, and only such a screen.

import { signal, watch } from './state.js';

/** The fields screens read: each read of one follows the plan's changes. */
const FOLLOWED = ['items', 'roles', 'devices', 'roster', 'keyring', 'keyProblem', 'agreementRecords', 'status', 'context'];

export class PlanState {
  constructor() {
    this.updates = signal(0); // counts the changes published: read `.value` to follow them
    this.stopped = false;
    this.followed = {};
  }

  /** Call `listener(plan)` after each change published (not for the state it has now); returns the function that stops it. */
  subscribe(listener) {
    return watch(this.updates, () => listener(this));
  }

  /** Publish a change of what the plan shows (a stopped plan publishes nothing). */
  notify() {
    if (!this.stopped) this.updates.value += 1;
  }

  /** Publish nothing more (the plan is closed). */
  stopPublishing() {
    this.stopped = true;
  }
}

for (const name of FOLLOWED) {
  Object.defineProperty(PlanState.prototype, name, {
    get() {
      this.updates.value; // a read made while a screen renders follows the plan
      return this.followed[name];
    },
    set(value) {
      this.followed[name] = value;
    },
  });
}
