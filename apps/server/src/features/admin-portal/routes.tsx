/** @jsxImportSource hono/jsx */
/**
 * Admin Portal HTTP entry points (reference §5.4):
 * - `POST /portal/generate_link` on the WorkOS API surface (API key): 201 `{link}`.
 * - `POST /portal/revoke_link` (SDK 12 `adminPortal.revokeLink`): revokes an organization's links
 *   generated with one `external_user_id` and ends their sessions; 404 when there is none.
 * - `GET /portal/launch?token=…`: consumes the link, sets the session cookie (HttpOnly, Secure
 *   when the public URL allows it, SameSite=Lax, path /portal) and redirects to the SPA; a
 *   refused link gets a server-rendered page with its stable code and what to do.
 * - `GET /portal`: the portal SPA (strict CSP).
 * - `GET /portal/sso/test/callback`: where a test sign-in returns (`?code&state` or
 *   `?error&error_description&state`). The code is redeemed here, so it cannot be used
 *   elsewhere; the verdict is read from the sign-in's trace by the SPA.
 * - `/portal/api/…`: see portal-api.ts.
 */
import type { Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { FC } from 'hono/jsx';
import type { ContractRegistry } from '../../platform/contract.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { pageHeaders, secureCookies } from '../../surfaces/hosted.ts';
import { pageErrors } from '../../surfaces/page-layout.tsx';
import { serveSpa } from '../../surfaces/spa.ts';
import { LINK_TTL_MS, SESSION_COOKIE, SESSION_TTL_MS } from './links.ts';
import { type PortalServices, portalApiRoutes, TEST_CALLBACK_PATH } from './portal-api.ts';
import { GenerateLinkBody, GenerateLinkResponse, RevokeLinkBody, RevokeLinkResponse } from './wire.ts';

const TITLES: Partial<Record<ErrorCode, string>> = {
  portal_link_invalid: 'This link does not work',
  portal_link_expired: 'This link has expired',
  portal_link_used: 'This link was already used',
  portal_link_revoked: 'This link was revoked',
  portal_link_organization_deleted: 'This organization no longer exists',
};

const RefusedPage: FC<{
  title: string;
  message: string;
  code: string;
  requestId: string;
  /** The refused link's return_url, when the link is known: the way back. */
  returnUrl?: string | null;
}> = (p) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${p.title} · Admin Portal`}</title>
      <link rel="stylesheet" href="/authkit/styles.css" />
    </head>
    <body>
      <main class="card" data-code={p.code}>
        <h1>{p.title}</h1>
        <p class="error" role="alert">
          {p.message}
        </p>
        <p class="hint">
          Admin Portal links open once and work for {Math.round(LINK_TTL_MS / 60_000)} minutes. The
          application that sent you here can make a new one in a moment.
        </p>
        {p.returnUrl ? (
          <p>
            <a id="return" href={p.returnUrl} rel="noreferrer">
              Back to the application
            </a>{' '}
            — open the Admin Portal from there again to get a new link.
          </p>
        ) : (
          <p id="what-to-do">
            To continue, go back to the application that sent you here (or to whoever sent you the link) and
            ask for a new Admin Portal link.
          </p>
        )}
        <p class="hint">
          Error code: <code>{p.code}</code> · request <code>{p.requestId}</code>
        </p>
      </main>
    </body>
  </html>
);

function refused(c: Context, err: AppError, returnUrl: string | null = null) {
  pageHeaders(c);
  const title = TITLES[err.code] ?? 'The Admin Portal cannot open';
  return c.html(
    String(
      <RefusedPage
        title={title}
        message={err.message}
        code={err.code}
        requestId={String(c.get('requestId' as never) ?? '')}
        returnUrl={returnUrl}
      />,
    ),
    err.status as 400,
  );
}

export function adminPortalRoutes(
  app: Hono,
  deps: Deps,
  api: ApiSurface,
  registry: ContractRegistry,
  limiter: RateLimiter,
  svc: PortalServices,
) {
  api.route({
    method: 'post',
    path: '/portal/generate_link',
    summary: 'Generate an Admin Portal link',
    body: GenerateLinkBody,
    status: 201,
    response: GenerateLinkResponse,
    handler: ({ env, body }) => svc.links.generate(env.environmentId, body),
  });
  api.route({
    method: 'post',
    path: '/portal/revoke_link',
    summary:
      'Revoke the Admin Portal links generated for one admin (external_user_id) and end their sessions',
    body: RevokeLinkBody,
    response: RevokeLinkResponse,
    handler: ({ env, body }) => svc.links.revoke(env.environmentId, body),
  });

  app.get('/portal/launch', pageErrors, async (c) => {
    try {
      const { cookie } = await svc.links.launch(c.req.query('token'));
      setCookie(c, SESSION_COOKIE, cookie, {
        httpOnly: true,
        secure: secureCookies(deps),
        sameSite: 'Lax',
        path: '/portal',
        maxAge: SESSION_TTL_MS / 1000,
      });
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      return c.redirect('/portal', 302);
    } catch (err) {
      if (err instanceof AppError) {
        const returnUrl = await svc.links.returnUrlOf(c.req.query('token')).catch(() => null);
        return refused(c, err, returnUrl);
      }
      deps.log.error({ err, requestId: c.get('requestId' as never) }, 'portal launch failed');
      return refused(c, new AppError('internal_error'));
    }
  });

  app.get(TEST_CALLBACK_PATH, pageErrors, async (c) => {
    const state = c.req.query('state') ?? '';
    const flow = state
      ? await deps.db
          .selectFrom('sso_flows')
          .select(['environment_id'])
          .where('app_state', '=', state)
          .where('redirect_uri', '=', `${deps.config.publicUrl}${TEST_CALLBACK_PATH}`)
          .executeTakeFirst()
      : undefined;
    if (!flow) {
      return refused(
        c,
        new AppError('entity_not_found', {
          message:
            'This test sign-in is unknown or belongs to another server. Go back to the Admin Portal and start the test again.',
        }),
      );
    }
    const code = c.req.query('code');
    if (code) {
      // Redeem the code so it is single-use here too; the verdict (with the email) is the trace's.
      await svc.sso.exchange(flow.environment_id, code, undefined, true).catch(() => undefined);
    }
    c.header('Cache-Control', 'no-store');
    return c.redirect(`/portal#/sso/test/${encodeURIComponent(state)}`, 302);
  });

  app.get('/portal', (c) => serveSpa(c, 'portal.html'));
  return portalApiRoutes(app, deps, registry, limiter, svc);
}
