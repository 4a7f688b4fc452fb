/**
 * pages.test.ts rows for CLI sign-in (RFC 8628, docs/cli-auth.md): the code page
 * (`/authkit/device`), the hosted sign-in's return (`/authkit/device/callback`) and the
 * confirmation (`/authkit/device/confirm`). The "CLI" is fetch against the shipped server: it asks
 * for a device code and, once the person decided in Chromium, polls for the answer.
 */
import { expect } from 'vitest';
import { error, fillSignIn, forgeCsrf, HOSTED, inChromium, ok, type PageRow, qs, t } from './pages-flows.ts';
import { claims, expectPage, type Visit } from './pages-kit.ts';

interface Started {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  interval: number;
}

/** The CLI's first step: a device code for the shipped environment's client id. */
async function startDevice(): Promise<Started> {
  const r = await fetch(`${t.p.url}/user_management/authorize/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs({ client_id: t.p.clientId }),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as Started;
}

/** One poll of the CLI. */
async function poll(deviceCode: string) {
  const r = await fetch(`${t.p.url}/user_management/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: t.p.clientId,
      device_code: deviceCode,
    }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const CONFIRM_HEADING = /^Sign in to .+ on your device\?$/;

/** verification_uri_complete → Continue → the hosted password sign-in → the confirmation page. */
async function toConfirm(v: Visit, started: Started) {
  await v.go(started.verification_uri_complete);
  await v.submit(v.page.getByRole('button', { name: 'Continue' }));
  await fillSignIn(v, t.known.user.email, t.known.user.password);
  expect(v.docs.some((d) => d.route === 'GET /authkit/device/callback' && d.status === 302)).toBe(true);
  await expectPage(v, { status: 200, heading: CONFIRM_HEADING, styles: HOSTED });
}

/** `GET /authkit/device` */
export const codeForm: PageRow = {
  page: 'CLI sign-in: "Sign in to a device", where the person types the code the device shows',
  cases: [
    ok('verification_uri_complete opens the form with the code filled in', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await v.go(started.verification_uri_complete);
        await expectPage(v, { status: 200, heading: 'Sign in to a device', styles: HOSTED });
        expect(await v.page.getByLabel('Code').inputValue()).toBe(started.user_code);
      }),
    ),
    error('a link whose code was cut short says so before anyone types', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/device?user_code=BCD`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign in to a device',
          code: 'user_code_invalid',
          fix: 'Type the eight letters your device shows',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /authkit/device` */
export const codeSubmit: PageRow = {
  page: 'CLI sign-in: the typed code, answered with the hosted sign-in',
  cases: [
    ok('the device’s code, typed on verification_uri, leads to the hosted sign-in', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await v.go(started.verification_uri);
        await v.page.getByLabel('Code').fill(started.user_code.toLowerCase());
        await v.submit(v.page.getByRole('button', { name: 'Continue' }));
        expect(v.docs.some((d) => d.route === 'POST /authkit/device' && d.status === 302)).toBe(true);
        await expectPage(v, { status: 200, heading: 'Sign in', styles: HOSTED });
      }),
    ),
    error('a code that names no waiting sign-in is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/device`);
        await v.page.getByLabel('Code').fill('ZZZZ-ZZZZ');
        await v.submit(v.page.getByRole('button', { name: 'Continue' }));
        await expectPage(v, {
          status: 400,
          heading: 'Sign in to a device',
          code: 'user_code_invalid',
          fix: 'Check the code on your device',
          styles: HOSTED,
        });
      }),
    ),
    error('a forged CSRF token: form_expired, nothing bound', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await v.go(started.verification_uri_complete);
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: 'Continue' }));
        await expectPage(v, {
          status: 403,
          heading: 'Sign in to a device',
          code: 'form_expired',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /authkit/device/callback` */
export const callback: PageRow = {
  page: 'CLI sign-in: the hosted sign-in comes back here and goes on to the confirmation',
  cases: [
    ok('after the password sign-in, on to "Sign in to … on your device?"', () =>
      inChromium(async (v) => {
        await toConfirm(v, await startDevice());
      }),
    ),
    error('a made-up or stolen return link: an error page with its code', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/device/callback?code=made-up&state=device_auth_01NOPE`);
        await expectPage(v, {
          status: 400,
          heading: 'Device sign-in expired',
          code: 'user_code_invalid',
          fix: 'Start the sign-in again on your device',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /authkit/device/confirm` */
export const confirmShow: PageRow = {
  page: 'CLI sign-in: the confirmation, with the code and the application to check',
  cases: [
    ok('shows the device’s code and the signed-in email', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await toConfirm(v, started);
        expect(await v.page.locator('#device-user-code').textContent()).toBe(started.user_code);
        expect(await v.page.locator('#device-email').textContent()).toBe(t.known.user.email);
      }),
    ),
    error('opened in another browser than the one that signed in: refused', async () => {
      let confirmUrl = '';
      await inChromium(async (v) => {
        await toConfirm(v, await startDevice());
        confirmUrl = v.page.url();
      });
      await inChromium(async (v) => {
        await v.go(confirmUrl);
        await expectPage(v, {
          status: 400,
          heading: 'Device sign-in expired',
          code: 'user_code_invalid',
          fix: 'Start the sign-in again on your device',
          styles: HOSTED,
        });
      });
    }),
  ],
};

/** `POST /authkit/device/confirm` */
export const confirmSubmit: PageRow = {
  page: 'CLI sign-in: Approve or Deny, then "return to your terminal"',
  cases: [
    ok('Approve: "You’re signed in", and the CLI’s poll gets the tokens', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await toConfirm(v, started);
        await v.submit(v.page.getByRole('button', { name: 'Approve' }));
        await expectPage(v, { status: 200, heading: 'You’re signed in', styles: HOSTED });
        const r = await poll(started.device_code);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({
          user: { email: t.known.user.email },
          authentication_method: 'Password',
        });
        expect(claims(String(r.body.access_token)).sid).toMatch(/^session_/);
      }),
    ),
    ok('Deny: "Sign-in denied", and the CLI is told access_denied', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await toConfirm(v, started);
        await v.submit(v.page.getByRole('button', { name: 'Deny' }));
        await expectPage(v, { status: 200, heading: 'Sign-in denied', styles: HOSTED });
        expect(await poll(started.device_code)).toMatchObject({
          status: 400,
          body: { error: 'access_denied' },
        });
      }),
    ),
    error('a forged CSRF token: form_expired, the device still waits', () =>
      inChromium(async (v) => {
        const started = await startDevice();
        await toConfirm(v, started);
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: 'Approve' }));
        await expectPage(v, {
          status: 403,
          heading: 'Form expired',
          code: 'form_expired',
          fix: 'Reload this page',
          styles: HOSTED,
        });
        expect(await poll(started.device_code)).toMatchObject({
          status: 400,
          body: { error: 'authorization_pending' },
        });
      }),
    ),
  ],
};
