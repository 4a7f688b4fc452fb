/**
 * `auth_time` on user access tokens (SDK 12 refuses a token without it, reference §10.1): minted
 * with `sid` on every token, set to when the user last actively authenticated — the hosted sign-in
 * that minted the code, not the later code exchange — and unchanged across refresh-token rotations
 * and organization switches. A session from before migration 0009 (no stored auth_time) still
 * refreshes, with its creation time as auth_time. Frozen clock, both dialects.
 */
import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';
import { signInForCode } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function authenticate(body: Record<string, unknown>) {
  const post = (b: Record<string, unknown>) =>
    h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: h.clientId, client_secret: h.apiKey, ...b }),
    });
  let res = await post(body);
  if (res.status === 403) {
    // These users belong to two organizations: the sign-in asks which one (the first, here).
    const stop = await json<{
      code: string;
      pending_authentication_token: string;
      organizations: { id: string }[];
    }>(res);
    expect(stop.code).toBe('organization_selection_required');
    res = await post({
      grant_type: 'urn:workos:oauth:grant-type:organization-selection',
      organization_id: stop.organizations[0]!.id,
      pending_authentication_token: stop.pending_authentication_token,
    });
  }
  expect(res.status, await res.clone().text()).toBe(200);
  return json<{ access_token: string; refresh_token: string; organization_id?: string }>(res);
}

/** The verified claims of an access token (signature, expiry at the frozen clock). */
async function claims(accessToken: string): Promise<JWTPayload & Record<string, unknown>> {
  const set = createLocalJWKSet(
    (await json(await h.portico.app.request(`/sso/jwks/${h.clientId}`))) as never,
  );
  const { payload } = await jwtVerify(accessToken, set, { currentDate: h.clock.now() });
  return payload as JWTPayload & Record<string, unknown>;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

async function userWithTwoOrgs(email: string) {
  const a = await json<{ id: string }>(await h.api('POST', '/organizations', { name: `${email} A` }));
  const b = await json<{ id: string }>(await h.api('POST', '/organizations', { name: `${email} B` }));
  const user = await json<{ id: string }>(
    await h.api('POST', '/user_management/users', { email, password: 'auth time pass 1' }),
  );
  for (const org of [a, b])
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: org.id,
      user_id: user.id,
    });
  return { a: a.id, b: b.id, user: user.id };
}

describe('auth_time on access tokens', () => {
  it('is the hosted sign-in’s time, not the code exchange’s, and survives rotations and org switches', async () => {
    const { b } = await userWithTwoOrgs('hosted-time@example.com');
    const signedInAt = h.clock.now();
    const { code } = await signInForCode(h, 'hosted-time@example.com', 'auth time pass 1');
    h.testClock!.advance(90_000); // the app exchanges the code a while later
    const first = await authenticate({ grant_type: 'authorization_code', code });
    const c1 = await claims(first.access_token);
    expect(typeof c1.sid).toBe('string');
    expect(c1.auth_time).toBe(seconds(signedInAt));
    expect(c1.iat).toBe(seconds(h.clock.now()));

    h.testClock!.advance(10 * 60_000);
    const second = await authenticate({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    const c2 = await claims(second.access_token);
    expect([c2.sid, c2.auth_time]).toEqual([c1.sid, c1.auth_time]);
    expect(c2.iat).toBeGreaterThan(c1.iat!);

    h.testClock!.advance(60_000);
    const switched = await authenticate({
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      organization_id: b,
    });
    const c3 = await claims(switched.access_token);
    expect(c3).toMatchObject({ sid: c1.sid, auth_time: c1.auth_time, org_id: b });
  });

  it('is now for the password grant, which checks the credentials itself', async () => {
    await userWithTwoOrgs('password-time@example.com');
    h.testClock!.advance(5_000);
    const res = await authenticate({
      grant_type: 'password',
      email: 'password-time@example.com',
      password: 'auth time pass 1',
    });
    const c = await claims(res.access_token);
    expect(c.auth_time).toBe(seconds(h.clock.now()));
    expect(c.auth_time).toBe(c.iat);
  });

  it('falls back to the session’s creation time for a session stored before migration 0009', async () => {
    await userWithTwoOrgs('legacy-time@example.com');
    const res = await authenticate({
      grant_type: 'password',
      email: 'legacy-time@example.com',
      password: 'auth time pass 1',
    });
    const sid = String((await claims(res.access_token)).sid);
    // What an upgraded database holds for a session created by an older Portico.
    await h.portico.deps.db.updateTable('sessions').set({ auth_time: null }).where('id', '=', sid).execute();
    const session = await h.portico.deps.db
      .selectFrom('sessions')
      .select('created_at')
      .where('id', '=', sid)
      .executeTakeFirstOrThrow();
    h.testClock!.advance(20 * 60_000);
    const refreshed = await authenticate({ grant_type: 'refresh_token', refresh_token: res.refresh_token });
    const c = await claims(refreshed.access_token);
    expect(c.sid).toBe(sid);
    expect(c.auth_time).toBe(seconds(new Date(session.created_at)));
    // And the next rotation still works from the token it just got.
    const again = await authenticate({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token });
    expect((await claims(again.access_token)).auth_time).toBe(c.auth_time);
  });
});
