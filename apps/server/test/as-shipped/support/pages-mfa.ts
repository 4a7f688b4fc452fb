/**
 * pages.test.ts rows for AuthKit's MFA step on the pending-step page (`/authkit/continue/:id`):
 * a member of an organization whose MFA policy is on (set through the dashboard's
 * `/_admin/organizations/:id/mfa_policy`, signed in with the admin the first run printed) sees
 * "Set up two-step verification", confirms it with a code computed here (RFC 6238, as an
 * authenticator app), gets the recovery codes, and on the next sign-in answers the challenge
 * with a recovery code.
 */
import { expect } from 'vitest';
import { totpAt } from '../../support/totp.ts';
import {
  api,
  atApp,
  authorizeUrl,
  error,
  fillSignIn,
  HOSTED,
  inChromium,
  ok,
  redeem,
  t,
} from './pages-flows.ts';
import { expectPage, type Visit } from './pages-kit.ts';

let seq = 0;
const PASSWORD = 'correct horse battery staple 42';

/** PUT through the dashboard's JSON API, signed in as the first admin. */
async function adminPut(path: string, body: unknown) {
  const origin = t.p.url;
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
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const r = await fetch(`${origin}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', origin, cookie, 'x-portico-csrf': csrf_token },
    body: JSON.stringify(body),
  });
  expect(r.status, await r.clone().text()).toBe(200);
  return r.json();
}

/** A user in an organization that requires MFA. */
async function mfaMember() {
  const email = `mfa.${Date.now()}.${++seq}@example.com`;
  const user = await api<{ id: string }>('/user_management/users', {
    method: 'POST',
    body: JSON.stringify({ email, password: PASSWORD, email_verified: true }),
  });
  const org = await api<{ id: string }>('/organizations', {
    method: 'POST',
    body: JSON.stringify({ name: `MFA ${seq}` }),
  });
  await api('/user_management/organization_memberships', {
    method: 'POST',
    body: JSON.stringify({ organization_id: org.id, user_id: user.id }),
  });
  expect(await adminPut(`/_admin/organizations/${org.id}/mfa_policy`, { mfa_required: true })).toMatchObject({
    mfa_required: true,
  });
  return { email, userId: user.id };
}

async function toEnrollment(v: Visit) {
  const m = await mfaMember();
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-mfa' }));
  await fillSignIn(v, m.email, PASSWORD);
  await expectPage(v, { status: 200, heading: 'Set up two-step verification', styles: HOSTED });
  expect(
    await v.page.locator('#totp-qr').evaluate((i) => (i as HTMLImageElement).naturalWidth),
  ).toBeGreaterThan(100);
  const secret = String(await v.page.locator('#manual-key').getAttribute('data-secret'));
  return { ...m, secret };
}

async function enter(v: Visit, code: string, button: string) {
  await v.page.getByLabel('Six-digit code').fill(code);
  await v.submit(v.page.getByRole('button', { name: button }));
}

/** Enrolled (recovery codes read off the page), back at the app, signed in again to the challenge. */
async function toChallenge(v: Visit) {
  const m = await toEnrollment(v);
  await enter(v, totpAt(m.secret, Date.now()), 'Verify and continue');
  await expectPage(v, { status: 200, heading: 'Save your recovery codes', styles: HOSTED });
  const codes = (await v.page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
  await v.submit(v.page.getByRole('link', { name: 'I saved them, continue' }));
  await atApp(v);
  await v.page.context().clearCookies();
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-mfa-2' }));
  await fillSignIn(v, m.email, PASSWORD);
  await expectPage(v, { status: 200, heading: 'Two-step verification', styles: HOSTED });
  return { ...m, codes };
}

export const enrollShow = ok(
  'a member of an organization that requires MFA sees the set-up page with a QR code',
  () =>
    inChromium(async (v) => {
      await toEnrollment(v);
    }),
);

export const enrollSubmit = ok(
  'the first TOTP code shows ten recovery codes, then goes back to the application',
  () =>
    inChromium(async (v) => {
      const m = await toEnrollment(v);
      await enter(v, totpAt(m.secret, Date.now()), 'Verify and continue');
      await expectPage(v, { status: 200, heading: 'Save your recovery codes', styles: HOSTED });
      expect(await v.page.locator('#recovery-codes li').count()).toBe(10);
      await v.submit(v.page.getByRole('link', { name: 'I saved them, continue' }));
      const q = await atApp(v);
      expect(q.get('state')).toBe('st-mfa');
      expect((await redeem(q.get('code')!)).user.email).toBe(m.email);
    }),
);

export const enrollWrong = error(
  'a wrong set-up code is refused with invalid_one_time_code, on the field',
  () =>
    inChromium(async (v) => {
      const m = await toEnrollment(v);
      const right = totpAt(m.secret, Date.now());
      await enter(v, right === '000000' ? '111111' : '000000', 'Verify and continue');
      await expectPage(v, {
        status: 400,
        heading: 'Set up two-step verification',
        code: 'invalid_one_time_code',
        fix: 'six digits it shows now',
        styles: HOSTED,
      });
      expect(await v.page.getByLabel('Six-digit code').getAttribute('aria-invalid')).toBe('true');
    }),
);

export const recoverySubmit = ok(
  'the challenge answered with a recovery code goes back to the application',
  () =>
    inChromium(async (v) => {
      const m = await toChallenge(v);
      await v.page.locator('summary').click();
      await v.page.getByLabel('Recovery code').fill(m.codes[0]!);
      await v.submit(v.page.getByRole('button', { name: 'Use recovery code' }));
      const q = await atApp(v);
      expect((await redeem(q.get('code')!)).user.email).toBe(m.email);
    }),
);

export const challengeShow = ok('a sign-in of an enrolled member stops at "Two-step verification"', () =>
  inChromium(async (v) => {
    await toChallenge(v);
  }),
);
