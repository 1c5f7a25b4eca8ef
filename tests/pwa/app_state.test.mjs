// How the app publishes state, without a browser: signals (data/state.js, ui/store.js) and a plan's
// changes (data/plan.js). A change reaches each subscriber once, changes made together reach it once,
// and a subscriber that unsubscribed (or a stopped plan's) hears nothing more and holds nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDeviceKeys } from '../../pwa/src/crypto/index.js';
import { Plan } from '../../pwa/src/data/plan.js';
import { batch, computed, effect, signal, watch } from '../../pwa/src/data/state.js';
import { appState, setState } from '../../pwa/src/ui/store.js';

/** A signal that counts how many subscribers it has (signals' own `watched`/`unwatched` callbacks). */
function countedSignal(value) {
  const counted = { subscribers: 0 };
  counted.signal = signal(value, {
    watched: () => {
      counted.subscribers += 1;
    },
    unwatched: () => {
      counted.subscribers -= 1;
    },
  });
  return counted;
}

test('watch calls its listener once per change, with the new value, and not for the value it had', () => {
  const name = signal('Dee');
  const heard = [];
  const stop = watch(name, (value) => heard.push(value));
  assert.deepEqual(heard, []);
  name.value = 'Dee Jones';
  name.value = 'Dee J';
  assert.deepEqual(heard, ['Dee Jones', 'Dee J']);
  stop();
});

test('changes made together in one batch reach a subscriber once', () => {
  const first = signal(1);
  const second = signal(2);
  const sums = [];
  const stop = watch(computed(() => first.value + second.value), (sum) => sums.push(sum));
  batch(() => {
    first.value = 10;
    second.value = 20;
  });
  assert.deepEqual(sums, [30]);
  stop();
});

test('after unsubscribing a listener hears nothing and the signal keeps no subscriber', () => {
  const counted = countedSignal(0);
  const heard = [];
  const stopOne = watch(counted.signal, (value) => heard.push(`one ${value}`));
  const stopTwo = watch(counted.signal, (value) => heard.push(`two ${value}`));
  assert.equal(counted.subscribers, 1);
  counted.signal.value = 1;
  stopOne();
  counted.signal.value = 2;
  stopTwo();
  counted.signal.value = 3;
  assert.deepEqual(heard, ['one 1', 'two 1', 'two 2']);
  assert.equal(counted.subscribers, 0);
});

test('setState publishes the app state it changes together, once, and refuses a name it does not have', () => {
  const seen = [];
  const stop = watch(computed(() => [appState.device.value, appState.locked.value]), (value) => seen.push(value));
  const device = { deviceId: 'a'.repeat(32), plans: {} };
  setState({ device, locked: true, ready: true });
  assert.deepEqual(seen, [[device, true]]);
  setState({ notice: 'You left the plan.' });
  assert.equal(seen.length, 1);
  assert.equal(appState.notice.value, 'You left the plan.');
  assert.throws(() => setState({ route: 'plans' }), /no app state named route/);
  stop();
});

async function newPlan() {
  const keys = await generateDeviceKeys();
  return new Plan('p'.repeat(32), { keys, deviceId: keys.deviceId, plans: {} }, { db: null });
}

test('a plan tells each subscriber once per change, with the plan, and a screen reading its signal follows it', async () => {
  const plan = await newPlan();
  const told = [];
  const stop = plan.subscribe((seen) => told.push(seen));
  const screen = [];
  const stopScreen = watch(plan.updates, (count) => screen.push(count));
  plan.notify();
  plan.notify();
  assert.deepEqual(told, [plan, plan]);
  assert.deepEqual(screen, [1, 2]);
  stop();
  stopScreen();
});

test("a plan's unsubscribed listeners hear nothing more, and a stopped plan publishes nothing", async () => {
  const plan = await newPlan();
  const told = [];
  const stop = plan.subscribe(() => told.push('unsubscribed'));
  plan.subscribe(() => told.push('kept'));
  stop();
  plan.notify();
  assert.deepEqual(told, ['kept']);
  plan.stop();
  plan.notify();
  assert.deepEqual(told, ['kept']);
  assert.equal(plan.updates.value, 1);
});

test("reading what a plan shows (its items, roles, keys) follows its changes; reading its id does not", async () => {
  const plan = await newPlan();
  const renders = { items: 0, id: 0 };
  const stopItems = effect(() => {
    plan.items.size;
    renders.items += 1;
  });
  const stopId = effect(() => {
    plan.id;
    renders.id += 1;
  });
  plan.items = new Map([['an item', {}]]);
  plan.notify();
  assert.deepEqual(renders, { items: 2, id: 1 });
  assert.equal(plan.items.size, 1);
  stopItems();
  stopId();
});
