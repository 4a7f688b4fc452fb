/**
 * CLI sign-in (RFC 8628 device authorization grant) in Chromium. The "CLI" is node code in this
 * test using oauth4webapi, an independent RFC 8628 client: it asks for a device code, prints the
 * verification URI, and polls every `interval` seconds (slowing down when told). Chromium opens
 * `verification_uri_complete`, signs in with a password on Portico's hosted page, checks the code
 * on the confirmation page and approves; the CLI's poll gets the tokens, and the official SDK
 * (8.x) refreshes with its refresh token. With Deny, the CLI is told `access_denied`. Screenshots
 * of the device pages at 1280 and 390 px land in test-artifacts/screenshots/device-*.png.
 *
 * System clock (the SDK checks access-token `exp` against the real time), so the polls really wait.
 */
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { createHarness, freePort, type Harness, listen } from '../../../apps/server/test/harness.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';

const PASSWORD = 'correct horse battery staple 42';
const EMAIL = 'terminal-user@example.com';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let workos: WorkOS;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  const porticoPort = await freePort();
  h = await createHarness({ clock: 'system', publicUrl: `http://127.0.0.1:${porticoPort}` });
  portico = await listen(h, porticoPort);
  workos = new WorkOS(h.apiKey, {
    apiHostname: '127.0.0.1',
    port: porticoPort,
    https: false,
    clientId: h.clientId,
  });
  await workos.userManagement.createUser({ email: EMAIL, password: PASSWORD, emailVerified: true });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await portico?.close();
  await h?.close();
});

async function newPage(): Promise<WatchedPage> {
  const w = await openPage(browser);
  opened.push(w);
  return w;
}

/**
 * The CLI: what docs/cli-auth.md tells a CLI author to write. `show` gets the URI and code to
 * print; the promise settles with the tokens or the RFC 8628 error that ended the polling.
 */
async function cliSignIn(show: (uriComplete: string, uri: string, userCode: string) => void) {
  const as: oauth.AuthorizationServer = {
    issuer: portico.url,
    device_authorization_endpoint: `${portico.url}/user_management/authorize/device`,
    token_endpoint: `${portico.url}/user_management/authenticate`,
  };
  const client: oauth.Client = { client_id: h.clientId };
  const options = { [oauth.allowInsecureRequests]: true }; // http://127.0.0.1 in this test only
  const started = await oauth.processDeviceAuthorizationResponse(
    as,
    client,
    await oauth.deviceAuthorizationRequest(as, client, oauth.None(), {}, options),
  );
  show(started.verification_uri_complete!, started.verification_uri, started.user_code);
  let interval = started.interval ?? 5;
  const polls: string[] = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    try {
      const res = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, options);
      const tokens = await oauth.processDeviceCodeResponse(as, client, res);
      return { tokens, polls };
    } catch (err) {
      if (!(err instanceof oauth.ResponseBodyError)) throw err;
      polls.push(err.error);
      if (err.error === 'authorization_pending') continue;
      if (err.error === 'slow_down') {
        interval += 5;
        continue;
      }
      return { error: err.error, polls };
    }
  }
}

function shown() {
  let resolve!: (v: { complete: string; uri: string; code: string }) => void;
  const promise = new Promise<{ complete: string; uri: string; code: string }>((r) => {
    resolve = r;
  });
  return { promise, show: (complete: string, uri: string, code: string) => resolve({ complete, uri, code }) };
}

describe('CLI sign-in in Chromium', () => {
  it('verification_uri_complete → password sign-in → Approve: the CLI gets tokens, the SDK refreshes them', async () => {
    const printed = shown();
    const cli = cliSignIn(printed.show);
    const { complete, code } = await printed.promise;
    const { page, problems } = await newPage();

    const first = await page.goto(complete);
    expect(first!.status()).toBe(200);
    expect(await page.inputValue('#user_code')).toBe(code);
    await screenshotBoth(page, 'device-code');
    await Promise.all([page.waitForURL(/\/authkit\/sign-in\?request=/), page.click('button[type=submit]')]);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([
      page.waitForURL(/\/authkit\/device\/confirm\?id=/),
      page.click('button[value=password]'),
    ]);
    expect(await page.textContent('#device-confirm')).toMatch(/^Sign in to .+ on your device\?$/);
    expect(await page.textContent('#device-user-code')).toBe(code);
    expect(await page.textContent('#device-email')).toBe(EMAIL);
    const confirm = await screenshotBoth(page, 'device-confirm');
    expect(confirm.phoneScrollWidth).toBeLessThanOrEqual(390);
    await Promise.all([page.waitForSelector('#device-approved'), page.click('#device-approve')]);
    expect(await page.textContent('main')).toContain('Return to your terminal');
    await screenshotBoth(page, 'device-approved');
    // The verifier cookie is HttpOnly, scoped to the device pages, and gone after the decision.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'portico_device')).toBeUndefined();

    const result = await cli;
    expect(result.error).toBeUndefined();
    expect(result.polls.every((p) => p === 'authorization_pending')).toBe(true);
    const tokens = result.tokens as unknown as {
      access_token: string;
      refresh_token: string;
      user: { email: string };
      authentication_method: string;
    };
    expect(tokens.user.email).toBe(EMAIL);
    expect(tokens.authentication_method).toBe('Password');

    // The official SDK takes over with the refresh token, as the CLI would on its next run.
    const refreshed = await workos.userManagement.authenticateWithRefreshToken({
      clientId: h.clientId,
      refreshToken: tokens.refresh_token,
    });
    expect(refreshed.accessToken).toMatch(/^eyJ/);
    expect(refreshed.refreshToken).not.toBe(tokens.refresh_token);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the code typed on verification_uri, then Deny: the CLI is told access_denied', async () => {
    const printed = shown();
    const cli = cliSignIn(printed.show);
    const { uri, code } = await printed.promise;
    const { page, problems } = await newPage();
    await page.goto(uri);
    // A mistyped code first: a clear message on the form.
    await page.fill('#user_code', 'BBBB-BBBB');
    await Promise.all([page.waitForSelector('#form-error'), page.click('button[type=submit]')]);
    expect(await page.textContent('#form-error')).toContain('Check the code on your device');
    expect(await page.getAttribute('.code', 'data-code')).toBe('user_code_invalid');
    await screenshotBoth(page, 'device-code-error');
    await page.fill('#user_code', code.toLowerCase().replace('-', ' '));
    await Promise.all([page.waitForURL(/\/authkit\/sign-in\?request=/), page.click('button[type=submit]')]);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([
      page.waitForURL(/\/authkit\/device\/confirm\?id=/),
      page.click('button[value=password]'),
    ]);
    await Promise.all([page.waitForSelector('#device-denied'), page.click('#device-deny')]);
    await screenshotBoth(page, 'device-denied');
    const result = await cli;
    expect(result.error).toBe('access_denied');
    expect(problems).toEqual([]);
  }, 60_000);
});
