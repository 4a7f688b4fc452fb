/**
 * A tiny customer application for the SSO browser test, written the way the WorkOS SSO-through-
 * AuthKit docs show it with node:http and the official SDK:
 *
 * - `/login?organization=<id>` sends the browser to `userManagement.getAuthorizationUrl({
 *   organizationId, redirectUri, clientId, state })`, keeping `state` in a cookie; plain `/login`
 *   sends it to AuthKit's hosted sign-in page (`provider: 'authkit'`);
 * - `/callback` shows an `error` / `error_description` the IdP round trip ended with, or exchanges
 *   the code (`authenticateWithCode` with a sealed session) and sets the session cookie. A code
 *   without `state` is an IdP-initiated sign-in, which this app accepts;
 * - `/me` reads the sealed session (`authenticateWithSessionCookie`) and shows the user.
 *
 * It listens on 127.0.0.1 but names itself `http://<host>:<port>` (the browser test maps the host
 * name to 127.0.0.1), so Portico's redirects back to it are cross-site.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { WorkOS } from 'workos-node-8';

export const SSO_SESSION_COOKIE = 'sso_app_session';
const STATE_COOKIE = 'sso_app_state';

export interface SsoCallback {
  url: string;
  /** No `state`: the IdP started the sign-in. */
  idpInitiated: boolean;
  userId: string;
  email: string;
  organizationId?: string;
  authenticationMethod?: string;
}

export interface SsoFailureShown {
  url: string;
  error: string;
  description: string | null;
  stateMatched: boolean;
}

export interface SsoApp {
  url: string;
  redirectUri: string;
  /** Every authorize URL /login produced, in order. */
  authorizeUrls: string[];
  callbacks: SsoCallback[];
  /** Every `error=` the callback received and showed. */
  failures: SsoFailureShown[];
  /** Every handler failure (also answered as a 500 page). */
  errors: string[];
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function cookie(name: string, value: string, opts: { path?: string; maxAge?: number } = {}) {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${opts.path ?? '/'}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (opts.maxAge !== undefined) parts.push(`Max-Age=${opts.maxAge}`);
  return parts.join('; ');
}

function html(res: ServerResponse, status: number, title: string, body: string, setCookies: string[] = []) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...(setCookies.length ? { 'set-cookie': setCookies } : {}),
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;margin:2em">${body}</body></html>`,
  );
}

function redirect(res: ServerResponse, location: string, setCookies: string[] = []) {
  res.writeHead(302, { location, ...(setCookies.length ? { 'set-cookie': setCookies } : {}) });
  res.end();
}

export async function startSsoApp(opts: {
  workos: WorkOS;
  clientId: string;
  host: string;
  port: number;
  cookiePassword: string;
}): Promise<SsoApp> {
  const { workos, clientId, cookiePassword } = opts;
  const url = `http://${opts.host}:${opts.port}`;
  const redirectUri = `${url}/callback`;
  const authorizeUrls: string[] = [];
  const callbacks: SsoCallback[] = [];
  const failures: SsoFailureShown[] = [];
  const errors: string[] = [];
  const um = workos.userManagement;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', url);
    const jar = cookies(req);
    switch (u.pathname) {
      case '/login': {
        const organizationId = u.searchParams.get('organization');
        const state = randomBytes(16).toString('base64url');
        const location = organizationId
          ? um.getAuthorizationUrl({ organizationId, redirectUri, clientId, state })
          : um.getAuthorizationUrl({
              provider: 'authkit',
              screenHint: 'sign-in',
              redirectUri,
              clientId,
              state,
            });
        authorizeUrls.push(location);
        return redirect(res, location, [cookie(STATE_COOKIE, state, { path: '/callback', maxAge: 600 })]);
      }
      case '/callback': {
        const clearState = cookie(STATE_COOKIE, '', { path: '/callback', maxAge: 0 });
        const state = u.searchParams.get('state');
        const stateMatched = state !== null && jar[STATE_COOKIE] === state;
        const error = u.searchParams.get('error');
        if (error) {
          const description = u.searchParams.get('error_description');
          failures.push({ url: u.toString(), error, description, stateMatched });
          return html(
            res,
            400,
            'Sign-in failed',
            `<h1>Sign-in failed</h1>
<p>Error: <code id="error">${escapeHtml(error)}</code></p>
<p id="error-description">${escapeHtml(description ?? '')}</p>
<p><a href="/">Back</a></p>`,
            [clearState],
          );
        }
        const code = u.searchParams.get('code');
        if (!code) return html(res, 400, 'Bad callback', '<p id="error">no code</p>', [clearState]);
        // A state must be the one this browser's /login set; no state at all is IdP-initiated.
        if (state !== null && !stateMatched) {
          return html(res, 400, 'Bad state', '<p id="error">state mismatch</p>', [clearState]);
        }
        const auth = await um.authenticateWithCode({
          code,
          clientId,
          session: { sealSession: true, cookiePassword },
        });
        if (!auth.sealedSession) throw new Error('authenticateWithCode returned no sealedSession');
        callbacks.push({
          url: u.toString(),
          idpInitiated: state === null,
          userId: auth.user.id,
          email: auth.user.email,
          organizationId: auth.organizationId,
          authenticationMethod: auth.authenticationMethod,
        });
        return redirect(res, '/me', [clearState, cookie(SSO_SESSION_COOKIE, auth.sealedSession)]);
      }
      case '/me': {
        const sessionData = jar[SSO_SESSION_COOKIE];
        if (!sessionData) return html(res, 401, 'Signed out', '<p id="status">no session</p>');
        const r = await um.authenticateWithSessionCookie({ sessionData, cookiePassword });
        if (!r.authenticated) {
          return html(res, 401, 'Not signed in', `<p id="status">${escapeHtml(String(r.reason))}</p>`);
        }
        const name = [r.user.firstName, r.user.lastName].filter(Boolean).join(' ');
        return html(
          res,
          200,
          'Your account',
          `<h1>Signed in with SSO</h1>
<p>Email: <span id="email">${escapeHtml(r.user.email)}</span></p>
<p>Name: <span id="name">${escapeHtml(name)}</span></p>
<p>Organization: <span id="organization">${escapeHtml(r.organizationId ?? '')}</span></p>
<p>Method: <span id="method">${escapeHtml(String(r.authenticationMethod ?? ''))}</span></p>
<p>Session: <span id="session-id">${escapeHtml(r.sessionId)}</span></p>`,
        );
      }
      default:
        return html(res, 404, 'Not found', '<p>not found</p>');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      errors.push(`${req.method} ${req.url}: ${message}`);
      if (!res.headersSent) html(res, 500, 'App error', `<pre id="app-error">${escapeHtml(message)}</pre>`);
      else res.end();
    });
  });
  await new Promise<void>((r) => server.listen(opts.port, '127.0.0.1', r));
  return {
    url,
    redirectUri,
    authorizeUrls,
    callbacks,
    failures,
    errors,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
