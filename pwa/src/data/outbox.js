// What this device still owes the server (set up a plan started offline, register an invite made
// offline, finish a join), kept in IndexedDB so that it survives a reload or a closed app, and sent
// when a connection appears: in order for each plan, retrying with backoff and on `online` events.
//
// An action is {id, kind, plan, ...}. A handler (registered with `onAction`) returns when the server
// has it, throws `RetryLater` or a network/server error to try again later, or throws anything else
// to set it aside as refused (kept, with the server's words, never dropped silently). An action may be
// sent more than once (its answer lost on the way): each is one the server answers the same way when
// repeated (api.md §5 to §7, §9). With the app lock on the queue is stored sealed with the device
// record (device.js, spec §13.2): actions name plans, and it is read only once the app is unlocked.

import { worthRetrying } from './api.js';
import { AppLocked, readPrivate, writePrivate } from './device.js';
import { signal } from './state.js';

const KEY = 'outbox';
const MAX_DELAY = 60000;
const handlers = new Map();
/** The actions still owed, once read from this device's store (null before; see queuedActions): read `.value` to follow the queue. */
export const outboxActions = signal(null);
let running = null;
let again = false;
let timer = null;
let delay = 0;

/** Thrown by a handler when the server cannot take the action yet; `waiting` says what for. */
export class RetryLater extends Error {
  /** `maxDelay` (ms) caps the backoff, for waits that can end any moment (another device connecting). */
  constructor(waiting, { maxDelay = MAX_DELAY } = {}) {
    super(waiting);
    this.waiting = waiting;
    this.maxDelay = maxDelay;
  }
}

const retryable = (error) => error instanceof RetryLater || worthRetrying(error);

async function load() {
  if (!outboxActions.value) {
    const stored = (await readPrivate(KEY)) || [];
    if (!outboxActions.value) outboxActions.value = stored; // a save while this was reading wins
  }
  return outboxActions.value;
}

async function save(next) {
  outboxActions.value = next;
  await writePrivate(KEY, next);
}

async function change(id, changes) {
  await save((await load()).map((action) => (action.id === id ? { ...action, ...changes } : action)));
}

/** Register what to do for actions of one kind. */
export function onAction(kind, handler) {
  handlers.set(kind, handler);
}

/** The actions still owed (refused ones included, marked `refused`). */
export async function queuedActions() {
  return [...(await load())];
}

/** Drop the actions still owed for a plan (its copy on this device is gone), except those `keep` says to keep. */
export async function dropActionsFor(planId, keep = () => false) {
  await save((await load()).filter((action) => action.plan !== planId || keep(action)));
}

/** Queue an action and try to send it at once. An action with the same `key` as a queued one is not added twice. */
export async function enqueue(action) {
  const queued = await load();
  if (action.key && queued.some((a) => a.key === action.key)) return;
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  await save([...queued, { ...action, id, queued: Date.now() }]);
  drain();
}

/** Send what can be sent now. Concurrent calls join the running one (and make it go round once more). */
export function drain() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  timer = null;
  running = (async () => {
    try {
      do {
        again = false;
        await drainOnce();
      } while (again);
    } catch (error) {
      if (!(error instanceof AppLocked)) console.error('could not send queued actions', error); // locked: sent after unlocking
    } finally {
      running = null;
    }
  })();
  return running;
}

async function drainOnce() {
  const blocked = new Set(); // plans with an earlier action still owed: theirs wait, in order
  let retry = false;
  let cap = MAX_DELAY;
  let atLeast = 0; // ms: the longest Retry-After the server asked for
  for (const action of await queuedActions()) {
    if (action.refused || blocked.has(action.plan)) continue;
    const handler = handlers.get(action.kind);
    if (!handler) continue;
    try {
      await handler(action);
      await save((await load()).filter((a) => a.id !== action.id));
      delay = 0;
    } catch (error) {
      if (retryable(error)) {
        const waiting = error instanceof RetryLater ? error.waiting : error.status === 0 ? 'connection' : 'server';
        if (action.waiting !== waiting) await change(action.id, { waiting });
        blocked.add(action.plan);
        retry = true;
        if (error instanceof RetryLater) cap = Math.min(cap, error.maxDelay);
        if (error?.retryAfter != null) atLeast = Math.max(atLeast, error.retryAfter * 1000);
      } else {
        console.error('the server refused a queued action', action.kind, error);
        await change(action.id, { refused: { status: error?.status ?? null, detail: error?.message || '' } });
      }
    }
  }
  if (retry) {
    delay = Math.min(delay === 0 ? 2000 : delay * 2, cap);
    timer = setTimeout(drain, Math.max(delay, atLeast));
  }
}

/** Send on every `online` event (at once, backoff reset) and now. */
export function startOutbox() {
  addEventListener('online', () => {
    delay = 0;
    drain();
  });
  return drain();
}
