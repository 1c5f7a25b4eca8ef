// The JSON API (/api/v1) with this device's bearer token. Errors carry the server's plain message.

export class ApiError extends Error {
  constructor(status, detail, error = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.error = error; // the server's `error` code, e.g. "plan_not_set_up"
  }
}

export async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.detail, data.error);
  return data;
}
