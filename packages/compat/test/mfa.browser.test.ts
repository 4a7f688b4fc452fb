/**
 * AuthKit MFA in Chromium, driven by the official SDK (8.x) from the small customer app: with MFA
 * required, a password sign-in lands on "Set up two-step verification" (QR code and the key to
 * type in), the first code (computed here with `otpauth`, as an authenticator app would) shows the
 * ten recovery codes once, and the next sign-ins stop at "Two-step verification", answered by a
 * TOTP code or — with JavaScript disabled — a recovery code, which then works no more.
 * Screenshots at 1280 and 390 px land in test-artifacts/screenshots/mfa-*.png.
 */
import { existsSync, statSync } from 'node:fs';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOS } from 'workos-node-8';
import type { Harness } from '../../../apps/server/test/harness.ts';
import { openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import type { DemoApp } from './support/browser-app.ts';
import { type DemoStack, startDemoStack } from './support/demo-stack.ts';

const PASSWORD = 'correct horse battery staple 42';

let h: Harness;
let app: DemoApp;
let workos: WorkOS;
let browser: Browser;
const opened: WatchedPage[] = [];

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack({ cookiePassword: 'mfa-browser-cookie-password-0123456789abcdef' });
  ({ h, app, workos, browser } = stack);
  await h.portico.services.environments.setMfaRequired(h.environmentId, true);
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await stack?.close();
});

async function newPage(javaScript = true): Promise<WatchedPage> {
  if (!javaScript) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      javaScriptEnabled: false,
    });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const w = { context, page, problems: [] as string[] };
    opened.push(w);
    return w;
  }
  const w = await openPage(browser);
  opened.push(w);
  return w;
}

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `mfa-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

const codeAt = (secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

async function signIn(page: Page, email: string) {
  await page.goto(`${app.url}/login?screen=sign-in`);
  expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('button[value=password]')]);
  expect(new URL(page.url()).pathname).toMatch(/^\/authkit\/continue\//);
}

async function submitCode(page: Page, code: string, button: string) {
  await page.getByLabel('Six-digit code').fill(code);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: button }).click()]);
}

async function expectFieldError(page: Page, label: string, code: string) {
  await expect.poll(() => page.locator('[data-code]').getAttribute('data-code')).toBe(code);
  const input = page.getByLabel(label);
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  expect(await input.getAttribute('aria-describedby')).toContain('form-error');
}

async function expectInApp(page: Page, email: string) {
  await page.waitForURL(`${app.url}/me`);
  expect(await page.locator('#email').textContent()).toBe(email);
  expect(app.errors).toEqual([]);
}

describe('AuthKit MFA pages in Chromium (SDK 8)', () => {
  it('enrollment (QR + key, recovery codes once) → challenge with a TOTP code → recovery code without JavaScript', async () => {
    const email = `mfa.${Date.now()}@example.com`;
    const user = await workos.userManagement.createUser({ email, password: PASSWORD, emailVerified: true });
    const { page, context, problems } = await newPage();

    // 1. Set up: the QR code renders as an image, the key is shown for typing in.
    await signIn(page, email);
    expect(await page.locator('h1').textContent()).toBe('Set up two-step verification');
    const qr = page.locator('#totp-qr');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
    const secret = String(await page.locator('#manual-key').getAttribute('data-secret'));
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect((await page.locator('#manual-key').textContent())?.replace(/\s/g, '')).toBe(secret);
    await shoot(page, 'enroll');
    // Reloading shows the same secret (it is kept with the pending sign-in until confirmed).
    await page.reload();
    expect(await page.locator('#manual-key').getAttribute('data-secret')).toBe(secret);

    // 2. A wrong code: the error is tied to the field; nothing is enrolled.
    const right = codeAt(secret);
    await submitCode(page, right === '000000' ? '111111' : '000000', 'Verify and continue');
    await expectFieldError(page, 'Six-digit code', 'invalid_one_time_code');
    await shoot(page, 'enroll-error');
    expect((await workos.userManagement.listAuthFactors({ userId: user.id })).data).toHaveLength(0);

    // 3. The right code: ten recovery codes, shown once, then on to the app.
    await submitCode(page, codeAt(secret), 'Verify and continue');
    expect(await page.locator('h1').textContent()).toBe('Save your recovery codes');
    const codes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(new Set(codes).size).toBe(10);
    await shoot(page, 'recovery-codes');
    await page.getByRole('link', { name: 'I saved them, continue' }).click();
    await expectInApp(page, email);
    const factors = (await workos.userManagement.listAuthFactors({ userId: user.id })).data;
    expect(factors.map((f) => f.type)).toEqual(['totp']);
    const stored = await h.portico.deps.db
      .selectFrom('mfa_recovery_codes')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]);

    // 4. Next sign-in: the challenge page; the next step's code (the current one was just used).
    await context.clearCookies();
    await signIn(page, email);
    expect(await page.locator('h1').textContent()).toBe('Two-step verification');
    await shoot(page, 'challenge');
    await submitCode(page, codeAt(secret, 1), 'Verify');
    await expectInApp(page, email);
    expect(problems).toEqual([]);

    // 5. Without JavaScript: a recovery code signs in once; the same code again is refused.
    const nojs = await newPage(false);
    await signIn(nojs.page, email);
    await nojs.page.locator('summary').click();
    await nojs.page.getByLabel('Recovery code').fill(codes[3]!.toUpperCase());
    await Promise.all([
      nojs.page.waitForLoadState('load'),
      nojs.page.getByRole('button', { name: 'Use recovery code' }).click(),
    ]);
    await expectInApp(nojs.page, email);
    await nojs.context.clearCookies();
    await signIn(nojs.page, email);
    await nojs.page.locator('summary').click();
    await nojs.page.getByLabel('Recovery code').fill(codes[3]!);
    await Promise.all([
      nojs.page.waitForLoadState('load'),
      nojs.page.getByRole('button', { name: 'Use recovery code' }).click(),
    ]);
    await expectFieldError(nojs.page, 'Recovery code', 'invalid_recovery_code');
    await shoot(nojs.page, 'challenge-recovery-error');
  });
});
