// Live two-way replication of one plan with /sync/{plan} whenever the device is online, retrying
// with backoff, and a plain status: saved here / syncing / synced at / N waiting / a problem.

import { loadedPouchDB } from './localdb.js';
import { signal, watch } from './state.js';

const READS = /\/(_changes|_bulk_get|_all_docs)(\?|$)/;
const isRead = (url, opts) => ['GET', 'HEAD'].includes((opts.method || 'GET').toUpperCase()) || READS.test(String(url));

const backOff = (delay) => (delay === 0 ? 1000 : Math.min(delay * 2, 60000));

export class PlanSync {
  constructor(plan, token) {
    this.plan = plan;
    this.token = token;
    // What the status line says (see the getters below): screens read `.value`, other code subscribe()s.
    const state = navigator.onLine ? 'syncing' : 'offline';
    this.report = signal({ state, problem: null, progress: null, waiting: null, trying: false, checkNumber: null });
    this.handle = null;
    const url = `${location.origin}/sync/${plan.id}`;
    // The plan's own database was opened first (openLocalDatabase), which brought PouchDB.
    const PouchDB = loadedPouchDB();
    this.remote = new PouchDB(url, {
      skip_setup: true,
      fetch: async (url, opts) => {
        opts.headers.set('Authorization', `Bearer ${this.token}`);
        const response = await PouchDB.fetch(url, opts);
        // 401: the device was switched off. 403 on a read: this device was removed from the plan (a
        // read-only member's refused write is a 403 too, and is not a removal).
        if (response.status === 401 || (response.status === 403 && isRead(url, opts))) this.refuse(response.status);
        return response;
      },
    });
    // PouchDB names a remote for its checkpoints by asking the server's root (GET /sync/, a 404 here) for a
    // uuid; without one it uses the database's own URL. Name it so at once: no request for nothing.
    this.remote.id = () => Promise.resolve(`${url}/`);
    this.onOnline = () => this.restart();
    this.onOffline = () => this.set({ state: 'offline' });
  }

  /** Call `listener(sync)` after each change of the report (see state.js); returns the function that stops it. */
  subscribe(listener) {
    return watch(this.report, () => listener(this));
  }

  /** Change some of the report, publishing it once (nothing once stopped). */
  set(changes) {
    if (!this.stopped) this.report.value = { ...this.report.value, ...changes };
  }

  /** 'offline', 'syncing', 'retrying', 'synced', 'problem' (see `problem`) or 'waiting' (see `waiting`). */
  get state() {
    return this.report.value.state;
  }

  /** Why it stopped: 'failed', 'refused' or 'removed'. */
  get problem() {
    return this.report.value.problem;
  }

  /** A first download's {done, total}, or null. */
  get progress() {
    return this.report.value.progress;
  }

  /** What a held sync waits for (see hold). */
  get waiting() {
    return this.report.value.waiting;
  }

  /** A held sync whose wait is being ended now (the set-up sent, no answer yet): its line says "Syncing…". */
  get trying() {
    return this.report.value.trying;
  }

  get checkNumber() {
    return this.report.value.checkNumber;
  }

  get pending() {
    return this.plan.status.pending.length;
  }

  /** How many of the changes waiting to sync the server refused (see onDenied). */
  get notAccepted() {
    return this.plan.notAccepted().length;
  }

  get lastSynced() {
    return this.plan.status.lastSynced;
  }

  async start() {
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    await this.firstDownload();
    this.run();
  }

  /**
   * On a copy that has never synced and holds less than the server (a device that has just joined),
   * show how much of the plan has arrived. Counted from what is here already: this device's own
   * roster entry may be written while the download starts.
   */
  async firstDownload() {
    if (!navigator.onLine || this.plan.status.lastSynced) return;
    try {
      const [local, remote] = await Promise.all([this.plan.db.info(), this.remote.info()]);
      if (remote.doc_count > local.doc_count) {
        this.set({ progress: { done: local.doc_count, total: remote.doc_count } });
      }
    } catch {
      /* offline or refused: the sync below reports it */
    }
  }

  run() {
    if (this.handle || this.refused) return;
    if (!navigator.onLine) {
      this.set({ state: 'offline' });
    }
    const handle = this.plan.db.sync(this.remote, { live: true, retry: true, back_off_function: backOff, batch_size: 100 });
    this.handle = handle;
    // PouchDB's sync says "paused" whenever one direction pauses while the other is marked paused, and
    // both start marked so: an idle push (this device's roster entry sent) said "paused" before the pull
    // had its first answer from the server, which ended a first download's progress bar and said
    // "synced" with nothing downloaded. It also drops the error a direction paused with. So each
    // direction is followed here: synced only once both have caught up, retrying if either failed.
    const idle = { push: false, pull: false };
    for (const direction of ['push', 'pull']) {
      handle[direction].on('active', () => {
        idle[direction] = false;
      });
      handle[direction].on('paused', (error) => {
        if (handle !== this.handle) return;
        idle[direction] = !error;
        if (error) this.onPaused(error);
        else if (idle.push && idle.pull) this.onPaused();
      });
    }
    handle
      .on('change', (info) => this.onChange(info))
      .on('active', () => this.onActive())
      .on('denied', (info) => this.onDenied(info))
      .on('error', (error) => this.onError(error));
  }

  /**
   * The server refused a document this device sent (`_bulk_docs` answered `forbidden` for it; the sync goes on
   * with the rest): its id is kept as not accepted, so once the sync is idle the line says so rather than
   * "waiting to sync" for a change that will not go as it is. It stays pending; a later revision the server
   * takes (sealed again under a new key, as after a rotation this device missed) clears both.
   */
  async onDenied(info) {
    const id = info?.direction === 'push' ? info.doc?.id : null;
    const refused = this.plan.status.notAccepted || [];
    if (!id || refused.includes(id)) return;
    await this.plan.saveStatus({ notAccepted: [...refused, id] });
    this.plan.notify(); // its item says so
  }

  /** `ids` reached the server: none of them waits to sync or stands refused any more (one write of the status). */
  async synced(ids) {
    const { pending, notAccepted = [] } = this.plan.status;
    const refused = notAccepted.filter((id) => !ids.has(id));
    await this.plan.saveStatus({ pending: pending.filter((id) => !ids.has(id)), notAccepted: refused });
    if (refused.length !== notAccepted.length) this.plan.notify();
  }

  /** Replication wakes up often (live changes feed): say "syncing" only when it lasts or carries changes. */
  onActive() {
    if (this.refused) return;
    clearTimeout(this.activeTimer);
    this.activeTimer = setTimeout(() => this.set({ state: 'syncing', problem: null }), 1500);
  }

  onChange(info) {
    clearTimeout(this.activeTimer);
    if (this.refused) return;
    if (info.direction === 'push') {
      this.synced(new Set(info.change.docs.map((doc) => doc._id)));
    } else if (this.progress) {
      const done = this.progress.done + info.change.docs.length;
      this.set({ progress: { done: Math.min(done, this.progress.total), total: this.progress.total } });
    }
    this.set({ state: 'syncing' });
  }

  async onPaused(error) {
    clearTimeout(this.activeTimer);
    if (this.refused) return;
    if (error || !navigator.onLine) {
      this.set({ state: navigator.onLine ? 'retrying' : 'offline' });
      return;
    }
    await this.clearSynced();
    await this.plan.saveStatus({ lastSynced: Date.now() });
    this.set({ state: 'synced', progress: null, problem: null });
  }

  /**
   * Drop from pending the ids the server already holds at their current local revision: a push whose
   * status write was cut short (the page closed) is never reported again, so ask the server.
   */
  async clearSynced() {
    const ids = [...this.plan.status.pending];
    if (!ids.length) return;
    const localRevs = async () => {
      const { rows } = await this.plan.db.allDocs({ keys: ids });
      return new Map(rows.map((row) => [row.key, row.value?.rev || null]));
    };
    try {
      const before = await localRevs();
      const asked = {};
      for (const [id, rev] of before) if (rev) asked[id] = [rev];
      const missing = Object.keys(asked).length ? await this.remote.revsDiff(asked) : {};
      // Read again: an id edited meanwhile has a newer revision the server may not have yet.
      const after = await localRevs();
      const done = new Set(ids.filter((id) => !missing[id] && before.get(id) === after.get(id)));
      if (done.size) await this.synced(done);
    } catch {
      /* the server could not be asked: the ids stay pending until next time */
    }
  }

  onError(error) {
    this.handle = null;
    if (this.refused) return;
    const status = error?.status;
    const problem = status === 401 || status === 403 ? 'refused' : 'failed';
    this.set({ state: 'problem', problem });
  }

  /** The server will not serve this plan to this device: stop trying, and say so. */
  refuse(status) {
    if (this.refused) return;
    this.refused = true;
    clearTimeout(this.activeTimer);
    const handle = this.handle;
    this.handle = null;
    this.set({ state: 'problem', problem: status === 403 ? 'removed' : 'refused' });
    setTimeout(() => handle?.cancel(), 0);
  }

  /**
   * The server does not have this plan for this device yet (a plan started offline, a join not finished):
   * do not sync, say what it is waiting for (`waiting`: "setup", "join", "inviter" or "refused"), until
   * release(). `checkNumber` is the plan fingerprint a joining device shows meanwhile. `trying`: what it
   * waits for is being sent now, with a connection (a plan started online), so the line says "Syncing…"
   * rather than what it waits for: a long line that would be gone a moment later would move the screen
   * under the person's finger. Held again without it once that try fails.
   */
  hold(waiting, checkNumber = this.checkNumber, { trying = false } = {}) {
    this.held = true;
    this.set({ state: 'waiting', waiting, checkNumber, trying });
  }

  /** The server has it now: sync from here on, with this device's token (it may be new). */
  release(token) {
    if (token) this.token = token;
    if (!this.held) return;
    this.held = false;
    this.set({ state: navigator.onLine ? 'syncing' : 'offline', waiting: null, trying: false });
    this.start();
  }

  /**
   * One replication both ways, then stop: for a plan that is not on screen, so its changes still
   * arrive without a live feed held open. Problems are left for the plan's own live sync to report.
   */
  async once() {
    if (this.held || this.refused || !navigator.onLine) return;
    try {
      await this.plan.db.sync(this.remote, { batch_size: 100 }).on('change', (info) => this.onChange(info));
      await this.clearSynced();
      await this.plan.saveStatus({ lastSynced: Date.now() });
    } catch {
      /* offline, or refused: said when the plan is opened */
    }
  }

  restart() {
    if (this.held) return;
    this.handle?.cancel();
    this.handle = null;
    this.run();
  }

  stop() {
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    this.handle?.cancel();
    this.handle = null;
    this.stopped = true;
  }
}
