/** @jsxImportSource hono/jsx */
/**
 * Social sign-in's routes: the provider callback (`GET /oauth/callback`, and `POST` for Apple's
 * form_post), the built-in Test OAuth provider's page (development only), the user's linked
 * identities (`GET /user_management/users/{id}/identities`) and the dashboard's provider
 * credentials (`/_admin/oauth_providers`). The authorize endpoint hands `provider=…` to
 * `OAuthIdentity.start` (routes.tsx).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { readForm } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { checkCsrf, issueCsrf, pageHeaders } from '../../surfaces/hosted.ts';
import { clientIp, type JsonSurface } from '../../surfaces/json-surface.ts';
import { errorPage, Layout, pageErrors } from '../../surfaces/page-layout.tsx';
import type { AdminEnv } from '../admin/routes.ts';
import {
  isSocialProvider,
  OAUTH_CALLBACK_PATH,
  type OAuthIdentity,
  SOCIAL_PROVIDERS,
  TEST_OAUTH_PATH,
} from './identities/oauth.ts';

const meta = (c: Context) => ({ ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null });

const IdentityWire = z.object({ idp_id: z.string(), type: z.string(), provider: z.string() });
const CredentialWire = z.object({
  provider: z.string(),
  client_id: z.string(),
  client_secret_set: z.boolean(),
  scopes: z.array(z.string()),
  options: z.record(z.string(), z.string()),
  redirect_uri: z.string(),
  updated_at: z.string(),
});
const ProviderParam = z.object({ provider: z.enum(SOCIAL_PROVIDERS) });

/** Callbacks and Test OAuth provider submissions per client address per minute (shared across nodes). */
const CALLBACKS_PER_MINUTE = 60;

export function oauthRoutes(
  app: Hono,
  deps: Deps,
  api: ApiSurface,
  oauth: OAuthIdentity,
  limiter: RateLimiter,
) {
  const limit = (c: Context) =>
    limiter.shared(`oauth_callback:${clientIp(c) ?? 'unknown'}`, CALLBACKS_PER_MINUTE, 60_000);
  const stateRefused = (c: Context, err: AppError) =>
    errorPage(c, 400, {
      title: 'Sign-in could not be completed',
      code: err.code,
      message: err.message,
      hint: 'Go back to the application and choose “Sign in” again.',
    });
  const callback = async (c: Context, params: URLSearchParams) => {
    await limit(c);
    try {
      const target = await oauth.callback(params, meta(c));
      return c.redirect(target, 302);
    } catch (err) {
      if (err instanceof AppError && err.code === 'oauth_state_invalid') return stateRefused(c, err);
      throw err;
    }
  };
  app.get(OAUTH_CALLBACK_PATH, pageErrors, (c) => callback(c, new URL(c.req.url).searchParams));
  // Apple's response_mode=form_post: a cross-site POST, so the flow lives on the server (state).
  app.post(OAUTH_CALLBACK_PATH, pageErrors, async (c) => {
    const form = await readForm(c);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') params.append(k, one);
    }
    return callback(c, params);
  });

  if (!deps.config.production) testOAuthRoutes(app, deps, oauth, limit);

  api.route({
    method: 'get',
    path: '/user_management/users/:id/identities',
    summary: 'List a user’s linked social identities (bare array)',
    params: z.object({ id: z.string().min(1).max(200) }),
    response: z.array(IdentityWire),
    handler: ({ env, params }) => oauth.identities(env.environmentId, params.id),
  });
}

/** The dashboard's provider credentials (cookie + CSRF surface). */
export function oauthAdminRoutes(surface: JsonSurface<AdminEnv>, oauth: OAuthIdentity) {
  surface.route({
    method: 'get',
    path: '/_admin/oauth_providers',
    summary: 'Social sign-in providers: the configured credentials (never the secret) and the callback URL',
    response: z.object({
      data: z.array(CredentialWire),
      providers: z.array(z.string()),
      redirect_uri: z.string(),
    }),
    handler: async ({ env }) => ({
      data: await oauth.listCredentials(env.environmentId),
      providers: [...SOCIAL_PROVIDERS],
      redirect_uri: oauth.callbackUrl(),
    }),
  });
  surface.route({
    method: 'put',
    path: '/_admin/oauth_providers/:provider',
    summary:
      'Set a provider’s client credentials (client_secret sealed at rest; omit it to keep the stored one)',
    params: ProviderParam,
    body: z.object({
      client_id: z.string().trim().min(1).max(500),
      client_secret: z.string().min(1).max(10_000).optional(),
      scopes: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
      options: z.record(z.string().regex(/^[a-z_]{1,40}$/), z.string().max(500)).optional(),
    }),
    response: CredentialWire,
    handler: ({ env, params, body }) =>
      oauth.setCredential(env.environmentId, params.provider, body, env.admin.email),
  });
  surface.route({
    method: 'delete',
    path: '/_admin/oauth_providers/:provider',
    summary: 'Remove a provider’s credentials (in development the Test OAuth provider takes over)',
    params: ProviderParam,
    handler: async ({ env, params, c }) => {
      await oauth.deleteCredential(env.environmentId, params.provider, env.admin.email);
      return c.body(null, 204);
    },
  });
}

/**
 * The Test OAuth provider (development only): stands in for any provider without credentials, so
 * `getAuthorizationUrl({ provider: 'GoogleOAuth' })` works before an OAuth app exists. The person
 * types the email and name the "provider" should vouch for, and whether it says the email is
 * verified; the answer goes through the same callback and sign-in pipeline as a real provider.
 */
function testOAuthRoutes(
  app: Hono,
  deps: Deps,
  oauth: OAuthIdentity,
  limit: (c: Context) => Promise<unknown>,
) {
  const unknown = (c: Context) =>
    errorPage(c, 400, {
      title: 'Sign-in link expired',
      code: 'oauth_state_invalid',
      message: 'This Test OAuth provider page belongs to no sign-in in progress (expired or already used).',
      hint: 'Go back to the application and choose “Sign in” again.',
    });
  const origins = (uri: string) => {
    try {
      return [new URL(uri).origin];
    } catch {
      return [];
    }
  };
  const render = (
    c: Context,
    status: number,
    f: { state: string; provider: string; redirectUri: string; csrf: string },
    values: { email?: string; first?: string; last?: string; verified?: boolean },
    error?: string,
  ) => {
    pageHeaders(c, origins(f.redirectUri));
    const name = f.provider.replace(/OAuth$/, '');
    return c.html(
      String(
        <Layout title="Test OAuth provider">
          <h1>Test OAuth provider</h1>
          <p>
            {`Standing in for ${name}: no ${f.provider} credentials are set in this development environment. Choose who “${name}” says you are.`}
          </p>
          <form method="post" action={TEST_OAUTH_PATH} novalidate>
            <input type="hidden" name="csrf" value={f.csrf} />
            <input type="hidden" name="state" value={f.state} />
            <label for="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="email"
              required
              value={values.email ?? ''}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'email-error' : undefined}
            />
            {error ? (
              <p id="email-error" class="error" role="alert">
                {error}
              </p>
            ) : null}
            <label for="first_name">First name</label>
            <input id="first_name" name="first_name" autocomplete="given-name" value={values.first ?? ''} />
            <label for="last_name">Last name</label>
            <input id="last_name" name="last_name" autocomplete="family-name" value={values.last ?? ''} />
            <label class="check">
              <input type="checkbox" name="email_verified" value="1" checked={values.verified ?? true} /> The
              provider says this email is verified
            </label>
            <button type="submit">{`Continue as this ${name} user`}</button>
          </form>
          <p class="hint">
            <a href={`${OAUTH_CALLBACK_PATH}?state=${encodeURIComponent(f.state)}&error=access_denied`}>
              Cancel (the provider answers access_denied)
            </a>
          </p>
        </Layout>,
      ),
      status as 200,
    );
  };

  app.get(TEST_OAUTH_PATH, pageErrors, async (c) => {
    const state = c.req.query('state') ?? '';
    const flow = state ? await oauth.testFlow(state) : null;
    if (!flow) return unknown(c);
    const csrf = issueCsrf(c, deps, flow.id);
    return render(c, 200, { state, provider: flow.provider, redirectUri: flow.redirectUri, csrf }, {});
  });

  app.post(TEST_OAUTH_PATH, pageErrors, async (c) => {
    await limit(c);
    const f = await readForm(c);
    const s = (k: string) => (typeof f[k] === 'string' ? (f[k] as string).trim() : '');
    const state = s('state');
    const flow = state ? await oauth.testFlow(state) : null;
    if (!flow) return unknown(c);
    if (!checkCsrf(c, deps, flow.id, f.csrf))
      return errorPage(c, 403, {
        title: 'Form expired',
        code: 'form_expired',
        message: 'Your session on this page expired. Reload the Test OAuth provider page and try again.',
      });
    const email = s('email');
    const values = {
      email,
      first: s('first_name'),
      last: s('last_name'),
      verified: s('email_verified') === '1',
    };
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/.test(email)) {
      const csrf = issueCsrf(c, deps, flow.id);
      return render(
        c,
        400,
        { state, provider: flow.provider, redirectUri: flow.redirectUri, csrf },
        values,
        'Enter an email address, such as ada@example.com.',
      );
    }
    const code = oauth.sealTestGrant({
      flow: flow.id,
      email,
      firstName: values.first || null,
      lastName: values.last || null,
      emailVerified: values.verified,
    });
    const url = new URL(`${deps.config.publicUrl}${OAUTH_CALLBACK_PATH}`);
    url.searchParams.set('code', code);
    url.searchParams.set('state', state);
    pageHeaders(c, origins(flow.redirectUri));
    return c.redirect(url.toString(), 302);
  });
}

export { isSocialProvider };
