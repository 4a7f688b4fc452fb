/**
 * Password reset through the API and the hosted pages, on the dialect under test: tokens are
 * single use, expire after 15 minutes, are kept only as SHA-256 hashes and never appear in events;
 * a reset revokes every session of the user and verifies the email; every refusal names its code
 * and changes nothing; the hosted "Forgot password?" form answers the same for unknown emails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { sha256 } from '../../src/platform/crypto.ts';
import { createHarness, type Harness, json } from '../harness.ts';
import { signInForTokens } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const OLD = 'an old long password 3';
const NEW = 'a brand new passphrase 8';

async function user(email: string, extra: Record<string, unknown> = {}) {
  const res = await h.api('POST', '/user_management/users', { email, password: OLD, ...extra });
  expect(res.status).toBe(201);
  return json<{ id: string; email_verified: boolean }>(res);
}

async function createReset(email: string) {
  const res = await h.api('POST', '/user_management/password_reset', { email });
  expect(res.status).toBe(201);
  return json<{
    id: string;
    user_id: string;
    password_reset_token: string;
    password_reset_url: string;
    expires_at: string;
    created_at: string;
  }>(res);
}

const confirm = (token: string, newPassword: string) =>
  h.api('POST', '/user_management/password_reset/confirm', { token, new_password: newPassword });

const passwordGrant = (email: string, password: string) =>
  h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email,
      password,
    }),
  });

const refresh = (refreshToken: string) =>
  h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    }),
  });

async function events(type: string) {
  const rows = await h.portico.deps.db
    .selectFrom('events')
    .select(['data', 'context'])
    .where('event', '=', type)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ data: JSON.parse(r.data), context: JSON.parse(r.context) }));
}

describe('password reset API', () => {
  it('creates a reset with a one-time token, keeps only its hash, and GET cannot return it', async () => {
    const u = await user('create@example.com');
    const reset = await createReset('CREATE@example.com');
    expect(reset).toMatchObject({ object: 'password_reset', user_id: u.id, email: 'create@example.com' });
    expect(reset.id).toMatch(/^password_reset_/);
    expect(reset.password_reset_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const url = new URL(reset.password_reset_url);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.portico.deps.config.publicUrl}/authkit/reset-password`);
    expect(url.searchParams.get('token')).toBe(reset.password_reset_token);
    expect(Date.parse(reset.expires_at) - Date.parse(reset.created_at)).toBe(15 * 60 * 1000);

    const row = await h.portico.deps.db
      .selectFrom('password_resets')
      .selectAll()
      .where('id', '=', reset.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256(reset.password_reset_token));
    expect(JSON.stringify(row)).not.toContain(reset.password_reset_token);

    const got = await h.api('GET', `/user_management/password_reset/${reset.id}`);
    expect(got.status).toBe(200);
    expect(await json(got)).toEqual({
      ...reset,
      password_reset_token: '',
      password_reset_url: `${h.portico.deps.config.publicUrl}/authkit/reset-password`,
    });

    const mails = await h.portico.deps.db
      .selectFrom('emails')
      .select('id')
      .where('to_address', '=', 'create@example.com')
      .execute();
    expect(mails).toHaveLength(1);
    const mail = await h.portico.services.emails.get(h.environmentId, mails[0]!.id);
    expect(mail).toMatchObject({ template: 'password_reset', to: 'create@example.com' });
    expect(mail!.text).toContain(reset.password_reset_url);

    const [created] = (await events('password_reset.created')).filter((e) => e.data.id === reset.id);
    expect(created!.data).toEqual({
      object: 'password_reset',
      id: reset.id,
      user_id: u.id,
      email: 'create@example.com',
      expires_at: reset.expires_at,
      created_at: reset.created_at,
    });
  });

  it('refuses an unknown email with entity_not_found and writes nothing', async () => {
    const before = (await events('password_reset.created')).length;
    const res = await h.api('POST', '/user_management/password_reset', { email: 'nobody@example.com' });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ code: 'entity_not_found', message: /nobody@example\.com/ });
    expect((await events('password_reset.created')).length).toBe(before);
  });

  it('resets the password: email verified, every session revoked, events without the token', async () => {
    const u = await user('reset@example.com');
    expect(u.email_verified).toBe(false);
    const tokens = await signInForTokens(h, 'reset@example.com', OLD);
    const second = await json<{ refresh_token: string }>(await passwordGrant('reset@example.com', OLD));
    const reset = await createReset('reset@example.com');

    const res = await confirm(reset.password_reset_token, NEW);
    expect(res.status).toBe(200);
    const body = await json<{ user: { id: string; email_verified: boolean } }>(res);
    expect(body.user).toMatchObject({ id: u.id, email_verified: true });

    for (const old of [tokens.refresh_token as string, second.refresh_token]) {
      const r = await refresh(old);
      expect(r.status).toBe(400);
      expect(await json(r)).toMatchObject({ error: 'invalid_grant' });
    }
    expect((await passwordGrant('reset@example.com', OLD)).status).toBe(400);
    expect((await passwordGrant('reset@example.com', NEW)).status).toBe(200);

    const sessions = await h.portico.deps.db
      .selectFrom('sessions')
      .select(['status'])
      .where('user_id', '=', u.id)
      .orderBy('created_at')
      .execute();
    expect(sessions.map((s) => s.status)).toEqual(['revoked', 'revoked', 'active']);
    const revoked = (await events('session.revoked')).filter((e) => e.data.user_id === u.id);
    expect(revoked.map((e) => e.context.reason)).toEqual(['password_reset', 'password_reset']);
    const [succeeded] = (await events('password_reset.succeeded')).filter((e) => e.data.id === reset.id);
    expect(Object.keys(succeeded!.data).sort()).toEqual(
      ['created_at', 'email', 'expires_at', 'id', 'object', 'user_id'].sort(),
    );
    const updated = (await events('user.updated')).filter((e) => e.data.id === u.id);
    expect(updated.at(-1)!.context.previous_attributes).toEqual({ email_verified: false });
    const all = await h.portico.deps.db.selectFrom('events').select('data').execute();
    expect(JSON.stringify(all)).not.toContain(reset.password_reset_token);
  });

  it('a token is single use, and a successful reset spends the user’s other tokens', async () => {
    await user('once@example.com');
    const a = await createReset('once@example.com');
    const b = await createReset('once@example.com');
    expect((await confirm(a.password_reset_token, NEW)).status).toBe(200);
    for (const t of [a, b]) {
      const again = await confirm(t.password_reset_token, 'yet another passphrase 5');
      expect(again.status).toBe(400);
      expect(await json(again)).toMatchObject({
        code: 'password_reset_error',
        errors: [{ field: 'token', code: 'password_reset_token_used' }],
      });
    }
    expect((await passwordGrant('once@example.com', NEW)).status).toBe(200);
  });

  it('concurrent confirms of one token: exactly one wins', async () => {
    await user('race-reset@example.com');
    const r = await createReset('race-reset@example.com');
    const results = await Promise.all(
      [0, 1, 2].map((i) => confirm(r.password_reset_token, `racing passphrase number ${i}`)),
    );
    expect(results.map((x) => x.status).sort()).toEqual([200, 400, 400]);
  });

  it('refuses an expired token, a wrong token and a weak password, changing nothing', async () => {
    await user('refuse@example.com');
    const r = await createReset('refuse@example.com');

    const weak = await confirm(r.password_reset_token, 'password');
    expect(weak.status).toBe(400);
    expect(await json(weak)).toMatchObject({
      code: 'password_reset_error',
      errors: [{ field: 'new_password', code: 'password_breached' }],
    });
    const short = await confirm(r.password_reset_token, 'abc');
    expect(await json(short)).toMatchObject({
      code: 'password_reset_error',
      errors: [{ field: 'new_password', code: 'password_too_short', message: /at least 8 characters/ }],
    });
    const guessable = await confirm(r.password_reset_token, 'refuse@example.com');
    expect(await json(guessable)).toMatchObject({ errors: [{ code: 'password_too_weak' }] });

    const wrong = await confirm(`${r.password_reset_token.slice(0, -2)}xx`, NEW);
    expect(wrong.status).toBe(400);
    expect(await json(wrong)).toMatchObject({
      code: 'password_reset_error',
      errors: [{ code: 'password_reset_token_invalid' }],
    });

    h.testClock!.advance(15 * 60 * 1000 + 1);
    const expired = await confirm(r.password_reset_token, NEW);
    expect(expired.status).toBe(400);
    expect(await json(expired)).toMatchObject({
      code: 'password_reset_error',
      message: /15 minutes/,
      errors: [{ field: 'token', code: 'password_reset_token_expired' }],
    });
    expect((await passwordGrant('refuse@example.com', OLD)).status).toBe(200);
    const row = await h.portico.deps.db
      .selectFrom('password_resets')
      .select('used_at')
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
  });

  it('another environment cannot read or use this environment’s reset', async () => {
    await user('tenant@example.com');
    const r = await createReset('tenant@example.com');
    const other = await h.portico.services.environments.createEnvironment('Other tenant');
    const asOther = (method: string, path: string, body?: unknown) =>
      h.api(method, path, body, { authorization: `Bearer ${other.apiKey}` });
    const got = await asOther('GET', `/user_management/password_reset/${r.id}`);
    expect(got.status).toBe(404);
    expect(await json(got)).toMatchObject({ code: 'entity_not_found' });
    const used = await asOther('POST', '/user_management/password_reset/confirm', {
      token: r.password_reset_token,
      new_password: NEW,
    });
    expect(used.status).toBe(400);
    expect(await json(used)).toMatchObject({ errors: [{ code: 'password_reset_token_invalid' }] });
    expect((await confirm(r.password_reset_token, NEW)).status).toBe(200);
  });

  it('limits creation to 3 per 60 s per email with 429 and Retry-After', async () => {
    await user('limit@example.com');
    for (let i = 0; i < 3; i++) await createReset('limit@example.com');
    const res = await h.api('POST', '/user_management/password_reset', { email: 'limit@example.com' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    h.testClock!.advance(60_000);
    await createReset('limit@example.com');
  });

  it('SDK 7’s /password_reset/send uses the given URL; the environment’s setting changes the default', async () => {
    await user('send@example.com');
    const sent = await h.api('POST', '/user_management/password_reset/send', {
      email: 'send@example.com',
      password_reset_url: 'https://app.example.com/reset?from=mail',
    });
    expect(sent.status).toBe(200);
    expect(await json(sent)).toEqual({ success: true });
    const row = await h.portico.deps.db
      .selectFrom('password_resets')
      .selectAll()
      .where('email', '=', 'send@example.com')
      .executeTakeFirstOrThrow();
    expect(row.password_reset_url).toBe('https://app.example.com/reset?from=mail');

    const bad = await h.api('POST', '/user_management/password_reset/send', {
      email: 'send@example.com',
      password_reset_url: 'javascript:alert(1)',
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ errors: [{ field: 'password_reset_url' }] });

    const envs = h.portico.services.environments;
    await expect(
      envs.setPasswordResetUrl(h.environmentId, 'http://evil.example.com/r'),
    ).rejects.toMatchObject({
      code: 'invalid_request_parameters',
    });
    await envs.setPasswordResetUrl(h.environmentId, 'https://app.example.com/account/reset');
    const r = await createReset('send@example.com');
    expect(r.password_reset_url).toBe(
      `https://app.example.com/account/reset?token=${r.password_reset_token}`,
    );
    await envs.setPasswordResetUrl(h.environmentId, null);
  });
});

describe('clean-up', () => {
  it('the sweeper deletes resets a week after they expire, not before', async () => {
    await user('sweep@example.com');
    const r = await createReset('sweep@example.com');
    const exists = async () =>
      (await h.portico.deps.db
        .selectFrom('password_resets')
        .select('id')
        .where('id', '=', r.id)
        .executeTakeFirst()) !== undefined;
    h.testClock!.advance(6 * 86_400_000);
    await sweepOnce(h.portico.deps);
    expect(await exists()).toBe(true);
    h.testClock!.advance(2 * 86_400_000);
    await sweepOnce(h.portico.deps);
    expect(await exists()).toBe(false);
  });
});

describe('password policy on create and update', () => {
  it('explains each broken rule and accepts the passwords the suite uses', async () => {
    const short = await h.api('POST', '/user_management/users', { email: 'p1@example.com', password: 'abc' });
    expect(await json(short)).toMatchObject({
      code: 'password_strength_error',
      errors: [{ field: 'password', code: 'password_too_short' }],
    });
    const long = await h.api('POST', '/user_management/users', {
      email: 'p2@example.com',
      password: 'x'.repeat(1025),
    });
    expect(await json(long)).toMatchObject({ errors: [{ code: 'password_too_long' }] });
    const weak = await h.api('POST', '/user_management/users', {
      email: 'p3@example.com',
      password: 'qwerty123456',
    });
    expect(await json(weak)).toMatchObject({ errors: [{ code: expect.stringMatching(/breached|weak/) }] });
    const named = await h.api('POST', '/user_management/users', {
      email: 'grace.hopper@example.com',
      first_name: 'Grace',
      password: 'gracehopper',
    });
    expect(await json(named)).toMatchObject({
      errors: [{ code: 'password_too_weak', message: /To fix it/ }],
    });
    const ok = await h.api('POST', '/user_management/users', {
      email: 'p4@example.com',
      password: 'correct horse battery',
    });
    expect(ok.status).toBe(201);
  });
});

describe('the dashboard’s password reset URL setting', () => {
  it('reads, sets, refuses a bad URL with its field, clears, and an API key cannot use it', async () => {
    const d = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'reset-admin@portico.test' } });
    try {
      const { password } = await d.portico.services.admin.bootstrap();
      const origin = d.portico.deps.config.publicUrl;
      const signIn = await d.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ email: 'reset-admin@portico.test', password }),
      });
      const { csrf_token } = await json<{ csrf_token: string }>(signIn);
      const admin = {
        cookie: signIn.headers.get('set-cookie')!.split(';')[0]!,
        'x-portico-csrf': csrf_token,
        origin,
        'content-type': 'application/json',
      };
      const put = (value: string | null) =>
        d.portico.app.request('/_admin/password_reset_url', {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify({ password_reset_url: value }),
        });
      const hosted = `${origin}/authkit/reset-password`;
      const got = await d.portico.app.request('/_admin/password_reset_url', { headers: admin });
      expect(await json(got)).toEqual({ password_reset_url: null, effective_password_reset_url: hosted });

      const set = await put('https://app.example.com/reset');
      expect(await json(set)).toEqual({
        password_reset_url: 'https://app.example.com/reset',
        effective_password_reset_url: 'https://app.example.com/reset',
      });
      const bad = await put('https://app.example.com/reset#frag');
      expect(bad.status).toBe(422);
      expect(await json(bad)).toMatchObject({
        code: 'invalid_request_parameters',
        errors: [{ field: 'password_reset_url', code: 'invalid_password_reset_url' }],
      });
      const withKey = await d.api(
        'PUT',
        '/_admin/password_reset_url',
        { password_reset_url: null },
        { origin },
      );
      expect(withKey.status).toBe(401);
      expect((await json(await put(null))).effective_password_reset_url).toBe(hosted);
    } finally {
      await d.close();
    }
  });
});
