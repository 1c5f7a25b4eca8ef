// Start the app: language, quick exit, service worker and update prompt, this device, then the screens.

import { render } from 'preact';
import { isLocked, loadDevice } from './data/device.js';
import { moveLocalDatabases } from './data/localdb.js';
import { clearExited } from './data/safety.js';
import { askPersistentStorage, startOutboxSending } from './data/session.js';
import { loadLanguage } from './i18n/index.js';
import './styles.css';
import { App, listenForQuickExit, startAfterQuickExit } from './ui/app.jsx';
import { listenForAutoLock } from './ui/lock.jsx';
import { setState } from './ui/store.js';

// Set once the app has started in this browser (any `alongside-` key tells the shell's first screen to stay hidden).
const OPENED = 'alongside-opened';

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((registration) => {
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      setState({ update: () => worker.postMessage({ type: 'skip-waiting' }) });
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed') offer(worker);
      });
    });
  });
  const hadController = !!navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !hadController) return;
    reloading = true;
    location.reload();
  });
}

async function start() {
  await loadLanguage();
  listenForQuickExit();
  listenForAutoLock();
  // A join link (/join#AS1:...) carries the invite in its fragment, which never reaches the server.
  if (location.pathname === '/join') {
    const text = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', '/#/join');
    setState({ inviteText: text });
    clearExited(); // a join link is opened on purpose
  }
  const afterQuickExit = startAfterQuickExit();
  // The shell may carry the first screen already drawn (server/first_screen.py). Then the app draws nothing
  // until it knows what to show, and replaces it in one go (no blank moment between the two); from now on
  // this browser counts as one that has opened the app, so the shell's check keeps that screen hidden.
  localStorage.setItem(OPENED, '1');
  const root = document.getElementById('app');
  const drawn = root.hasAttribute('data-first-screen');
  const show = () => {
    if (drawn) {
      root.removeAttribute('data-first-screen');
      root.replaceChildren();
    }
    render(<App />, root);
  };
  if (!drawn) show();
  // After a quick exit nothing of this device is read until the user chooses "Open" (docs/security.md).
  if (afterQuickExit) {
    setState({ device: null, ready: true });
    if (drawn) show();
    registerServiceWorker();
    return;
  }
  // With the app lock on, nothing of the plans is read until the PIN unwraps this device's keys.
  const locked = await isLocked().catch(() => false);
  const device = locked ? null : await loadDevice().catch(() => null);
  setState({ device, locked, ready: true });
  if (drawn) show();
  if (device) askPersistentStorage();
  if (device) moveLocalDatabases().catch(() => {}); // a move of the plans' databases cut short finishes now
  // What this device owes the server (plans started and invites made offline, joins to finish).
  startOutboxSending();
  registerServiceWorker();
}

start();
