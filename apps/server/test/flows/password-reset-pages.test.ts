/**
 * The hosted password-reset pages in-process (no browser), on the dialect under test: sign-in →
 * "Forgot password?" → the email in the outbox → the reset form → "Password changed" → back to the
 * same sign-in. The forgot form answers the same, after the same minimum time, for an email with
 * no account; the reset form ties each problem to its field; every refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGOT_MIN_MS } from '../../src/features/authkit/reset-routes.tsx';
import { createHarness, type Harness, REDIRECT_URI } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.api('POST', '/user_management/users', {
    email: 'forgot@example.com',
    password: 'my old long password 1',
  });
});
afterAll(() => h.close());

/** A browser-ish cookie jar for one flow. */
function browser() {
  let cookie = '';
  return async (path: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const res = await h.portico.app.request(path, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return { res, html: await res.text() };
  };
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
const unamp = (s: string) => s.replace(/&amp;/g, '&');

async function signInPage(go: ReturnType<typeof browser>) {
  const params = new URLSearchParams({
    client_id: h.clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    state: 'st',
  });
  const auth = await go(`/user_management/authorize?${params}`);
  const location = auth.res.headers.get('location')!;
  return { location, ...(await go(location)) };
}

async function outbox(to: string) {
  const rows = await h.portico.deps.db
    .selectFrom('emails')
    .select(['id', 'template'])
    .where('to_address', '=', to)
    .orderBy('created_at')
    .execute();
  return Promise.all(rows.map((r) => h.portico.services.emails.get(h.environmentId, r.id)));
}

describe('hosted password reset', () => {
  it('forgot password → email → new password → every session gone → back to the same sign-in', async () => {
    const go = browser();
    const signIn = await signInPage(go);
    const forgotHref = unamp(/href="(\/authkit\/forgot-password\?request=[^"]+)"/.exec(signIn.html)![1]!);
    const requestId = new URL(forgotHref, 'http://x').searchParams.get('request')!;
    expect(signIn.html).toContain('Forgot password?');

    const old = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: h.clientId,
        client_secret: h.apiKey,
        grant_type: 'password',
        email: 'forgot@example.com',
        password: 'my old long password 1',
      }),
    });
    const oldRefresh = ((await old.json()) as { refresh_token: string }).refresh_token;

    const forgot = await go(forgotHref);
    expect(forgot.res.status).toBe(200);
    expect(forgot.html).toContain('Reset your password');
    const sent = await go(forgotHref, { form: { csrf: csrfOf(forgot.html), email: 'Forgot@Example.com' } });
    expect(sent.res.status).toBe(200);
    expect(sent.html).toContain('Check your email');

    const mails = await outbox('forgot@example.com');
    expect(mails.map((m) => m!.template)).toEqual(['password_reset']);
    const link = /(http\S+\/authkit\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mails[0]!.text!)![1]!;
    const url = new URL(link);
    const path = `${url.pathname}${url.search}`;

    const form = await go(path);
    expect(form.res.status).toBe(200);
    expect(form.html).toContain('Choose a new password');
    const token = url.searchParams.get('token')!;
    const post = (fields: Record<string, string>, csrf = csrfOf(form.html)) =>
      go('/authkit/reset-password', { form: { csrf, token, ...fields } });

    const mismatch = await post({
      password: 'a brand new passphrase 8',
      confirm: 'a brand new passphrase 9',
    });
    expect(mismatch.res.status).toBe(400);
    expect(mismatch.html).toContain('aria-describedby="confirm-error"');
    expect(mismatch.html).toMatch(/id="confirm-error"[^>]*>The two passwords are not the same/);
    expect(mismatch.html).toContain('data-code="password_mismatch"');

    const weak = await post({ password: 'password1', confirm: 'password1' }, csrfOf(mismatch.html));
    expect(weak.res.status).toBe(400);
    expect(weak.html).toContain('aria-describedby="password-help password-error"');
    expect(weak.html).toContain('aria-invalid="true"');
    expect(weak.html).toContain('data-code="password_strength_error"');
    expect(weak.html).toMatch(/id="password-error"[^>]*>This password is too common/);

    const forged = await post(
      { password: 'a brand new passphrase 8', confirm: 'a brand new passphrase 8' },
      'forged',
    );
    expect(forged.res.status).toBe(403);
    expect(forged.html).toContain('data-code="form_expired"');

    const done = await post(
      { password: 'a brand new passphrase 8', confirm: 'a brand new passphrase 8' },
      csrfOf(weak.html),
    );
    expect(done.res.status).toBe(303);
    const doneUrl = done.res.headers.get('location')!;
    expect(doneUrl).toBe(`/authkit/reset-password/done?request=${encodeURIComponent(requestId)}`);
    const donePage = await go(doneUrl);
    expect(donePage.html).toContain('Password changed');
    expect(unamp(donePage.html)).toContain(
      `href="/authkit/sign-in?request=${encodeURIComponent(requestId)}"`,
    );

    const refreshed = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: h.clientId,
        client_secret: h.apiKey,
        grant_type: 'refresh_token',
        refresh_token: oldRefresh,
      }),
    });
    expect(refreshed.status).toBe(400);

    const back = await go(signIn.location);
    const signedIn = await go(signIn.location, {
      form: { csrf: csrfOf(back.html), email: 'forgot@example.com', password: 'a brand new passphrase 8' },
    });
    expect(signedIn.res.status).toBe(302);
    expect(signedIn.res.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/callback\?code=/);

    const reused = await go(path);
    expect(reused.res.status).toBe(400);
    expect(reused.html).toContain('data-code="password_reset_token_used"');
    const wrong = await go('/authkit/reset-password?token=nope');
    expect(wrong.html).toContain('data-code="password_reset_token_invalid"');
  });

  it('answers an unknown email exactly like a known one, after the same minimum time, and sends nothing', async () => {
    const answers: { html: string; ms: number }[] = [];
    for (const email of ['forgot@example.com', 'stranger@example.com']) {
      const go = browser();
      const page = await go(`/authkit/forgot-password?client_id=${h.clientId}`);
      const started = performance.now();
      const sent = await go(`/authkit/forgot-password?client_id=${h.clientId}`, {
        form: { csrf: csrfOf(page.html), email },
      });
      answers.push({ html: sent.html.replace(email, 'EMAIL'), ms: performance.now() - started });
      expect(sent.res.status).toBe(200);
    }
    expect(answers[0]!.html).toBe(answers[1]!.html);
    for (const a of answers) expect(a.ms).toBeGreaterThanOrEqual(FORGOT_MIN_MS - 5);
    expect(await outbox('stranger@example.com')).toEqual([]);
  });

  it('limits the form per email with 429 and Retry-After, refuses a bad link, a bad email and a forged form', async () => {
    const go = browser();
    const path = `/authkit/forgot-password?client_id=${h.clientId}`;
    const page = await go(path);
    let last = page;
    for (let i = 0; i < 4; i++)
      last = await go(path, { form: { csrf: csrfOf(page.html), email: 'limited@example.com' } });
    expect(last.res.status).toBe(429);
    expect(Number(last.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.html).toContain('data-code="rate_limit_exceeded"');

    const bad = await go(path, { form: { csrf: csrfOf(page.html), email: 'not an email' } });
    expect(bad.res.status).toBe(400);
    expect(bad.html).toContain('data-code="invalid_request_parameters"');
    const forged = await go(path, { form: { csrf: 'forged', email: 'forgot@example.com' } });
    expect(forged.res.status).toBe(403);

    const nowhere = await go('/authkit/forgot-password');
    expect(nowhere.res.status).toBe(400);
    expect(nowhere.html).toContain('data-code="sign_in_link_invalid"');
  });
});
