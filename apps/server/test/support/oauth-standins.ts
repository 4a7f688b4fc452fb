/**
 * Real local HTTP servers standing in for the social providers that are not plain OpenID Connect
 * (the OIDC ones run against oidc-provider, support/oidc-idp.ts):
 *
 * - GitHub, Discord, Bitbucket (startRestOAuth): the authorize endpoint (redirects back with a
 *   code), the token endpoint (checks the client id + secret — form or HTTP Basic, as the provider
 *   does — the code, the redirect URI and the PKCE verifier), and the REST API paths with the
 *   bearer token, in each provider's shape.
 * - Apple: OpenID discovery + JWKS, /auth answering with an HTML form that POSTs code, state and
 *   (first sign-in) the `user` JSON to the redirect URI — response_mode=form_post — and /token,
 *   which verifies the client secret as Apple does: an ES256 JWT signed with the developer's key
 *   (iss = team id, sub = client id, aud = the issuer), then issues an RS256 ID token with the nonce.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, importJWK, jwtVerify, SignJWT } from 'jose';

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>) {
  let base = '';
  const server = createServer((req, res) => {
    handler(req, res, new URL(req.url ?? '/', base)).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const send = (res: ServerResponse, status: number, data: unknown, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof data === 'string' ? data : JSON.stringify(data));
};
const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

export interface GitHubAccount {
  id: number;
  login: string;
  name: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

/**
 * A plain OAuth 2.0 provider (no OIDC): `authorizePath` redirects back with a code for the next
 * login, `tokenPath` checks the client (in the form, or HTTP Basic), the code, the redirect URI and
 * the PKCE verifier, and each account answers its API paths with the bearer token it was issued.
 */
export async function startRestOAuth(o: {
  clientId: string;
  clientSecret: string;
  authorizePath: string;
  tokenPath: string;
  clientAuth: 'post' | 'basic';
  /** The `scope` the token response names. */
  scope: string;
  /** How issued access tokens begin (GitHub's gho_…). */
  tokenPrefix?: string;
  /** login → API path → JSON answer. */
  accounts: Record<string, Record<string, unknown>>;
}) {
  const codes = new Map<string, { login: string; redirectUri: string; challenge: string }>();
  const tokens = new Map<string, string>();
  /** The next authorization signs in this login. */
  let nextLogin = Object.keys(o.accounts)[0]!;
  const seen: URL[] = [];
  const srv = await listen(async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === o.authorizePath) {
      seen.push(url);
      const q = url.searchParams;
      if (q.get('client_id') !== o.clientId) return send(res, 400, 'unknown client', 'text/plain');
      if (q.get('code_challenge_method') !== 'S256')
        return send(res, 400, 'PKCE S256 required', 'text/plain');
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        login: nextLogin,
        redirectUri: q.get('redirect_uri')!,
        challenge: q.get('code_challenge')!,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === o.tokenPath) {
      const f = await body(req);
      const basic = (req.headers.authorization ?? '').match(/^Basic (.+)$/)?.[1];
      const [id, secret] =
        o.clientAuth === 'basic'
          ? Buffer.from(basic ?? '', 'base64')
              .toString()
              .split(':')
              .map((v) => decodeURIComponent(v))
          : [f.get('client_id'), f.get('client_secret')];
      if (id !== o.clientId || secret !== o.clientSecret) return send(res, 401, { error: 'invalid_client' });
      const c = codes.get(f.get('code') ?? '');
      codes.delete(f.get('code') ?? '');
      if (!c || c.redirectUri !== f.get('redirect_uri') || s256(f.get('code_verifier') ?? '') !== c.challenge)
        return send(res, 400, { error: 'invalid_grant' });
      const t = `${o.tokenPrefix ?? 'tok_'}${randomBytes(12).toString('hex')}`;
      tokens.set(t, c.login);
      return send(res, 200, { access_token: t, token_type: 'bearer', scope: o.scope });
    }
    const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const account = login ? o.accounts[login] : undefined;
    if (!account) return send(res, 401, { message: 'Bad credentials' });
    if (url.pathname in account) return send(res, 200, account[url.pathname]);
    return send(res, 404, { message: 'Not Found' });
  });
  return {
    ...srv,
    endpoints: {
      authorize_url: `${srv.base}${o.authorizePath}`,
      token_url: `${srv.base}${o.tokenPath}`,
      api_url: srv.base,
    },
    seen,
    signInAs(login: string) {
      nextLogin = login;
    },
  };
}

/** GitHub: /login/oauth/authorize, /login/oauth/access_token, GET /user and /user/emails. */
export function startGitHub(o: {
  clientId: string;
  clientSecret: string;
  accounts: Record<string, GitHubAccount>;
}) {
  return startRestOAuth({
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    authorizePath: '/login/oauth/authorize',
    tokenPath: '/login/oauth/access_token',
    clientAuth: 'post',
    scope: 'read:user,user:email',
    tokenPrefix: 'gho_',
    accounts: Object.fromEntries(
      Object.entries(o.accounts).map(([login, a]) => [
        login,
        { '/user': { id: a.id, login: a.login, name: a.name }, '/user/emails': a.emails },
      ]),
    ),
  });
}

export interface AppleAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
  firstName?: string;
  lastName?: string;
}

export async function startApple(o: {
  clientId: string;
  teamId: string;
  keyId: string;
  accounts: AppleAccount[];
}) {
  // The developer's .p8 key (Portico signs with it) and Apple's own ID-token key.
  const dev = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const developerKeyPem = dev.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const devPublic = await importJWK(await exportJWK(dev.publicKey), 'ES256');
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = {
    ...(await exportJWK(signing.publicKey)),
    kid: 'apple-test-1',
    alg: 'RS256',
    use: 'sig',
  };
  const codes = new Map<
    string,
    { account: AppleAccount; nonce: string; challenge: string; redirectUri: string }
  >();
  let next = 0;
  let issuer = '';
  const clientSecrets: Record<string, unknown>[] = [];
  const srv = await listen(async (req, res, url) => {
    if (url.pathname === '/.well-known/openid-configuration')
      return send(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/auth/keys`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'name'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    if (url.pathname === '/auth/keys') return send(res, 200, { keys: [publicJwk] });
    if (req.method === 'GET' && url.pathname === '/auth') {
      const q = url.searchParams;
      if (q.get('client_id') !== o.clientId) return send(res, 400, 'invalid_client', 'text/plain');
      if (q.get('response_mode') !== 'form_post') return send(res, 400, 'form_post required', 'text/plain');
      const account = o.accounts[next++ % o.accounts.length]!;
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        account,
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        redirectUri: q.get('redirect_uri')!,
      });
      const user = JSON.stringify({
        name: { firstName: account.firstName, lastName: account.lastName },
        email: account.email,
      });
      const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      return send(
        res,
        200,
        `<!doctype html><html><body><form id="f" method="post" action="${esc(q.get('redirect_uri')!)}">` +
          `<input type="hidden" name="code" value="${code}"><input type="hidden" name="state" value="${esc(q.get('state') ?? '')}">` +
          `<input type="hidden" name="user" value="${esc(user)}"><button type="submit">Continue</button></form></body></html>`,
        'text/html',
      );
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const f = await body(req);
      try {
        const { payload } = await jwtVerify(f.get('client_secret') ?? '', devPublic, {
          issuer: o.teamId,
          subject: o.clientId,
          audience: issuer,
          algorithms: ['ES256'],
        });
        clientSecrets.push(payload);
      } catch (err) {
        return send(res, 400, { error: 'invalid_client', error_description: String(err) });
      }
      if (f.get('client_id') !== o.clientId) return send(res, 400, { error: 'invalid_client' });
      const c = codes.get(f.get('code') ?? '');
      codes.delete(f.get('code') ?? '');
      if (!c || c.redirectUri !== f.get('redirect_uri') || s256(f.get('code_verifier') ?? '') !== c.challenge)
        return send(res, 400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({
        nonce: c.nonce,
        email: c.account.email,
        email_verified: c.account.emailVerified ? 'true' : 'false',
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'apple-test-1' })
        .setIssuer(issuer)
        .setAudience(o.clientId)
        .setSubject(c.account.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(signing.privateKey);
      return send(res, 200, {
        access_token: `apple_at_${randomBytes(8).toString('hex')}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `apple_rt_${randomBytes(8).toString('hex')}`,
        id_token: idToken,
      });
    }
    return send(res, 404, 'not found', 'text/plain');
  });
  issuer = srv.base;
  return { ...srv, issuer, developerKeyPem, clientSecrets };
}
