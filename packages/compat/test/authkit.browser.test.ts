/**
 * AuthKit in a real browser (Debian Chromium via playwright-core), driven by the official SDK
 * (8.x) from a small customer app: the SDK's authorize URL → Portico's hosted sign-up page → the
 * redirect with a code → authenticateWithCode with a sealed session → refresh → logout.
 * Screenshots of every hosted page, at 1280 and 390 px, land in test-artifacts/screenshots/.
 *
 * Runs in the `sqlite` vitest project only (see vitest.config.ts), on the system clock: the SDK
 * verifies access-token `exp` against the real time.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOS } from 'workos-node-8';
import type { Harness } from '../../../apps/server/test/harness.ts';
import { appliedStyles, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type DemoApp, SESSION_COOKIE } from './support/browser-app.ts';
import { type DemoStack, startDemoStack } from './support/demo-stack.ts';

const COOKIE_PASSWORD = 'browser-test-cookie-password-0123456789abcdef';
const FIRST_NAME = '<b>Ada</b>';
const LAST_NAME = `"O'Neil" & <i>Co</i>`;
const STRONG_PASSWORD = 'correct horse battery staple 42';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let app: DemoApp;
let workos: WorkOS;
let browser: Browser;
const opened: WatchedPage[] = [];

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack({ cookiePassword: COOKIE_PASSWORD });
  ({ h, portico, app, workos, browser } = stack);
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await stack?.close();
});

async function newPage(): Promise<WatchedPage> {
  const w = await openPage(browser);
  opened.push(w);
  return w;
}

/** Every hosted page: strict CSP, no framing, no caching, and the external stylesheet applied. */
async function expectHostedPage(page: Page, res: Response | null, status: number) {
  expect(res, 'navigation response').not.toBeNull();
  expect(res!.url().startsWith(portico.url)).toBe(true);
  expect(res!.status()).toBe(status);
  const headers = await res!.allHeaders();
  expect(headers['content-type']).toMatch(/^text\/html/);
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['cache-control']).toBe('no-store');
  const styles = await appliedStyles(page);
  expect(styles.sheets).toEqual([`${portico.url}/authkit/styles.css`]);
  expect(styles.cardRadius).toBe('12px');
  expect(styles.cardBackground).toBe('rgb(255, 255, 255)');
  expect(styles.bodyDisplay).toBe('flex');
}

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth, phoneCard } = await screenshotBoth(page, name);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
  // The card keeps a gutter on a phone instead of running into the screen edges.
  expect(phoneCard!.left, `${name} card left edge at 390 px`).toBeGreaterThanOrEqual(8);
  expect(phoneCard!.right, `${name} card right edge at 390 px`).toBeLessThanOrEqual(382);
}

/** Clicks the submit button and returns the response to the form POST. */
async function submit(page: Page, path: string): Promise<Response> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.click('button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  return res;
}

function redirectChain(res: Response | null): string[] {
  const urls: string[] = [];
  for (let r = res?.request() ?? null; r; r = r.redirectedFrom()) urls.unshift(r.url());
  return urls;
}

async function sessionCookie(w: WatchedPage) {
  return (await w.context.cookies(app.url)).find((c) => c.name === SESSION_COOKIE);
}

describe('AuthKit in Chromium (SDK 8)', () => {
  it('signs up from the SDK authorize URL, comes back with a code, keeps a sealed session, refreshes and logs out', async () => {
    const w = await newPage();
    const { page } = w;
    const email = `ada.browser.${Date.now()}@example.com`;

    // 1. The app's /login redirects to the SDK's authorize URL, which lands on the hosted sign-up page.
    const landing = await page.goto(`${app.url}/login?screen=sign-up`);
    const chain = redirectChain(landing);
    expect(chain[0]).toBe(`${app.url}/login?screen=sign-up`);
    const authorize = new URL(chain[1]!);
    expect(authorize.origin + authorize.pathname).toBe(`${portico.url}/user_management/authorize`);
    expect(authorize.searchParams.get('screen_hint')).toBe('sign-up');
    expect(authorize.searchParams.get('redirect_uri')).toBe(app.redirectUri);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-up');
    await expectHostedPage(page, landing, 200);
    await expect(page.title()).resolves.toBe('Create your account · Portico');

    const emailInput = page.locator('input[name="email"]');
    const passwordInput = page.locator('input[name="password"]');
    expect(await emailInput.getAttribute('autocomplete')).toBe('email');
    expect(await emailInput.getAttribute('type')).toBe('email');
    expect(await passwordInput.getAttribute('autocomplete')).toBe('new-password');
    expect(await passwordInput.getAttribute('type')).toBe('password');
    // Every field is reachable by its visible label.
    for (const label of ['First name', 'Last name', 'Email', 'Password']) {
      await expect(page.getByLabel(label, { exact: true }).count()).resolves.toBe(1);
    }
    await shoot(page, 'sign-up');

    // 2. A password the server refuses re-renders the form with the error and the typed names, as text.
    await page.getByLabel('First name').fill(FIRST_NAME);
    await page.getByLabel('Last name').fill(LAST_NAME);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('password1');
    const weak = await submit(page, '/authkit/sign-up');
    await expectHostedPage(page, weak, 400);
    await expect(page.locator('#form-error').textContent()).resolves.toMatch(/too common/);
    expect(await page.getByLabel('First name').inputValue()).toBe(FIRST_NAME);
    expect(await page.getByLabel('Last name').inputValue()).toBe(LAST_NAME);
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(email);
    expect(await page.locator('main b, main i').count()).toBe(0);
    await shoot(page, 'sign-up-error');

    // 3. A good password: Portico redirects to the app's callback with code and state; the app
    //    exchanges the code (authenticateWithCode + sealSession) and shows the user.
    await page.getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
    const navigations: string[] = [];
    const onRequest = (r: Request) => {
      if (r.isNavigationRequest()) navigations.push(`${r.method()} ${r.url()}`);
    };
    page.on('request', onRequest);
    await Promise.all([page.waitForURL(`${app.url}/me`), page.click('button[type=submit]')]);
    page.off('request', onRequest);
    // POST to the hosted page → 302 to the registered callback with code and the app's state → /me.
    expect(navigations.map((n) => n.replace(/\?.*$/, ''))).toEqual([
      `POST ${portico.url}/authkit/sign-up`,
      `GET ${app.redirectUri}`,
      `GET ${app.url}/me`,
    ]);
    const back = new URL(navigations[1]!.slice(4));
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    expect(app.errors).toEqual([]);
    await expect(page.locator('#email').textContent()).resolves.toBe(email);
    // The name went through Portico, the SDK and the sealed cookie unchanged and renders as text.
    await expect(page.locator('#name').textContent()).resolves.toBe(`${FIRST_NAME} ${LAST_NAME}`);
    expect(await page.locator('#name b, #name i').count()).toBe(0);
    await expect(page.locator('#method').textContent()).resolves.toBe('Password');
    const callback = app.callbacks.at(-1)!;
    expect(callback).toMatchObject({ pkce: false, sealed: true, authenticationMethod: 'Password' });
    const user = await workos.userManagement.getUser(callback.userId);
    expect(user).toMatchObject({ email, firstName: FIRST_NAME, lastName: LAST_NAME });

    const first = await sessionCookie(w);
    expect(first?.httpOnly).toBe(true);
    expect(first?.value).toMatch(/^Fe26\.2\*/);
    const sessionId = (await page.locator('#session-id').textContent()) ?? '';
    expect(sessionId).toMatch(/^session_/);
    let sessions = (await workos.userManagement.listSessions(user.id)).data;
    expect(sessions.map((s) => [s.id, s.status])).toEqual([[sessionId, 'active']]);
    // The session records the end user's browser, captured on the hosted page, not the app
    // server that exchanged the code.
    expect(sessions[0]!.userAgent).toBe(await page.evaluate(() => navigator.userAgent));
    expect(sessions[0]!.ipAddress).toBe('127.0.0.1');

    // 4. Refresh: loadSealedSession().refresh() rotates the refresh token and reseals the cookie.
    const refreshed = await page.goto(`${app.url}/refresh`);
    expect(refreshed?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/me');
    expect(app.errors).toEqual([]);
    await expect(page.locator('#email').textContent()).resolves.toBe(email);
    await expect(page.locator('#session-id').textContent()).resolves.toBe(sessionId);
    const second = await sessionCookie(w);
    expect(second?.value).toMatch(/^Fe26\.2\*/);
    expect(second?.value).not.toBe(first?.value);

    // 5. Logout: the app sends the browser to getLogoutUrl; Portico ends the session and returns
    //    the browser to the app's /signed-out page (same origin as the registered callback).
    const [logoutRes] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/user_management/sessions/logout'),
      page.click('#logout'),
    ]);
    await page.waitForURL(`${app.url}/signed-out`);
    expect(logoutRes.status()).toBe(302);
    const logoutUrl = new URL(logoutRes.url());
    expect(logoutUrl.searchParams.get('session_id')).toBe(sessionId);
    expect(logoutUrl.searchParams.get('return_to')).toBe(`${app.url}/signed-out`);
    await expect(page.locator('#signed-out').textContent()).resolves.toMatch(/signed out/);
    expect(await sessionCookie(w)).toBeUndefined();

    // 6. The session is revoked on the server, and the last refresh token no longer works.
    sessions = (await workos.userManagement.listSessions(user.id)).data;
    expect(sessions.map((s) => [s.id, s.status])).toEqual([[sessionId, 'revoked']]);
    const after = await workos.userManagement
      .loadSealedSession({ sessionData: second!.value, cookiePassword: COOKIE_PASSWORD })
      .refresh();
    expect(after).toEqual({ authenticated: false, reason: 'invalid_grant' });

    expect(w.problems).toEqual([]);
  });

  it('sign-in page (PKCE): a wrong password shows a clear error, the right one signs in; Portico’s own signed-out page', async () => {
    const email = `grace.browser.${Date.now()}@example.com`;
    const user = await workos.userManagement.createUser({
      email,
      password: STRONG_PASSWORD,
      firstName: 'Grace',
      lastName: 'Hopper',
    });
    const w = await newPage();
    const { page } = w;

    const landing = await page.goto(`${app.url}/login?screen=sign-in&pkce=1`);
    const authorize = new URL(redirectChain(landing)[1]!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    await expectHostedPage(page, landing, 200);
    await expect(page.title()).resolves.toBe('Sign in · Portico');
    const emailInput = page.locator('input[name="email"]');
    const passwordInput = page.locator('input[name="password"]');
    expect(await emailInput.getAttribute('autocomplete')).toBe('username');
    expect(await passwordInput.getAttribute('autocomplete')).toBe('current-password');
    expect(await page.locator('#form-error').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    await shoot(page, 'sign-in');

    // The browser's own validation runs (no JavaScript needed): an empty form is not posted.
    expect(await page.locator('form').evaluate((f) => (f as HTMLFormElement).noValidate)).toBe(false);
    // Wait for whichever comes first: the email field's `invalid` event (the browser ran
    // constraint validation and cancelled the submission) or a POST leaving the page.
    let posted = 0;
    const countPosts = (r: Request) => {
      if (r.method() === 'POST') posted++;
    };
    page.on('request', countPosts);
    const invalid = emailInput.evaluate(
      (e) =>
        new Promise<'invalid'>((resolve) =>
          e.addEventListener('invalid', () => resolve('invalid'), { once: true }),
        ),
    );
    const post = page
      .waitForRequest((r) => r.method() === 'POST', { timeout: 10_000 })
      .then(() => 'posted' as const);
    post.catch(() => {});
    await page.click('button[type=submit]');
    expect(await Promise.race([invalid, post])).toBe('invalid');
    page.off('request', countPosts);
    expect(posted).toBe(0);
    expect(await emailInput.evaluate((e) => (e as HTMLInputElement).validity.valueMissing)).toBe(true);

    await emailInput.fill(email);
    await passwordInput.fill('not the password');
    const wrong = await submit(page, '/authkit/sign-in');
    await expectHostedPage(page, wrong, 401);
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toBe(
      'That email and password do not match. Check them and try again.',
    );
    expect(await emailInput.inputValue()).toBe(email);
    expect(await passwordInput.inputValue()).toBe('');
    // The password field has focus when the email is already filled in.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await shoot(page, 'sign-in-error');

    await passwordInput.fill(STRONG_PASSWORD);
    await Promise.all([page.waitForURL(`${app.url}/me`), page.click('button[type=submit]')]);
    expect(app.errors).toEqual([]);
    await expect(page.locator('#email').textContent()).resolves.toBe(email);
    await expect(page.locator('#name').textContent()).resolves.toBe('Grace Hopper');
    expect(app.callbacks.at(-1)).toMatchObject({ pkce: true, sealed: true, userId: user.id });
    const sessionId = (await page.locator('#session-id').textContent()) ?? '';

    // Without return_to (and no default logout URI set), Portico ends the session and shows its
    // own neutral hosted page: no alert, no error code.
    const signedOut = await page.goto(workos.userManagement.getLogoutUrl({ sessionId }));
    await expectHostedPage(page, signedOut, 200);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are signed out');
    expect(await page.locator('[role=alert], .notice-error').count()).toBe(0);
    await shoot(page, 'signed-out');
    const sessions = (await workos.userManagement.listSessions(user.id)).data;
    expect(sessions.map((s) => [s.id, s.status])).toEqual([[sessionId, 'revoked']]);

    expect(w.problems).toEqual([]);
  });

  it('an authorize URL with an unlisted redirect_uri shows an HTML error page that says how to fix it (400)', async () => {
    const w = await newPage();
    const { page } = w;
    const unlisted = `${app.url}/not-registered/callback`;
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri: unlisted,
      clientId: h.clientId,
      state: 'unlisted-state',
    });
    const res = await page.goto(url);
    await expectHostedPage(page, res, 400);
    // The browser stays on Portico: nothing is sent to an address that is not allowed.
    expect(page.url()).toBe(url);
    expect(redirectChain(res)).toEqual([url]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Redirect URI not allowed');
    const text = await page.locator('main').textContent();
    expect(text).toContain(unlisted);
    expect(text).toContain(`portico redirect-uris add ${unlisted}`);
    expect(text).toContain('PORTICO_REDIRECT_URIS');
    await shoot(page, 'redirect-uri-error');
    expect(w.problems).toEqual([]);
  });

  it('hosted pages send a CSP without unsafe-inline and render under it without violations', async () => {
    const w = await newPage();
    const { page } = w;
    const pending: Promise<{ url: string; csp: string }>[] = [];
    page.on('response', (r) => {
      if (!r.url().startsWith(`${portico.url}/authkit/`) || r.url().endsWith('.css')) return;
      pending.push(r.allHeaders().then((hd) => ({ url: r.url(), csp: hd['content-security-policy'] ?? '' })));
    });
    for (const screen of ['sign-in', 'sign-up']) {
      const res = await page.goto(`${app.url}/login?screen=${screen}`);
      await expectHostedPage(page, res, 200);
      // The switch link between the two screens keeps the same authorization request.
      const other = screen === 'sign-in' ? 'sign-up' : 'sign-in';
      const href = await page.locator('.switch a').getAttribute('href');
      expect(href).toBe(`/authkit/${other}?request=${new URL(page.url()).searchParams.get('request')}`);
      const switched = await Promise.all([
        page.waitForURL(`**/authkit/${other}?**`),
        page.click('.switch a'),
      ]).then(() => page.reload());
      await expectHostedPage(page, switched, 200);
    }
    // A request id that does not exist: the hosted error page is held to the same policy.
    const bad = await page.goto(`${portico.url}/authkit/sign-in?request=authreq_nope`);
    await expectHostedPage(page, bad, 400);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign-in link not recognised');

    const css = await page.request.get(`${portico.url}/authkit/styles.css`);
    expect(css.status()).toBe(200);
    expect(css.headers()['content-type']).toMatch(/^text\/css/);

    const seen = await Promise.all(pending);
    // Every hosted page this test opened, in order: each screen, its switch and the reload, then
    // the error page.
    expect(seen.map((x) => new URL(x.url).pathname)).toEqual([
      '/authkit/sign-in',
      '/authkit/sign-up',
      '/authkit/sign-up',
      '/authkit/sign-up',
      '/authkit/sign-in',
      '/authkit/sign-in',
      '/authkit/sign-in',
    ]);
    for (const s of seen) {
      expect(s.csp, s.url).not.toContain('unsafe-inline');
      expect(s.csp, s.url).toContain("default-src 'none'");
    }
    // Chromium reports CSP violations (inline style or script) as console errors.
    expect(w.problems).toEqual([]);
  });
});
