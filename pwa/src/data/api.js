// The JSON API (/api/v1) with this device's bearer token. Errors carry the server's plain message.
//
// On one bar of signal an answer can be lost or cut short after the server acted: `api` then throws
// status 0, as for no connection, never a half-read answer. `retrying` sends a request again by itself
// while that lasts; only for requests the server answers the same way when repeated (api.md §4, §7).

const TIMEOUT = 30000; // ms: a request with no whole answer by then counts as no connection
const MAX_DELAY = 30000;

export class ApiError extends Error {
  constructor(status, detail, error = null, retryAfter = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.error = error; // the server's `error` code, e.g. "plan_not_set_up"
    this.retryAfter = retryAfter; // seconds, from a 429's or 503's Retry-After
  }
}

function retryAfterSeconds(response) {
  const seconds = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export async function api(path, { method = 'GET', body, token, timeout = TIMEOUT, credentials } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  let text;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      ...(credentials && { credentials }),
    });
    text = await response.text(); // the whole answer, or the connection broke on the way
  } catch {
    throw new ApiError(0, null);
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data?.detail, data?.error, retryAfterSeconds(response));
  if (data === null) throw new ApiError(0, null); // an answer cut short is an answer lost
  return data;
}

/**
 * A request that must not be tied to this device (a learning fact set, docs/api.md): no Authorization header and
 * no cookie (`credentials: 'omit'`), whatever the caller has.
 */
export const anonymousApi = (path, { method = 'GET', body, timeout = TIMEOUT } = {}) => api(path, { method, body, timeout, credentials: 'omit' });

/** Whether a request that failed may go through if sent again: no connection (0), 429, or a server error (5xx). */
export const worthRetrying = (error) => error?.status === 0 || error?.status === 429 || (error?.status >= 500 && error?.status < 600);

/** Wait `ms`, or less: until the browser says it is online again, or `signal` aborts. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      removeEventListener('online', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    addEventListener('online', done);
    signal?.addEventListener('abort', done);
  });
}

/**
 * `call()` until it is answered: again and again while it fails in a way that may pass (`worthRetrying`),
 * 1 s, 2 s, 4 s … up to 30 s apart, or after the server's Retry-After, and at once when the connection
 * comes back. `onWait(error)` is told before each wait. Aborting `signal` stops it (an AbortError).
 */
export async function retrying(call, { onWait = () => {}, signal } = {}) {
  for (let delay = 1000; ; delay = Math.min(delay * 2, MAX_DELAY)) {
    if (signal?.aborted) throw new DOMException('stopped', 'AbortError');
    try {
      return await call();
    } catch (error) {
      if (!worthRetrying(error) || signal?.aborted) throw error;
      onWait(error);
      await pause(error.retryAfter != null ? error.retryAfter * 1000 : delay, signal);
    }
  }
}
