/**
 * The dashboard's API client: the shared `request` (cookie + X-Portico-CSRF), plus one rule —
 * a 401 means the dashboard session ended (expired, signed out in another tab, password reset),
 * so the app returns to the sign-in page instead of showing a broken page.
 */
import { ApiError, request } from '../shared/api.ts';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await request<T>(method, path, body);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) window.dispatchEvent(new Event('portico:signed-out'));
    throw e;
  }
}

export const dash = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => call<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => call<T>('DELETE', path),
};

// ── wire shapes the dashboard reads (WorkOS API objects) ─────────────────────

export interface Organization {
  id: string;
  name: string;
  external_id: string | null;
  domains: {
    id: string;
    domain: string;
    state: string;
    verification_strategy: string;
    verification_token?: string;
    verification_prefix?: string;
  }[];
  created_at: string;
}

export interface User {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  email_verified: boolean;
  created_at: string;
}

export interface Membership {
  id: string;
  user_id: string;
  organization_id: string;
  organization_name: string;
  status: 'active' | 'inactive' | 'pending';
  role: { slug: string };
  user: User;
  created_at: string;
}

export interface WorkosEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
  context?: Record<string, unknown>;
  created_at: string;
}

export interface WebhookEndpoint {
  id: string;
  endpoint_url: string;
  secret: string;
  status: 'enabled' | 'disabled';
  events: string[];
  disabled_reason?: string | null;
  created_at: string;
}

export interface Delivery {
  id: string;
  event_id: string;
  state: 'pending' | 'delivering' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  attempt_log: {
    id: string;
    attempt: number;
    started_at: string;
    duration_ms: number;
    status: number | null;
    error: string | null;
    response_snippet: string | null;
  }[];
}

/** A dashboard admin's impersonation of a user (`/_admin/users/:id/impersonat…`, docs/impersonation.md). */
export interface Impersonation {
  id: string;
  user_id: string;
  organization_id: string | null;
  admin: { id: string; email: string };
  reason: string;
  redirect_uri: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  session_id: string | null;
}

/**
 * Starts impersonating a user: the answer's `url` is Portico's hosted impersonation page (banner,
 * then Continue to the application). Dashboard session only; an API key cannot do this.
 */
export const impersonate = (
  userId: string,
  body: { reason: string; organization_id?: string; redirect_uri?: string },
) =>
  dash.post<Impersonation & { url: string }>(`/_admin/users/${encodeURIComponent(userId)}/impersonate`, body);

export const listImpersonations = (userId: string) =>
  dash.get<{ data: Impersonation[] }>(`/_admin/users/${encodeURIComponent(userId)}/impersonations`);

export const userName = (u: Pick<User, 'first_name' | 'last_name' | 'email'>) =>
  [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email;
