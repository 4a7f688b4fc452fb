/**
 * A tiny customer application for the browser test, written the way the WorkOS AuthKit docs
 * show it with node:http: /login sends the browser to the SDK's authorize URL, /callback
 * exchanges the code and keeps a sealed session in an HttpOnly cookie, /me reads it, /refresh
 * rotates it and /logout sends the browser to the SDK's logout URL.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { WorkOS } from 'workos-node-8';

export const SESSION_COOKIE = 'app_session';
const STATE_COOKIE = 'app_oauth_state';

export interface CallbackRecord {
  state: string;
  pkce: boolean;
  userId: string;
  sealed: boolean;
  authenticationMethod?: string;
  /** The organization the code exchange answered, and the access token's `org_id` claim. */
  organizationId?: string;
  accessTokenOrgId?: string;
  /** An impersonation's `impersonator` and the access token's `act` claim. */
  impersonator?: { email: string; reason: string | null };
  accessTokenAct?: { sub: string };
}

export interface DemoApp {
  url: string;
  redirectUri: string;
  /** Every authorize URL /login produced, in order. */
  authorizeUrls: string[];
  /** Every successful code exchange. */
  callbacks: CallbackRecord[];
  /** Every handler failure (also answered as a 500 page). */
  errors: string[];
  close(): Promise<void>;
}

export function escapeHtml(s: string): string {
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
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  );
}

function redirect(res: ServerResponse, location: string, setCookies: string[] = []) {
  res.writeHead(302, { location, ...(setCookies.length ? { 'set-cookie': setCookies } : {}) });
  res.end();
}

export async function startDemoApp(opts: {
  workos: WorkOS;
  clientId: string;
  port: number;
  cookiePassword: string;
  /**
   * Runs right before each call that makes Portico sign an access token (code exchange,
   * refresh). The browser test uses it to work around a server deadlock; see the test file.
   */
  beforeTokenCall?: () => Promise<unknown>;
  /**
   * Accept a callback that carries a code and no `state` at all (nothing pending, no state cookie):
   * a sign-in the application did not start, as a dashboard admin's impersonation
   * (docs/impersonation.md). Off by default; a wrong or missing-but-expected state is refused anyway.
   */
  acceptUnsolicited?: boolean;
}): Promise<DemoApp> {
  const { workos, clientId, cookiePassword } = opts;
  const beforeTokenCall = opts.beforeTokenCall ?? (async () => {});
  const url = `http://127.0.0.1:${opts.port}`;
  const redirectUri = `${url}/callback`;
  const pending = new Map<string, { codeVerifier?: string }>();
  const authorizeUrls: string[] = [];
  const callbacks: CallbackRecord[] = [];
  const errors: string[] = [];
  const um = workos.userManagement;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', url);
    const jar = cookies(req);
    switch (u.pathname) {
      case '/login': {
        const screenHint = u.searchParams.get('screen') === 'sign-in' ? 'sign-in' : 'sign-up';
        let location: string;
        let state: string;
        if (u.searchParams.get('pkce') === '1') {
          const r = await um.getAuthorizationUrlWithPKCE({
            provider: 'authkit',
            redirectUri,
            clientId,
            screenHint,
          });
          state = r.state;
          location = r.url;
          pending.set(state, { codeVerifier: r.codeVerifier });
        } else {
          state = randomBytes(16).toString('base64url');
          location = um.getAuthorizationUrl({
            provider: 'authkit',
            redirectUri,
            clientId,
            state,
            screenHint,
          });
          pending.set(state, {});
        }
        authorizeUrls.push(location);
        return redirect(res, location, [cookie(STATE_COOKIE, state, { path: '/callback', maxAge: 600 })]);
      }
      case '/callback': {
        const clearState = cookie(STATE_COOKIE, '', { path: '/callback', maxAge: 0 });
        const error = u.searchParams.get('error');
        if (error) {
          return html(res, 400, 'Sign-in failed', `<p id="error">${escapeHtml(error)}</p>`, [clearState]);
        }
        const code = u.searchParams.get('code');
        const state = u.searchParams.get('state') ?? '';
        const unsolicited =
          opts.acceptUnsolicited === true && !u.searchParams.has('state') && !jar[STATE_COOKIE];
        const flow = unsolicited ? {} : pending.get(state);
        if (!code || !flow || (!unsolicited && jar[STATE_COOKIE] !== state)) {
          return html(res, 400, 'Bad state', '<p id="error">state mismatch</p>', [clearState]);
        }
        if (!unsolicited) pending.delete(state);
        await beforeTokenCall();
        const auth = await um.authenticateWithCode({
          code,
          clientId,
          ...(flow.codeVerifier ? { codeVerifier: flow.codeVerifier } : {}),
          session: { sealSession: true, cookiePassword },
        });
        if (!auth.sealedSession) throw new Error('authenticateWithCode returned no sealedSession');
        const accessClaims = JSON.parse(
          Buffer.from(auth.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}',
        );
        callbacks.push({
          state,
          pkce: !!flow.codeVerifier,
          userId: auth.user.id,
          sealed: !!auth.sealedSession,
          authenticationMethod: auth.authenticationMethod,
          organizationId: auth.organizationId,
          accessTokenOrgId: accessClaims.org_id,
          ...(auth.impersonator ? { impersonator: auth.impersonator, accessTokenAct: accessClaims.act } : {}),
        });
        return redirect(res, '/me', [clearState, cookie(SESSION_COOKIE, auth.sealedSession)]);
      }
      case '/me': {
        const sessionData = jar[SESSION_COOKIE];
        if (!sessionData) return html(res, 401, 'Signed out', '<p id="status">no session</p>');
        const r = await um.authenticateWithSessionCookie({ sessionData, cookiePassword });
        if (!r.authenticated) {
          return html(res, 401, 'Not signed in', `<p id="status">${escapeHtml(String(r.reason))}</p>`);
        }
        const name = [r.user.firstName, r.user.lastName].filter(Boolean).join(' ');
        // The sealed session's own reading (SDK 8 `CookieSession.authenticate`) carries `impersonator`.
        const sealed = opts.acceptUnsolicited
          ? await um.loadSealedSession({ sessionData, cookiePassword }).authenticate()
          : null;
        const impersonator = sealed?.authenticated ? sealed.impersonator : undefined;
        return html(
          res,
          200,
          'Your account',
          `<h1>Signed in</h1>
<p>Email: <span id="email">${escapeHtml(r.user.email)}</span></p>
<p>Name: <span id="name">${escapeHtml(name)}</span></p>
<p>Session: <span id="session-id">${escapeHtml(r.sessionId)}</span></p>
<p>Method: <span id="method">${escapeHtml(String(r.authenticationMethod ?? ''))}</span></p>
${impersonator ? `<p id="impersonator">Impersonated by ${escapeHtml(impersonator.email)}: ${escapeHtml(String(impersonator.reason ?? ''))}</p>` : ''}
<p><a id="refresh" href="/refresh">Refresh session</a> · <a id="logout" href="/logout">Sign out</a></p>`,
        );
      }
      case '/refresh': {
        const sessionData = jar[SESSION_COOKIE];
        if (!sessionData) return html(res, 401, 'Signed out', '<p id="status">no session</p>');
        await beforeTokenCall();
        const r = await um.loadSealedSession({ sessionData, cookiePassword }).refresh();
        if (!r.authenticated || !r.sealedSession) {
          const reason = r.authenticated ? 'no sealed session' : r.reason;
          return html(res, 401, 'Refresh failed', `<p id="status">${escapeHtml(String(reason))}</p>`);
        }
        return redirect(res, '/me', [cookie(SESSION_COOKIE, r.sealedSession)]);
      }
      case '/logout': {
        const sessionData = jar[SESSION_COOKIE];
        const clear = cookie(SESSION_COOKIE, '', { maxAge: 0 });
        if (!sessionData) return redirect(res, '/signed-out', [clear]);
        const logoutUrl = await um
          .loadSealedSession({ sessionData, cookiePassword })
          .getLogoutUrl({ returnTo: `${url}/signed-out` });
        return redirect(res, logoutUrl, [clear]);
      }
      case '/signed-out':
        return html(res, 200, 'Signed out', '<h1 id="signed-out">You are signed out of the demo app</h1>');
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
    errors,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
