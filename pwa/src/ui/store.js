// App-wide state, one signal each (@preact/signals): a screen that reads `.value` while it renders
// re-renders when it changes (docs/app.md, "App state and routes"). The UI language and the app's name
// are signals of i18n/index.js. Where the app is, is the location hash, followed by the router
// (routes.js, app.jsx); `go` moves to another screen.

import { batch, signal } from '@preact/signals';

export const appState = {
  /** This device (see device.js): undefined until read, null when it is not set up here or the app is locked. */
  device: signal(undefined),
  /** The app lock's screen is showing (spec §13). */
  locked: signal(false),
  /** This device has been read: the screens may show. */
  ready: signal(false),
  /** A new version of the app is waiting: the function that switches to it, else null. */
  update: signal(null),
  /** What happened just before (a plan left or deleted from this device), said once on "My plans". */
  notice: signal(null),
  /** The invite a join link (/join#AS1:...) carried, for the join screen. */
  inviteText: signal(null),
};

/** Change some of the app state (names as in `appState`), publishing the changes together, once. */
export function setState(changes) {
  batch(() => {
    for (const [name, value] of Object.entries(changes)) {
      if (!(name in appState)) throw new Error(`no app state named ${name}`);
      appState[name].value = value;
    }
  });
}

/** Go to the screen at `path` (`plan/ID/goals`): the hash becomes `#/plan/ID/goals`. */
export function go(path) {
  location.hash = `#/${path}`;
}
