/**
 * Magic Auth, forced email verification and the organization picker in Chromium, driven by the
 * official SDK (8.x) from the small customer app, against a listening Portico that sends its
 * emails over SMTP (PORTICO_SMTP_URL) to a real SMTP test server: every code the test types is
 * read from the message that server received. Screenshots of the code page, the verify page and
 * the picker at 1280 and 390 px land in test-artifacts/screenshots/codes-*.png; nothing scrolls
 * sideways on a phone; the Magic Auth flow also runs with JavaScript disabled.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { EmailWorker } from '../../../apps/server/src/jobs/email-worker.ts';
import { type Sink, startSmtpSink } from '../../../apps/server/test/flows/support/smtp.ts';
import { createHarness, freePort, type Harness, listen } from '../../../apps/server/test/harness.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type DemoApp, startDemoApp } from './support/browser-app.ts';

const COOKIE_PASSWORD = 'codes-browser-cookie-password-0123456789abcdef';
const PASSWORD = 'correct horse battery staple 42';

let h: Harness;
let sink: Sink;
let worker: EmailWorker;
let portico: { port: number; url: string; close(): Promise<void> };
let app: DemoApp;
let workos: WorkOS;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  const [porticoPort, appPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${porticoPort}`,
    env: {
      PORTICO_REDIRECT_URIS: `${appUrl}/callback`,
      PORTICO_SMTP_URL: sink.url,
      PORTICO_EMAIL_FROM: 'Portico Test <auth@portico.test>',
    },
  });
  worker = new EmailWorker(h.portico.deps, { id: 'codes-browser' });
  worker.start();
  portico = await listen(h, porticoPort);
  workos = new WorkOS(h.apiKey, {
    apiHostname: '127.0.0.1',
    port: porticoPort,
    https: false,
    clientId: h.clientId,
  });
  app = await startDemoApp({ workos, clientId: h.clientId, port: appPort, cookiePassword: COOKIE_PASSWORD });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await app?.close();
  await portico?.close();
  await worker?.stop();
  await h?.close();
  await sink?.close();
});

async function newPage(opts: { javaScript?: boolean } = {}): Promise<WatchedPage> {
  if (opts.javaScript === false) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      javaScriptEnabled: false,
      locale: 'en-US',
    });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const w = { context, page, problems: [] as string[] };
    page.on('pageerror', (e) => w.problems.push(`pageerror: ${e.message}`));
    opened.push(w);
    return w;
  }
  const w = await openPage(browser);
  opened.push(w);
  return w;
}

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `codes-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

/** Waits for the next message to `to` after the first `after` messages and returns its code. */
async function codeFromMail(to: string, after: number, subject: RegExp): Promise<string> {
  await sink.waitFor(after + 1);
  const m = sink.messages[after]!;
  const rcpt = m.to && 'text' in m.to ? m.to.text : '';
  expect(rcpt).toContain(to);
  expect(m.subject).toMatch(subject);
  const code = /^\s*(\d{6})\s*$/m.exec(m.text ?? '')?.[1];
  expect(code, `no code in: ${m.text}`).toBeDefined();
  expect(m.html || '').toContain(code!);
  return code!;
}

/** The app's /login → Portico's hosted sign-in page. */
async function startSignIn(page: Page) {
  await page.goto(`${app.url}/login?screen=sign-in`);
  expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
}

/** Hosted sign-in → "Email me a sign-in code" → "Check your email"; returns the emailed code. */
async function requestMagicCode(page: Page, email: string): Promise<string> {
  const before = sink.messages.length;
  await startSignIn(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in code' }).click();
  await page.waitForLoadState('load');
  expect(await page.locator('h1').textContent()).toBe('Check your email');
  expect(await page.locator('#sent-to').textContent()).toContain(email);
  return codeFromMail(email, before, /sign-in code/);
}

async function enterCode(page: Page, code: string, button: string) {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: button }).click()]);
}

async function expectFieldError(page: Page, text: RegExp) {
  await expect.poll(() => page.getByRole('alert').textContent()).toMatch(text);
  const input = page.getByLabel('Code', { exact: true });
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  expect(await input.getAttribute('aria-describedby')).toContain('form-error');
}

async function expectInApp(page: Page, email: string) {
  await page.waitForURL(`${app.url}/me`);
  expect(await page.locator('#email').textContent()).toBe(email);
  expect(app.errors).toEqual([]);
  return app.callbacks.at(-1)!;
}

async function createUser(email: string, verified = true) {
  return workos.userManagement.createUser({ email, password: PASSWORD, emailVerified: verified });
}

describe('one-time codes and pending steps in Chromium (SDK 8, codes read over SMTP)', () => {
  it('Magic Auth signs up a new email, then signs the same user in; a wrong code is tied to the field', async () => {
    const w = await newPage();
    const { page, problems } = w;
    const email = `magic.${Date.now()}@example.com`;

    const code = await requestMagicCode(page, email);
    await shoot(page, 'magic-code');
    // A wrong code: the error sits on the field, the right code still works afterwards.
    const wrong = code === '000000' ? '111111' : '000000';
    await enterCode(page, wrong, 'Continue');
    expect(new URL(page.url()).pathname).toBe('/authkit/magic/verify');
    await expectFieldError(page, /code/i);
    await shoot(page, 'magic-code-error');
    await enterCode(page, code, 'Continue');
    const first = await expectInApp(page, email);
    expect(first.authenticationMethod).toBe('MagicAuth');
    const user = await workos.userManagement.getUser(first.userId);
    expect(user.email).toBe(email);
    expect(user.emailVerified).toBe(true);

    // The same email again: the existing user signs in, no second account.
    await w.context.clearCookies();
    const again = await requestMagicCode(page, email);
    expect(again).not.toBe(code);
    await enterCode(page, again, 'Continue');
    const second = await expectInApp(page, email);
    expect(second.userId).toBe(first.userId);
    expect(second.authenticationMethod).toBe('MagicAuth');
    const listed = await workos.userManagement.listUsers({ email });
    expect(listed.data.map((u) => u.id)).toEqual([first.userId]);
    expect(problems).toEqual([]);
  });

  it('Magic Auth works with JavaScript disabled', async () => {
    const { page, problems } = await newPage({ javaScript: false });
    const email = `nojs.${Date.now()}@example.com`;
    const code = await requestMagicCode(page, email);
    await enterCode(page, code, 'Continue');
    const cb = await expectInApp(page, email);
    expect(cb.authenticationMethod).toBe('MagicAuth');
    expect(problems).toEqual([]);
  });

  it('forced email verification: a password sign-up lands on "Verify your email"; a new code can be sent', async () => {
    expect(await h.portico.services.environments.setEmailVerificationRequired(h.environmentId, true)).toBe(
      true,
    );
    try {
      const { page, problems } = await newPage();
      const email = `verify.${Date.now()}@example.com`;
      const before = sink.messages.length;
      await page.goto(`${app.url}/login?screen=sign-up`);
      expect(new URL(page.url()).pathname).toBe('/authkit/sign-up');
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      await page.waitForURL(/\/authkit\/continue\//);
      expect(await page.locator('h1').textContent()).toBe('Verify your email');
      const firstCode = await codeFromMail(email, before, /Verify your email/);
      await shoot(page, 'verify-email');

      // "Send a new code": a second email arrives.
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Send a new code' }).click(),
      ]);
      expect(await page.locator('#sent-to').textContent()).toContain('We sent a new code');
      const secondCode = await codeFromMail(email, before + 1, /Verify your email/);
      expect(sink.messages.length).toBe(before + 2);

      await enterCode(page, secondCode === '000000' ? '111111' : '000000', 'Verify and continue');
      await expectFieldError(page, /code/i);
      await enterCode(page, secondCode, 'Verify and continue');
      const cb = await expectInApp(page, email);
      expect(cb.authenticationMethod).toBe('Password');
      expect((await workos.userManagement.getUser(cb.userId)).emailVerified).toBe(true);
      expect(firstCode).toMatch(/^\d{6}$/);
      expect(problems).toEqual([]);
    } finally {
      await h.portico.services.environments.setEmailVerificationRequired(h.environmentId, false);
    }
  });

  it('organization picker: a member of two organizations chooses the second; the token carries its org_id', async () => {
    const email = `picker.${Date.now()}@example.com`;
    const user = await createUser(email);
    const orgs = [];
    for (const name of ['Alpha Picker', 'Beta Picker']) {
      const org = await workos.organizations.createOrganization({ name });
      await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id });
      orgs.push(org);
    }
    const { page, problems } = await newPage();
    await startSignIn(page);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.waitForURL(/\/authkit\/continue\//);
    expect(await page.locator('h1').textContent()).toBe('Choose an organization');
    await shoot(page, 'organization-picker');
    await page.getByLabel('Beta Picker').check();
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    const cb = await expectInApp(page, email);
    expect(cb.userId).toBe(user.id);
    expect(cb.organizationId).toBe(orgs[1]!.id);
    expect(cb.accessTokenOrgId).toBe(orgs[1]!.id);
    expect(problems).toEqual([]);
  });
});
