// The console's one way to the service: the public API under /v1, with the API key from this tab (if any).

const KEY_STORAGE = 'ingestion-service.api-key';

/** An error answer of the API: its one shape, {statusCode, code, message, details?}. */
export class ApiError extends Error {
  constructor(status, payload) {
    super(payload.message || `HTTP ${status}`);
    this.status = status;
    this.code = payload.code || `HTTP_${status}`;
    this.details = payload.details;
  }

  /** The message with each invalid field, as VALIDATION_FAILED names them. */
  get full() {
    const fields = Array.isArray(this.details) ? this.details.filter((d) => d && typeof d.field === 'string') : [];
    const extra = fields.length ? ` (${fields.map((d) => `${d.field}: ${(d.messages || []).join(', ')}`).join('; ')})` : '';
    return `${this.message}${extra}`;
  }
}

const unauthorizedListeners = new Set();

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE) || '',
  set: (key) => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE)),
  /** Called with the ApiError whenever the service answers 401: the page then asks for a key. */
  onUnauthorized: (listener) => unauthorizedListeners.add(listener),
};

function authHeaders() {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

function failed(status, payload) {
  const error = new ApiError(status, payload && typeof payload === 'object' ? payload : {});
  if (status === 401) for (const listener of unauthorizedListeners) listener(error);
  return error;
}

/** A JSON request; resolves with the answer's body, rejects with an ApiError. */
export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: 'NETWORK_ERROR', message: 'The service cannot be reached' });
  }
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw failed(response.status, payload);
  return payload;
}

/** A path with its query string; empty values are left out. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Uploads one file to POST /v1/ingest/file with XMLHttpRequest, whose upload events give a byte progress that
 * fetch does not. Resolves with the answer (202 created, 200 unchanged or replayed), rejects with an ApiError.
 */
export function uploadFile(file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/v1/ingest/file');
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    request.addEventListener('load', () => {
      let payload;
      try {
        payload = JSON.parse(request.responseText || '{}');
      } catch {
        payload = {};
      }
      if (request.status === 200 || request.status === 202) resolve(payload);
      else reject(failed(request.status, payload));
    });
    request.addEventListener('error', () => reject(new ApiError(0, { code: 'NETWORK_ERROR', message: 'The upload did not reach the service' })));
    const form = new FormData();
    // Fields before the file: the service checks the collection before it stores the file.
    for (const [name, value] of Object.entries(fields)) if (value) form.append(name, value);
    form.append('file', file, file.name);
    request.send(form);
  });
}
