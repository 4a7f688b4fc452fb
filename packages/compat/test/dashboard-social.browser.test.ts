/**
 * The dashboard's Social sign-in page and the user page's linked identities, in Chromium: Apple
 * without its team and key ids is refused with the server's field errors (nothing stored), GitHub
 * credentials are saved (the secret never shown again) and removed; a user who signed in through
 * the Test OAuth provider shows the linked identity on their page. Screenshots at 1280 and 390 px
 * (test-artifacts/screenshots/dashboard-social-*.png); no sideways scroll; no console error.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'social@portico.test';
let portico: Running;
let browser: Browser;
let adminPassword: string;
let w: WatchedPage;

beforeAll(async () => {
  portico = await startPortico({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL } });
  adminPassword = (await portico.h.portico.services.admin.bootstrap()).password!;
  browser = await launchChromium();
  w = await openPage(browser);
});
afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await portico?.close();
});

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 100 });
async function shoot(page: Page, name: string) {
  const { phoneScrollWidth } = await screenshotBoth(page, `dashboard-social-${name}`);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

/** A sign-in through the Test OAuth provider over plain HTTP; returns the new user's id. */
async function testOAuthSignIn(email: string) {
  const q = new URLSearchParams({
    client_id: portico.h.clientId,
    redirect_uri: portico.redirectUri,
    response_type: 'code',
    provider: 'GoogleOAuth',
  });
  const start = await fetch(`${portico.url}/user_management/authorize?${q}`, { redirect: 'manual' });
  const pageUrl = start.headers.get('location')!;
  const page = await fetch(pageUrl);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const state = new URL(pageUrl).searchParams.get('state')!;
  const posted = await fetch(`${portico.url}/test-oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: portico.url },
    body: new URLSearchParams({ csrf, state, email, email_verified: '1' }).toString(),
  });
  const back = await fetch(posted.headers.get('location')!, { redirect: 'manual' });
  const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
  const auth = await portico.h.api('POST', '/user_management/authenticate', {
    grant_type: 'authorization_code',
    client_id: portico.h.clientId,
    client_secret: portico.h.apiKey,
    code,
  });
  return ((await auth.json()) as { user: { id: string } }).user.id;
}

describe('dashboard Social sign-in page in Chromium', () => {
  it('refuses incomplete Apple credentials, saves and removes GitHub’s, lists a user’s identities', async () => {
    const { page, problems } = w;
    await page.goto(`${portico.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await page.getByRole('link', { name: 'Social sign-in', exact: true }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Social sign-in');
    // The heading renders before the page's data: wait for the callback URL it loads.
    await poll(() => page.getByText(`${portico.url}/oauth/callback`).count()).toBeGreaterThan(0);

    await page.getByLabel('Provider').selectOption('AppleOAuth');
    await page.getByLabel('Client id').fill('com.example.web');
    await page.getByLabel('Private key (.p8 file contents)').fill('-----BEGIN PRIVATE KEY-----');
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.locator('.field-error').count()).toBe(2);
    expect(await page.locator('.field-error').first().textContent()).toContain('options.team_id');
    expect(await portico.h.portico.services.oauth.listCredentials(portico.h.environmentId)).toEqual([]);
    await shoot(page, 'error');

    await page.getByLabel('Provider').selectOption('GitHubOAuth');
    await page.getByLabel('Client id').fill('gh-dashboard');
    await page.getByLabel('Client secret').fill('gh-dashboard-secret');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByRole('row', { name: /GitHubOAuth/ });
    await poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('read:user user:email');
    expect(await page.content()).not.toContain('gh-dashboard-secret');
    await shoot(page, 'saved');
    await row.getByRole('button', { name: 'Remove' }).click();
    await page
      .getByRole('button', { name: /^(Remove|Confirm|Yes)/ })
      .last()
      .click();
    await poll(() => page.getByRole('row', { name: /GitHubOAuth/ }).count()).toBe(0);

    const userId = await testOAuthSignIn('linked@social.example');
    await page.goto(`${portico.url}/#/users/${userId}`);
    await poll(() => page.getByRole('heading', { name: 'Linked identities' }).count()).toBe(1);
    await poll(() => page.getByRole('row', { name: /GoogleOAuth/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /GoogleOAuth/ }).textContent()).toContain(
      'test-oauth|linked@social.example',
    );
    await shoot(page, 'user');
    expect(problems).toEqual([]);
  });
});
