/**
 * Impersonation in Chromium (docs/impersonation.md): a dashboard admin signs in, opens a user,
 * clicks Impersonate, gives a reason (a blank one is refused by the form and nothing is recorded),
 * lands on Portico's impersonation page with its banner, continues, and is signed in to the demo
 * application (SDK 8, sealed session) as the user, with `authenticationMethod: "Impersonation"`,
 * `impersonator` and the token's `act`. Back in the dashboard the user page records who and why,
 * the Sessions page marks the session, and revoking it ends the application's refresh.
 * Screenshots at 1280 and 390 px (test-artifacts/screenshots/impersonation-*.png); no sideways
 * scroll; no console error.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { createHarness, freePort, type Harness, listen } from '../../../apps/server/test/harness.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type DemoApp, startDemoApp } from './support/browser-app.ts';

const ADMIN_EMAIL = 'support-lead@portico.test';
const USER_EMAIL = 'ada@customer.test';
const REASON = 'Ticket #812: the invoices page is empty for her';
const COOKIE_PASSWORD = 'impersonation-test-cookie-password-0123456789';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let app: DemoApp;
let browser: Browser;
let adminPassword: string;
let w: WatchedPage;

beforeAll(async () => {
  const [porticoPort, appPort] = [await freePort(), await freePort()];
  h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${porticoPort}`,
    env: { PORTICO_REDIRECT_URIS: `http://127.0.0.1:${appPort}/callback`, PORTICO_ADMIN_EMAIL: ADMIN_EMAIL },
  });
  adminPassword = (await h.portico.services.admin.bootstrap()).password!;
  portico = await listen(h, porticoPort);
  const workos = new WorkOS(h.apiKey, {
    apiHostname: '127.0.0.1',
    port: porticoPort,
    https: false,
    clientId: h.clientId,
  });
  app = await startDemoApp({
    workos,
    clientId: h.clientId,
    port: appPort,
    cookiePassword: COOKIE_PASSWORD,
    acceptUnsolicited: true,
  });
  browser = await launchChromium();
  w = await openPage(browser);
});
afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await app?.close();
  await portico?.close();
  await h?.close();
});

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 100 });
async function shoot(page: Page, name: string) {
  const { phoneScrollWidth } = await screenshotBoth(page, `impersonation-${name}`);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}
const count = async () =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom('impersonations')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('impersonation in Chromium', () => {
  it('dashboard → Impersonate with a reason → banner → Continue → the app signed in as the user; recorded, marked, revocable', async () => {
    const { page, problems } = w;
    const user = (await (
      await h.api('POST', '/user_management/users', { email: USER_EMAIL, first_name: 'Ada' })
    ).json()) as { id: string };
    const org = (await (await h.api('POST', '/organizations', { name: 'Customer Co' })).json()) as {
      id: string;
    };
    await h.api('POST', '/user_management/organization_memberships', {
      user_id: user.id,
      organization_id: org.id,
    });

    await page.goto(`${portico.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await page.goto(`${portico.url}/#/users/${user.id}`);
    await poll(() => page.locator('h1').first().textContent()).toBe('Ada');
    await poll(() => page.getByText('Nobody has impersonated this user.').count()).toBe(1);

    await page.getByRole('button', { name: 'Impersonate', exact: true }).click();
    const form = page.getByRole('form', { name: 'Impersonate this user' });
    // The reason is required: the form does not submit without one, and nothing is recorded.
    await form.getByRole('button', { name: 'Start impersonation' }).click();
    expect(
      await form.getByLabel('Reason').evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing),
    ).toBe(true);
    expect(await count()).toBe(0);
    await form.getByLabel('Reason').fill(REASON);
    await poll(() => form.getByLabel('Organization').locator('option').count()).toBe(2);
    await form.getByLabel('Organization').selectOption(org.id);
    await shoot(page, 'dashboard-form');
    await form.getByRole('button', { name: 'Start impersonation' }).click();

    // Portico's hosted impersonation page: the banner says who, whom and why.
    await page.waitForURL(/\/authkit\/impersonate\//);
    const banner = page.locator('#impersonation-banner');
    await poll(() => banner.textContent()).toBe(
      `You are signing in as ${USER_EMAIL} on behalf of ${ADMIN_EMAIL}. Reason: ${REASON}`,
    );
    expect(await banner.isVisible()).toBe(true);
    await shoot(page, 'banner');

    await page.getByRole('button', { name: `Continue as ${USER_EMAIL}` }).click();
    await page.waitForURL(`${app.url}/me`);
    expect(await page.locator('#email').textContent()).toBe(USER_EMAIL);
    expect(await page.locator('#method').textContent()).toBe('Impersonation');
    expect(await page.locator('#impersonator').textContent()).toBe(
      `Impersonated by ${ADMIN_EMAIL}: ${REASON}`,
    );
    expect(app.errors).toEqual([]);
    const cb = app.callbacks.at(-1)!;
    expect(cb).toMatchObject({
      userId: user.id,
      authenticationMethod: 'Impersonation',
      organizationId: org.id,
      accessTokenOrgId: org.id,
      impersonator: { email: ADMIN_EMAIL, reason: REASON },
      accessTokenAct: { sub: ADMIN_EMAIL },
    });
    const sessionId = (await page.locator('#session-id').textContent())!;

    // The app's refresh keeps the impersonation (sealed session → authenticateWithRefreshToken).
    await page.locator('#refresh').click();
    await page.waitForURL(`${app.url}/me`);
    expect(await page.locator('#impersonator').textContent()).toBe(
      `Impersonated by ${ADMIN_EMAIL}: ${REASON}`,
    );

    // Back in the dashboard: the record on the user page, the mark on the Sessions page.
    await page.goto(`${portico.url}/#/users/${user.id}`);
    // Case-sensitive patterns: the record says "Impersonated by …", the session "impersonated by …".
    await poll(() => page.getByText(/^Impersonated by support-lead@portico\.test$/).count()).toBe(1);
    await poll(() => page.getByText(`because ${REASON}`).count()).toBe(1);
    await poll(() => page.getByText(/impersonated by support-lead@portico\.test$/).count()).toBe(1);
    await shoot(page, 'user-record');
    await page.getByRole('link', { name: 'Sessions', exact: true }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Sessions');
    const row = page.getByRole('row').filter({ hasText: USER_EMAIL });
    await poll(() => row.getByText(`Impersonation (impersonated by ${ADMIN_EMAIL})`).count()).toBe(1);
    await shoot(page, 'sessions');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await poll(
      async () =>
        (
          await h.portico.deps.db
            .selectFrom('sessions')
            .select('status')
            .where('id', '=', sessionId)
            .executeTakeFirstOrThrow()
        ).status,
    ).toBe('revoked');
    // The application's next refresh is refused.
    const refused = await page.goto(`${app.url}/refresh`);
    expect(refused!.status()).toBe(401);
    expect(page.url()).toBe(`${app.url}/refresh`);
    expect(problems).toEqual([]);
  });

  it('the impersonation page in another browser (no dashboard session) refuses, and a used link is expired', async () => {
    const user = (await (
      await h.api('POST', '/user_management/users', { email: 'bob@customer.test' })
    ).json()) as {
      id: string;
    };
    // Started through the dashboard API in the signed-in browser context.
    await w.page.goto(`${portico.url}/`);
    const started = await w.page.evaluate(async (id) => {
      const s = (await (await fetch('/_admin/session')).json()) as { csrf_token: string };
      const r = await fetch(`/_admin/users/${id}/impersonate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-portico-csrf': s.csrf_token },
        body: JSON.stringify({ reason: 'second check' }),
      });
      return (await r.json()) as { url: string };
    }, user.id);
    expect(started.url).toContain('/authkit/impersonate/');
    const other = await openPage(browser);
    try {
      const res = await other.page.goto(started.url);
      expect(res!.status()).toBe(401);
      expect(await other.page.getByText('admin_session_required').count()).toBe(1);
      await shoot(other.page, 'refused');
    } finally {
      await other.context.close();
    }
    await w.page.goto(started.url);
    await w.page.getByRole('button', { name: 'Continue as bob@customer.test' }).click();
    await w.page.waitForURL(`${app.url}/me`);
    const again = await w.page.goto(started.url);
    expect(again!.status()).toBe(400);
    expect(await w.page.getByText('impersonation_link_expired').count()).toBe(1);
  });
});
