/**
 * The refresh-token reuse grace (PORTICO_REFRESH_REUSE_GRACE, docs/user-management.md): a refresh
 * token presented again within the grace by the same client, naming the same organization_id, gets
 * the same successor and the session lives on; after the grace, from another client, or naming
 * another organization it is reuse and ends the session; a grace of 0 is strict single use. The
 * successor is kept sealed (never in clear) and only for the grace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { createHarness, type Harness, json } from '../harness.ts';

function sessionOf(body: Record<string, unknown>): string {
  const payload = String(body.access_token).split('.')[1]!;
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid);
}

function authenticate(h: Harness, body: Record<string, unknown>, client = { id: h.clientId, key: h.apiKey }) {
  return h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: client.id, client_secret: client.key, ...body }),
  });
}

let seq = 0;
/** A new user signed in with the password grant: its first tokens and session id. */
async function signIn(h: Harness, orgIds: string[] = []) {
  const email = `grace-${++seq}@example.com`;
  const user = await json(
    await h.api('POST', '/user_management/users', { email, password: 'grace password 1' }),
  );
  for (const organization_id of orgIds)
    await h.api('POST', '/user_management/organization_memberships', { organization_id, user_id: user.id });
  let login = await json(
    await authenticate(h, { grant_type: 'password', email, password: 'grace password 1' }),
  );
  if (login.code === 'organization_selection_required') {
    // Several memberships: the sign-in asks which organization (the first one, here).
    login = await json(
      await authenticate(h, {
        grant_type: 'urn:workos:oauth:grant-type:organization-selection',
        organization_id: orgIds[0],
        pending_authentication_token: login.pending_authentication_token,
      }),
    );
  }
  return { login, sid: sessionOf(login), refresh: String(login.refresh_token) };
}

const refresh = (h: Harness, token: string, extra: Record<string, unknown> = {}) =>
  authenticate(h, { grant_type: 'refresh_token', refresh_token: token, ...extra });

async function state(h: Harness, sid: string) {
  const { db } = h.portico.deps;
  const s = await db.selectFrom('sessions').select('status').where('id', '=', sid).executeTakeFirstOrThrow();
  const tokens = await db.selectFrom('refresh_tokens').selectAll().where('session_id', '=', sid).execute();
  const revoked = await db
    .selectFrom('events')
    .select(['data', 'context'])
    .where('event', '=', 'session.revoked')
    .execute();
  return {
    status: s.status,
    liveTokens: tokens.filter((t) => t.used_at === null).length,
    sealed: tokens.filter((t) => t.successor_sealed !== null).length,
    revokedEvents: revoked
      .filter((e) => (JSON.parse(e.data) as { id: string }).id === sid)
      .map((e) => (JSON.parse(e.context) as { reason?: string }).reason),
  };
}

/** Every text value stored in the refresh_tokens table. */
async function storedText(h: Harness) {
  const rows = await h.portico.deps.db.selectFrom('refresh_tokens').selectAll().execute();
  return rows.flatMap((r) => Object.values(r).map(String)).join('\n');
}

describe('refresh-token reuse grace (default 10 s)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('a token presented again within the grace gets the same successor; the session lives on one chain', async () => {
    const { sid, refresh: first } = await signIn(h);
    const a = await refresh(h, first);
    expect(a.status).toBe(200);
    const aBody = await json(a);
    h.testClock!.advance(10_000); // the last millisecond of the grace
    const b = await refresh(h, first);
    expect(b.status).toBe(200);
    const bBody = await json(b);
    expect(bBody.refresh_token).toBe(aBody.refresh_token);
    expect(sessionOf(bBody)).toBe(sid);
    expect(bBody.user).toEqual(aBody.user);
    expect(await state(h, sid)).toEqual({ status: 'active', liveTokens: 1, sealed: 1, revokedEvents: [] });
    // The successor is stored sealed, never in clear; only its hash identifies it.
    expect(await storedText(h)).not.toContain(String(aBody.refresh_token));
    // And it rotates as usual.
    const c = await refresh(h, String(aBody.refresh_token));
    expect(c.status).toBe(200);
    expect((await json(c)).refresh_token).not.toBe(aBody.refresh_token);
    expect((await state(h, sid)).status).toBe('active');
  });

  it('after the grace the same token is reuse: the session ends and the sealed successor is wiped', async () => {
    const { sid, refresh: first } = await signIn(h);
    const a = await json(await refresh(h, first));
    h.testClock!.advance(10_001);
    const late = await refresh(h, first);
    expect(late.status).toBe(400);
    expect(await json(late)).toMatchObject({ error: 'invalid_grant' });
    expect(await state(h, sid)).toEqual({
      status: 'revoked',
      liveTokens: 0,
      sealed: 0,
      revokedEvents: ['refresh_token_reuse'],
    });
    expect((await refresh(h, String(a.refresh_token))).status).toBe(400);
  });

  it('within the grace, the same token from another client is reuse and ends the session', async () => {
    const other = await h.portico.services.environments.createEnvironment('Grace elsewhere');
    const { sid, refresh: first } = await signIn(h);
    expect((await refresh(h, first)).status).toBe(200);
    const foreign = await authenticate(
      h,
      { grant_type: 'refresh_token', refresh_token: first },
      { id: other.clientId, key: other.apiKey },
    );
    expect(foreign.status).toBe(400);
    expect(await json(foreign)).toMatchObject({ error: 'invalid_grant' });
    expect(await state(h, sid)).toMatchObject({ status: 'revoked', revokedEvents: ['refresh_token_reuse'] });
    // Not even the rightful client gets it back now.
    expect((await refresh(h, first)).status).toBe(400);
  });

  it('within the grace, the same token naming another organization_id is reuse and ends the session', async () => {
    const orgA = await json(await h.api('POST', '/organizations', { name: 'Grace A' }));
    const orgB = await json(await h.api('POST', '/organizations', { name: 'Grace B' }));
    const { sid, refresh: first } = await signIn(h, [String(orgA.id), String(orgB.id)]);
    const a = await refresh(h, first, { organization_id: orgA.id });
    expect(a.status).toBe(200);
    expect(await json(a)).toMatchObject({ organization_id: orgA.id });
    // The same request again is a retry …
    const again = await refresh(h, first, { organization_id: orgA.id });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ organization_id: orgA.id });
    // … another one is not.
    const switched = await refresh(h, first, { organization_id: orgB.id });
    expect(switched.status).toBe(400);
    expect(await json(switched)).toMatchObject({ error: 'invalid_grant' });
    expect(await state(h, sid)).toMatchObject({ status: 'revoked', revokedEvents: ['refresh_token_reuse'] });
  });

  it('a retry within the grace of a session that has ended is refused and changes nothing', async () => {
    const { sid, refresh: first } = await signIn(h);
    expect((await refresh(h, first)).status).toBe(200);
    expect(
      (await h.api('POST', '/user_management/sessions/revoke', { session_id: sid })).status,
    ).toBeLessThan(300);
    const res = await refresh(h, first);
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: 'invalid_grant' });
    const s = await state(h, sid);
    expect(s).toMatchObject({ status: 'revoked', liveTokens: 0, sealed: 0 });
    expect(s.revokedEvents).toHaveLength(1);
  });

  it('the sweeper wipes sealed successors whose grace has passed', async () => {
    const { sid, refresh: first } = await signIn(h);
    await refresh(h, first);
    await sweepOnce(h.portico.deps);
    expect((await state(h, sid)).sealed).toBe(1);
    h.testClock!.advance(10_001);
    await sweepOnce(h.portico.deps);
    expect(await state(h, sid)).toMatchObject({ status: 'active', liveTokens: 1, sealed: 0 });
    // Wiped means gone: the token presented again now is reuse.
    expect((await refresh(h, first)).status).toBe(400);
    expect((await state(h, sid)).status).toBe('revoked');
  });
});

describe('refresh-token reuse grace of 1 s (PORTICO_REFRESH_REUSE_GRACE=1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { PORTICO_REFRESH_REUSE_GRACE: '1' } });
  });
  afterAll(() => h.close());

  it('a retry 1 s later is served; 1.001 s later it is reuse', async () => {
    const one = await signIn(h);
    const a = await json(await refresh(h, one.refresh));
    h.testClock!.advance(1000);
    expect((await json(await refresh(h, one.refresh))).refresh_token).toBe(a.refresh_token);
    h.testClock!.advance(1);
    expect((await refresh(h, one.refresh)).status).toBe(400);
    expect(await state(h, one.sid)).toMatchObject({
      status: 'revoked',
      revokedEvents: ['refresh_token_reuse'],
    });
  });
});

describe('no reuse grace (PORTICO_REFRESH_REUSE_GRACE=0): strict single use, as before', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { PORTICO_REFRESH_REUSE_GRACE: '0' } });
  });
  afterAll(() => h.close());

  it('the same token presented again at once is reuse and ends the session; nothing is kept sealed', async () => {
    const { sid, refresh: first } = await signIn(h);
    const a = await refresh(h, first);
    expect(a.status).toBe(200);
    expect(await state(h, sid)).toEqual({ status: 'active', liveTokens: 1, sealed: 0, revokedEvents: [] });
    const again = await refresh(h, first);
    expect(again.status).toBe(400);
    expect(await state(h, sid)).toMatchObject({ status: 'revoked', revokedEvents: ['refresh_token_reuse'] });
  });

  it('20 concurrent refreshes: exactly one wins, the others are reuse and end the session once', async () => {
    const { sid, refresh: first } = await signIn(h);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(h, first)));
    const bodies = await Promise.all(results.map((r) => json(r)));
    const winners = bodies.filter((_, i) => results[i]!.status === 200);
    expect(winners).toHaveLength(1);
    expect(bodies.filter((b) => b.error === 'invalid_grant')).toHaveLength(19);
    expect(await state(h, sid)).toEqual({
      status: 'revoked',
      liveTokens: 0,
      sealed: 0,
      revokedEvents: ['refresh_token_reuse'],
    });
    expect((await refresh(h, String(winners[0]!.refresh_token))).status).toBe(400);
  });
});

describe('configuration', () => {
  it('PORTICO_REFRESH_REUSE_GRACE is whole seconds from 0 to 300, 10 by default', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    const base = {
      PORTICO_SECRET: 'test-secret-test-secret-test-secret-0000',
      PORTICO_DATABASE_URL: 'sqlite::memory:',
    };
    expect(loadConfig(base).refreshReuseGraceSeconds).toBe(10);
    expect(loadConfig({ ...base, PORTICO_REFRESH_REUSE_GRACE: '0' }).refreshReuseGraceSeconds).toBe(0);
    expect(loadConfig({ ...base, PORTICO_REFRESH_REUSE_GRACE: '30' }).refreshReuseGraceSeconds).toBe(30);
    expect(() => loadConfig({ ...base, PORTICO_REFRESH_REUSE_GRACE: '-1' })).toThrow(
      /PORTICO_REFRESH_REUSE_GRACE/,
    );
    expect(() => loadConfig({ ...base, PORTICO_REFRESH_REUSE_GRACE: '1.5' })).toThrow(
      /PORTICO_REFRESH_REUSE_GRACE/,
    );
  });
});
