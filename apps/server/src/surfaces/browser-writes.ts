/**
 * The one guard for state-changing requests from Portico's own browser apps: the developer
 * dashboard (`/_admin/…`, and the WorkOS API when it is called with the dashboard cookie instead
 * of a key) and the Admin Portal (`/portal/api/…`).
 *
 * A POST, PUT, PATCH or DELETE there must
 * 1. come from Portico's own origin: `Origin` equal to the origin of PORTICO_PUBLIC_URL (what the
 *    browser sees behind a reverse proxy), or equal to the origin the request was addressed to when
 *    the browser also says `Sec-Fetch-Site: same-origin` (a developer opening
 *    http://127.0.0.1:8080 while the public URL says localhost). Without `Origin`,
 *    `Sec-Fetch-Site: same-origin` is enough. With neither header the request is refused: every
 *    browser sends at least one of them on such a request, and a script can send `Origin` itself.
 * 2. carry a JSON body: `Content-Type: application/json`, or no body and no Content-Type (a
 *    DELETE). `text/plain`, form and multipart bodies are what a cross-site `<form>` or a
 *    "simple" cross-site fetch can send without a CORS preflight, so they are refused.
 *
 * This closes login CSRF on `POST /_admin/session` (which has no session to hang a CSRF token on)
 * and is a second wall in front of the `X-Portico-CSRF` header everywhere else. It runs before the
 * body is read, before authentication and before anything is written.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Deps } from '../platform/deps.ts';
import { AppError } from '../platform/errors.ts';
import { renderJsonError } from './common.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws `cross_origin_request` or `unsupported_media_type` when the write must be refused. */
export function checkBrowserWrite(c: Context, deps: Deps): void {
  if (SAFE_METHODS.has(c.req.method.toUpperCase())) return;
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  const origin = c.req.header('origin');
  const fetchSite = c.req.header('sec-fetch-site')?.toLowerCase();
  let sameOrigin: boolean;
  if (origin !== undefined) {
    sameOrigin =
      origin === publicOrigin || (fetchSite === 'same-origin' && origin === new URL(c.req.url).origin);
  } else {
    sameOrigin = fetchSite === 'same-origin';
  }
  if (!sameOrigin) {
    const seen =
      origin !== undefined
        ? `Origin '${origin.slice(0, 200)}'`
        : fetchSite !== undefined
          ? `Sec-Fetch-Site '${fetchSite.slice(0, 40)}'`
          : 'neither Origin nor Sec-Fetch-Site';
    const keyHint =
      c.req.path.startsWith('/_admin/') && c.req.header('authorization')
        ? ' /_admin endpoints accept only a dashboard session, not an API key: scripts use the `portico` CLI (api-keys, redirect-uris, admin).'
        : '';
    throw new AppError('cross_origin_request', {
      message: `${c.req.method} ${c.req.path} changes state and is accepted only from Portico's own pages at ${publicOrigin}; this request came with ${seen}. Use the dashboard or portal at ${publicOrigin} (behind a reverse proxy, set PORTICO_PUBLIC_URL to the address people open); a script must send 'Origin: ${publicOrigin}'.${keyHint}`,
    });
  }
  const type = c.req.header('content-type');
  const mediaType = type?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return;
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  if (type === undefined && !hasBody) return;
  throw new AppError('unsupported_media_type', {
    message: `${c.req.method} ${c.req.path} accepts only a JSON body, but this request sent ${type ? `Content-Type '${type.slice(0, 100)}'` : 'a body without Content-Type'}. Send the body as JSON with 'Content-Type: application/json'.`,
  });
}

/** The middleware form, mounted on `/_admin/*` and `/portal/api/*` before their routes. */
export function browserWriteGuard(deps: Deps): MiddlewareHandler {
  return async (c, next) => {
    try {
      checkBrowserWrite(c, deps);
    } catch (err) {
      if (err instanceof AppError) return renderJsonError(c, err);
      throw err;
    }
    await next();
  };
}
