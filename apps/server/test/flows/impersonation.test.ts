/**
 * Impersonation end to end through the wire (docs/impersonation.md): a dashboard admin starts it
 * with a reason (`POST /_admin/users/{id}/impersonate`, cookie + CSRF only), the hosted page shows
 * the banner and its Continue form sends the browser to the redirect URI with a code, and the
 * authorization_code grant answers `authentication_method: "Impersonation"` and `impersonator`,
 * with `act: {sub: <admin email>}` in the access token. Refresh keeps both; the session expires
 * after PORTICO_IMPERSONATION_TTL_MINUTES and can be revoked; `session.created` and the durable
 * record say who, whom and why. Every bad input is refused with its code and writes nothing.
 * Runs on SQLite and PostgreSQL.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';

const ADMIN_EMAIL = 'owner@example.com';
let h: Harness;
let adminPassword: string;

beforeAll(async () => {
  h = await createHarness({
    env: {
      PORTICO_ADMIN_EMAIL: ADMIN_EMAIL,
      PORTICO_REDIRECT_URIS: `${REDIRECT_URI},http://localhost:4000/second`,
      PORTICO_IMPERSONATION_TTL_MINUTES: '30',
    },
  });
  const boot = await h.portico.services.admin.bootstrap();
  adminPassword = boot.password!;
});
afterAll(() => h.close());

interface Signed {
  cookie: string;
  csrf: string;
}
interface Started {
  id: string;
  url: string;
  user_id: string;
  organization_id: string | null;
  admin: { id: string; email: string };
  reason: string;
  redirect_uri: string;
}
interface Authenticated {
  user: { id: string; email: string };
  organization_id?: string;
  access_token: string;
  refresh_token: string;
  authentication_method: string;
  impersonator?: { email: string; reason: string | null };
}

const origin = () => h.portico.deps.config.publicUrl;

function request(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return h.portico.app.request(path, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', origin: origin(), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function signIn(email = ADMIN_EMAIL, password = adminPassword): Promise<Signed> {
  h.testClock!.advance(61_000);
  const res = await request('/_admin/session', { method: 'POST', body: { email, password } });
  expect(res.status, await res.clone().text()).toBe(201);
  return {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: (await json<{ csrf_token: string }>(res)).csrf_token,
  };
}

const asAdmin = (s: Signed, path: string, init: { method?: string; body?: unknown; csrf?: boolean } = {}) =>
  request(path, {
    method: init.method,
    body: init.body,
    headers: { cookie: s.cookie, ...(init.csrf === false ? {} : { 'x-portico-csrf': s.csrf }) },
  });

async function createUser(email: string) {
  const r = await h.api('POST', '/user_management/users', { email, first_name: 'Ada' });
  expect(r.status).toBe(201);
  return json<{ id: string; email: string }>(r);
}

async function createOrgMember(userId: string, name: string) {
  const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name }));
  const m = await h.api('POST', '/user_management/organization_memberships', {
    user_id: userId,
    organization_id: org.id,
  });
  expect(m.status).toBe(201);
  return org.id;
}

const count = async (table: 'impersonations' | 'sessions' | 'authorization_codes') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function start(s: Signed, userId: string, body: Record<string, unknown>) {
  const r = await asAdmin(s, `/_admin/users/${userId}/impersonate`, { method: 'POST', body });
  expect(r.status, await r.clone().text()).toBe(201);
  return json<Started>(r);
}

/** The hosted page as the admin's browser sees it: the admin cookie plus the page's CSRF cookie. */
async function openPage(s: Signed, url: string) {
  const path = new URL(url).pathname;
  const res = await h.portico.app.request(path, { headers: { cookie: s.cookie, accept: 'text/html' } });
  const html = await res.text();
  const csrfCookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { res, html, path, cookie: [s.cookie, csrfCookie].filter(Boolean).join('; '), csrf };
}

async function continueFrom(page: Awaited<ReturnType<typeof openPage>>, csrf = page.csrf) {
  return h.portico.app.request(page.path, {
    method: 'POST',
    headers: {
      cookie: page.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
    body: new URLSearchParams({ csrf }).toString(),
  });
}

const exchange = (code: string) =>
  h.api('POST', '/user_management/authenticate', {
    client_id: h.clientId,
    client_secret: h.apiKey,
    grant_type: 'authorization_code',
    code,
  });
const refresh = (refreshToken: string, organizationId?: string) =>
  h.api('POST', '/user_management/authenticate', {
    client_id: h.clientId,
    client_secret: h.apiKey,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...(organizationId ? { organization_id: organizationId } : {}),
  });

/** Starts, continues and exchanges an impersonation: the authenticate response. */
async function impersonate(s: Signed, userId: string, body: Record<string, unknown>) {
  const started = await start(s, userId, body);
  const page = await openPage(s, started.url);
  expect(page.res.status).toBe(200);
  const res = await continueFrom(page);
  expect(res.status, await res.clone().text()).toBe(302);
  const location = new URL(res.headers.get('location')!);
  const code = location.searchParams.get('code')!;
  const r = await exchange(code);
  expect(r.status, await r.clone().text()).toBe(200);
  return { started, location, code, auth: await json<Authenticated>(r) };
}

describe('impersonation', () => {
  it('start → banner page → Continue → code → session with impersonator, act and Impersonation', async () => {
    const s = await signIn();
    const user = await createUser('ada@impersonated.test');
    const orgId = await createOrgMember(user.id, 'Acme');
    const started = await start(s, user.id, {
      reason: '  Support ticket #42: cannot see invoices  ',
      organization_id: orgId,
    });
    expect(started).toMatchObject({
      user_id: user.id,
      organization_id: orgId,
      admin: { email: ADMIN_EMAIL },
      reason: 'Support ticket #42: cannot see invoices',
      redirect_uri: REDIRECT_URI,
    });
    expect(started.url).toMatch(new RegExp(`^${origin()}/authkit/impersonate/[A-Za-z0-9_-]{40,}$`));
    const secret = started.url.split('/').pop()!;
    const stored = await h.portico.deps.db
      .selectFrom('impersonations')
      .selectAll()
      .where('id', '=', started.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret);

    const page = await openPage(s, started.url);
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('content-security-policy')).toContain(
      "form-action 'self' http://localhost:3000",
    );
    expect(page.html).toContain('id="impersonation-banner"');
    const banner = page.html.replace(/<[^>]+>/g, '');
    expect(banner).toContain(
      `You are signing in as ada@impersonated.test on behalf of ${ADMIN_EMAIL}. Reason: Support ticket #42: cannot see invoices`,
    );

    const res = await continueFrom(page);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    const code = location.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const r = await exchange(code);
    expect(r.status).toBe(200);
    const auth = await json<Authenticated>(r);
    expect(auth).toMatchObject({
      user: { id: user.id, email: 'ada@impersonated.test' },
      organization_id: orgId,
      authentication_method: 'Impersonation',
      impersonator: { email: ADMIN_EMAIL, reason: 'Support ticket #42: cannot see invoices' },
    });
    const claims = decodeJwt(auth.access_token);
    expect(claims).toMatchObject({ sub: user.id, org_id: orgId, act: { sub: ADMIN_EMAIL } });

    const session = await h.portico.deps.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', claims.sid as string)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({
      auth_method: 'impersonation',
      authentication_method: 'Impersonation',
      impersonator_email: ADMIN_EMAIL,
    });
    // Short: PORTICO_IMPERSONATION_TTL_MINUTES (30 here), not the 30-day default.
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(30 * 60_000);

    // The WorkOS Session object and session.created carry `impersonator`.
    const listed = await json<{ data: Record<string, unknown>[] }>(
      await h.api('GET', `/user_management/users/${user.id}/sessions`),
    );
    expect(listed.data[0]).toMatchObject({
      id: session.id,
      auth_method: 'impersonation',
      impersonator: { email: ADMIN_EMAIL, reason: 'Support ticket #42: cannot see invoices' },
    });
    const created = await h.portico.deps.db
      .selectFrom('events')
      .select('data')
      .where('event', '=', 'session.created')
      .execute();
    const event = created.map((e) => JSON.parse(e.data)).find((d) => d.id === session.id);
    expect(event).toMatchObject({
      auth_method: 'impersonation',
      impersonator: { email: ADMIN_EMAIL, reason: 'Support ticket #42: cannot see invoices' },
    });

    // The durable record: who, whom, why, when, and the session it became.
    const record = await json<{ data: Record<string, unknown>[] }>(
      await asAdmin(s, `/_admin/users/${user.id}/impersonations`),
    );
    expect(record.data).toHaveLength(1);
    expect(record.data[0]).toMatchObject({
      id: started.id,
      admin: { email: ADMIN_EMAIL },
      reason: 'Support ticket #42: cannot see invoices',
      session_id: session.id,
    });
    expect(record.data[0]!.consumed_at).toBeTruthy();

    // The dashboard's Sessions page marks it.
    const active = await json<{ data: { id: string; impersonator_email: string | null }[] }>(
      await asAdmin(s, `/_admin/sessions?user_id=${user.id}`),
    );
    expect(active.data.find((a) => a.id === session.id)?.impersonator_email).toBe(ADMIN_EMAIL);
  });

  it('refresh keeps act and impersonator; the session ends after the TTL (invalid_grant)', async () => {
    const s = await signIn();
    const user = await createUser('refresh@impersonated.test');
    const { auth } = await impersonate(s, user.id, { reason: 'Reproduce bug 7' });
    expect(auth.organization_id).toBeUndefined();
    const r1 = await refresh(auth.refresh_token);
    expect(r1.status).toBe(200);
    const next = await json<Authenticated>(r1);
    expect(next).toMatchObject({
      authentication_method: 'Impersonation',
      impersonator: { email: ADMIN_EMAIL, reason: 'Reproduce bug 7' },
    });
    expect(decodeJwt(next.access_token).act).toEqual({ sub: ADMIN_EMAIL });
    // Past the 30 minutes the refresh is refused with the expired-session error.
    h.testClock!.advance(30 * 60_000 + 1000);
    const late = await refresh(next.refresh_token);
    expect(late.status).toBe(400);
    expect(await json(late)).toMatchObject({ error: 'invalid_grant' });
  });

  it('an ordinary session has no act and no impersonator', async () => {
    const user = await createUser('plain@impersonated.test');
    await h.api('PUT', `/user_management/users/${user.id}`, { password: 'correct horse battery' });
    const r = await h.api('POST', '/user_management/authenticate', {
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email: 'plain@impersonated.test',
      password: 'correct horse battery',
    });
    expect(r.status).toBe(200);
    const auth = await json<Authenticated>(r);
    expect(auth.impersonator).toBeUndefined();
    expect(auth.authentication_method).toBe('Password');
    expect(decodeJwt(auth.access_token).act).toBeUndefined();
  });

  it('revoking the impersonated session (existing revoke) ends it; a replayed code is refused and revokes too', async () => {
    const s = await signIn();
    const user = await createUser('revoke@impersonated.test');
    const { auth, code } = await impersonate(s, user.id, { reason: 'Check billing page' });
    const sid = decodeJwt(auth.access_token).sid as string;
    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ error: 'invalid_grant' });
    const ended = await h.portico.deps.db
      .selectFrom('sessions')
      .select('status')
      .where('id', '=', sid)
      .executeTakeFirstOrThrow();
    expect(ended.status).toBe('revoked');

    const second = await impersonate(s, user.id, { reason: 'Check billing page again' });
    const sid2 = decodeJwt(second.auth.access_token).sid as string;
    const rv = await h.api('POST', '/user_management/sessions/revoke', { session_id: sid2 });
    expect(rv.status).toBeLessThan(300);
    const after = await refresh(second.auth.refresh_token);
    expect(after.status).toBe(400);
    expect(await json(after)).toMatchObject({ error: 'invalid_grant' });
  });

  it('the redirect_uri can be another allowed one; the page is single use', async () => {
    const s = await signIn();
    const user = await createUser('second@impersonated.test');
    const started = await start(s, user.id, { reason: 'x', redirect_uri: 'http://localhost:4000/second' });
    const page = await openPage(s, started.url);
    const res = await continueFrom(page);
    expect(res.headers.get('location')).toMatch(/^http:\/\/localhost:4000\/second\?code=/);
    const codesBefore = await count('authorization_codes');
    // The same link again: expired, nothing minted.
    const again = await openPage(s, started.url);
    expect(again.res.status).toBe(400);
    expect(again.html).toContain('impersonation_link_expired');
    const post = await continueFrom(page);
    expect(post.status).toBe(400);
    expect(await post.text()).toContain('impersonation_link_expired');
    expect(await count('authorization_codes')).toBe(codesBefore);
  });
});

describe('impersonation: bad input writes nothing', () => {
  const refused = async (
    res: Response,
    status: number,
    code: string,
    field?: string,
  ): Promise<Record<string, unknown>> => {
    const body = await json<Record<string, unknown>>(res);
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.code).toBe(code);
    if (field) expect(JSON.stringify(body.errors)).toContain(`"field":"${field}"`);
    return body;
  };

  it('reason missing, blank or over 500 characters: 422 naming reason', async () => {
    const s = await signIn();
    const user = await createUser('reason@impersonated.test');
    const before = await count('impersonations');
    const path = `/_admin/users/${user.id}/impersonate`;
    await refused(
      await asAdmin(s, path, { method: 'POST', body: {} }),
      422,
      'invalid_request_parameters',
      'reason',
    );
    await refused(
      await asAdmin(s, path, { method: 'POST', body: { reason: '   ' } }),
      422,
      'invalid_request_parameters',
      'reason',
    );
    await refused(
      await asAdmin(s, path, { method: 'POST', body: { reason: 'x'.repeat(501) } }),
      422,
      'invalid_request_parameters',
      'reason',
    );
    expect(await count('impersonations')).toBe(before);
    // 500 exactly is fine.
    await start(s, user.id, { reason: 'y'.repeat(500) });
    expect(await count('impersonations')).toBe(before + 1);
  });

  it('unknown user, another environment’s user, an organization the user is not in, a redirect_uri not allowed', async () => {
    const s = await signIn();
    const user = await createUser('checks@impersonated.test');
    const before = await count('impersonations');
    await refused(
      await asAdmin(s, '/_admin/users/user_01NOSUCHUSER00000000000000/impersonate', {
        method: 'POST',
        body: { reason: 'r' },
      }),
      404,
      'entity_not_found',
    );
    // A user of a second environment is not this dashboard's to impersonate.
    const other = await h.portico.services.environments.createEnvironment('Staging');
    const otherUser = await json<{ id: string }>(
      await h.api(
        'POST',
        '/user_management/users',
        { email: 'other@env.test' },
        { authorization: `Bearer ${other.apiKey}` },
      ),
    );
    expect(otherUser.id).toMatch(/^user_/);
    await refused(
      await asAdmin(s, `/_admin/users/${otherUser.id}/impersonate`, {
        method: 'POST',
        body: { reason: 'r' },
      }),
      404,
      'entity_not_found',
    );
    const foreignOrg = await json<{ id: string }>(
      await h.api('POST', '/organizations', { name: 'Not theirs' }),
    );
    await refused(
      await asAdmin(s, `/_admin/users/${user.id}/impersonate`, {
        method: 'POST',
        body: { reason: 'r', organization_id: foreignOrg.id },
      }),
      422,
      'impersonation_organization_invalid',
      'organization_id',
    );
    await refused(
      await asAdmin(s, `/_admin/users/${user.id}/impersonate`, {
        method: 'POST',
        body: { reason: 'r', redirect_uri: 'https://evil.example/cb' },
      }),
      400,
      'redirect_uri_not_allowed',
      'redirect_uri',
    );
    expect(await count('impersonations')).toBe(before);
  });

  it('an sk_ key, a cookie without CSRF, and no session are refused', async () => {
    const s = await signIn();
    const user = await createUser('auth@impersonated.test');
    const before = await count('impersonations');
    const path = `/_admin/users/${user.id}/impersonate`;
    const withKey = await h.api('POST', path, { reason: 'r' }, { origin: origin() });
    await refused(withKey, 401, 'admin_session_required');
    await refused(
      await asAdmin(s, path, { method: 'POST', body: { reason: 'r' }, csrf: false }),
      403,
      'csrf_token_invalid',
    );
    await refused(
      await request(path, { method: 'POST', body: { reason: 'r' } }),
      401,
      'admin_session_required',
    );
    expect(await count('impersonations')).toBe(before);
  });

  it('the page needs the starting admin’s session and the form’s CSRF token; a deleted user is refused', async () => {
    const s = await signIn();
    const user = await createUser('page@impersonated.test');
    const started = await start(s, user.id, { reason: 'r' });
    const path = new URL(started.url).pathname;
    // No dashboard session in this browser.
    const anon = await h.portico.app.request(path, { headers: { accept: 'text/html' } });
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain('admin_session_required');
    // Another admin's session.
    const added = await json<{ email: string; password: string }>(
      await asAdmin(s, '/_admin/admins', { method: 'POST', body: { email: 'second-admin@example.com' } }),
    );
    const s2 = await signIn(added.email, added.password);
    const foreign = await openPage(s2, started.url);
    expect(foreign.res.status).toBe(400);
    expect(foreign.html).toContain('impersonation_link_expired');
    // A made-up token.
    const made = await openPage(s, `${origin()}/authkit/impersonate/${'A'.repeat(43)}`);
    expect(made.res.status).toBe(400);

    const codesBefore = await count('authorization_codes');
    const page = await openPage(s, started.url);
    const bad = await continueFrom(page, 'forged');
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('form_expired');
    // The user is deleted between the start and Continue.
    const del = await h.api('DELETE', `/user_management/users/${user.id}`);
    expect(del.status).toBeLessThan(300);
    const gone = await continueFrom(page);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('entity_not_found');
    expect(await count('authorization_codes')).toBe(codesBefore);
    const row = await h.portico.deps.db
      .selectFrom('impersonations')
      .select('consumed_at')
      .where('id', '=', started.id)
      .executeTakeFirstOrThrow();
    expect(row.consumed_at).toBeNull();
  });

  it('an expired link (10 minutes) is refused', async () => {
    const s = await signIn();
    const user = await createUser('late@impersonated.test');
    const started = await start(s, user.id, { reason: 'r' });
    const page = await openPage(s, started.url);
    h.testClock!.advance(10 * 60_000 + 1000);
    const res = await continueFrom(page);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('impersonation_link_expired');
  });
});

describe('PORTICO_IMPERSONATION=off', () => {
  it('refuses to start an impersonation with impersonation_disabled and records nothing', async () => {
    const off = await createHarness({
      env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL, PORTICO_IMPERSONATION: 'off' },
    });
    try {
      const password = (await off.portico.services.admin.bootstrap()).password!;
      const signIn = await off.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: off.portico.deps.config.publicUrl },
        body: JSON.stringify({ email: ADMIN_EMAIL, password }),
      });
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const { csrf_token } = await json<{ csrf_token: string }>(signIn);
      const user = await json<{ id: string }>(
        await off.api('POST', '/user_management/users', { email: 'off@impersonated.test' }),
      );
      const r = await off.portico.app.request(`/_admin/users/${user.id}/impersonate`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: off.portico.deps.config.publicUrl,
          cookie,
          'x-portico-csrf': csrf_token,
        },
        body: JSON.stringify({ reason: 'r' }),
      });
      expect(r.status).toBe(403);
      expect(await json(r)).toMatchObject({ code: 'impersonation_disabled' });
      const rows = await off.portico.deps.db.selectFrom('impersonations').select('id').execute();
      expect(rows).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
