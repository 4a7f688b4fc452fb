/**
 * The integration guide's app (../shared/seed/workos-integration-guide.txt), route for route, on
 * node:http instead of Next.js, against one official SDK major. Where the guide's code cannot work
 * on any WorkOS-compatible server, the fix sits beside it with the reason:
 * - `getUser(accessToken)` takes a user id, not a token: verify the JWT against the JWKS and read
 *   its `sub` instead;
 * - the webhook handler never checks the signature: `webhooks.constructEvent` does (SDK 11+
 *   verifies the raw body, 7 and 8 the re-serialised JSON);
 * - SDK 9+ has `adminPortal.generateLink`, not `portal.generateLink`.
 * Everything else is the guide's code with only the SDK's host options added.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type AnyWorkOS, type Major, modern } from '../../../../../packages/compat/test/support/sdks.ts';

export interface GuideApp {
  url: string;
  redirectUri: string;
  /** The guide's `users` table, as its webhook handler fills it. */
  users: { email: string; name: string; orgId: string }[];
  /** Every webhook that arrived, and whether its signature verified. */
  webhooks: { event: string; verified: boolean; error?: string }[];
  /** Refreshes the session cookie handler performed (the guide's "Try refresh" branch). */
  refreshes: number;
  webhookSecret: string;
  close(): Promise<void>;
}

const cookie = (req: IncomingMessage, name: string) =>
  (req.headers.cookie ?? '')
    .split(/;\s*/)
    .map((c) => c.split('='))
    .find(([k]) => k === name)?.[1];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => {
      b += d;
    });
    req.on('end', () => resolve(b));
  });
}

export async function startGuideApp(
  workos: AnyWorkOS,
  opts: { major: Major; clientId: string; jwksUrl: string },
): Promise<GuideApp> {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  const app: GuideApp = {
    url: '',
    redirectUri: '',
    users: [],
    webhooks: [],
    refreshes: 0,
    webhookSecret: '',
    close: async () => {},
  };

  // Session management (the guide's validateSession, with the token verified locally).
  async function validateSession(req: IncomingMessage, res: ServerResponse) {
    const accessToken = cookie(req, 'access_token');
    if (!accessToken) return null;
    try {
      // Fix: `getUser(accessToken)` in the guide passes a token where a user id belongs.
      const { payload } = await jwtVerify(accessToken, jwks);
      return await workos.userManagement.getUser(String(payload.sub));
    } catch {
      // Try refresh
      const refreshToken = cookie(req, 'refresh_token');
      if (!refreshToken) return null;
      try {
        const { accessToken: newToken, refreshToken: newRefresh } =
          await workos.userManagement.authenticateWithRefreshToken({ refreshToken, clientId: opts.clientId });
        app.refreshes += 1;
        res.setHeader('Set-Cookie', [
          `access_token=${newToken}; Path=/; HttpOnly; Secure; SameSite=Lax`,
          `refresh_token=${newRefresh}; Path=/; HttpOnly; Secure; SameSite=Lax`,
        ]);
        const { payload } = await jwtVerify(newToken, jwks);
        return await workos.userManagement.getUser(String(payload.sub));
      } catch {
        return null;
      }
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', app.url);
    try {
      if (url.pathname === '/api/auth/login') {
        // AuthKit (complete auth flow)
        const authorizationUrl = workos.userManagement.getAuthorizationUrl({
          provider: 'authkit',
          redirectUri: app.redirectUri,
          clientId: opts.clientId,
        });
        res.writeHead(302, { Location: authorizationUrl }).end();
        return;
      }
      if (url.pathname === '/api/auth/callback') {
        const code = url.searchParams.get('code')!;
        const { accessToken, refreshToken } = await workos.userManagement.authenticateWithCode({
          code,
          clientId: opts.clientId,
        });
        res.writeHead(302, {
          'Set-Cookie': [
            `access_token=${accessToken}; Path=/; HttpOnly; Secure; SameSite=Lax`,
            `refresh_token=${refreshToken}; Path=/; HttpOnly; Secure; SameSite=Lax`,
          ],
          Location: '/dashboard',
        });
        res.end();
        return;
      }
      if (url.pathname === '/sso') {
        // SSO: the organization's configured provider.
        const orgId = url.searchParams.get('org');
        const authorizationUrl = workos.userManagement.getAuthorizationUrl({
          organizationId: orgId!,
          redirectUri: app.redirectUri,
          clientId: opts.clientId,
        });
        res.writeHead(302, { Location: authorizationUrl }).end();
        return;
      }
      if (url.pathname === '/dashboard') {
        const user = await validateSession(req, res);
        if (!user) {
          res.writeHead(401, { 'content-type': 'text/html' }).end('<h1>Signed out</h1>');
          return;
        }
        const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
          userId: user.id,
        });
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            `<h1 id="who">${user.email}</h1><p id="orgs">${memberships.map((m: { organizationId: string }) => m.organizationId).join(',')}</p>`,
          );
        return;
      }
      if (url.pathname === '/settings/sso') {
        // Admin portal (self-service SSO setup). Fix: SDK 9+ names it adminPortal.
        const portal = modern(opts.major) ? workos.adminPortal : workos.portal;
        const { link } = await portal.generateLink({
          organization: url.searchParams.get('org')!,
          intent: 'sso',
          returnUrl: `${app.url}/settings`,
        });
        res.writeHead(302, { Location: link }).end();
        return;
      }
      if (url.pathname === '/api/webhooks' && req.method === 'POST') {
        const raw = await body(req);
        // Fix: verify the signature before trusting the payload (the guide reads req.json() blindly).
        let payload: { event: string; data: Record<string, unknown> & { emails: { value: string }[] } };
        try {
          payload = await workos.webhooks.constructEvent({
            payload: modern(opts.major) ? raw : JSON.parse(raw),
            sigHeader: String(req.headers['workos-signature'] ?? ''),
            secret: app.webhookSecret,
          });
          // The guide reads data.emails[0].value, which SDK 11+'s parsed event no longer carries:
          // read it from the raw body, as WorkOS's own payload has it.
          payload = { ...payload, data: JSON.parse(raw).data };
          app.webhooks.push({ event: payload.event, verified: true });
        } catch (err) {
          app.webhooks.push({ event: 'unknown', verified: false, error: (err as Error).message });
          res.writeHead(400).end('bad signature');
          return;
        }
        switch (payload.event) {
          case 'dsync.user.created':
            app.users.push({
              email: payload.data.emails[0]!.value,
              name: `${payload.data.first_name} ${payload.data.last_name}`,
              orgId: String(payload.data.directory_id),
            });
            break;
          case 'dsync.user.deleted':
            app.users = app.users.filter((u) => u.email !== payload.data.emails[0]!.value);
            break;
          case 'dsync.group.created':
            // Handle team/group provisioning
            break;
        }
        res.writeHead(200).end('OK');
        return;
      }
      res.writeHead(404).end('not found');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`guide app error: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  app.url = `http://127.0.0.1:${port}`;
  app.redirectUri = `${app.url}/api/auth/callback`;
  app.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return app;
}
