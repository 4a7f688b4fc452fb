/**
 * Passkeys in Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain:
 * CTAP2, internal transport, resident keys, user verification), driven by the official SDK (8.x)
 * from the small customer app: sign up with a password, accept the "Add a passkey" offer, sign
 * out, then "Sign in with a passkey" — authenticateWithCode answers authentication_method
 * "Passkey" and the signature counter Portico stored follows the authenticator's. Portico is
 * served as http://localhost (WebAuthn refuses an IP address as RP id; localhost is a secure
 * context). Screenshots land in test-artifacts/screenshots/passkeys-*.png.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
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
  stack = await startDemoStack({
    host: 'localhost',
    cookiePassword: 'passkey-browser-cookie-password-0123456789ab',
  });
  ({ h, app, workos, browser } = stack);
  await h.portico.services.passkeys.setSettings(h.environmentId, { enabled: true });
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await stack?.close();
});

async function withAuthenticator(): Promise<WatchedPage & { cdp: CDPSession; authenticatorId: string }> {
  const w = await openPage(browser);
  opened.push(w);
  const cdp = await w.context.newCDPSession(w.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { ...w, cdp, authenticatorId };
}

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `passkeys-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

async function expectInApp(page: Page, email: string) {
  await page.waitForURL(`${app.url}/me`);
  expect(await page.locator('#email').textContent()).toBe(email);
  expect(app.errors).toEqual([]);
}

describe('passkeys in Chromium with a virtual authenticator (SDK 8)', () => {
  it('sign up with a password → Add a passkey → sign out → Sign in with a passkey: authentication_method Passkey', async () => {
    const email = `passkey.${Date.now()}@example.com`;
    const { page, cdp, authenticatorId, problems } = await withAuthenticator();

    // 1. Sign up with a password; the sign-in stops at the "Add a passkey" offer.
    await page.goto(`${app.url}/login`);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-up');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    expect(new URL(page.url()).pathname).toMatch(/^\/authkit\/continue\//);
    expect(await page.locator('h1').textContent()).toBe('Add a passkey');
    await shoot(page, 'add');

    // 2. Add it: the virtual authenticator makes a resident ES256 credential; on to the app.
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expectInApp(page, email);
    expect(app.callbacks.at(-1)?.authenticationMethod).toBe('Password');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('localhost');
    const user = (await workos.userManagement.listUsers({ email })).data[0]!;
    const stored = await h.portico.deps.db
      .selectFrom('passkey_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.credential_id, 'base64url').toString('base64')).toBe(
      credentials[0]!.credentialId,
    );

    // 3. Sign out.
    await page.goto(`${app.url}/logout`);
    await page.waitForURL(`${app.url}/signed-out`);

    // 4. Sign in with the passkey: no email typed (a discoverable credential).
    await page.goto(`${app.url}/login?screen=sign-in`);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    await shoot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expectInApp(page, email);
    expect(app.callbacks.at(-1)).toMatchObject({ userId: user.id, authenticationMethod: 'Passkey' });
    expect(await page.locator('#method').textContent()).toBe('Passkey');

    // The counter Portico keeps is the authenticator's.
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const row = await h.portico.deps.db
      .selectFrom('passkey_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(Number(row.counter)).toBe(after.credentials[0]!.signCount);
    expect(row.last_used_at).not.toBeNull();
    expect(problems).toEqual([]);
  });

  it('"Not now" skips the offer; without a passkey on the device the sign-in page says so and stays usable', async () => {
    const email = `skip.${Date.now()}@example.com`;
    await workos.userManagement.createUser({ email, password: PASSWORD, emailVerified: true });
    const { page, cdp, authenticatorId } = await withAuthenticator();
    await page.goto(`${app.url}/login?screen=sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[value=password]')]);
    expect(await page.locator('h1').textContent()).toBe('Add a passkey');
    await page.getByRole('button', { name: 'Not now' }).click();
    await expectInApp(page, email);
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toEqual([]);

    // This device holds no passkey for the site: the browser refuses and the page reports it.
    await page.goto(`${app.url}/logout`);
    await page.waitForURL(`${app.url}/signed-out`);
    await page.goto(`${app.url}/login?screen=sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect
      .poll(() => page.locator('[data-passkey-status]').textContent(), { timeout: 15_000 })
      .toContain('The passkey was not used');
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
  });
});
