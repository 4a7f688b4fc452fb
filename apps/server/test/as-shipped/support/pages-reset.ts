/**
 * pages.test.ts rows for the hosted password reset: "Forgot password?" (shown and submitted), the
 * reset form (shown and submitted) and the success page. Reset tokens come from the API
 * (createPasswordReset answers with the token once), as the application would email them.
 */
import { expect } from 'vitest';
import {
  api,
  authorizeUrl,
  error,
  forgeCsrf,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  t,
} from './pages-flows.ts';
import { expectPage, type Visit } from './pages-kit.ts';

let made = 0;
/** A fresh user with a reset token (the API is limited to 3 resets a minute per email). */
async function resetToken(): Promise<{ email: string; token: string }> {
  made += 1;
  const email = `reset-${made}-${Date.now()}@pages.example`;
  await api('/user_management/users', {
    method: 'POST',
    body: JSON.stringify({ email, password: 'the first long password 3' }),
  });
  const reset = await api<{ password_reset_token: string }>('/user_management/password_reset', {
    method: 'POST',
    body: JSON.stringify({ email }),
  });
  return { email, token: reset.password_reset_token };
}

const forgotFromSignIn = async (v: Visit) => {
  await v.go(authorizeUrl({ provider: 'authkit' }));
  await v.submit(v.page.getByRole('link', { name: 'Forgot password?' }));
};

async function fillReset(v: Visit, password: string, confirm = password) {
  await v.page.getByLabel('New password', { exact: true }).fill(password);
  await v.page.getByLabel('Repeat the new password').fill(confirm);
  await v.submit(v.page.getByRole('button', { name: 'Reset password' }));
}

/** `GET /authkit/forgot-password` */
export const forgotForm: PageRow = {
  page: 'the hosted “Forgot password?” form',
  cases: [
    ok('reached from the sign-in page’s “Forgot password?” link', () =>
      inChromium(async (v) => {
        await forgotFromSignIn(v);
        await expectPage(v, { status: 200, heading: 'Reset your password', styles: HOSTED });
      }),
    ),
    error('opened without a sign-in request or client_id, it says the link is not recognised', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/forgot-password`);
        await expectPage(v, {
          status: 400,
          heading: 'Reset link not recognised',
          code: 'sign_in_link_invalid',
          fix: 'Forgot password?',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /authkit/forgot-password` */
export const forgotSubmit: PageRow = {
  page: 'the “Forgot password?” form submitted',
  cases: [
    ok('a known email gets “Check your email”', () =>
      inChromium(async (v) => {
        await forgotFromSignIn(v);
        await v.page.getByLabel('Email').fill(t.known.user.email);
        await v.submit(v.page.getByRole('button', { name: 'Send reset link' }));
        await expectPage(v, { status: 200, heading: 'Check your email', styles: HOSTED });
      }),
    ),
    ok('an unknown email gets the very same page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/forgot-password?client_id=${t.p.clientId}`);
        await v.page.getByLabel('Email').fill(`nobody-${Date.now()}@pages.example`);
        await v.submit(v.page.getByRole('button', { name: 'Send reset link' }));
        await expectPage(v, { status: 200, heading: 'Check your email', styles: HOSTED });
      }),
    ),
    error('a forged CSRF token is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/forgot-password?client_id=${t.p.clientId}`);
        await forgeCsrf(v);
        await v.page.getByLabel('Email').fill(t.known.user.email);
        await v.submit(v.page.getByRole('button', { name: 'Send reset link' }));
        await expectPage(v, {
          status: 403,
          heading: 'Reset your password',
          code: 'form_expired',
          fix: 'submit the form again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /authkit/reset-password` */
export const resetForm: PageRow = {
  page: 'the hosted “Choose a new password” form (the emailed link)',
  cases: [
    ok('a fresh token opens the form', () =>
      inChromium(async (v) => {
        const { token } = await resetToken();
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await expectPage(v, { status: 200, heading: 'Choose a new password', styles: HOSTED });
      }),
    ),
    error('a token Portico never issued is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/reset-password?token=not-a-real-token`);
        await expectPage(v, {
          status: 400,
          heading: 'This reset link cannot be used',
          code: 'password_reset_token_invalid',
          fix: 'choose “Forgot password?” to get a new link',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /authkit/reset-password` */
export const resetSubmit: PageRow = {
  page: 'the reset form submitted',
  cases: [
    ok('a good password resets it and shows “Password changed”', () =>
      inChromium(async (v) => {
        const { token } = await resetToken();
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await fillReset(v, 'a strong new passphrase 7');
        await expectPage(v, { status: 200, heading: 'Password changed', styles: HOSTED });
      }),
    ),
    error('two different passwords are refused beside the second field', () =>
      inChromium(async (v) => {
        const { token } = await resetToken();
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await fillReset(v, 'a strong new passphrase 7', 'a strong new passphrase 8');
        await expectPage(v, {
          status: 400,
          heading: 'Choose a new password',
          code: 'password_mismatch',
          fix: 'Type the new password again in both fields',
          styles: HOSTED,
        });
      }),
    ),
    error('a common password is refused with the rule', () =>
      inChromium(async (v) => {
        const { token } = await resetToken();
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await fillReset(v, 'password1');
        await expectPage(v, {
          status: 400,
          heading: 'Choose a new password',
          code: 'password_strength_error',
          fix: 'Choose a different one',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /authkit/reset-password/done` */
export const resetDone: PageRow = {
  page: 'the “Password changed” page',
  cases: [
    ok('without a sign-in to return to, it says to sign in from the application', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/reset-password/done`);
        await expectPage(v, { status: 200, heading: 'Password changed', styles: HOSTED });
        expect(await v.page.getByRole('link', { name: /Sign in/ }).count()).toBe(0);
      }),
    ),
    error('a used link cannot reset twice (the page after it says so)', () =>
      inChromium(async (v) => {
        const { token } = await resetToken();
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await fillReset(v, 'a strong new passphrase 7');
        await expectPage(v, { status: 200, heading: 'Password changed', styles: HOSTED });
        await v.go(`${t.p.url}/authkit/reset-password?token=${token}`);
        await expectPage(v, {
          status: 400,
          heading: 'This reset link cannot be used',
          code: 'password_reset_token_used',
          fix: 'Forgot password?',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
