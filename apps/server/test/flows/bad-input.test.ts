/**
 * Bad input and attacks, one named test each. Every refusal has a stable code and changes
 * nothing in the database.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';
import { signInForCode } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_RATE_LIMIT_API: '40', PORTICO_BODY_LIMIT: '4096' } });
});
afterAll(() => h.close());

/** Rate limits count per one-minute window: Retry-After is the whole seconds until it ends. */
const secondsLeftInWindow = () =>
  Math.max(1, Math.ceil((60_000 - (h.clock.now().getTime() % 60_000)) / 1000));

const count = async (table: 'organizations' | 'users' | 'sessions' | 'events') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The session id (`sid`) in an authenticate response's access token. */
function sessionOf(body: Record<string, unknown>): string {
  const payload = String(body.access_token).split('.')[1]!;
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid);
}

/** A session's status, its unused refresh tokens, and the reasons of its session.revoked events. */
async function sessionState(sessionId: string) {
  const { db } = h.portico.deps;
  const session = await db
    .selectFrom('sessions')
    .select('status')
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
  const live = await db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('session_id', '=', sessionId)
    .where('used_at', 'is', null)
    .execute();
  const revoked = await db
    .selectFrom('events')
    .select(['data', 'context'])
    .where('event', '=', 'session.revoked')
    .orderBy('seq')
    .execute();
  return {
    status: session.status,
    liveTokens: live.length,
    revokedEvents: revoked
      .filter((e) => (JSON.parse(e.data) as { id: string }).id === sessionId)
      .map((e) => (JSON.parse(e.context) as { reason?: string }).reason),
  };
}

async function authenticate(body: Record<string, unknown>) {
  return h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: h.clientId, client_secret: h.apiKey, ...body }),
  });
}

describe('bad input and attacks', () => {
  it('wrong API key: 401 with a JSON body, nothing read or written', async () => {
    const before = await count('organizations');
    const res = await h.portico.app.request('/organizations', {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_not_a_real_key_000000', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Nope' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await json(res)).toMatchObject({ code: 'unauthorized' });
    const missing = await h.portico.app.request('/organizations');
    expect(missing.status).toBe(401);
    expect(await count('organizations')).toBe(before);
  });

  it('another environment’s ids: 404, and its objects cannot be changed', async () => {
    const other = await h.portico.services.environments.createEnvironment('Other');
    const theirs = await h.portico.app.request('/organizations', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Theirs' }),
    });
    const org = await json(theirs);
    expect((await h.api('GET', `/organizations/${org.id}`)).status).toBe(404);
    expect((await h.api('PUT', `/organizations/${org.id}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await h.api('DELETE', `/organizations/${org.id}`)).status).toBe(404);
    const user = await json(await h.api('POST', '/user_management/users', { email: 'mine@example.com' }));
    const cross = await h.portico.app.request('/user_management/organization_memberships', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organization_id: org.id, user_id: user.id }),
    });
    expect(cross.status).toBe(404);
    const list = await json<{ data: { id: string }[] }>(await h.api('GET', '/organizations?limit=100'));
    expect(list.data.map((o) => o.id)).not.toContain(org.id);
    // A client secret from one environment does not unlock another's client id.
    const res = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: other.clientId,
        client_secret: h.apiKey,
        grant_type: 'password',
        email: 'a@b.co',
        password: 'x',
      }),
    });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: 'invalid_client' });
  });

  it('an unlisted redirect URI gets an HTML page that explains the fix, never a redirect', async () => {
    const res = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&provider=authkit&response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('https://evil.example/cb');
    expect(html).toContain('redirect-uris add');
  });

  it('errors after a valid redirect URI go back as error, error_description and state', async () => {
    const res = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&response_type=code&state=s-1&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&organization_id=org_01NOPE000000000000000000`,
    );
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(REDIRECT_URI);
    expect(loc.searchParams.get('error')).toBe('organization_invalid');
    expect(loc.searchParams.get('error_description')).toContain('org_01NOPE');
    expect(loc.searchParams.get('state')).toBe('s-1');
  });

  it('a replayed authorization code is refused and revokes the session it created', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'replay@example.com',
      password: 'replay password 1',
    });
    const { code } = await signInForCode(h, 'replay@example.com', 'replay password 1');
    const first = await authenticate({ grant_type: 'authorization_code', code });
    expect(first.status).toBe(200);
    const tokens = await json(first);
    const second = await authenticate({ grant_type: 'authorization_code', code });
    expect(second.status).toBe(400);
    expect(await json(second)).toMatchObject({ error: 'invalid_grant' });
    const refresh = await authenticate({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.status).toBe(400);
  });

  it('an expired authorization code is refused (codes live 10 minutes)', async () => {
    await h.api('POST', '/user_management/users', { email: 'late@example.com', password: 'late password 1' });
    const { code } = await signInForCode(h, 'late@example.com', 'late password 1');
    const sessionsBefore = await count('sessions');
    h.testClock!.advance(10 * 60 * 1000 + 1);
    const res = await authenticate({ grant_type: 'authorization_code', code });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toMatchObject({ error: 'invalid_grant' });
    expect(String(body.error_description)).toContain('expired');
    expect(await count('sessions')).toBe(sessionsBefore);
  });

  it('PKCE: a wrong code_verifier is refused and the code stays usable with the right one', async () => {
    await h.api('POST', '/user_management/users', { email: 'pkce@example.com', password: 'pkce password 1' });
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { code } = await signInForCode(h, 'pkce@example.com', 'pkce password 1', {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const wrong = await authenticate({
      grant_type: 'authorization_code',
      code,
      code_verifier: 'w'.repeat(43),
    });
    expect(wrong.status).toBe(400);
    const right = await authenticate({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(right.status).toBe(200);
  });

  it('a refresh token reused after the reuse grace returns invalid_grant and revokes the whole session', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'reuse@example.com',
      password: 'reuse password 1',
    });
    const login = await json(
      await authenticate({
        grant_type: 'password',
        email: 'reuse@example.com',
        password: 'reuse password 1',
      }),
    );
    const sid = sessionOf(login);
    const rotated = await json(
      await authenticate({ grant_type: 'refresh_token', refresh_token: login.refresh_token }),
    );
    expect(sessionOf(rotated)).toBe(sid);
    expect(await sessionState(sid)).toEqual({ status: 'active', liveTokens: 1, revokedEvents: [] });
    // The grace (PORTICO_REFRESH_REUSE_GRACE, 10 s by default) has passed: this is reuse.
    h.testClock!.advance(10_001);
    const reuse = await authenticate({ grant_type: 'refresh_token', refresh_token: login.refresh_token });
    expect(reuse.status).toBe(400);
    expect(await json(reuse)).toMatchObject({ error: 'invalid_grant' });
    // The whole session ends: revoked, no live refresh token, one session.revoked naming the reason.
    expect(await sessionState(sid)).toEqual({
      status: 'revoked',
      liveTokens: 0,
      revokedEvents: ['refresh_token_reuse'],
    });
    const next = await authenticate({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token });
    expect(next.status).toBe(400);
    expect(await json(next)).toMatchObject({ error: 'invalid_grant' });
  });

  it('20 concurrent refreshes with one token: one rotates, all get its successor, the session lives on one chain', async () => {
    await h.api('POST', '/user_management/users', { email: 'race@example.com', password: 'race password 1' });
    const login = await json(
      await authenticate({ grant_type: 'password', email: 'race@example.com', password: 'race password 1' }),
    );
    const sid = sessionOf(login);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        authenticate({ grant_type: 'refresh_token', refresh_token: login.refresh_token }),
      ),
    );
    const bodies = await Promise.all(results.map((r) => json(r)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    // Every answer is for the same session and carries the same successor: one chain, one live token.
    expect(new Set(bodies.map((b) => sessionOf(b)))).toEqual(new Set([sid]));
    const successors = new Set(bodies.map((b) => b.refresh_token));
    expect(successors.size).toBe(1);
    expect(successors.has(login.refresh_token)).toBe(false);
    expect(await sessionState(sid)).toEqual({ status: 'active', liveTokens: 1, revokedEvents: [] });
    // Afterwards the successor rotates as usual, and the first token, once the grace has passed,
    // is reuse: it ends the session, so the newest token dies too.
    const successor = String(bodies[0]!.refresh_token);
    const next = await authenticate({ grant_type: 'refresh_token', refresh_token: successor });
    expect(next.status).toBe(200);
    const newest = String((await json(next)).refresh_token);
    h.testClock!.advance(10_001);
    const late = await authenticate({ grant_type: 'refresh_token', refresh_token: login.refresh_token });
    expect(late.status).toBe(400);
    expect(await json(late)).toMatchObject({ error: 'invalid_grant' });
    expect(await sessionState(sid)).toEqual({
      status: 'revoked',
      liveTokens: 0,
      revokedEvents: ['refresh_token_reuse'],
    });
    const after = await authenticate({ grant_type: 'refresh_token', refresh_token: newest });
    expect(after.status).toBe(400);
    expect(await json(after)).toMatchObject({ error: 'invalid_grant' });
  });

  it('malformed JSON: 400 invalid_json, nothing written', async () => {
    const before = await count('organizations');
    const res = await h.api('POST', '/organizations', '{"name": "Broken",');
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: 'invalid_json' });
    const arr = await h.api('POST', '/organizations', '[1,2]');
    expect(arr.status).toBe(400);
    expect(await count('organizations')).toBe(before);
  });

  it('wrong types: 422 with errors[] naming each field', async () => {
    const res = await h.api('POST', '/user_management/users', {
      email: 42,
      first_name: ['x'],
      metadata: 'no',
    });
    expect(res.status).toBe(422);
    const body = await json<{ code: string; errors: { field: string; code: string }[] }>(res);
    expect(body.code).toBe('invalid_request_parameters');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['email', 'first_name', 'metadata']);
  });

  it('an oversized body: 413 payload_too_large, nothing written', async () => {
    const before = await count('organizations');
    const res = await h.api('POST', '/organizations', { name: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ code: 'payload_too_large' });
    expect(await count('organizations')).toBe(before);
  });

  it('markup and quotes in names are stored as sent and rendered as text', async () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    const org = await json(await h.api('POST', '/organizations', { name }));
    expect(org.name).toBe(name);
    expect((await json(await h.api('GET', `/organizations/${org.id}`))).name).toBe(name);
    const evil = `"><img src=x onerror=alert(1)>`;
    const page = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&provider=authkit&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&login_hint=${encodeURIComponent(evil)}`,
    );
    const signIn = await h.portico.app.request(page.headers.get('location')!);
    const html = await signIn.text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('rate limit: 429 with Retry-After once the per-key budget is spent', async () => {
    h.testClock!.advance(25_000); // mid-window, so Retry-After is not simply the window length
    let last: Response | undefined;
    for (let i = 0; i < 60; i++) {
      last = await h.api('GET', '/organizations?limit=1');
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toBe(String(secondsLeftInWindow()));
    expect(await json(last!)).toMatchObject({ code: 'rate_limit_exceeded' });
    h.testClock!.advance(60_000);
    expect((await h.api('GET', '/organizations?limit=1')).status).toBe(200);
  });

  it('password attempts are rate limited per email with Retry-After', async () => {
    h.testClock!.advance(60_000 + 25_000);
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await authenticate({
        grant_type: 'password',
        email: 'victim@example.com',
        password: `guess-${i}`,
      });
    }
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toBe(String(secondsLeftInWindow()));
  });

  it('an idempotent replay returns the same object and creates nothing new', async () => {
    h.testClock!.advance(60_000);
    const before = await count('organizations');
    const a = await h.api('POST', '/organizations', { name: 'Once' }, { 'idempotency-key': 'key-1' });
    const b = await h.api('POST', '/organizations', { name: 'Once' }, { 'idempotency-key': 'key-1' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(b)).toEqual(await json(a));
    expect(await count('organizations')).toBe(before + 1);
    const reused = await h.api(
      'POST',
      '/organizations',
      { name: 'Different' },
      { 'idempotency-key': 'key-1' },
    );
    expect(reused.status).toBe(422);
    expect(await json(reused)).toMatchObject({ code: 'idempotency_key_reused' });
    h.testClock!.advance(24 * 3600 * 1000 + 1);
    const later = await h.api(
      'POST',
      '/organizations',
      { name: 'Different' },
      { 'idempotency-key': 'key-1' },
    );
    expect(later.status).toBe(201);
  });

  it('an idempotent replay of a token response does not spend the refresh token twice', async () => {
    await h.api('POST', '/user_management/users', { email: 'idem@example.com', password: 'idem password 1' });
    const login = await json(
      await authenticate({ grant_type: 'password', email: 'idem@example.com', password: 'idem password 1' }),
    );
    const send = () =>
      h.portico.app.request('/user_management/authenticate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'retry-refresh-1' },
        body: JSON.stringify({
          client_id: h.clientId,
          client_secret: h.apiKey,
          grant_type: 'refresh_token',
          refresh_token: login.refresh_token,
        }),
      });
    const a = await json(await send());
    const b = await json(await send());
    expect(b).toEqual(a);
    const stored = await h.portico.deps.db
      .selectFrom('idempotency_keys')
      .select('response_body')
      .where('key', '=', 'retry-refresh-1')
      .executeTakeFirstOrThrow();
    expect(stored.response_body).not.toContain(String(a.refresh_token));
  });

  it('unknown routes and grant types get stable codes', async () => {
    const res = await h.api('GET', '/nope');
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ code: 'route_not_found' });
    const grant = await authenticate({ grant_type: 'urn:example:unknown' });
    expect(grant.status).toBe(400);
    expect(await json(grant)).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
