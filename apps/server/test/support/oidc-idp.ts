/**
 * A real OpenID Provider for tests: oidc-provider 9 (panva, OpenID Certified) on 127.0.0.1 at a
 * free port, in the test process.
 *
 * - One confidential client (client_secret_basic) whose redirect URI is a local callback URL that
 *   nothing listens on: `signIn` stops at the redirect to it and returns that URL.
 * - devInteractions: the login form accepts any password for a known account id; `signIn` drives
 *   it with plain fetch and a cookie jar (authorization URL → login form → consent form → callback).
 *   `cancel: true` presses the form's Cancel link, so the IdP itself answers `access_denied`.
 * - `conformIdTokenClaims: false` puts the email/profile claims into the ID token too. An account's
 *   `userinfoOnly` claims are released by userinfo only (like Okta's groups), to exercise the merge.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Account } from 'oidc-provider';

export interface TestAccount {
  claims: Record<string, unknown>;
  userinfoOnly?: Record<string, unknown>;
}

export interface TestIdp {
  issuer: string;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Signs `login` in at the authorization URL and returns the callback URL the IdP redirected to. */
  signIn(authorizationUrl: string, o: { login: string; cancel?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

export async function startTestIdp(
  accounts: Record<string, TestAccount>,
  opts: { redirectUri?: string; tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' } = {},
): Promise<TestIdp> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'portico-test-client';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const redirectUri = opts.redirectUri ?? 'http://127.0.0.1:9/sso/oidc/conn_test/callback';

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: opts.tokenEndpointAuthMethod ?? 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-idp-test-cookie-key'] },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'groups', 'locale'],
    },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
    findAccount: async (_ctx: unknown, id: string): Promise<Account | undefined> => {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async (use) => ({
          sub: id,
          ...account.claims,
          ...(use === 'userinfo' ? account.userinfoOnly : {}),
        }),
      };
    },
  });
  // oidc-provider logs server errors through its event emitter; tests read them from the responses.
  provider.on('server_error', () => {});
  handler = provider.callback();

  return {
    issuer,
    discoveryUrl: issuer,
    clientId,
    clientSecret,
    redirectUri,
    signIn: (url, o) => drive(url, redirectUri, o),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

async function drive(
  start: string,
  redirectUri: string,
  o: { login: string; cancel?: boolean },
): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) return next;
      url = next.href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200)
      throw new Error(`test IdP answered ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no interaction form at ${url}`);
    if (o.cancel) {
      const abort = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html)?.[1];
      if (!abort) throw new Error('no Cancel link on the interaction page');
      url = new URL(decode(abort), url).href;
      continue;
    }
    url = new URL(decode(action), url).href;
    body =
      prompt === 'login'
        ? new URLSearchParams({ prompt, login: o.login, password: 'any password' }).toString()
        : new URLSearchParams({ prompt }).toString();
  }
  throw new Error('the test IdP did not redirect to the callback within 12 hops');
}
