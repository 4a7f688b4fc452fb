/**
 * The transactional outbox (each change and its event commit together, in WorkOS shapes) and
 * signing-key rotation (publish before signing, keep old keys until their tokens expire).
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const events = async () =>
  (await h.portico.deps.db.selectFrom('events').selectAll().orderBy('seq').execute()).map((e) => ({
    ...e,
    data: JSON.parse(e.data),
    context: JSON.parse(e.context),
  }));

async function authenticate(body: Record<string, unknown>) {
  return h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: h.clientId, client_secret: h.apiKey, ...body }),
  });
}

describe('events outbox', () => {
  it('writes WorkOS-shaped events for users, organizations, memberships, sessions and password sign-ins', async () => {
    const before = (await events()).length;
    const org = await json(await h.api('POST', '/organizations', { name: 'Evt' }));
    const user = await json(
      await h.api('POST', '/user_management/users', {
        email: 'evt@example.com',
        password: 'event password 1',
      }),
    );
    const m = await json(
      await h.api('POST', '/user_management/organization_memberships', {
        organization_id: org.id,
        user_id: user.id,
      }),
    );
    await h.api('PUT', `/user_management/users/${user.id}`, { first_name: 'Eve' });
    expect(
      (await authenticate({ grant_type: 'password', email: 'evt@example.com', password: 'wrong password' }))
        .status,
    ).toBe(400);
    expect(
      (await authenticate({ grant_type: 'password', email: 'evt@example.com', password: 'event password 1' }))
        .status,
    ).toBe(200);
    await h.api('DELETE', `/user_management/organization_memberships/${m.id}`);
    const added = (await events()).slice(before);
    expect(added.map((e) => e.event)).toEqual([
      'organization.created',
      'user.created',
      'organization_membership.created',
      'user.updated',
      'authentication.password_failed',
      'authentication.password_succeeded',
      'session.created',
      'organization_membership.deleted',
    ]);
    for (const e of added) {
      expect(e.id).toMatch(/^event_[0-9A-Z]{26}$/);
      expect(e.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const byName = Object.fromEntries(added.map((e) => [e.event, e]));
    expect(byName['user.created']!.data).toMatchObject({
      object: 'user',
      id: user.id,
      email: 'evt@example.com',
    });
    expect(byName['user.updated']!.context.previous_attributes).toEqual({ first_name: null, name: null });
    expect(byName['organization_membership.created']!.data).toMatchObject({
      object: 'organization_membership',
      organization_id: org.id,
      user_id: user.id,
      role: { slug: 'member' },
    });
    expect(byName['organization_membership.created']!.data).not.toHaveProperty('organization_name');
    expect(byName['authentication.password_failed']!.data).toMatchObject({
      type: 'password',
      status: 'failed',
      user_id: user.id,
      email: 'evt@example.com',
      error: { code: 'invalid_credentials' },
    });
    expect(byName['session.created']!.data).toMatchObject({
      object: 'session',
      user_id: user.id,
      auth_method: 'password',
      status: 'active',
    });
    expect(JSON.stringify(added)).not.toContain('event password 1');
  });

  it('a change that fails writes no event (same transaction)', async () => {
    await h.api('POST', '/user_management/users', { email: 'dup-evt@example.com' });
    const before = (await events()).length;
    expect((await h.api('POST', '/user_management/users', { email: 'dup-evt@example.com' })).status).toBe(
      400,
    );
    const org = await json(
      await h.api('POST', '/organizations', { name: 'Tx', domains: ['tx-evt.example'] }),
    );
    expect((await h.api('PUT', `/organizations/${org.id}`, { name: 'Tx 2', external_id: 'x' })).status).toBe(
      200,
    );
    const other = await json(await h.api('POST', '/organizations', { name: 'Other' }));
    // The rename and the domain move are one change: the domain clash rolls back the rename too.
    expect(
      (await h.api('PUT', `/organizations/${other.id}`, { name: 'Renamed', domains: ['tx-evt.example'] }))
        .status,
    ).toBe(409);
    expect((await json(await h.api('GET', `/organizations/${other.id}`))).name).toBe('Other');
    const added = (await events()).slice(before).map((e) => e.event);
    expect(added).toEqual(['organization.created', 'organization.updated', 'organization.created']);
  });
});

describe('signing keys', () => {
  it('publishes a rotated key 10 minutes before it signs, and keeps the old one until its tokens expire', async () => {
    await h.api('POST', '/user_management/users', { email: 'rot@example.com', password: 'rotation pass 1' });
    const jwks = async () =>
      json<{ keys: { kid: string; x5c: string[] }[] }>(
        await h.portico.app.request(`/sso/jwks/${h.clientId}`),
      );
    const signIn = async () =>
      (
        await json(
          await authenticate({
            grant_type: 'password',
            email: 'rot@example.com',
            password: 'rotation pass 1',
          }),
        )
      ).access_token as string;
    const oldToken = await signIn();
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    const first = await jwks();
    expect(first.keys.map((k) => k.kid)).toEqual([oldKid]);
    expect(first.keys[0]!.x5c).toHaveLength(1);

    const { kid: newKid } = await h.portico.services.keys.rotate(h.environmentId);
    h.testClock!.advance(6_000); // past the JWKS cache
    expect((await jwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    h.testClock!.advance(61_000);
    expect(decodeProtectedHeader(await signIn()).kid).toBe(oldKid); // not yet: published < 10 minutes

    h.testClock!.advance(10 * 60_000);
    const newToken = await signIn();
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    const set = await jwks();
    expect(set.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    const verify = createLocalJWKSet(set as never);
    const now = h.clock.now();
    await expect(jwtVerify(newToken, verify, { currentDate: now })).resolves.toBeTruthy();

    h.testClock!.advance(7 * 60_000); // the retired key outlives its last token, then leaves
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('access tokens carry the claims and a 5-minute life', async () => {
    const org = await json(await h.api('POST', '/organizations', { name: 'Claims' }));
    const user = await json(
      await h.api('POST', '/user_management/users', {
        email: 'claims@example.com',
        password: 'claims pass 1',
      }),
    );
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: org.id,
      user_id: user.id,
      role_slug: 'admin',
    });
    h.testClock!.advance(61_000);
    const res = await json(
      await authenticate({ grant_type: 'password', email: 'claims@example.com', password: 'claims pass 1' }),
    );
    const set = createLocalJWKSet(
      (await json(await h.portico.app.request(`/sso/jwks/${h.clientId}`))) as never,
    );
    const { payload, protectedHeader } = await jwtVerify(String(res.access_token), set, {
      currentDate: h.clock.now(),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: h.portico.deps.config.publicUrl,
      sub: user.id,
      org_id: org.id,
      role: 'admin',
      roles: ['admin'],
    });
    expect(payload.permissions).toEqual(expect.arrayContaining(['members:manage']));
    expect(payload.exp! - payload.iat!).toBe(300);
    // sid is the session this sign-in started (the user's only one), jti a fresh ULID body.
    const sessions = await h.portico.deps.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', String(user.id))
      .execute();
    expect(sessions.map((x) => x.id)).toEqual([payload.sid]);
    expect(payload.jti).toMatch(/^[0-9A-Z]{26}$/);
  });
});
