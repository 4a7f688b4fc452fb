/**
 * Shared by `/user_management/authorize` and `/sso/authorize`.
 */
import type { Context } from 'hono';
import type { Deps } from '../../platform/deps.ts';
import { AppError, catalog } from '../../platform/errors.ts';
import { readQuery } from '../../platform/http.ts';
import type { AuthKitService } from './service.ts';

export type Problem = (
  c: Context,
  status: number,
  title: string,
  message: string,
  hint?: string,
  /** A stable error code shown on the page (with the request id). */
  code?: string,
) => Response | Promise<Response>;

/**
 * The common start of `/user_management/authorize` and `/sso/authorize`: the client id must name an
 * environment and the redirect URI must be on its allow-list — otherwise an HTML page explains the
 * fix, and nothing is ever sent to an unverified address. After that, errors go back to the
 * redirect URI as `error`, `error_description` and `state` (`back`), as WorkOS and RFC 6749
 * §4.1.2.1 do; `fail` does it for whatever a handler throws, so an authorize URL never ends on a
 * 500: an `AppError` keeps its catalog code and message, anything else is logged with the request
 * id and sent as `server_error`. When even the redirect cannot be built, an HTML page shows the code.
 */
export async function openAuthorizeRequest(
  c: Context,
  deps: Pick<Deps, 'log'>,
  authkit: AuthKitService,
  problem: Problem,
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
    return problem(c, 400, 'Sign-in link is incomplete', 'The client_id parameter is missing.', clientIdHint);
  const env = await authkit.environmentByClientId(clientId);
  if (!env) {
    return problem(
      c,
      400,
      'Unknown application',
      `No Portico environment has the client id '${clientId}'.`,
      'Use the client id printed when Portico first started (PORTICO_CLIENT_ID).',
    );
  }
  if (!redirectUri) {
    return problem(
      c,
      400,
      'Sign-in link is incomplete',
      'The redirect_uri parameter is missing.',
      'Pass redirectUri to getAuthorizationUrl.',
    );
  }
  if (!(await authkit.isRedirectAllowed(env.id, redirectUri))) {
    return problem(
      c,
      400,
      'Redirect URI not allowed',
      `The redirect_uri '${redirectUri}' is not on this environment’s allow-list, so Portico will not send a sign-in result there.`,
      `Add it exactly as sent (scheme, host, port and path): run \`portico redirect-uris add ${redirectUri}\` or list it in PORTICO_REDIRECT_URIS.`,
    );
  }
  const state = one('state') ?? null;
  const back = (error: string, description: string) => {
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return problem(c, 400, 'Sign-in failed', description, undefined, error);
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
