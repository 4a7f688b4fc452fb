/**
 * pages.test.ts rows for passkeys: with passkeys turned on through the dashboard's
 * `PUT /_admin/passkey_settings` (signed in as the admin the first run printed), a password
 * sign-in is offered "Add a passkey" (`/authkit/continue/:id`), which Chromium's virtual
 * authenticator (DevTools WebAuthn domain) accepts or "Not now" skips, and the sign-in page's
 * "Sign in with a passkey" signs in with it. Each case turns passkeys off again when it ends, so
 * the other rows see the default sign-in.
 */
import { expect } from 'vitest';
import { api, atApp, authorizeUrl, error, HOSTED, inChromium, ok, redeem, t } from './pages-flows.ts';
import { expectPage, type Visit } from './pages-kit.ts';

let seq = 0;
const PASSWORD = 'correct horse battery staple 42';

let session: { cookie: string; csrf: string } | null = null;

/** PUT through the dashboard's JSON API as the first admin (one sign-in for all the rows: 429s). */
async function adminPut(path: string, body: unknown) {
  const origin = t.p.url;
  if (!session) {
    const login = await fetch(`${origin}/_admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: t.p.admin.email, password: t.p.admin.password }),
    });
    expect(login.ok, `admin sign-in: ${login.status}`).toBe(true);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    session = { cookie, csrf: ((await login.json()) as { csrf_token: string }).csrf_token };
  }
  const r = await fetch(`${origin}${path}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      origin,
      cookie: session.cookie,
      'x-portico-csrf': session.csrf,
    },
    body: JSON.stringify(body),
  });
  expect(r.status, await r.clone().text()).toBe(200);
  return r.json();
}

/** Runs `fn` in Chromium with a virtual authenticator, passkeys on for the environment meanwhile. */
function withPasskeys(fn: (v: Visit, email: string) => Promise<void>) {
  return () =>
    inChromium(async (v) => {
      expect(await adminPut('/_admin/passkey_settings', { enabled: true })).toMatchObject({
        enabled: true,
        rp_id: 'localhost',
      });
      try {
        const cdp = await v.context.newCDPSession(v.page);
        await cdp.send('WebAuthn.enable');
        await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            protocol: 'ctap2',
            transport: 'internal',
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        });
        const email = `passkey.${Date.now()}.${++seq}@example.com`;
        await api('/user_management/users', {
          method: 'POST',
          body: JSON.stringify({ email, password: PASSWORD, email_verified: true }),
        });
        await fn(v, email);
      } finally {
        await adminPut('/_admin/passkey_settings', { enabled: false });
      }
    });
}

async function toOffer(v: Visit, email: string) {
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-passkey' }));
  await v.page.getByLabel('Email').fill(email);
  await v.page.getByLabel('Password').fill(PASSWORD);
  await v.submit(v.page.getByRole('button', { name: 'Sign in', exact: true }));
  await expectPage(v, { status: 200, heading: 'Add a passkey', styles: HOSTED });
}

/** Submits a passkey form with `credential` as is (what a page without the script would post). */
async function postRaw(v: Visit, formId: string, credential: string) {
  await Promise.all([
    v.page.waitForEvent('load'),
    v.page.evaluate(
      ([id, value]) => {
        const f = document.getElementById(id!) as HTMLFormElement;
        f.dataset.sent = '1';
        (f.querySelector('input[name=credential]') as HTMLInputElement).value = value!;
        f.submit();
      },
      [formId, credential],
    ),
  ]);
  await v.check();
}

export const offerShow = ok(
  'with passkeys on, a password sign-in of a user without one is offered "Add a passkey"',
  withPasskeys(async (v, email) => {
    await toOffer(v, email);
    expect(await v.page.getByRole('button', { name: 'Not now' }).count()).toBe(1);
  }),
);

export const addSubmit: import('./pages-flows.ts').PageRow = {
  page: '"Add a passkey" submitted: the passkey is stored and the sign-in goes back to the application',
  cases: [
    ok(
      'the virtual authenticator registers a passkey; the sign-in reaches the application',
      withPasskeys(async (v, email) => {
        await toOffer(v, email);
        await v.submit(v.page.getByRole('button', { name: 'Add a passkey' }));
        const q = await atApp(v);
        expect((await redeem(q.get('code')!)).user.email).toBe(email);
      }),
    ),
    error(
      'a response that is not WebAuthn JSON is refused with passkey_response_invalid, on the page',
      withPasskeys(async (v, email) => {
        await toOffer(v, email);
        await postRaw(v, 'add-passkey', '{not json');
        await expectPage(v, {
          status: 400,
          heading: 'Add a passkey',
          code: 'passkey_response_invalid',
          fix: 'needs JavaScript',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

export const skipSubmit: import('./pages-flows.ts').PageRow = {
  page: '"Not now" on the Add a passkey offer: back to the application without one',
  cases: [
    ok(
      '"Not now" goes back to the application with a code',
      withPasskeys(async (v, email) => {
        await toOffer(v, email);
        await v.submit(v.page.getByRole('button', { name: 'Not now' }));
        const q = await atApp(v);
        expect((await redeem(q.get('code')!)).user.email).toBe(email);
      }),
    ),
    error(
      'a forged CSRF token on "Not now" is refused with form_expired and the offer again',
      withPasskeys(async (v, email) => {
        await toOffer(v, email);
        await v.page.evaluate(() => {
          for (const el of document.querySelectorAll<HTMLInputElement>('input[name=csrf]'))
            el.value = 'forged-token';
        });
        await v.submit(v.page.getByRole('button', { name: 'Not now' }));
        await expectPage(v, {
          status: 403,
          heading: 'Add a passkey',
          code: 'form_expired',
          fix: 'submit the form again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

export const passkeySignIn: import('./pages-flows.ts').PageRow = {
  page: '"Sign in with a passkey" submitted: the passkey signs the user in',
  cases: [
    ok(
      'after adding a passkey, "Sign in with a passkey" signs in with authentication_method Passkey',
      withPasskeys(async (v, email) => {
        await toOffer(v, email);
        await v.submit(v.page.getByRole('button', { name: 'Add a passkey' }));
        await atApp(v);
        await v.page.context().clearCookies();
        await v.go(authorizeUrl({ provider: 'authkit', state: 'st-passkey-2' }));
        await expectPage(v, { status: 200, heading: 'Sign in', styles: HOSTED });
        await v.submit(v.page.getByRole('button', { name: 'Sign in with a passkey' }));
        const q = await atApp(v);
        const tokens = (await redeem(q.get('code')!)) as {
          user: { email: string };
          authentication_method?: string;
        };
        expect(tokens.user.email).toBe(email);
        expect(tokens.authentication_method).toBe('Passkey');
      }),
    ),
    error(
      'an assertion that is not JSON is refused with passkey_response_invalid on the sign-in page',
      withPasskeys(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', state: 'st-passkey-3' }));
        await postRaw(v, 'passkey-sign-in', '{not json');
        await expectPage(v, {
          status: 400,
          heading: 'Sign in',
          code: 'passkey_response_invalid',
          fix: 'needs JavaScript',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
