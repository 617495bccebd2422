// Calls the node's REST API as the CLI does, authenticated by the session cookie; every change carries the CSRF token.
let csrf = '';
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || ''; }
export function whenUnauthorized(callback) { onUnauthorized = callback; }

/** An API refusal: `detail` is the problem+json detail, the sentence shown to the user. */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
  get readable() { return this.status ? `${this.title} (${this.status}): ${this.detail}` : this.detail; }
}

/** A body sent as written (e.g. a pasted YAML spec) instead of as JSON. */
export class RawBody {
  constructor(type, text) { this.type = type; this.text = text; }
}

export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  const raw = body instanceof RawBody;
  if (body !== undefined) headers['Content-Type'] = raw ? body.type : 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-Galleon-CSRF'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : raw ? body.text : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'Network error', `the node did not answer (${e.message})`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text && (res.headers.get('Content-Type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const detail = data && data.detail ? data.detail : (text.trim() || res.statusText || 'request failed');
    const err = new ApiError(res.status, (data && data.title) || res.statusText || 'Error', detail);
    if (res.status === 401 && !quiet401) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const enc = encodeURIComponent;
