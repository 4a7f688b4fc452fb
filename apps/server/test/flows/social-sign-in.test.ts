/**
 * Social sign-in through Portico, each provider module against a real local server standing in
 * for the provider (endpoints overridden with PORTICO_TEST_OAUTH_ENDPOINTS, which production
 * refuses): oidc-provider for Google, Microsoft, GitLab, LinkedIn (client_secret_post) and Slack;
 * a GitHub-shaped REST server; an Apple-shaped server with form_post and the ES256 client-secret
 * JWT. Each: authorize → provider login → Portico's callback → the app's redirect URI with a
 * code → authenticate → user + oauth_tokens, the identity listed by getUserIdentities' route.
 * Also: linking refused for an unverified email, state tampering and replay refused, the
 * Test OAuth provider (no credentials, development), the credentials API, production refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';
import { startApple, startGitHub, startRestOAuth } from '../support/oauth-standins.ts';
import { startTestIdp, type TestIdp } from '../support/oidc-idp.ts';

const PUBLIC_URL = 'http://portico.test';
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
const OIDC = [
  'GoogleOAuth',
  'MicrosoftOAuth',
  'GitLabOAuth',
  'LinkedInOAuth',
  'SlackOAuth',
  'SalesforceOAuth',
  'IntuitOAuth',
  'XeroOAuth',
  'VercelOAuth',
] as const;

let h: Harness;
const idps: Partial<Record<(typeof OIDC)[number], TestIdp>> = {};
let github: Awaited<ReturnType<typeof startGitHub>>;
let discord: Awaited<ReturnType<typeof startRestOAuth>>;
let bitbucket: Awaited<ReturnType<typeof startRestOAuth>>;
let apple: Awaited<ReturnType<typeof startApple>>;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  for (const p of OIDC) {
    idps[p] = await startTestIdp(
      {
        [`${p}-user`]: {
          claims: {
            email: `${p.toLowerCase()}@social.test`,
            email_verified: true,
            given_name: p.replace('OAuth', ''),
            family_name: 'Person',
          },
        },
        unverified: { claims: { email: 'existing@social.test', email_verified: false } },
      },
      {
        redirectUri: CALLBACK,
        tokenEndpointAuthMethod: p === 'LinkedInOAuth' ? 'client_secret_post' : 'client_secret_basic',
      },
    );
  }
  github = await startGitHub({
    clientId: 'gh-client',
    clientSecret: 'gh-secret',
    accounts: {
      octo: {
        id: 4242,
        login: 'octo',
        name: 'Octo Cat',
        emails: [
          { email: 'octo-public@social.test', primary: false, verified: false },
          { email: 'octo@social.test', primary: true, verified: true },
        ],
      },
      invited: {
        id: 5151,
        login: 'invited',
        name: 'Ivy Invited',
        emails: [{ email: 'ivy@social.test', primary: true, verified: true }],
      },
      linker: {
        id: 7070,
        login: 'linker',
        name: 'Lin Ker',
        emails: [{ email: 'linkme@social.test', primary: true, verified: false }],
      },
      sneaky: {
        id: 666,
        login: 'sneaky',
        name: 'Sneaky',
        emails: [{ email: 'existing@social.test', primary: true, verified: false }],
      },
    },
  });
  apple = await startApple({
    clientId: 'com.example.web',
    teamId: 'TEAM123456',
    keyId: 'KEY1234567',
    accounts: [
      {
        sub: '001234.apple',
        email: 'apple@social.test',
        emailVerified: true,
        firstName: 'Ann',
        lastName: 'Apple',
      },
    ],
  });
  discord = await startRestOAuth({
    clientId: 'discord-client',
    clientSecret: 'discord-secret',
    authorizePath: '/oauth2/authorize',
    tokenPath: '/api/oauth2/token',
    clientAuth: 'post',
    scope: 'identify email',
    accounts: {
      dee: {
        '/users/@me': {
          id: '80351110224678912',
          username: 'dee',
          global_name: 'Dee Scord',
          email: 'dee@social.test',
          verified: true,
        },
      },
    },
  });
  bitbucket = await startRestOAuth({
    clientId: 'bb-client',
    clientSecret: 'bb-secret',
    authorizePath: '/site/oauth2/authorize',
    tokenPath: '/site/oauth2/access_token',
    clientAuth: 'basic',
    scope: 'account email',
    accounts: {
      bucky: {
        '/user': { account_id: '557058:bucky', uuid: '{bucky}', display_name: 'Bucky Bit' },
        '/user/emails': {
          values: [
            { email: 'bucky-old@social.test', is_primary: false, is_confirmed: true },
            { email: 'bucky@social.test', is_primary: true, is_confirmed: true },
          ],
        },
      },
    },
  });
  const endpoints: Record<string, Record<string, string>> = {
    GitHubOAuth: github.endpoints,
    DiscordOAuth: discord.endpoints,
    BitbucketOAuth: bitbucket.endpoints,
    AppleOAuth: { issuer: apple.issuer },
  };
  for (const p of OIDC) endpoints[p] = { issuer: idps[p]!.issuer };
  h = await createHarness({
    clock: 'system',
    publicUrl: PUBLIC_URL,
    env: { PORTICO_TEST_OAUTH_ENDPOINTS: JSON.stringify(endpoints) },
  });
  const boot = await h.portico.services.admin.bootstrap();
  const res = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: PUBLIC_URL },
    body: JSON.stringify({ email: boot.email, password: boot.password }),
  });
  expect(res.status).toBe(201);
  admin = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: (await json<{ csrf_token: string }>(res)).csrf_token,
  };
});
afterAll(async () => {
  for (const idp of Object.values(idps)) await idp?.close();
  await github?.close();
  await discord?.close();
  await bitbucket?.close();
  await apple?.close();
  await h?.close();
});

function asAdmin(method: string, path: string, body?: unknown) {
  return h.portico.app.request(path, {
    method,
    headers: {
      'content-type': 'application/json',
      origin: PUBLIC_URL,
      cookie: admin.cookie,
      'x-portico-csrf': admin.csrf,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function setCredentials(provider: string, body: Record<string, unknown>) {
  const res = await asAdmin('PUT', `/_admin/oauth_providers/${provider}`, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
}

/** GET on Portico (the browser following a redirect to it). */
function portico(url: string, init?: RequestInit) {
  const u = new URL(url);
  return h.portico.app.request(u.pathname + u.search, {
    ...init,
    headers: { 'user-agent': 'test-browser', ...init?.headers },
  });
}

async function authorize(provider: string, extra = '') {
  const res = await h.portico.app.request(
    `/user_management/authorize?client_id=${h.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&provider=${provider}&state=app-state-1${extra}`,
  );
  expect(res.status, await res.clone().text()).toBe(302);
  return res.headers.get('location')!;
}

/** The app's redirect URI Portico sent the browser to, with code and state (or an error). */
async function callback(url: URL | string, init?: RequestInit) {
  const res = await portico(String(url), init);
  expect(res.status, await res.clone().text()).toBe(302);
  return new URL(res.headers.get('location')!);
}

interface Authenticated {
  user: {
    id: string;
    email: string;
    email_verified: boolean;
    first_name: string | null;
    last_name: string | null;
  };
  authentication_method: string;
  oauth_tokens: {
    provider: string;
    access_token: string;
    refresh_token: string;
    expires_at: number;
    scopes: string[];
  };
}

async function authenticate(code: string) {
  const res = await h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: h.clientId,
      client_secret: h.apiKey,
      code,
    }),
  });
  return { status: res.status, body: await json<Authenticated>(res) };
}

async function identities(userId: string) {
  return json<unknown[]>(await h.api('GET', `/user_management/users/${userId}/identities`));
}

async function events(name: string) {
  const res = await h.api('GET', `/events?events=${name}&limit=100`);
  return (await json<{ data: { data: Record<string, unknown> }[] }>(res)).data;
}

describe('credentials API (/_admin/oauth_providers)', () => {
  it('refuses incomplete credentials with the field to fix, and never returns the secret', async () => {
    const missing = await asAdmin('PUT', '/_admin/oauth_providers/MicrosoftOAuth', { client_id: 'x' });
    expect(missing.status).toBe(422);
    const body = await json<{ code: string; errors: { field: string }[] }>(missing);
    expect(body.code).toBe('oauth_credentials_invalid');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['client_secret', 'options.tenant']);
    const unknown = await asAdmin('PUT', '/_admin/oauth_providers/MySpaceOAuth', {
      client_id: 'x',
      client_secret: 'y',
    });
    expect(unknown.status).toBe(422);
    const list = await json<{ data: unknown[]; redirect_uri: string }>(
      await asAdmin('GET', '/_admin/oauth_providers'),
    );
    expect(list.data).toEqual([]);
    expect(list.redirect_uri).toBe(CALLBACK);
    // An API key is not a dashboard session.
    expect((await h.api('GET', '/_admin/oauth_providers')).status).toBe(401);
  });

  it('stores the client secret sealed, not in clear', async () => {
    const wire = await setCredentials('GoogleOAuth', {
      client_id: idps.GoogleOAuth!.clientId,
      client_secret: idps.GoogleOAuth!.clientSecret,
    });
    expect(wire).toMatchObject({ provider: 'GoogleOAuth', client_secret_set: true, redirect_uri: CALLBACK });
    expect(JSON.stringify(wire)).not.toContain(idps.GoogleOAuth!.clientSecret);
    const row = await h.portico.deps.db
      .selectFrom('oauth_credentials')
      .selectAll()
      .where('provider', '=', 'GoogleOAuth')
      .executeTakeFirstOrThrow();
    expect(row.client_secret_sealed).not.toContain(idps.GoogleOAuth!.clientSecret);
    expect(h.portico.deps.secrets.open(row.client_secret_sealed)).toBe(idps.GoogleOAuth!.clientSecret);
  });
});

describe('each OIDC provider module against oidc-provider', () => {
  for (const provider of OIDC) {
    it(`${provider}: authorize → provider login → callback → code → user + oauth_tokens`, async () => {
      const idp = idps[provider]!;
      await setCredentials(provider, {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        ...(provider === 'MicrosoftOAuth' ? { options: { tenant: 'contoso.onmicrosoft.com' } } : {}),
      });
      const start = await authorize(
        provider,
        '&provider_scopes=offline_access&provider_query_params[hd]=social.test',
      );
      const at = new URL(start);
      expect(at.origin).toBe(idp.issuer);
      expect(at.searchParams.get('redirect_uri')).toBe(CALLBACK);
      expect(at.searchParams.get('code_challenge_method')).toBe('S256');
      expect(at.searchParams.get('nonce')).toBeTruthy();
      expect(at.searchParams.get('hd')).toBe('social.test');
      expect(at.searchParams.get('scope')!.split(' ')).toContain('offline_access');
      expect(at.searchParams.get('state')).not.toBe('app-state-1');
      at.searchParams.delete('scope');
      at.searchParams.set('scope', 'openid email profile');
      const back = await idp.signIn(at.toString(), { login: `${provider}-user` });
      const app = await callback(back);
      expect(app.origin + app.pathname).toBe(REDIRECT_URI);
      expect(app.searchParams.get('state')).toBe('app-state-1');
      const { status, body } = await authenticate(app.searchParams.get('code')!);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.user.email).toBe(`${provider.toLowerCase()}@social.test`);
      expect(body.user.email_verified).toBe(true);
      expect(body.user.first_name).toBe(provider.replace('OAuth', ''));
      expect(body.authentication_method).toBe(provider);
      expect(body.oauth_tokens).toMatchObject({ provider, refresh_token: expect.any(String) });
      expect(body.oauth_tokens.access_token.length).toBeGreaterThan(10);
      expect(body.oauth_tokens.expires_at).toBeGreaterThan(Date.now() / 1000);
      expect(await identities(body.user.id)).toEqual([
        { idp_id: `${provider}-user`, type: 'OAuth', provider },
      ]);
      // A second sign-in finds the linked identity: same user, no second identity.
      const again = await callback(
        await idp.signIn(await authorize(provider), { login: `${provider}-user` }),
      );
      const second = await authenticate(again.searchParams.get('code')!);
      expect(second.body.user.id).toBe(body.user.id);
      expect(await identities(body.user.id)).toHaveLength(1);
    });
  }

  it('the success event names the provider; the tokens come back only once', async () => {
    const ok = await events('authentication.oauth_succeeded');
    expect(ok.map((e) => e.data.provider)).toEqual(expect.arrayContaining([...OIDC]));
    const rows = await h.portico.deps.db
      .selectFrom('authorization_codes')
      .select('oauth_tokens_sealed')
      .execute();
    expect(rows.every((r) => r.oauth_tokens_sealed === null)).toBe(true);
  });
});

describe('Discord and Bitbucket (REST, not OIDC)', () => {
  it('Discord: /users/@me gives the id, display name and the verified email', async () => {
    await setCredentials('DiscordOAuth', { client_id: 'discord-client', client_secret: 'discord-secret' });
    const start = new URL(await authorize('DiscordOAuth'));
    expect(start.pathname).toBe('/oauth2/authorize');
    expect(start.searchParams.get('scope')).toBe('identify email');
    const app = await callback((await fetch(start, { redirect: 'manual' })).headers.get('location')!);
    const { status, body } = await authenticate(app.searchParams.get('code')!);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.user).toMatchObject({
      email: 'dee@social.test',
      email_verified: true,
      first_name: 'Dee',
      last_name: 'Scord',
    });
    expect(body.authentication_method).toBe('DiscordOAuth');
    expect(body.oauth_tokens).toMatchObject({ provider: 'DiscordOAuth', scopes: ['identify', 'email'] });
    expect(await identities(body.user.id)).toEqual([
      { idp_id: '80351110224678912', type: 'OAuth', provider: 'DiscordOAuth' },
    ]);
  });

  it('Bitbucket: HTTP Basic at the token endpoint, the primary confirmed address from /user/emails', async () => {
    await setCredentials('BitbucketOAuth', { client_id: 'bb-client', client_secret: 'bb-secret' });
    const start = new URL(await authorize('BitbucketOAuth'));
    expect(start.pathname).toBe('/site/oauth2/authorize');
    const app = await callback((await fetch(start, { redirect: 'manual' })).headers.get('location')!);
    const { status, body } = await authenticate(app.searchParams.get('code')!);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.user).toMatchObject({
      email: 'bucky@social.test',
      email_verified: true,
      first_name: 'Bucky',
      last_name: 'Bit',
    });
    expect(body.authentication_method).toBe('BitbucketOAuth');
    expect(await identities(body.user.id)).toEqual([
      { idp_id: '557058:bucky', type: 'OAuth', provider: 'BitbucketOAuth' },
    ]);
  });

  it('a wrong client secret at the token endpoint comes back to the app as an error naming the provider', async () => {
    await setCredentials('BitbucketOAuth', { client_id: 'bb-client', client_secret: 'not-the-secret' });
    const start = new URL(await authorize('BitbucketOAuth'));
    const app = await callback((await fetch(start, { redirect: 'manual' })).headers.get('location')!);
    expect(app.searchParams.get('code')).toBeNull();
    expect(app.searchParams.get('error')).toBeTruthy();
    expect(app.searchParams.get('error_description')).toContain('BitbucketOAuth');
    await setCredentials('BitbucketOAuth', { client_id: 'bb-client', client_secret: 'bb-secret' });
  });
});

describe('GitHub (REST, not OIDC)', () => {
  it('uses the primary verified email from /user/emails, not the public one', async () => {
    await setCredentials('GitHubOAuth', { client_id: 'gh-client', client_secret: 'gh-secret' });
    github.signInAs('octo');
    const start = new URL(await authorize('GitHubOAuth'));
    expect(start.searchParams.get('scope')).toBe('read:user user:email');
    const fromGitHub = await fetch(start, { redirect: 'manual' });
    const app = await callback(fromGitHub.headers.get('location')!);
    const { status, body } = await authenticate(app.searchParams.get('code')!);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.user).toMatchObject({
      email: 'octo@social.test',
      email_verified: true,
      first_name: 'Octo',
      last_name: 'Cat',
    });
    expect(body.oauth_tokens).toMatchObject({ provider: 'GitHubOAuth', scopes: ['read:user', 'user:email'] });
    expect(body.oauth_tokens.access_token).toMatch(/^gho_/);
    expect(await identities(body.user.id)).toEqual([
      { idp_id: '4242', type: 'OAuth', provider: 'GitHubOAuth' },
    ]);
  });

  it('accepts the invitation the authorize URL carried: the session starts in the invited organization', async () => {
    await setCredentials('GitHubOAuth', { client_id: 'gh-client', client_secret: 'gh-secret' });
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Invited Social' }));
    const inv = await json<{ id: string; token: string }>(
      await h.api('POST', '/user_management/invitations', {
        email: 'ivy@social.test',
        organization_id: org.id,
        role_slug: 'admin',
      }),
    );
    github.signInAs('invited');
    const start = new URL(await authorize('GitHubOAuth', `&invitation_token=${inv.token}`));
    const fromGitHub = await fetch(start, { redirect: 'manual' });
    const app = await callback(fromGitHub.headers.get('location')!);
    const res = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: h.clientId,
        client_secret: h.apiKey,
        code: app.searchParams.get('code'),
      }),
    });
    expect(res.status).toBe(200);
    const body = await json<{ user: { id: string; email: string }; organization_id: string }>(res);
    expect(body).toMatchObject({ user: { email: 'ivy@social.test' }, organization_id: org.id });
    const accepted = await json<{ state: string; accepted_user_id: string }>(
      await h.api('GET', `/user_management/invitations/${inv.id}`),
    );
    expect(accepted).toMatchObject({ state: 'accepted', accepted_user_id: body.user.id });
    const memberships = await json<{ data: { organization_id: string; role: { slug: string } }[] }>(
      await h.api('GET', `/user_management/organization_memberships?user_id=${body.user.id}`),
    );
    expect(memberships.data).toEqual([
      expect.objectContaining({ organization_id: org.id, role: { slug: 'admin' } }),
    ]);
  });

  it('refuses to link an unverified email to an existing user, and records the failure', async () => {
    const created = await h.api('POST', '/user_management/users', { email: 'existing@social.test' });
    expect(created.status).toBe(201);
    const user = await json(created);
    github.signInAs('sneaky');
    const fromGitHub = await fetch(await authorize('GitHubOAuth'), { redirect: 'manual' });
    const app = await callback(fromGitHub.headers.get('location')!);
    expect(app.searchParams.get('error')).toBe('oauth_email_unverified');
    expect(app.searchParams.get('error_description')).toContain('not verified');
    expect(app.searchParams.get('state')).toBe('app-state-1');
    expect(app.searchParams.get('code')).toBeNull();
    expect(await identities(String(user.id))).toEqual([]);
    const failed = await events('authentication.oauth_failed');
    expect(failed.find((e) => e.data.provider === 'GitHubOAuth')?.data).toMatchObject({
      provider: 'GitHubOAuth',
      email: 'existing@social.test',
      error: { code: 'oauth_email_unverified' },
    });
  });

  it('links the refused account once the person proves the address with Magic Auth (link_authorization_code)', async () => {
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'linkme@social.test' }),
    );
    await h.api('POST', '/user_management/users', { email: 'bystander@social.test' });
    const refusedSignIn = async () => {
      const fromGitHub = await fetch(await authorize('GitHubOAuth'), { redirect: 'manual' });
      const app = await callback(fromGitHub.headers.get('location')!);
      expect(app.searchParams.get('error')).toBe('oauth_email_unverified');
      expect(app.searchParams.get('error_description')).toContain('link_authorization_code');
      return app.searchParams.get('link_authorization_code')!;
    };
    github.signInAs('linker');
    const link = await refusedSignIn();
    expect(link).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await h.portico.deps.db.selectFrom('oauth_link_codes').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(link);

    const magicGrant = async (email: string, linkCode: string) => {
      const m = await json<{ code: string }>(await h.api('POST', '/user_management/magic_auth', { email }));
      return h.portico.app.request('/user_management/authenticate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
          client_id: h.clientId,
          client_secret: h.apiKey,
          code: m.code,
          email,
          link_authorization_code: linkCode,
        }),
      });
    };
    // Bad input: an unknown code, and another user's address: refused, nothing linked, the code kept.
    const unknown = await magicGrant('linkme@social.test', 'not-a-link-code');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_link_authorization_code' });
    const otherUser = await magicGrant('bystander@social.test', link);
    expect(otherUser.status).toBe(400);
    expect(await otherUser.json()).toMatchObject({ error: 'invalid_link_authorization_code' });
    expect(await identities(user.id)).toEqual([]);

    const ok = await magicGrant('linkme@social.test', link);
    expect(ok.status).toBe(200);
    expect((await json<{ user: { id: string } }>(ok)).user.id).toBe(user.id);
    expect(await identities(user.id)).toEqual([{ idp_id: '7070', type: 'OAuth', provider: 'GitHubOAuth' }]);
    // Used once; and the linked account now signs straight in.
    const replay = await magicGrant('linkme@social.test', link);
    expect(await replay.json()).toMatchObject({ error: 'invalid_link_authorization_code' });
    const fromGitHub = await fetch(await authorize('GitHubOAuth'), { redirect: 'manual' });
    const app = await callback(fromGitHub.headers.get('location')!);
    const { status, body } = await authenticate(app.searchParams.get('code')!);
    expect(status).toBe(200);
    expect(body.user.id).toBe(user.id);
  });

  it('the same refusal for an OIDC provider whose email_verified is false', async () => {
    const idp = idps.GoogleOAuth!;
    const app = await callback(await idp.signIn(await authorize('GoogleOAuth'), { login: 'unverified' }));
    expect(app.searchParams.get('error')).toBe('oauth_email_unverified');
  });
});

describe('Apple (form_post, ES256 client-secret JWT)', () => {
  it('signs in through a form POST to the callback; the name comes from the user field', async () => {
    await setCredentials('AppleOAuth', {
      client_id: 'com.example.web',
      client_secret: apple.developerKeyPem,
      options: { team_id: 'TEAM123456', key_id: 'KEY1234567' },
    });
    const start = new URL(await authorize('AppleOAuth'));
    expect(start.searchParams.get('response_mode')).toBe('form_post');
    const page = await (await fetch(start)).text();
    const action = /action="([^"]+)"/.exec(page)![1]!;
    expect(action).toBe(CALLBACK);
    const unHtml = (v: string) =>
      v
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&amp;/g, '&');
    const form = new URLSearchParams();
    for (const m of page.matchAll(/name="([^"]+)" value="([^"]*)"/g)) form.set(m[1]!, unHtml(m[2]!));
    const app = await callback(CALLBACK, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: apple.issuer },
      body: form.toString(),
    });
    const { status, body } = await authenticate(app.searchParams.get('code')!);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.user).toMatchObject({
      email: 'apple@social.test',
      email_verified: true,
      first_name: 'Ann',
      last_name: 'Apple',
    });
    expect(body.oauth_tokens.refresh_token).toMatch(/^apple_rt_/);
    expect(apple.clientSecrets.at(-1)).toMatchObject({
      iss: 'TEAM123456',
      sub: 'com.example.web',
      aud: apple.issuer,
    });
    expect(await identities(body.user.id)).toEqual([
      { idp_id: '001234.apple', type: 'OAuth', provider: 'AppleOAuth' },
    ]);
  });
});

describe('state', () => {
  it('refuses a tampered state and a replayed callback with a page and a stable code', async () => {
    const idp = idps.SlackOAuth!;
    const back = await idp.signIn(await authorize('SlackOAuth'), { login: 'SlackOAuth-user' });
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${back.searchParams.get('state')!.slice(0, -2)}xx`);
    const bad = await portico(tampered.toString());
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('data-code="oauth_state_invalid"');
    const doubled = new URL(back);
    doubled.searchParams.append('state', 'other');
    expect((await portico(doubled.toString())).status).toBe(400);
    // The real one still works once…
    expect((await callback(back)).searchParams.get('code')).toBeTruthy();
    // …and never again.
    const replay = await portico(back.toString());
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('oauth_state_invalid');
    const missing = await portico(`${CALLBACK}?code=abc`);
    expect(missing.status).toBe(400);
  });

  it('an unknown provider goes back to the app with oauth_provider_unknown', async () => {
    const res = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&provider=MySpaceOAuth&state=s`,
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('oauth_provider_unknown');
  });

  it('cross-environment: another environment’s user id is not found', async () => {
    expect(
      (await h.api('GET', '/user_management/users/user_01HXXXXXXXXXXXXXXXXXXXXXXX/identities')).status,
    ).toBe(404);
  });
});

describe('Test OAuth provider (development, no credentials)', () => {
  it('stands in for a provider without credentials, through the same callback and pipeline', async () => {
    const del = await asAdmin('DELETE', '/_admin/oauth_providers/SlackOAuth');
    expect(del.status).toBe(204);
    const start = new URL(await authorize('SlackOAuth'));
    expect(start.pathname).toBe('/test-oauth/authorize');
    const page = await portico(start.toString());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('Standing in for Slack');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const post = (fields: Record<string, string>, withCookie = true) =>
      portico(`${PUBLIC_URL}/test-oauth/authorize`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(withCookie ? { cookie } : {}),
          origin: PUBLIC_URL,
        },
        body: new URLSearchParams(fields).toString(),
      });
    const state = start.searchParams.get('state')!;
    expect((await post({ csrf, state, email: 'x@y.test' }, false)).status).toBe(403);
    const invalid = await post({ csrf, state, email: 'not an email' });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('aria-describedby="email-error"');
    const ok = await post({
      csrf,
      state,
      email: 'Tess@Test.example',
      first_name: 'Tess',
      email_verified: '1',
    });
    expect(ok.status).toBe(302);
    const app = await callback(ok.headers.get('location')!);
    const { body } = await authenticate(app.searchParams.get('code')!);
    expect(body.user).toMatchObject({ email: 'tess@test.example', first_name: 'Tess', email_verified: true });
    expect(body.oauth_tokens.access_token).toMatch(/^test_oauth_access_/);
    expect(await identities(body.user.id)).toEqual([
      { idp_id: 'test-oauth|tess@test.example', type: 'OAuth', provider: 'SlackOAuth' },
    ]);
  });
});

describe('rate limit', () => {
  it('limits callbacks per client address (60 a minute) with rate_limit_exceeded, on a page', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 61; i++) last = await portico(`${CALLBACK}?code=x&state=s${i}`);
    expect(last!.status).toBe(429);
    expect(await last!.text()).toContain('rate_limit_exceeded');
  });
});

describe('production', () => {
  it('refuses PORTICO_TEST_OAUTH_ENDPOINTS', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        PORTICO_SECRET: 'x'.repeat(40),
        PORTICO_DATABASE_URL: 'sqlite::memory:',
        PORTICO_TEST_OAUTH_ENDPOINTS: '{}',
      }),
    ).toThrow(/refused when NODE_ENV=production/);
  });
});
