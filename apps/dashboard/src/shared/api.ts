/**
 * The JSON client both apps use. Requests are same-origin with the session cookie; every
 * request carries the CSRF header the server hands out with the session (`X-Portico-CSRF`), so a
 * cross-site page cannot drive the API with the browser's cookie. Errors come back as ApiError
 * with the server's stable `code`, its `message` (which says how to fix the problem) and the
 * per-field `errors` when the server sent them.
 */

export interface FieldError {
  field: string;
  code: string;
  message?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

let csrf: string | null = null;

export function setCsrf(token: string | null) {
  csrf = token;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (csrf) headers['X-Portico-CSRF'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Portico could not be reached. Check that the server is running.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; error?: string; message?: string; errors?: FieldError[] };
    throw new ApiError(
      res.status,
      e.code ?? e.error ?? `http_${res.status}`,
      e.message ?? `The request failed with HTTP ${res.status}.`,
      Array.isArray(e.errors) ? e.errors : [],
    );
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** A WorkOS list response. */
export interface List<T> {
  object: 'list';
  data: T[];
  list_metadata: { before: string | null; after: string | null };
}

export function qs(params: Record<string, string | number | undefined | null>) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
