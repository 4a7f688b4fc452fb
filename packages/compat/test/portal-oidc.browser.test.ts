/**
 * The Admin Portal's OpenID Connect path in Chromium, against a real OpenID Provider
 * (oidc-provider on http://idp.test:<port>, Chromium maps *.test to 127.0.0.1): the IT admin
 * opens an SDK-generated link, chooses OpenID Connect, copies the redirect URI into the provider
 * (here: the provider starts with it as its client's redirect URI), pastes the discovery URL, client
 * ID and secret, and runs a real test sign-in — the provider's login and consent pages, then
 * Portico's OIDC callback — which the portal reports as working, with the email. A wrong client
 * secret then fails, and the portal says why. Screenshots: test-artifacts/screenshots/portal-oidc-*.png.
 *
 * Runs in the `sqlite` vitest project only, on the system clock.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainDataState, WorkOS } from 'workos-node-8';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';
import { listenOidcIdp, resolveTestHostsToLoopback, type SsoOidcIdp } from './support/sso-oidc-idp.ts';

const DOMAIN = 'oidc-portal.test';
const CAROL = {
  email: `carol@${DOMAIN}`,
  email_verified: true,
  given_name: 'Carol',
  family_name: 'Customer',
  name: 'Carol Customer',
};
const SUCCESS_URL = 'https://app.example.com/settings?portal=done';

let restoreDns: (() => void) | undefined;
let p: Running;
let workos: WorkOS;
let idp: SsoOidcIdp;
let browser: Browser;
let w: WatchedPage;
let orgId: string;

beforeAll(async () => {
  restoreDns = resolveTestHostsToLoopback();
  p = await startPortico();
  workos = new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
  });
  orgId = (
    await workos.organizations.createOrganization({
      name: 'OIDC Portal Customer',
      domainData: [{ domain: DOMAIN, state: DomainDataState.Verified }],
    })
  ).id;
  idp = await listenOidcIdp('idp.test', { [CAROL.email]: { claims: CAROL } });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'],
    timeout: 30_000,
  });
  w = await openPage(browser);
  // oidc-provider's dev pages @import a Google font; this sandbox has no Internet.
  await w.context.route('https://fonts.googleapis.com/**', (r) =>
    r.fulfill({ status: 200, contentType: 'text/css', body: '' }),
  );
});

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await idp?.close();
  await p?.close();
  restoreDns?.();
});

async function shoot(page: Page, name: string) {
  const shot = await screenshotBoth(page, `portal-oidc-${name}`);
  expect(shot.phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

/** The provider's dev login form, then its consent page, then back to Portico. */
async function signInAtProvider(page: Page) {
  await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name="login"]').fill(CAROL.email);
  await page.locator('input[name="password"]').fill('any password');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign-in' }).click()]);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Authorize');
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('the Admin Portal with an OpenID Connect provider, in Chromium', () => {
  let connId: string;

  it('sets up a GenericOIDC connection and tests it with a real sign-in at the provider', async () => {
    const { page } = w;
    const { link } = await workos.portal.generateLink({
      organization: orgId,
      intent: 'sso' as never,
      successUrl: SUCCESS_URL,
    });
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    await page.getByRole('button', { name: /^Other OpenID Connect provider/ }).click();
    await page.getByRole('button', { name: 'Continue with Other OpenID Connect provider' }).click();
    await page.getByRole('heading', { name: 'Create the app in OpenID Connect' }).waitFor();
    const redirectUri = await page.getByRole('textbox', { name: 'Redirect URI', exact: true }).inputValue();
    expect(redirectUri).toMatch(new RegExp(`^${p.url}/sso/oidc/conn_[A-Z0-9]+/callback$`));
    connId = /\/(conn_[A-Z0-9]+)\//.exec(redirectUri)![1]!;
    await shoot(page, 'guide');

    // The IT admin registers the redirect URI at the provider; the provider comes up with it.
    idp.start([redirectUri]);
    await page.getByRole('button', { name: 'I have created the app' }).click();
    await page
      .getByRole('textbox', { name: 'Discovery URL' })
      .fill(`${idp.issuer}/.well-known/openid-configuration`);
    await page.getByRole('textbox', { name: 'Client ID' }).fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await shoot(page, 'connect');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('heading', { name: 'Test single sign-on' }).waitFor();

    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await signInAtProvider(page);
    await page.getByRole('heading', { name: 'Single sign-on works' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.test-email').textContent()).toBe(CAROL.email);
    expect(await page.getByRole('link', { name: 'Done' }).getAttribute('href')).toBe(SUCCESS_URL);
    await shoot(page, 'success');

    const conn = await p.h.portico.services.connections.row(p.h.environmentId, connId);
    expect(conn).toMatchObject({ organization_id: orgId, connection_type: 'GenericOIDC', state: 'active' });
  });

  it('explains a wrong client secret in words', async () => {
    const { page } = w;
    await page.getByRole('link', { name: 'Back to the connection' }).click();
    await page.getByRole('heading', { name: 'Test single sign-on' }).waitFor();
    // Back to the Connect step, with a secret the provider does not know.
    await p.h.portico.services.connections.update(
      p.h.environmentId,
      connId,
      { oidc: { client_secret: 'not-the-secret-0123456789' } },
      {},
    );
    // The provider remembers Carol's session and consent: it answers at once, and Portico's token
    // request is then refused.
    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await page.getByRole('heading', { name: 'The test sign-in failed' }).waitFor({ timeout: 20_000 });
    const what = (await page.locator('.verdict-message').textContent()) ?? '';
    const fix = (await page.locator('.verdict-fix').textContent()) ?? '';
    expect(what).toMatch(/client|secret|token/i);
    expect(fix).toMatch(/How to fix it:.*secret/i);
    await shoot(page, 'failure');
    expect(w.problems).toEqual([]);
  });
});
