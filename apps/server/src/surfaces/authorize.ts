/**
 * The public authorize surface, shared by `/user_management/authorize` (AuthKit) and
 * `/sso/authorize` (the SSO API).
 */
import type { Context } from 'hono';
import type { EnvironmentService } from '../features/environments/service.ts';
import type { Deps } from '../platform/deps.ts';
import { AppError, catalog, quote } from '../platform/errors.ts';
import { readQuery } from '../platform/http.ts';
import { loadPageBrand } from './brand.ts';
import { setPageBrand } from './hosted.ts';
import { errorPage } from './page-layout.tsx';

/**
 * The common start of `/user_management/authorize` and `/sso/authorize`: the client id must name an
 * environment and the redirect URI must be on its allow-list — otherwise an HTML page explains the
 * fix with its code, and nothing is ever sent to an unverified address. After that, errors go back
 * to the redirect URI as `error`, `error_description` and `state` (`back`), as WorkOS and RFC 6749
 * §4.1.2.1 do; `fail` does it for whatever a handler throws, so an authorize URL never ends on a
 * 500: an `AppError` keeps its catalog code and message, anything else is logged with the request
 * id and sent as `server_error`. When even the redirect cannot be built, an HTML page shows the code.
 */
export async function openAuthorizeRequest(
  c: Context,
  deps: Pick<Deps, 'log' | 'db'>,
  environments: EnvironmentService,
  clientIdHint: string,
) {
  const q = readQuery(c);
  const one = (k: string) => {
    const v = q[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const clientId = one('client_id');
  const redirectUri = one('redirect_uri');
  if (!clientId)
    return errorPage(c, 400, {
      title: 'Sign-in link is incomplete',
      code: 'invalid_request',
      message: 'The client_id parameter is missing.',
      hint: clientIdHint,
    });
  const env = await environments.byClientId(clientId);
  if (!env) {
    return errorPage(c, 400, {
      title: 'Unknown application',
      code: 'invalid_client',
      message: `No Portico environment has the client id ${quote(clientId)}.`,
      hint: 'Use the client id printed when Portico first started (PORTICO_CLIENT_ID).',
    });
  }
  // The environment is known: its pages (and error pages) wear its branding.
  setPageBrand(c, await loadPageBrand(deps.db, env.id));
  if (!redirectUri) {
    return errorPage(c, 400, {
      title: 'Sign-in link is incomplete',
      code: 'invalid_request',
      message: 'The redirect_uri parameter is missing.',
      hint: 'Pass redirectUri to getAuthorizationUrl.',
    });
  }
  if (!(await environments.isRedirectAllowed(env.id, redirectUri))) {
    return errorPage(c, 400, {
      title: 'Redirect URI not allowed',
      code: 'redirect_uri_not_allowed',
      message: `The redirect_uri ${quote(redirectUri, 512)} is not on this environment’s allow-list, so Portico will not send a sign-in result there.`,
      hint: quote(redirectUri, 512).startsWith("'")
        ? `Add it exactly as sent (scheme, host, port and path): run \`portico redirect-uris add ${redirectUri}\` or list it in PORTICO_REDIRECT_URIS.`
        : 'Add the redirect URI your application sends, exactly (scheme, host, port and path), with `portico redirect-uris add <uri>` or PORTICO_REDIRECT_URIS.',
    });
  }
  const state = one('state') ?? null;
  const back = (error: string, description: string) => {
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return errorPage(c, 400, { title: 'Sign-in failed', code: error, message: description });
    }
    url.searchParams.set('error', error);
    url.searchParams.set('error_description', description);
    if (state !== null) url.searchParams.set('state', state);
    return c.redirect(url.toString(), 302);
  };
  const fail = (err: unknown) => {
    if (err instanceof AppError) return back(err.code, err.message);
    deps.log.error({ err, requestId: c.get('requestId' as never) }, 'authorize failed');
    return back('server_error', catalog.server_error.message);
  };
  return { one, env, redirectUri, state, back, fail };
}
