/**
 * Password reset in a real browser (Debian Chromium via playwright-core), from a customer app on
 * the official SDK (8.x): the app's sign-in → "Forgot password?" → the email (read from Portico's
 * outbox, as the dashboard's dev outbox shows it) → the reset page (a mismatch and a weak password
 * first, each shown beside its field) → "Password changed" → back to the same sign-in → signed in
 * with the new password; the session from before the reset is gone. Screenshots of every page, at
 * 1280 and 390 px, land in test-artifacts/screenshots/.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOS } from 'workos-node-8';
import type { Harness } from '../../../apps/server/test/harness.ts';
import { openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import type { DemoApp } from './support/browser-app.ts';
import { type DemoStack, startDemoStack } from './support/demo-stack.ts';

const OLD_PASSWORD = 'my first long password 1';
const NEW_PASSWORD = 'a much newer passphrase 6';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let app: DemoApp;
let workos: WorkOS;
let browser: Browser;
let w: WatchedPage | undefined;

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack({ cookiePassword: 'reset-browser-cookie-password-0123456789ab' });
  ({ h, portico, app, workos, browser } = stack);
});

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await stack?.close();
});

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth, phoneCard } = await screenshotBoth(page, name);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
  expect(phoneCard!.left).toBeGreaterThanOrEqual(8);
  expect(phoneCard!.right).toBeLessThanOrEqual(382);
}

async function submit(page: Page, path: string): Promise<Response> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.click('button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  return res;
}

/** The newest email to `to`, as the dev outbox shows it (text with the link). */
async function latestEmail(to: string) {
  const row = await h.portico.deps.db
    .selectFrom('emails')
    .select('id')
    .where('to_address', '=', to)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  return (await h.portico.services.emails.get(h.environmentId, row.id))!;
}

describe('password reset in Chromium (SDK 8)', () => {
  it('forgot password → email → reset → old session gone → signed in with the new password', async () => {
    const email = `reset.browser.${Date.now()}@example.com`;
    const user = await workos.userManagement.createUser({ email, password: OLD_PASSWORD });
    const before = await workos.userManagement.authenticateWithPassword({
      email,
      password: OLD_PASSWORD,
      clientId: h.clientId,
    });

    w = await openPage(browser);
    const { page } = w;
    await page.goto(`${app.url}/login?screen=sign-in`);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    const signInUrl = page.url();

    await Promise.all([
      page.waitForURL(/\/authkit\/forgot-password\?request=/),
      page.click('text=Forgot password?'),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Reset your password');
    await shoot(page, 'forgot-password');
    await page.getByLabel('Email', { exact: true }).fill(email);
    const sent = await submit(page, '/authkit/forgot-password');
    expect(sent.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('Check your email');
    await expect(page.locator('#reset-sent').textContent()).resolves.toContain(email);
    await shoot(page, 'forgot-password-sent');

    const mail = await latestEmail(email);
    expect(mail.template).toBe('password_reset');
    const link = /(http\S+\/authkit\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail.text!)![1]!;
    expect(link.startsWith(`${portico.url}/authkit/reset-password?token=`)).toBe(true);

    const form = await page.goto(link);
    expect(form!.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('Choose a new password');
    await shoot(page, 'reset-password');

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(`${NEW_PASSWORD}!`);
    const mismatch = await submit(page, '/authkit/reset-password');
    expect(mismatch.status()).toBe(400);
    const confirm = page.getByLabel('Repeat the new password');
    await expect(confirm.getAttribute('aria-describedby')).resolves.toBe('confirm-error');
    await expect(page.locator('#confirm-error').textContent()).resolves.toContain('not the same');
    await shoot(page, 'reset-password-mismatch');

    await page.getByLabel('New password', { exact: true }).fill('password1');
    await page.getByLabel('Repeat the new password').fill('password1');
    const weak = await submit(page, '/authkit/reset-password');
    expect(weak.status()).toBe(400);
    await expect(
      page.getByLabel('New password', { exact: true }).getAttribute('aria-describedby'),
    ).resolves.toBe('password-help password-error');
    await expect(page.locator('#password-error').textContent()).resolves.toContain('most common passwords');
    await shoot(page, 'reset-password-weak');

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await submit(page, '/authkit/reset-password');
    await expect(page.locator('h1').textContent()).resolves.toBe('Password changed');
    await shoot(page, 'reset-password-done');

    // The session from before the reset is over.
    await expect(
      workos.userManagement.authenticateWithRefreshToken({
        refreshToken: before.refreshToken,
        clientId: h.clientId,
      }),
    ).rejects.toMatchObject({ status: 400 });
    const sessions = (await workos.userManagement.listSessions(user.id)).data;
    expect(sessions.map((s) => s.status)).toEqual(['revoked']);

    // Back to the very sign-in the reset started from, and in with the new password.
    await Promise.all([page.waitForURL(signInUrl), page.click('text=Sign in with your new password')]);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await Promise.all([page.waitForURL(`${app.url}/me`), page.click('button[type=submit]')]);
    await expect(page.locator('#email').textContent()).resolves.toBe(email);
    expect(app.errors).toEqual([]);

    // The emailed link was single use.
    const again = await page.goto(link);
    expect(again!.status()).toBe(400);
    await expect(page.locator('[data-code]').getAttribute('data-code')).resolves.toBe(
      'password_reset_token_used',
    );
    await shoot(page, 'reset-password-used');
    expect(w.problems).toEqual([]);
  });
});
