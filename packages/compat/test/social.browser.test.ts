/**
 * Social sign-in in Chromium with the official SDK (11 and 12): getAuthorizationUrl({ provider })
 * → the provider's login (a real local stand-in on another host name: oidc-provider as
 * <provider>.test for the OIDC providers, the GitHub REST and Apple form_post servers) → Portico's
 * callback → the app's redirect URI with a code → authenticateWithCode → the user and
 * `oauthTokens`; getUserIdentities lists the linked identity. Also the Test OAuth provider page
 * (no credentials, development) at 390 and 1280 px with no CSP violation, and a tampered state.
 * Screenshots: test-artifacts/screenshots/social-*.png. Runs in the `sqlite` project only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApple, startGitHub, startRestOAuth } from '../../../apps/server/test/support/oauth-standins.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, sdkFor } from './support/sdks.ts';
import { listenOidcIdp, resolveTestHostsToLoopback, type SsoOidcIdp } from './support/sso-oidc-idp.ts';

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
const email = (p: string) => `${p.toLowerCase()}@social-browser.test`;

let restoreDns: (() => void) | undefined;
let p: Running;
const idps: Partial<Record<string, SsoOidcIdp>> = {};
let github: Awaited<ReturnType<typeof startGitHub>>;
let discord: Awaited<ReturnType<typeof startRestOAuth>>;
let bitbucket: Awaited<ReturnType<typeof startRestOAuth>>;
let apple: Awaited<ReturnType<typeof startApple>>;
let browser: Browser;
let app: Server;
let appRedirectUri: string;
let w: WatchedPage;
const sdk: Record<'11' | '12', AnyWorkOS> = {} as never;

beforeAll(async () => {
  restoreDns = resolveTestHostsToLoopback();
  for (const prov of OIDC) {
    idps[prov] = await listenOidcIdp(`${prov.replace('OAuth', '').toLowerCase()}.test`, {
      [email(prov)]: {
        claims: {
          email: email(prov),
          email_verified: true,
          given_name: prov.replace('OAuth', ''),
          family_name: 'Browser',
        },
      },
    });
  }
  github = await startGitHub({
    clientId: 'gh-browser',
    clientSecret: 'gh-browser-secret',
    accounts: {
      octo: {
        id: 99,
        login: 'octo',
        name: 'Octo Browser',
        emails: [{ email: 'octo@social-browser.test', primary: true, verified: true }],
      },
    },
  });
  apple = await startApple({
    clientId: 'com.example.browser',
    teamId: 'TEAMBROWSR',
    keyId: 'KEYBROWSER',
    accounts: [
      {
        sub: 'apple.browser.1',
        email: 'apple@social-browser.test',
        emailVerified: true,
        firstName: 'Ann',
        lastName: 'Browser',
      },
    ],
  });
  discord = await startRestOAuth({
    clientId: 'discord-browser',
    clientSecret: 'discord-browser-secret',
    authorizePath: '/oauth2/authorize',
    tokenPath: '/api/oauth2/token',
    clientAuth: 'post',
    scope: 'identify email',
    accounts: {
      dee: {
        '/users/@me': {
          id: '1001',
          username: 'dee',
          global_name: 'Dee Browser',
          email: 'dee@social-browser.test',
          verified: true,
        },
      },
    },
  });
  bitbucket = await startRestOAuth({
    clientId: 'bb-browser',
    clientSecret: 'bb-browser-secret',
    authorizePath: '/site/oauth2/authorize',
    tokenPath: '/site/oauth2/access_token',
    clientAuth: 'basic',
    scope: 'account email',
    accounts: {
      bucky: {
        '/user': { account_id: '557058:browser', display_name: 'Bucky Browser' },
        '/user/emails': {
          values: [{ email: 'bucky@social-browser.test', is_primary: true, is_confirmed: true }],
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
  for (const prov of OIDC) endpoints[prov] = { issuer: idps[prov]!.issuer };
  // The app: a real listener, so every redirect chain (also one that never leaves redirects) ends there.
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>App</title><h1>App callback</h1>');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appRedirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
  p = await startPortico({
    env: { PORTICO_REDIRECT_URIS: appRedirectUri, PORTICO_TEST_OAUTH_ENDPOINTS: JSON.stringify(endpoints) },
  });
  const oauth = p.h.portico.services.oauth;
  for (const prov of OIDC) {
    idps[prov]!.start(
      [`${p.url}/oauth/callback`],
      prov === 'LinkedInOAuth' ? 'client_secret_post' : 'client_secret_basic',
    );
    await oauth.setCredential(
      p.h.environmentId,
      prov,
      {
        client_id: idps[prov]!.clientId,
        client_secret: idps[prov]!.clientSecret,
        ...(prov === 'MicrosoftOAuth' ? { options: { tenant: 'contoso.onmicrosoft.com' } } : {}),
      },
      'test',
    );
  }
  await oauth.setCredential(
    p.h.environmentId,
    'GitHubOAuth',
    { client_id: 'gh-browser', client_secret: 'gh-browser-secret' },
    'test',
  );
  await oauth.setCredential(
    p.h.environmentId,
    'DiscordOAuth',
    { client_id: 'discord-browser', client_secret: 'discord-browser-secret' },
    'test',
  );
  await oauth.setCredential(
    p.h.environmentId,
    'BitbucketOAuth',
    { client_id: 'bb-browser', client_secret: 'bb-browser-secret' },
    'test',
  );
  await oauth.setCredential(
    p.h.environmentId,
    'AppleOAuth',
    {
      client_id: 'com.example.browser',
      client_secret: apple.developerKeyPem,
      options: { team_id: 'TEAMBROWSR', key_id: 'KEYBROWSER' },
    },
    'test',
  );
  sdk['11'] = await sdkFor('11', p);
  sdk['12'] = await sdkFor('12', p);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'],
    timeout: 30_000,
  });
  w = await openPage(browser);
  await w.context.route('https://fonts.googleapis.com/**', (r) =>
    r.fulfill({ status: 200, contentType: 'text/css', body: '' }),
  );
  // The app's redirect URI: record where Portico sends the browser.
  await w.context.route(`${appRedirectUri}**`, (r) =>
    r.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>App</title><h1>App callback</h1>',
    }),
  );
}, 120_000);

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  for (const idp of Object.values(idps)) await idp?.close();
  await github?.close();
  await discord?.close();
  await bitbucket?.close();
  await apple?.close();
  await p?.close();
  app?.closeAllConnections();
  await new Promise((r) => app?.close(r));
  restoreDns?.();
});

async function appCallback(page: Page) {
  await page.waitForURL((u) => u.href.startsWith(appRedirectUri), { timeout: 20_000 });
  return new URL(page.url());
}

async function signInAtOidcProvider(page: Page, issuer: string, login: string) {
  await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign-in' }).click()]);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Authorize');
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function finish(major: '11' | '12', provider: string, page: Page, state: string) {
  const back = await appCallback(page);
  expect(back.searchParams.get('error'), back.searchParams.get('error_description') ?? '').toBeNull();
  expect(back.searchParams.get('state')).toBe(state);
  const auth = await sdk[major].userManagement.authenticateWithCode({
    code: back.searchParams.get('code')!,
    clientId: p.h.clientId,
  });
  expect(auth.authenticationMethod).toBe(provider);
  expect(auth.oauthTokens).toMatchObject({
    accessToken: expect.any(String),
    refreshToken: expect.any(String),
    scopes: expect.any(Array),
  });
  expect(auth.oauthTokens.expiresAt).toBeGreaterThan(Date.now() / 1000);
  const identities = await sdk[major].userManagement.getUserIdentities(auth.user.id);
  expect(identities).toEqual([expect.objectContaining({ type: 'OAuth', provider })]);
  return auth;
}

describe('social sign-in in Chromium with the SDK', () => {
  for (const [i, provider] of OIDC.entries()) {
    const major = i % 2 === 0 ? '12' : '11';
    it(`${provider} (SDK ${major})`, async () => {
      const { page } = w;
      const state = `st-${provider}`;
      const url = sdk[major].userManagement.getAuthorizationUrl({
        provider,
        redirectUri: appRedirectUri,
        clientId: p.h.clientId,
        state,
        providerQueryParams: { prompt: 'consent' },
      });
      await page.goto(url);
      const idp = idps[provider]!;
      await signInAtOidcProvider(page, idp.issuer, email(provider));
      const auth = await finish(major as '11' | '12', provider, page, state);
      expect(auth.user.email).toBe(email(provider));
      expect(auth.user.emailVerified).toBe(true);
    });
  }

  for (const [provider, major, who] of [
    ['DiscordOAuth', '11', { email: 'dee@social-browser.test', firstName: 'Dee', lastName: 'Browser' }],
    ['BitbucketOAuth', '12', { email: 'bucky@social-browser.test', firstName: 'Bucky', lastName: 'Browser' }],
  ] as const) {
    it(`${provider} (SDK ${major}): the person from the REST API`, async () => {
      const { page } = w;
      await page.goto(
        sdk[major].userManagement.getAuthorizationUrl({
          provider,
          redirectUri: appRedirectUri,
          clientId: p.h.clientId,
          state: `st-${provider}`,
        }),
      );
      const auth = await finish(major, provider, page, `st-${provider}`);
      expect(auth.user).toMatchObject(who);
    });
  }

  it('GitHubOAuth (SDK 12): the primary verified email from the REST API', async () => {
    const { page } = w;

    const url = sdk['12'].userManagement.getAuthorizationUrl({
      provider: 'GitHubOAuth',
      redirectUri: appRedirectUri,
      clientId: p.h.clientId,
      state: 'st-gh',
      providerScopes: ['repo'],
    });
    await page.goto(url);
    const auth = await finish('12', 'GitHubOAuth', page, 'st-gh');
    expect(auth.user).toMatchObject({
      email: 'octo@social-browser.test',
      firstName: 'Octo',
      lastName: 'Browser',
    });
    expect(github.seen.at(-1)?.searchParams.get('scope')).toBe('read:user user:email repo');
  });

  it('AppleOAuth (SDK 11): form_post from another site to the callback', async () => {
    const { page } = w;
    const url = sdk['11'].userManagement.getAuthorizationUrl({
      provider: 'AppleOAuth',
      redirectUri: appRedirectUri,
      clientId: p.h.clientId,
      state: 'st-apple',
    });
    await page.goto(url);
    await page.getByRole('button', { name: 'Continue' }).click();
    const auth = await finish('11', 'AppleOAuth', page, 'st-apple');
    expect(auth.user).toMatchObject({
      email: 'apple@social-browser.test',
      firstName: 'Ann',
      lastName: 'Browser',
    });
  });

  it('the Test OAuth provider page: no credentials, 390 and 1280 px, accessible, no CSP violation', async () => {
    await p.h.portico.services.oauth.deleteCredential(p.h.environmentId, 'SlackOAuth', 'test');
    const { page, problems } = w;
    const url = sdk['12'].userManagement.getAuthorizationUrl({
      provider: 'SlackOAuth',
      redirectUri: appRedirectUri,
      clientId: p.h.clientId,
      state: 'st-test',
    });
    await page.goto(url);
    await page.getByRole('heading', { name: 'Test OAuth provider' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('not an email');
    await page.getByRole('button', { name: 'Continue as this Slack user' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByLabel('Email', { exact: true }).getAttribute('aria-describedby')).toBe(
      'email-error',
    );
    const shot = await screenshotBoth(page, 'social-test-provider');
    expect(shot.phoneScrollWidth).toBeLessThanOrEqual(390);
    await page.getByLabel('Email', { exact: true }).fill('tess@social-browser.test');
    await page.getByLabel('First name').fill('Tess');
    await page.getByRole('button', { name: 'Continue as this Slack user' }).click();
    const auth = await finish('12', 'SlackOAuth', page, 'st-test');
    expect(auth.user).toMatchObject({ email: 'tess@social-browser.test', firstName: 'Tess' });
    expect(problems).toEqual([]);
  });

  it('a tampered state ends on a page with its code', async () => {
    const { page } = w;
    await page.goto(`${p.url}/oauth/callback?code=x&state=forged`);
    await page.getByRole('heading', { name: 'Sign-in could not be completed' }).waitFor();
    expect(await page.locator('[data-code]').getAttribute('data-code')).toBe('oauth_state_invalid');
    await screenshotBoth(page, 'social-state-invalid');
  });
});
