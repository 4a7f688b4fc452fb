/**
 * The dashboard's own endpoints under `/_admin/…`:
 * - `GET|POST|DELETE /_admin/session`: who am I (with the CSRF token and the environment), sign
 *   in (sets the HttpOnly, SameSite=Strict session cookie), sign out.
 * - What the WorkOS API has no endpoint for: API keys, redirect URIs, the environment's active
 *   sessions. These accept ONLY the dashboard session cookie with its `X-Portico-CSRF` header, not
 *   an `sk_` key: a leaked API key must not be able to mint more keys (and outlive its revocation)
 *   or widen the redirect allow-list. The CLI covers the same ground for scripts.
 * Everything else the dashboard shows goes through the WorkOS API surface itself (surfaces/api.ts
 * accepts the same cookie), so there is no second business logic.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { ContractRegistry } from '../../platform/contract.ts';
import type { Deps, EnvContext } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import type { ApiKeyResolver } from '../../surfaces/api.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { secureCookies } from '../../surfaces/hosted.ts';
import { clientIp, JsonSurface } from '../../surfaces/json-surface.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { ADMIN_COOKIE, ADMIN_SESSION_HOURS, type AdminIdentity, type AdminService } from './service.ts';

export const CSRF_HEADER = 'x-portico-csrf';

export interface AdminEnv extends EnvContext {
  admin: AdminIdentity;
  environmentName: string;
}

/**
 * Resolves the dashboard session behind a request: null when there is no valid session cookie;
 * throws `csrf_token_invalid` when the cookie is valid but the CSRF header is missing or wrong.
 */
export async function dashboardSession(c: Context, admin: AdminService): Promise<AdminEnv | null> {
  const identity = await admin.resolve(getCookie(c, ADMIN_COOKIE));
  if (!identity) return null;
  if (!admin.checkCsrf(identity.sessionId, c.req.header(CSRF_HEADER)))
    throw new AppError('csrf_token_invalid');
  const env = await admin.environment();
  return { admin: identity, environmentId: env.id, clientId: env.client_id, environmentName: env.name };
}

const ApiKeyWire = z.object({
  id: z.string(),
  name: z.string(),
  obfuscated_value: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
const SessionInfo = z.object({
  admin: z.object({ id: z.string(), email: z.string() }),
  csrf_token: z.string(),
  expires_at: z.string().optional(),
  environment: z.object({ id: z.string(), name: z.string(), client_id: z.string() }),
});
const ActiveSession = z.object({
  id: z.string(),
  user_id: z.string(),
  email: z.string(),
  organization_id: z.string().nullable(),
  authentication_method: z.string(),
  /** The dashboard admin behind an impersonated session (docs/impersonation.md). */
  impersonator_email: z.string().nullable(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
});
const idParam = z.object({ id: z.string().min(1).max(200) });

export function adminRoutes(
  app: Hono,
  deps: Deps,
  registry: ContractRegistry,
  limiter: RateLimiter,
  admin: AdminService,
  environments: EnvironmentService,
  apiKeys: ApiKeyResolver,
) {
  // ── the session itself: no prior authentication ──────────────────────────
  const open = new JsonSurface<null>(app, deps, registry, limiter, {
    name: 'admin-session',
    authenticate: async () => null,
    environmentIdOf: () => null,
  });
  const info = async (identity: AdminIdentity) => {
    const env = await admin.environment();
    return {
      admin: { id: identity.adminUserId, email: identity.email },
      csrf_token: admin.csrfFor(identity.sessionId),
      environment: { id: env.id, name: env.name, client_id: env.client_id },
    };
  };
  open.route({
    method: 'get',
    path: '/_admin/session',
    summary: 'The signed-in dashboard admin, the CSRF token and the environment (Portico dashboard)',
    response: SessionInfo,
    handler: async ({ c }) => {
      c.header('Cache-Control', 'no-store');
      const identity = await admin.resolve(getCookie(c, ADMIN_COOKIE));
      if (!identity) throw new AppError('admin_session_required');
      return info(identity);
    },
  });
  open.route({
    method: 'post',
    path: '/_admin/session',
    summary: 'Sign in to the dashboard (sets the session cookie)',
    body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
    status: 201,
    response: SessionInfo,
    handler: async ({ c, body }) => {
      const s = await admin.signIn(body.email, body.password, clientIp(c));
      setCookie(c, ADMIN_COOKIE, s.token, {
        httpOnly: true,
        secure: secureCookies(deps),
        sameSite: 'Strict',
        path: '/',
        maxAge: ADMIN_SESSION_HOURS * 3600,
      });
      c.header('Cache-Control', 'no-store');
      return { ...(await info(s.identity)), expires_at: s.expiresAt };
    },
  });
  open.route({
    method: 'delete',
    path: '/_admin/session',
    summary: 'Sign out of the dashboard',
    handler: async ({ c }) => {
      const cookie = getCookie(c, ADMIN_COOKIE);
      const identity = await admin.resolve(cookie);
      if (identity && !admin.checkCsrf(identity.sessionId, c.req.header(CSRF_HEADER)))
        throw new AppError('csrf_token_invalid');
      await admin.signOut(cookie);
      deleteCookie(c, ADMIN_COOKIE, { path: '/', secure: secureCookies(deps), sameSite: 'Strict' });
      return c.body(null, 204);
    },
  });

  // ── dashboard-only management (cookie + CSRF only) ────────────────────────
  const surface = new JsonSurface<AdminEnv>(app, deps, registry, limiter, {
    name: 'admin',
    async authenticate(c) {
      const env = await dashboardSession(c, admin);
      if (!env) {
        throw new AppError('admin_session_required', {
          message: c.req.header('authorization')
            ? '/_admin endpoints accept only a dashboard session, not an API key. Sign in to the dashboard, or use the `portico` CLI (api-keys, redirect-uris).'
            : undefined,
        });
      }
      return env;
    },
    rateLimit: (env) => ({
      bucket: `admin:${env.admin.adminUserId}`,
      limit: deps.config.rateLimitApi,
      windowMs: 60_000,
    }),
    environmentIdOf: (env) => env.environmentId,
  });

  surface.route({
    method: 'get',
    path: '/_admin/api_keys',
    summary: 'List the environment’s API keys (obfuscated)',
    response: z.object({ data: z.array(ApiKeyWire) }),
    handler: async ({ env }) => ({ data: await environments.listApiKeys(env.environmentId) }),
  });
  surface.route({
    method: 'post',
    path: '/_admin/api_keys',
    summary: 'Create an API key (its value is returned only here)',
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    status: 201,
    response: ApiKeyWire.extend({ value: z.string() }),
    sealReplay: true,
    handler: async ({ env, body }) => {
      const key = await environments.createApiKey(env.environmentId, body.name);
      const rows = await environments.listApiKeys(env.environmentId);
      const row = rows.find((r) => r.id === key.id);
      if (!row) throw notFound('API key', key.id);
      return { ...row, value: key.value };
    },
  });
  surface.route({
    method: 'post',
    path: '/_admin/api_keys/:id/revoke',
    summary: 'Revoke an API key (it stops working at once)',
    params: idParam,
    response: ApiKeyWire,
    handler: async ({ env, params }) => {
      const ok = await environments.revokeApiKey(env.environmentId, params.id);
      if (!ok) throw notFound('Active API key', params.id);
      apiKeys.forget(params.id);
      const row = (await environments.listApiKeys(env.environmentId)).find((r) => r.id === params.id);
      if (!row) throw notFound('API key', params.id);
      return row;
    },
  });

  surface.route({
    method: 'get',
    path: '/_admin/redirect_uris',
    summary: 'List the redirect URIs AuthKit and SSO accept',
    response: z.object({ data: z.array(z.object({ uri: z.string() })) }),
    handler: async ({ env }) => ({
      data: (await environments.listRedirectUris(env.environmentId)).map((uri) => ({ uri })),
    }),
  });
  surface.route({
    method: 'post',
    path: '/_admin/redirect_uris',
    summary: 'Allow a redirect URI',
    body: z.object({ uri: z.string().trim().min(1).max(2048) }),
    status: 201,
    response: z.object({ uri: z.string() }),
    handler: async ({ env, body }) => {
      await environments.addRedirectUri(env.environmentId, body.uri);
      return { uri: body.uri };
    },
  });
  surface.route({
    method: 'delete',
    path: '/_admin/redirect_uris',
    summary: 'Remove a redirect URI (?uri=…)',
    query: z.object({ uri: z.string().min(1).max(2048) }),
    handler: async ({ env, query, c }) => {
      const ok = await environments.removeRedirectUri(env.environmentId, query.uri);
      if (!ok)
        throw new AppError('entity_not_found', {
          message: `${quote(query.uri, 512)} is not an allowed redirect URI.`,
        });
      return c.body(null, 204);
    },
  });

  const LogoutWire = z.object({ default_logout_uri: z.string().nullable() });
  surface.route({
    method: 'get',
    path: '/_admin/default_logout_uri',
    summary: 'Where sign-out goes when the application passes no return_to (null: the "signed out" page)',
    response: LogoutWire,
    handler: async ({ env }) => ({
      default_logout_uri: await environments.defaultLogoutUri(env.environmentId),
    }),
  });
  surface.route({
    method: 'put',
    path: '/_admin/default_logout_uri',
    summary: 'Set or clear (null) the default logout URI; it must be on an allowed redirect URI’s origin',
    body: z.object({ default_logout_uri: z.string().trim().min(1).max(2048).nullable() }),
    response: LogoutWire,
    handler: async ({ env, body }) => ({
      default_logout_uri: await environments.setDefaultLogoutUri(env.environmentId, body.default_logout_uri),
    }),
  });

  const ResetUrlWire = z.object({
    password_reset_url: z.string().nullable(),
    effective_password_reset_url: z.string(),
  });
  const resetUrl = (r: { configured: string | null; effective: string }) => ({
    password_reset_url: r.configured,
    effective_password_reset_url: r.effective,
  });
  surface.route({
    method: 'get',
    path: '/_admin/password_reset_url',
    summary: 'Where password-reset emails link to (null: Portico’s hosted reset page)',
    response: ResetUrlWire,
    handler: async ({ env }) => resetUrl(await environments.passwordResetUrl(env.environmentId)),
  });
  surface.route({
    method: 'put',
    path: '/_admin/password_reset_url',
    summary: 'Set or clear (null) the password reset URL; Portico appends ?token=… to it',
    body: z.object({ password_reset_url: z.string().trim().min(1).max(2048).nullable() }),
    response: ResetUrlWire,
    handler: async ({ env, body }) =>
      resetUrl(await environments.setPasswordResetUrl(env.environmentId, body.password_reset_url)),
  });

  const PolicyWire = z.object({ email_verification_required: z.boolean() });
  surface.route({
    method: 'get',
    path: '/_admin/authentication_policy',
    summary: 'AuthKit policy: whether a sign-in needs a verified email (email_verification_required)',
    response: PolicyWire,
    handler: async ({ env }) => ({
      email_verification_required: await environments.requiresEmailVerification(env.environmentId),
    }),
  });
  surface.route({
    method: 'put',
    path: '/_admin/authentication_policy',
    summary: 'Require (or stop requiring) a verified email before a sign-in completes',
    body: PolicyWire,
    response: PolicyWire,
    handler: async ({ env, body }) => ({
      email_verification_required: await environments.setEmailVerificationRequired(
        env.environmentId,
        body.email_verification_required,
      ),
    }),
  });

  const AdminWire = z.object({
    id: z.string(),
    email: z.string(),
    created_at: z.string(),
    last_sign_in_at: z.string().nullable(),
  });
  surface.route({
    method: 'get',
    path: '/_admin/admins',
    summary: 'List the dashboard’s admin accounts',
    response: z.object({ data: z.array(AdminWire) }),
    handler: async () => ({ data: await admin.listAdmins() }),
  });
  surface.route({
    method: 'post',
    path: '/_admin/admins',
    summary: 'Add a dashboard admin (the generated password is returned only here)',
    body: z.object({ email: z.string().trim().toLowerCase().email().max(320) }),
    status: 201,
    response: AdminWire.extend({ password: z.string() }),
    sealReplay: true,
    handler: ({ body }) => admin.addAdmin(body.email),
  });
  surface.route({
    method: 'delete',
    path: '/_admin/admins/:id',
    summary: 'Remove another dashboard admin (their sessions end with it)',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await admin.removeAdmin(params.id, env.admin.adminUserId);
      return c.body(null, 204);
    },
  });

  surface.route({
    method: 'get',
    path: '/_admin/sessions',
    summary: 'List the environment’s active AuthKit sessions with the user’s email',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50),
      after: z.string().min(1).optional(),
      user_id: z.string().min(1).optional(),
    }),
    response: z.object({
      data: z.array(ActiveSession),
      list_metadata: z.object({ after: z.string().nullable() }),
    }),
    handler: async ({ env, query }) => {
      const page = await admin.activeSessions(env.environmentId, query);
      return { data: page.data, list_metadata: { after: page.after } };
    },
  });
  return surface;
}
