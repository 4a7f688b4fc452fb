/**
 * The developer dashboard's accounts and sessions: the first admin at bootstrap (password returned
 * once), sign-in and its rate limit, the cookie + CSRF pair on the WorkOS API (a cookie alone is
 * refused), `actor.source = 'dashboard'` in events, the `/_admin` endpoints (API keys, redirect
 * URIs, sessions) refusing API keys, and sign-out. Runs on SQLite and PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../src/features/admin/service.ts';
import { RateLimiter } from '../../src/surfaces/common.ts';
import { createHarness, type Harness, json } from '../harness.ts';

const ADMIN_EMAIL = 'owner@example.com';
let h: Harness;
let adminPassword: string;

beforeAll(async () => {
  h = await createHarness({
    env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL, PORTICO_RATE_LIMIT_CREDENTIALS: '3' },
  });
  const boot = await h.portico.services.admin.bootstrap();
  expect(boot.created).toBe(true);
  adminPassword = boot.password!;
});
afterAll(() => h.close());

/** Rate limits count per one-minute window: Retry-After is the whole seconds until it ends. */
const secondsLeftInWindow = () =>
  Math.max(1, Math.ceil((60_000 - (h.clock.now().getTime() % 60_000)) / 1000));

function advance(ms: number) {
  h.testClock!.advance(ms);
}

interface Signed {
  cookie: string;
  csrf: string;
}

function request(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return h.portico.app.request(path, {
    method: init.method ?? 'GET',
    // The dashboard's own page: state-changing /_admin requests must come from PORTICO_PUBLIC_URL.
    headers: { 'content-type': 'application/json', origin: h.portico.deps.config.publicUrl, ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function signIn(email = ADMIN_EMAIL, password = adminPassword): Promise<Signed> {
  // Every attempt counts against the per-email budget (3 here): start each in a fresh window.
  advance(61_000);
  const res = await request('/_admin/session', { method: 'POST', body: { email, password } });
  expect(res.status, await res.clone().text()).toBe(201);
  const setCookie = res.headers.get('set-cookie')!;
  const body = await json<{ csrf_token: string }>(res);
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf_token };
}

function asAdmin(s: Signed, path: string, init: { method?: string; body?: unknown; csrf?: boolean } = {}) {
  return request(path, {
    method: init.method,
    body: init.body,
    headers: { cookie: s.cookie, ...(init.csrf === false ? {} : { 'x-portico-csrf': s.csrf }) },
  });
}

describe('bootstrap', () => {
  it('creates exactly one admin and returns the generated password only the first time', async () => {
    expect(adminPassword).toMatch(/^[A-Za-z0-9]{24}$/);
    const again = await h.portico.services.admin.bootstrap();
    expect(again).toEqual({ created: false, email: ADMIN_EMAIL });
    // A restart is a new service over the same database: still nothing to print.
    const restarted = new AdminService(h.portico.deps, new RateLimiter(h.portico.deps));
    expect(await restarted.bootstrap()).toEqual({ created: false, email: ADMIN_EMAIL });
    const rows = await h.portico.deps.db.selectFrom('admin_users').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.email).toBe(ADMIN_EMAIL);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0]!.password_hash).not.toContain(adminPassword);
  });

  it('honours PORTICO_ADMIN_PASSWORD without echoing it', async () => {
    const other = await createHarness({
      env: { PORTICO_ADMIN_EMAIL: 'ops@example.com', PORTICO_ADMIN_PASSWORD: 'a long pinned password 1' },
    });
    try {
      const boot = await other.portico.services.admin.bootstrap();
      expect(boot).toEqual({ created: true, email: 'ops@example.com', password: undefined });
      const res = await other.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: other.portico.deps.config.publicUrl },
        body: JSON.stringify({ email: 'OPS@example.com', password: 'a long pinned password 1' }),
      });
      expect(res.status).toBe(201);
    } finally {
      await other.close();
    }
  });
});

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict cookie holding a token stored only as a hash', async () => {
    const res = await request('/_admin/session', {
      method: 'POST',
      body: { email: ADMIN_EMAIL, password: adminPassword },
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^portico_admin=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/); // http://localhost counts as a secure context
    expect(cookie).toMatch(/Max-Age=43200/);
    const body = await json<{ admin: { email: string }; environment: { id: string; client_id: string } }>(
      res,
    );
    expect(body.admin.email).toBe(ADMIN_EMAIL);
    expect(body.environment).toMatchObject({ id: h.environmentId, client_id: h.clientId });
    const value = cookie.split(';')[0]!.split('=')[1]!;
    const stored = (await h.portico.deps.db.selectFrom('admin_sessions').select('token_hash').execute()).map(
      (s) => s.token_hash,
    );
    // This session's row holds SHA-256 of the cookie value, and no row holds the value itself.
    expect(stored).toContain(createHash('sha256').update(value).digest('hex'));
    expect(stored).not.toContain(value);
    expect(stored.every((s) => /^[0-9a-f]{64}$/.test(s))).toBe(true);
  });

  it('answers who am I with the CSRF token, and 401 when signed out', async () => {
    const s = await signIn();
    const me = await asAdmin(s, '/_admin/session', { csrf: false });
    expect(me.status).toBe(200);
    expect((await json<{ csrf_token: string }>(me)).csrf_token).toBe(s.csrf);
    const anon = await request('/_admin/session');
    expect(anon.status).toBe(401);
    expect((await json(anon)).code).toBe('admin_session_required');
  });

  it('refuses a wrong password and an unknown email with the same generic error', async () => {
    advance(61_000);
    const wrong = await request('/_admin/session', {
      method: 'POST',
      body: { email: ADMIN_EMAIL, password: 'not the password' },
    });
    const unknown = await request('/_admin/session', {
      method: 'POST',
      body: { email: 'nobody@example.com', password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await json(wrong);
    const b = await json(unknown);
    expect(a).toEqual(b);
    expect(a.code).toBe('admin_sign_in_failed');
    expect(String(a.message)).toMatch(/email or password is incorrect/);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('rate-limits attempts per email (PORTICO_RATE_LIMIT_CREDENTIALS) with Retry-After', async () => {
    advance(61_000);
    const attempt = () =>
      request('/_admin/session', {
        method: 'POST',
        body: { email: 'victim@example.com', password: 'guess' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect((await json(limited)).code).toBe('rate_limit_exceeded');
    expect(limited.headers.get('retry-after')).toBe(String(secondsLeftInWindow()));
    advance(61_000);
    expect((await attempt()).status).toBe(401);
  });

  it('rate-limits attempts per client address across emails (3× the per-email budget)', async () => {
    advance(61_000);
    const attempt = (i: number) =>
      request('/_admin/session', {
        method: 'POST',
        body: { email: `spray${i}@example.com`, password: 'guess' },
      });
    for (let i = 0; i < 9; i++) expect((await attempt(i)).status).toBe(401);
    expect((await attempt(9)).status).toBe(429);
  });

  it('validates the body', async () => {
    const res = await request('/_admin/session', { method: 'POST', body: { email: ADMIN_EMAIL } });
    expect(res.status).toBe(422);
    expect((await json(res)).code).toBe('invalid_request_parameters');
  });
});

describe('the WorkOS API with the dashboard session', () => {
  it('refuses the cookie without the CSRF header (403) and with a wrong one', async () => {
    advance(61_000);
    const s = await signIn();
    const none = await asAdmin(s, '/organizations', {
      method: 'POST',
      body: { name: 'Forged' },
      csrf: false,
    });
    expect(none.status).toBe(403);
    expect((await json(none)).code).toBe('csrf_token_invalid');
    const wrong = await request('/organizations', {
      method: 'POST',
      body: { name: 'Forged' },
      headers: { cookie: s.cookie, 'x-portico-csrf': `${s.csrf.slice(0, -2)}AA` },
    });
    expect(wrong.status).toBe(403);
    // Another session's token does not fit this session.
    const other = await signIn();
    const crossed = await request('/organizations', {
      headers: { cookie: s.cookie, 'x-portico-csrf': other.csrf },
    });
    expect(crossed.status).toBe(403);
    const forged = await h.portico.deps.db
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', 'Forged')
      .execute();
    expect(forged).toEqual([]);
  });

  it('creates an organization with cookie + CSRF, and the event actor is the dashboard admin', async () => {
    const s = await signIn();
    const res = await asAdmin(s, '/organizations', {
      method: 'POST',
      body: { name: 'Made in the dashboard', domain_data: [{ domain: 'dash.example', state: 'pending' }] },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const org = await json<{ id: string }>(res);
    const row = await h.portico.deps.db
      .selectFrom('events')
      .select(['event', 'context'])
      .where('event', '=', 'organization.created')
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow();
    const admin = await h.portico.deps.db.selectFrom('admin_users').select('id').executeTakeFirstOrThrow();
    expect(JSON.parse(row.context).actor).toEqual({ id: admin.id, source: 'dashboard', name: ADMIN_EMAIL });
    // The same object reads back through an API key: one environment, one business logic.
    expect((await h.api('GET', `/organizations/${org.id}`)).status).toBe(200);
  });

  it('still prefers a Bearer key, and a bad key is not rescued by a cookie', async () => {
    const s = await signIn();
    const res = await request('/organizations', {
      headers: {
        cookie: s.cookie,
        'x-portico-csrf': s.csrf,
        authorization: 'Bearer sk_test_wrongwrongwrongwrong',
      },
    });
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe('unauthorized');
  });
});

describe('/_admin endpoints', () => {
  it('refuse an API key and a cookie without CSRF', async () => {
    for (const path of ['/_admin/api_keys', '/_admin/redirect_uris', '/_admin/sessions']) {
      const res = await h.api('GET', path);
      expect(res.status).toBe(401);
      const body = await json(res);
      expect(body.code).toBe('admin_session_required');
      expect(String(body.message)).toMatch(/not an API key/);
    }
    const origin = { origin: h.portico.deps.config.publicUrl };
    const create = await h.api('POST', '/_admin/api_keys', { name: 'sneaky' }, origin);
    expect(create.status).toBe(401);
    expect(String((await json(create)).message)).toMatch(/not an API key/);
    // Without an Origin the write is refused before authentication, and still says why.
    const script = await h.api('POST', '/_admin/api_keys', { name: 'sneaky' });
    expect(script.status).toBe(403);
    const refused = await json(script);
    expect(refused.code).toBe('cross_origin_request');
    expect(String(refused.message)).toMatch(/not an API key/);
    const s = await signIn();
    const noCsrf = await asAdmin(s, '/_admin/api_keys', { csrf: false });
    expect(noCsrf.status).toBe(403);
  });

  it('creates an API key shown once and revokes it so it stops working at once', async () => {
    const s = await signIn();
    const created = await asAdmin(s, '/_admin/api_keys', { method: 'POST', body: { name: 'CI' } });
    expect(created.status).toBe(201);
    const key = await json<{ id: string; value: string; obfuscated_value: string; name: string }>(created);
    expect(key.value).toMatch(/^sk_test_/);
    expect(key.obfuscated_value).not.toBe(key.value);
    const works = await h.portico.app.request('/organizations', {
      headers: { authorization: `Bearer ${key.value}` },
    });
    expect(works.status).toBe(200);

    const list = await json<{ data: Record<string, unknown>[] }>(await asAdmin(s, '/_admin/api_keys'));
    const listed = list.data.find((k) => k.id === key.id)!;
    expect(listed).toMatchObject({ name: 'CI', obfuscated_value: key.obfuscated_value, revoked_at: null });
    expect(JSON.stringify(list)).not.toContain(key.value);

    const revoked = await asAdmin(s, `/_admin/api_keys/${key.id}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect((await json(revoked)).revoked_at).not.toBeNull();
    const refused = await h.portico.app.request('/organizations', {
      headers: { authorization: `Bearer ${key.value}` },
    });
    expect(refused.status).toBe(401);
    const twice = await asAdmin(s, `/_admin/api_keys/${key.id}/revoke`, { method: 'POST' });
    expect(twice.status).toBe(404);
  });

  it('adds, validates and removes redirect URIs', async () => {
    const s = await signIn();
    const bad = await asAdmin(s, '/_admin/redirect_uris', {
      method: 'POST',
      body: { uri: 'http://app.example/cb' },
    });
    expect(bad.status).toBe(422);
    const body = await json<{ code: string; errors: { field: string; code: string; message: string }[] }>(
      bad,
    );
    expect(body.code).toBe('invalid_request_parameters');
    expect(body.errors[0]).toMatchObject({ field: 'uri', code: 'invalid_redirect_uri' });
    expect(body.errors[0]!.message).toMatch(/https/);
    const frag = await asAdmin(s, '/_admin/redirect_uris', {
      method: 'POST',
      body: { uri: 'https://a.example/#x' },
    });
    expect(frag.status).toBe(422);

    const ok = await asAdmin(s, '/_admin/redirect_uris', {
      method: 'POST',
      body: { uri: 'https://app.example/cb' },
    });
    expect(ok.status).toBe(201);
    let list = await json<{ data: { uri: string }[] }>(await asAdmin(s, '/_admin/redirect_uris'));
    expect(list.data.map((d) => d.uri)).toContain('https://app.example/cb');
    const removed = await asAdmin(
      s,
      `/_admin/redirect_uris?uri=${encodeURIComponent('https://app.example/cb')}`,
      {
        method: 'DELETE',
      },
    );
    expect(removed.status).toBe(204);
    list = await json(await asAdmin(s, '/_admin/redirect_uris'));
    expect(list.data.map((d) => d.uri)).not.toContain('https://app.example/cb');
    const missing = await asAdmin(
      s,
      `/_admin/redirect_uris?uri=${encodeURIComponent('https://app.example/cb')}`,
      {
        method: 'DELETE',
      },
    );
    expect(missing.status).toBe(404);
  });

  it('lists active AuthKit sessions with the user’s email, and revokes one through the WorkOS API', async () => {
    const s = await signIn();
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'sess@example.com',
        password: 'a fine password 9',
      }),
    );
    const auth = await h.api('POST', '/user_management/authenticate', {
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email: 'sess@example.com',
      password: 'a fine password 9',
    });
    expect(auth.status, await auth.clone().text()).toBe(200);
    const list = await json<{ data: { id: string; email: string; user_id: string }[] }>(
      await asAdmin(s, '/_admin/sessions'),
    );
    const mine = list.data.find((x) => x.user_id === user.id)!;
    expect(mine.email).toBe('sess@example.com');
    const revoke = await asAdmin(s, '/user_management/sessions/revoke', {
      method: 'POST',
      body: { session_id: mine.id },
    });
    expect(revoke.status).toBe(200);
    const after = await json<{ data: { id: string }[] }>(await asAdmin(s, '/_admin/sessions'));
    expect(after.data.some((x) => x.id === mine.id)).toBe(false);
  });
});

describe('sign-out and expiry', () => {
  it('sign-out needs the CSRF header, then ends the session', async () => {
    const s = await signIn();
    const forged = await asAdmin(s, '/_admin/session', { method: 'DELETE', csrf: false });
    expect(forged.status).toBe(403);
    const out = await asAdmin(s, '/_admin/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/portico_admin=;/);
    const after = await asAdmin(s, '/organizations');
    expect(after.status).toBe(401);
    expect((await asAdmin(s, '/_admin/api_keys')).status).toBe(401);
  });

  it('a session ends after 12 hours', async () => {
    const s = await signIn();
    expect((await asAdmin(s, '/_admin/api_keys')).status).toBe(200);
    advance(12 * 3_600_000 + 1000);
    expect((await asAdmin(s, '/_admin/api_keys')).status).toBe(401);
  });

  it('`admin create` on an existing email sets a new password and ends its sessions', async () => {
    const s = await signIn();
    const reset = await h.portico.services.admin.createOrReset(ADMIN_EMAIL);
    expect(reset.created).toBe(false);
    expect((await asAdmin(s, '/_admin/api_keys')).status).toBe(401);
    advance(61_000);
    const old = await request('/_admin/session', {
      method: 'POST',
      body: { email: ADMIN_EMAIL, password: adminPassword },
    });
    expect(old.status).toBe(401);
    adminPassword = reset.password!;
    await signIn();
    const created = await h.portico.services.admin.createOrReset('second@example.com');
    expect(created.created).toBe(true);
    await signIn('second@example.com', created.password!);
  });
});

describe('admin accounts', () => {
  it('lists admins, adds one with a password shown once, refuses duplicates and self-removal, removes another (ending their sessions)', async () => {
    const me = await signIn();
    const listed = await json<{ data: { id: string; email: string; last_sign_in_at: string | null }[] }>(
      await asAdmin(me, '/_admin/admins'),
    );
    expect(listed.data.map((a) => a.email)).toContain(ADMIN_EMAIL);
    expect(JSON.stringify(listed)).not.toMatch(/password/);
    const self = listed.data.find((a) => a.email === ADMIN_EMAIL)!;
    expect(self.last_sign_in_at).not.toBeNull();

    const added = await asAdmin(me, '/_admin/admins', {
      method: 'POST',
      body: { email: ' New.Dev@Example.com ' },
    });
    expect(added.status).toBe(201);
    const dev = await json<{ id: string; email: string; password: string }>(added);
    expect(dev.email).toBe('new.dev@example.com');
    expect(dev.password).toMatch(/^[A-Za-z0-9]{24}$/);
    const stored = await h.portico.deps.db
      .selectFrom('admin_users')
      .select('password_hash')
      .where('id', '=', dev.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    const devSession = await signIn(dev.email, dev.password);
    expect((await asAdmin(devSession, '/_admin/api_keys')).status).toBe(200);

    const dup = await asAdmin(me, '/_admin/admins', {
      method: 'POST',
      body: { email: 'new.dev@example.com' },
    });
    expect(dup.status).toBe(409);
    expect((await json<{ code: string }>(dup)).code).toBe('admin_already_exists');
    const bad = await asAdmin(me, '/_admin/admins', { method: 'POST', body: { email: 'not an email' } });
    expect(bad.status).toBe(422);

    const selfRemoval = await asAdmin(me, `/_admin/admins/${self.id}`, { method: 'DELETE' });
    expect(selfRemoval.status).toBe(422);
    expect((await json<{ code: string }>(selfRemoval)).code).toBe('admin_cannot_remove_self');

    // An API key cannot manage admins.
    expect((await h.api('GET', '/_admin/admins')).status).toBe(401);
    const origin = { origin: h.portico.deps.config.publicUrl };
    expect((await h.api('POST', '/_admin/admins', { email: 'x@example.com' }, origin)).status).toBe(401);

    expect((await asAdmin(me, `/_admin/admins/${dev.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await asAdmin(devSession, '/_admin/api_keys')).status).toBe(401);
    expect((await asAdmin(me, `/_admin/admins/${dev.id}`, { method: 'DELETE' })).status).toBe(404);
    const after = await json<{ data: { email: string }[] }>(await asAdmin(me, '/_admin/admins'));
    expect(after.data.map((a) => a.email)).not.toContain('new.dev@example.com');
  });
});
