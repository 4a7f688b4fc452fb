/** @jsxImportSource hono/jsx */
/**
 * AuthKit's browser and token endpoints (reference §4.1, §4.2, §6.2):
 * `GET /user_management/authorize`, the hosted sign-in/sign-up pages, `POST
 * /user_management/authenticate`, `GET /user_management/sessions/logout` and `GET /sso/jwks/{id}`,
 * plus the session API routes.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId, quote } from '../../platform/errors.ts';
import { listOf, listSchema, paginationQuery, readForm } from '../../platform/http.ts';
import { type ApiSurface, apiEventContext } from '../../surfaces/api.ts';
import { openAuthorizeRequest } from '../../surfaces/authorize.ts';
import { brandEtag, brandStylesheet, loadPageBrand, loadPageBrandByClientId } from '../../surfaces/brand.ts';
import { checkCsrf, issueCsrf, pageHeaders, setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp } from '../../surfaces/json-surface.ts';
import {
  ContinuePage,
  errorPage,
  type PageError,
  pageErrors,
  renderPage,
  STYLES,
} from '../../surfaces/page-layout.tsx';
import type { TokenSurface } from '../../surfaces/token.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { PASSKEY_SCRIPT } from '../passkeys/browser.ts';
import type { PasskeyService } from '../passkeys/service.ts';
import { authorizedApplicationRoutes } from '../sessions/authorized-applications.ts';
import type { KeyStore } from '../sessions/keys.ts';
import type { SessionService } from '../sessions/service.ts';
import { SessionWire } from '../sessions/wire.ts';
import type { ConnectionService } from '../sso/connections.ts';
import type { SsoService } from '../sso/service.ts';
import { UserWire } from '../users/wire.ts';
import { MagicCodePage } from './code-pages.tsx';
import type { GrantServices } from './grants/grant.ts';
import { AuthenticateBodies, GRANTS } from './grants/index.ts';
import type { OAuthIdentity } from './identities/oauth.ts';
import { SignedOutPage, SignInPage, SignUpPage } from './pages.tsx';
import type { AuthKitService } from './service.ts';

const AuthenticateResponse = z.object({
  user: UserWire,
  organization_id: z.string().optional(),
  access_token: z.string(),
  refresh_token: z.string(),
  authentication_method: z.string().optional(),
  /** RFC 6749 §5.1, answered by the device_code grant for generic RFC 8628 clients. */
  token_type: z.literal('Bearer').optional(),
  expires_in: z.number().int().optional(),
  impersonator: z.object({ email: z.string(), reason: z.string().nullable() }).optional(),
  oauth_tokens: z
    .object({
      provider: z.string(),
      access_token: z.string(),
      refresh_token: z.string(),
      expires_at: z.number(),
      scopes: z.array(z.string()),
    })
    .optional(),
});

/** `provider_scopes` (repeated key) and `provider_query_params[key]=value`, as the SDK sends them. */
export function providerParams(c: Context) {
  const q = new URL(c.req.url).searchParams;
  const providerScopes = [...q.getAll('provider_scopes'), ...q.getAll('provider_scopes[]')]
    .flatMap((v) => v.split(/[ ,]+/))
    .filter(Boolean)
    .slice(0, 50);
  const providerQueryParams: Record<string, string> = {};
  for (const [k, v] of q) {
    const m = /^provider_query_params\[([^\]]{1,100})\]$/.exec(k);
    if (m && Object.keys(providerQueryParams).length < 50) providerQueryParams[m[1]!] = v;
  }
  return { providerScopes, providerQueryParams };
}

function meta(c: Context, body?: { ip_address?: string; user_agent?: string }) {
  return {
    ip: body?.ip_address ?? clientIp(c),
    userAgent: body?.user_agent ?? c.req.header('user-agent') ?? null,
  };
}

export function authkitRoutes(
  app: Hono,
  deps: Deps,
  tokenSurface: TokenSurface,
  api: ApiSurface,
  authkit: AuthKitService,
  sessions: SessionService,
  keys: KeyStore,
  sso: { connections: ConnectionService; sso: SsoService },
  environments: EnvironmentService,
  grantServices: GrantServices,
  oauth: OAuthIdentity,
  passkeys?: PasskeyService,
) {
  const page = (c: Context, status: number, node: unknown, formTargets: string[] = [], script = false) => {
    pageHeaders(c, formTargets, { script });
    return c.html(renderPage(c, node), status as 200);
  };
  /** "Sign in with a passkey": a fresh challenge for this request when the environment has passkeys on. */
  const passkeyOptions = async (req: { id: string; environment_id: string }) =>
    passkeys && (await passkeys.enabled(req.environment_id))
      ? await passkeys.authenticationOptions(req.environment_id, req.id)
      : undefined;

  app.get('/authkit/passkey.js', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(PASSKEY_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  app.get('/authkit/styles.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(STYLES, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  // An environment's colours as CSS custom properties (surfaces/brand.ts): only a validated
  // #rrggbb reaches it. Pages link it with ?v=<etag>, so a change shows on the next page load.
  app.get('/authkit/brand/:file', async (c) => {
    const file = c.req.param('file');
    const clientId = file.endsWith('.css') ? file.slice(0, -4) : '';
    const brand =
      clientId && clientId.length <= 200 ? await loadPageBrandByClientId(deps.db, clientId) : null;
    if (!brand)
      return c.json(
        {
          code: 'entity_not_found',
          message: `No environment has client id ${quote(clientId || file)}. The stylesheet is /authkit/brand/<client_id>.css.`,
        },
        404,
      );
    const etag = brandEtag(brand.color);
    c.header('ETag', etag);
    c.header('Cache-Control', 'public, max-age=300');
    c.header('X-Content-Type-Options', 'nosniff');
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return c.body(null, 304);
    return c.body(brandStylesheet(brand.color), 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  // ── authorize ────────────────────────────────────────────────────────────
  app.get('/user_management/authorize', pageErrors, async (c) => {
    const opened = await openAuthorizeRequest(
      c,
      deps,
      environments,
      'Pass clientId to getAuthorizationUrl, or set it in the WorkOS constructor.',
    );
    if (opened instanceof Response) return opened;
    const { one, env, redirectUri, state, back, fail } = opened;
    // From here on every failure goes back to the app (or, failing that, to a page with its code).
    try {
      const responseType = one('response_type') ?? 'code';
      if (responseType !== 'code')
        return back(
          'unsupported_response_type',
          `response_type ${quote(responseType)} is not supported; use 'code'.`,
        );
      const challenge = one('code_challenge') ?? null;
      const method = one('code_challenge_method');
      if (challenge && method && method !== 'S256')
        return back('invalid_request', 'code_challenge_method must be S256.');
      if (challenge && !/^[A-Za-z0-9_-]{43,128}$/.test(challenge))
        return back('invalid_request', 'code_challenge must be a base64url SHA-256 digest (43 characters).');
      // An invitation is accepted by whichever sign-in follows: hosted, SSO or social.
      const invitationToken = one('invitation_token');
      const invitation = invitationToken ? await authkit.pendingInvitation(env.id, invitationToken) : null;
      if (invitationToken && !invitation)
        return back(
          'invitation_invalid',
          'invitation_token names no pending invitation of this application (unknown, accepted, revoked or expired). Ask for a new invitation.',
        );
      const provider = one('provider');
      const organizationId = one('organization_id');
      const connectionId = one('connection_id');
      // Enterprise SSO: an organization, a connection, or a domain hint routes to the IdP.
      const domainHint = one('domain_hint');
      const loginHint = one('login_hint');
      const hintedDomain = domainHint ?? (loginHint?.includes('@') ? loginHint.split('@')[1] : undefined);
      const ssoByDomain =
        !organizationId && !connectionId && hintedDomain
          ? await sso.connections.activeForDomain(env.id, hintedDomain)
          : undefined;
      if (organizationId || connectionId || ssoByDomain) {
        const conn =
          ssoByDomain ??
          (await sso.connections.resolve(env.id, {
            connection: connectionId,
            organization: organizationId,
          }));
        const url = await sso.sso.start(conn, {
          kind: 'authkit',
          redirectUri,
          appState: state,
          codeChallenge: challenge,
          loginHint: loginHint ?? invitation?.email ?? null,
          invitationId: invitation?.id ?? null,
          meta: meta(c),
        });
        return c.redirect(url, 302);
      }
      if (!provider)
        return back('invalid_request', 'One of provider, organization_id or connection_id is required.');
      if (provider !== 'authkit') {
        // Social sign-in: straight to the provider (or, in development, the Test OAuth provider).
        const url = await oauth.start(env.id, provider, {
          redirectUri,
          appState: state,
          codeChallenge: challenge,
          ...providerParams(c),
          loginHint: loginHint ?? invitation?.email,
          invitationId: invitation?.id ?? null,
          meta: meta(c),
        });
        return c.redirect(url, 302);
      }
      const screenHint = one('screen_hint') === 'sign-up' ? 'sign-up' : 'sign-in';
      const requestId = await authkit.createRequest(env, {
        redirectUri,
        state,
        codeChallenge: challenge,
        screenHint,
        loginHint: invitation?.email ?? one('login_hint') ?? null,
        invitationId: invitation?.id ?? null,
      });
      return c.redirect(`/authkit/${screenHint}?request=${encodeURIComponent(requestId)}`, 302);
    } catch (err) {
      return fail(err);
    }
  });

  // ── hosted pages ─────────────────────────────────────────────────────────
  const loadRequest = async (c: Context) => {
    const id = c.req.query('request');
    const req = id ? await authkit.getRequest(id) : null;
    if (!id || !req)
      return {
        error: errorPage(c, 400, {
          title: 'Sign-in link not recognised',
          code: 'sign_in_link_invalid',
          message: 'This sign-in page was opened without a valid request.',
          hint: 'Go back to the application and start signing in again.',
        }),
      };
    if (!req.usable)
      return {
        error: errorPage(c, 400, {
          title: 'Sign-in link expired',
          code: 'sign_in_link_expired',
          message: 'This sign-in link has expired or was already used.',
          hint: 'Go back to the application and start signing in again.',
        }),
      };
    setPageBrand(c, await loadPageBrand(deps.db, req.environment_id));
    return { req };
  };
  const redirectOrigin = (uri: string) => {
    try {
      return [new URL(uri).origin];
    } catch {
      return [];
    }
  };

  for (const screen of ['sign-in', 'sign-up'] as const) {
    const Page = screen === 'sign-in' ? SignInPage : SignUpPage;
    app.get(`/authkit/${screen}`, pageErrors, async (c) => {
      const { req, error } = await loadRequest(c);
      if (error) return error;
      const csrf = issueCsrf(c, deps, req.id);
      // An invited sign-up is locked to the invited email.
      const invited = screen === 'sign-up' ? await authkit.invitationOfRequest(req) : null;
      const options = screen === 'sign-in' ? await passkeyOptions(req) : undefined;
      return page(
        c,
        200,
        <Page
          requestId={req.id}
          csrf={csrf}
          email={invited?.email ?? req.login_hint ?? ''}
          lockedEmail={invited?.email}
          passkeyOptions={options}
        />,
        redirectOrigin(req.redirect_uri),
        !!options,
      );
    });
    app.post(`/authkit/${screen}`, pageErrors, async (c) => {
      const { req, error } = await loadRequest(c);
      if (error) return error;
      const form = await readForm(c);
      const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
      const invited = screen === 'sign-up' ? await authkit.invitationOfRequest(req) : null;
      const email = str('email').trim();
      const again = async (status: number, code: PageError['code'], message: string) => {
        const options = screen === 'sign-in' ? await passkeyOptions(req) : undefined;
        return page(
          c,
          status,
          <Page
            requestId={req.id}
            csrf={issueCsrf(c, deps, req.id)}
            email={invited?.email ?? email}
            lockedEmail={invited?.email}
            firstName={str('first_name')}
            lastName={str('last_name')}
            error={{ code, message }}
            passkeyOptions={options}
          />,
          redirectOrigin(req.redirect_uri),
          !!options,
        );
      };
      if (!checkCsrf(c, deps, req.id, form.csrf)) {
        return again(403, 'form_expired', 'Your session on this page expired. Please submit the form again.');
      }
      if (email.includes('@') && screen === 'sign-in') {
        // An email whose domain belongs to an organization with SSO goes straight to its IdP.
        const conn = await sso.connections.activeForDomain(req.environment_id, email.split('@')[1]!);
        if (conn) {
          let url: string;
          try {
            url = await sso.sso.start(conn, {
              kind: 'authkit',
              redirectUri: req.redirect_uri,
              appState: req.state,
              codeChallenge: req.code_challenge,
              loginHint: email,
              invitationId: req.invitation_id,
              meta: meta(c),
            });
          } catch (err) {
            // An IdP whose discovery fails (or an inactive connection): say so on the form.
            if (!(err instanceof AppError)) throw err;
            return again(err.status, err.code, err.message);
          }
          return page(
            c,
            200,
            <ContinuePage
              title="Single sign-on"
              message={`${email.split('@')[1]} signs in with your company’s identity provider. Taking you there…`}
              href={url}
            />,
          );
        }
      }
      if (invited && email.toLowerCase() !== invited.email)
        return again(
          400,
          'invitation_cannot_be_used_for_email',
          `This invitation is for ${invited.email}: create the account with that email.`,
        );
      if (screen === 'sign-in' && str('action') === 'magic') {
        if (!z.string().email().safeParse(email).success)
          return again(
            400,
            'invalid_request_parameters',
            'Enter your email address, such as ada@example.com, to get a code.',
          );
        try {
          await authkit.hostedMagicStart(req.id, email, meta(c));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          if (err.code !== 'rate_limit_exceeded') return again(err.status, err.code, err.message);
          c.header('Retry-After', String(err.extra?.retry_after ?? 60));
          return again(
            429,
            err.code,
            `Too many codes requested. Wait ${err.extra?.retry_after ?? 60} seconds and try again.`,
          );
        }
        return magicPage(c, req, email.toLowerCase());
      }
      if (!email || !str('password')) return again(400, 'invalid_request', 'Enter your email and password.');
      if (!z.string().email().safeParse(email).success)
        return again(
          400,
          'invalid_request_parameters',
          'Enter a valid email address, such as ada@example.com.',
        );
      try {
        const target =
          screen === 'sign-in'
            ? await authkit.hostedSignIn(req.id, email, str('password'), meta(c))
            : await authkit.hostedSignUp(
                req.id,
                {
                  email: invited?.email ?? email,
                  password: str('password'),
                  firstName: str('first_name').trim() || null,
                  lastName: str('last_name').trim() || null,
                },
                meta(c),
              );
        return c.redirect(target, 302);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'rate_limit_exceeded') {
          c.header('Retry-After', String(err.extra?.retry_after ?? 60));
          return again(
            429,
            err.code,
            `Too many attempts. Wait ${err.extra?.retry_after ?? 60} seconds and try again.`,
          );
        }
        if (err.code === 'invalid_credentials')
          return again(401, err.code, 'That email and password do not match. Check them and try again.');
        if (err.code === 'user_creation_error')
          return again(409, err.code, 'An account with this email already exists. Sign in instead.');
        if (err.code === 'password_strength_error' || err.code === 'invalid_request_parameters')
          return again(400, err.code, err.message);
        return again(err.status, err.code, err.message);
      }
    });
  }

  // "Sign in with a passkey" (features/passkeys): the assertion the page's script posted.
  app.post('/authkit/passkey', pageErrors, async (c) => {
    const { req, error } = await loadRequest(c);
    if (error) return error;
    const form = await readForm(c);
    const again = async (status: number, code: PageError['code'], message: string) => {
      const options = await passkeyOptions(req).catch(() => undefined);
      return page(
        c,
        status,
        <SignInPage
          requestId={req.id}
          csrf={issueCsrf(c, deps, req.id)}
          email={req.login_hint ?? ''}
          error={{ code, message }}
          passkeyOptions={options}
        />,
        redirectOrigin(req.redirect_uri),
        !!options,
      );
    };
    if (!checkCsrf(c, deps, req.id, form.csrf))
      return again(403, 'form_expired', 'Your session on this page expired. Please submit the form again.');
    if (!passkeys) return again(400, 'passkeys_disabled', new AppError('passkeys_disabled').message);
    try {
      const credential = typeof form.credential === 'string' && form.credential ? form.credential : null;
      return c.redirect(await authkit.hostedPasskey(req.id, credential, meta(c)), 302);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return again(err.status, err.code, err.message);
    }
  });

  const magicPage = (
    c: Context,
    req: { id: string; redirect_uri: string },
    email: string,
    error?: PageError,
    status = 200,
  ) =>
    page(
      c,
      status,
      <MagicCodePage requestId={req.id} csrf={issueCsrf(c, deps, req.id)} email={email} error={error} />,
      redirectOrigin(req.redirect_uri),
    );

  app.post('/authkit/magic/verify', pageErrors, async (c) => {
    const { req, error } = await loadRequest(c);
    if (error) return error;
    const form = await readForm(c);
    const email = typeof form.email === 'string' ? form.email.trim().toLowerCase() : '';
    const code = typeof form.code === 'string' ? form.code.trim() : '';
    if (!checkCsrf(c, deps, req.id, form.csrf))
      return magicPage(
        c,
        req,
        email,
        { code: 'form_expired', message: 'Your session on this page expired. Please enter the code again.' },
        403,
      );
    if (!/^\d{6}$/.test(code))
      return magicPage(
        c,
        req,
        email,
        { code: 'invalid_one_time_code', message: 'Enter the six digits from the email.' },
        400,
      );
    try {
      return c.redirect(await authkit.hostedMagicVerify(req.id, email, code, meta(c)), 302);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'rate_limit_exceeded') c.header('Retry-After', String(err.extra?.retry_after ?? 60));
      return magicPage(c, req, email, { code: err.code, message: err.message }, err.status);
    }
  });

  // ── authenticate ─────────────────────────────────────────────────────────
  const supported = [...GRANTS.keys()];
  tokenSurface.route({
    method: 'post',
    path: '/user_management/authenticate',
    summary: `Authenticate (${supported.join(', ')})`,
    acceptsForm: true,
    sealReplay: true,
    // Validated in two steps — the grant type first (an unknown one is unsupported_grant_type, not
    // a schema error), then that grant's own body — and documented as the union of every grant.
    body: z.object({ grant_type: z.string() }).passthrough(),
    documentedBody: AuthenticateBodies,
    response: AuthenticateResponse,
    handler: async ({ env, body, c }) => {
      const grant = GRANTS.get(body.grant_type);
      if (!grant) {
        throw new AppError('unsupported_grant_type', {
          message: `grant_type ${quote(body.grant_type)} is not supported by this Portico server. Supported: ${supported.join(', ')}.`,
        });
      }
      const parsed = grant.body.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new AppError('invalid_request', {
          message: `${issue.path.join('.') || 'body'}: ${issue.message}`,
        });
      }
      return grant.handle(parsed.data, { client: env, c, services: grantServices });
    },
  });

  // ── logout ───────────────────────────────────────────────────────────────
  app.get('/user_management/sessions/logout', pageErrors, async (c) => {
    const sessionId = c.req.query('session_id');
    const returnTo = c.req.query('return_to');
    if (!sessionId)
      return errorPage(c, 400, {
        title: 'Sign-out link is incomplete',
        code: 'invalid_request',
        message: 'The session_id parameter is missing.',
        hint: 'Build the link with getLogoutUrl({ sessionId }) using the sid claim of the access token.',
      });
    const found = await sessions.findEnvironmentOfSession(sessionId);
    if (!found)
      return errorPage(c, 400, {
        title: 'Unknown session',
        code: 'entity_not_found',
        message: `Session not found: ${describeId(sessionId, 'session')}.`,
        hint: 'The sid claim of the access token names the session to end.',
      });
    if (returnTo && !(await environments.isReturnToAllowed(found.environment_id, returnTo))) {
      return errorPage(c, 400, {
        title: 'Return address not allowed',
        code: 'return_to_not_allowed',
        message: `return_to ${quote(returnTo, 512)} is not on an allowed redirect URI’s origin.`,
        hint: 'Add a redirect URI on that origin (portico redirect-uris add …).',
      });
    }
    setPageBrand(c, await loadPageBrand(deps.db, found.environment_id));
    await sessions.revoke(found.environment_id, sessionId, { reason: 'logout' });
    if (returnTo) return c.redirect(returnTo, 302);
    // No return_to: the environment's default logout URI (re-checked: the redirect URI that made it
    // allowed may have been removed since), else the neutral "You are signed out" page.
    const fallback = await environments.defaultLogoutUri(found.environment_id);
    if (fallback && (await environments.isReturnToAllowed(found.environment_id, fallback)))
      return c.redirect(fallback, 302);
    pageHeaders(c);
    return c.html(renderPage(c, <SignedOutPage />), 200);
  });

  // ── JWKS ─────────────────────────────────────────────────────────────────
  app.get('/sso/jwks/:clientId', async (c) => {
    const env = await environments.byClientId(c.req.param('clientId'));
    if (!env)
      return c.json(
        {
          code: 'entity_not_found',
          message: `No environment has client id ${quote(c.req.param('clientId'))}.`,
        },
        404,
      );
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await keys.publicJwks(env.id), 200);
  });

  // ── sessions API ─────────────────────────────────────────────────────────
  api.route({
    method: 'post',
    path: '/user_management/sessions/revoke',
    summary: 'Revoke a session',
    body: z.object({ session_id: z.string().min(1) }),
    response: SessionWire,
    handler: ({ env, body }) => {
      void apiEventContext;
      return sessions.revoke(env.environmentId, body.session_id);
    },
  });
  api.route({
    method: 'get',
    path: '/user_management/users/:id/sessions',
    summary: 'List a user’s sessions',
    params: z.object({ id: z.string().min(1) }),
    query: paginationQuery,
    response: listSchema(SessionWire),
    handler: async ({ env, params, query }) => {
      const page = await sessions.listForUser(env.environmentId, params.id, query);
      return listOf(page.data, page.list_metadata);
    },
  });
  authorizedApplicationRoutes(api, deps);
}
