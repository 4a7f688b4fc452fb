/**
 * Multi-factor authentication through the WorkOS wire: the standalone Multi-Factor Auth API
 * (enroll, get, delete, challenge, verify for TOTP, SMS and generic OTP), the user factor
 * routes, and AuthKit's MFA policy end to end (password → mfa_enrollment → enroll →
 * authenticateWithTotp; password → mfa_challenge → challenge → authenticateWithTotp), with the
 * bad input of each: wrong, replayed and brute-forced codes, an expired challenge, another
 * environment's factor, a malformed phone number. Codes come from an independent RFC 6238
 * implementation (support/totp.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';
import { totpAt, wrongTotp } from '../support/totp.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

type Factor = {
  id: string;
  type: string;
  user_id?: string;
  totp?: { issuer: string; user: string; secret?: string; uri?: string; qr_code?: string };
  sms?: { phone_number: string };
};
type Challenge = { id: string; authentication_factor_id: string; expires_at: string; code?: string };

const now = () => h.clock.now().getTime();
const authenticate = (body: Record<string, unknown>) =>
  h.api('POST', '/user_management/authenticate', { client_id: h.clientId, client_secret: h.apiKey, ...body });
const count = async (table: 'auth_factors' | 'auth_challenges' | 'sessions') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const events = async (name: string) =>
  (await h.portico.deps.db.selectFrom('events').select(['data']).where('event', '=', name).execute()).map(
    (e) => JSON.parse(e.data) as Record<string, unknown>,
  );

async function enrollTotp() {
  const r = await h.api('POST', '/auth/factors/enroll', {
    type: 'totp',
    totp_issuer: 'Acme',
    totp_user: 'ada@acme.test',
  });
  expect(r.status).toBe(201);
  return json<Factor>(r);
}
const challenge = async (factorId: string, body: Record<string, unknown> = {}) => {
  const r = await h.api('POST', `/auth/factors/${factorId}/challenge`, body);
  expect(r.status).toBe(201);
  return json<Challenge>(r);
};
const verify = (challengeId: string, code: string) =>
  h.api('POST', `/auth/challenges/${challengeId}/verify`, { code });

describe('Multi-Factor Auth API: TOTP', () => {
  it('enrolls with secret, otpauth URI and a PNG QR code once; the secret is sealed at rest and never read back', async () => {
    const f = await enrollTotp();
    expect(f).toMatchObject({ object: 'authentication_factor', type: 'totp' });
    expect(f.totp).toMatchObject({ issuer: 'Acme', user: 'ada@acme.test' });
    expect(f.totp!.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(f.totp!.qr_code).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    const uri = new URL(f.totp!.uri!);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme:ada@acme.test');
    expect(uri.searchParams.get('secret')).toBe(f.totp!.secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme');
    const got = await json<Factor>(await h.api('GET', `/auth/factors/${f.id}`));
    expect(got.totp).toEqual({ issuer: 'Acme', user: 'ada@acme.test' });
    const row = await h.portico.deps.db
      .selectFrom('auth_factors')
      .selectAll()
      .where('id', '=', f.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(f.totp!.secret);
  });

  it('verifies the current code (±1 step), refuses a replay, counts wrong codes and dies at five', async () => {
    const f = await enrollTotp();
    const secret = f.totp!.secret!;
    const c1 = await challenge(f.id);
    expect(c1.authentication_factor_id).toBe(f.id);
    const wrong = await json<{ valid: boolean }>(await verify(c1.id, wrongTotp(secret, now())));
    expect(wrong.valid).toBe(false);
    // One step behind (a phone clock 30 s slow) is accepted.
    const ok = await json<{ valid: boolean; challenge: Challenge }>(
      await verify(c1.id, totpAt(secret, now() - 30_000)),
    );
    expect(ok).toMatchObject({ valid: true, challenge: { id: c1.id } });
    const again = await verify(c1.id, totpAt(secret, now()));
    expect(again.status).toBe(422);
    expect(await json(again)).toMatchObject({ code: 'authentication_challenge_previously_verified' });
    // The same step's code on a new challenge is a replay; a step already passed too.
    const c2 = await challenge(f.id);
    expect((await json<{ valid: boolean }>(await verify(c2.id, totpAt(secret, now() - 30_000)))).valid).toBe(
      false,
    );
    expect((await json<{ valid: boolean }>(await verify(c2.id, totpAt(secret, now())))).valid).toBe(true);
    // Two steps away is outside the window.
    const c3 = await challenge(f.id);
    expect((await json<{ valid: boolean }>(await verify(c3.id, totpAt(secret, now() + 60_000)))).valid).toBe(
      false,
    );
    // Five wrong codes kill the challenge, even for the right code.
    const c4 = await challenge(f.id);
    for (let i = 0; i < 5; i++) await verify(c4.id, wrongTotp(secret, now()));
    const dead = await verify(c4.id, totpAt(secret, now() + 30_000));
    expect(dead.status).toBe(400);
    expect(await json(dead)).toMatchObject({ code: 'one_time_code_too_many_attempts' });
  });

  it('an expired challenge is refused; deleting a factor removes it and its challenges', async () => {
    const f = await enrollTotp();
    const c = await challenge(f.id);
    h.testClock!.advance(10 * 60 * 1000 + 1);
    const r = await verify(c.id, totpAt(f.totp!.secret!, now()));
    expect(r.status).toBe(422);
    expect(await json(r)).toMatchObject({ code: 'authentication_challenge_expired' });
    expect((await h.api('DELETE', `/auth/factors/${f.id}`)).status).toBe(204);
    expect((await h.api('GET', `/auth/factors/${f.id}`)).status).toBe(404);
    expect((await verify(c.id, '123456')).status).toBe(404);
    expect((await events('authentication_factor.deleted')).map((e) => e.id)).toContain(f.id);
  });
});

describe('Multi-Factor Auth API: SMS and generic OTP', () => {
  it('refuses a malformed phone number and creates nothing', async () => {
    const before = await count('auth_factors');
    for (const phone_number of ['5005550006', '+0123456789', '+1 500 555 0006', '+1', '']) {
      const r = await h.api('POST', '/auth/factors/enroll', { type: 'sms', phone_number });
      expect(r.status).toBe(422);
      expect(await json(r)).toMatchObject({
        code: 'invalid_phone_number',
        errors: [{ field: 'phone_number', code: 'invalid_phone_number' }],
      });
    }
    expect(await count('auth_factors')).toBe(before);
  });

  it('sends the SMS code through the dev outbox (with the template) and verifies it once', async () => {
    const f = await json<Factor>(
      await h.api('POST', '/auth/factors/enroll', { type: 'sms', phone_number: '+15005550006' }),
    );
    expect(f).toMatchObject({ type: 'sms', sms: { phone_number: '+15005550006' } });
    const c = await challenge(f.id, { sms_template: 'Acme code: {{code}}' });
    expect(c.code).toBeUndefined();
    const sms = await h.portico.deps.db
      .selectFrom('sms_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(sms.to_number).toBe('+15005550006');
    const body = h.portico.deps.secrets.open(sms.body_sealed);
    const code = /^Acme code: (\d{6})$/.exec(body)?.[1];
    expect(code).toBeDefined();
    expect(sms.body_sealed).not.toContain(code!);
    expect(
      (await json<{ valid: boolean }>(await verify(c.id, code === '000000' ? '111111' : '000000'))).valid,
    ).toBe(false);
    expect((await json<{ valid: boolean }>(await verify(c.id, code!))).valid).toBe(true);
  });

  it('generic_otp returns the code in the challenge', async () => {
    const f = await json<Factor>(await h.api('POST', '/auth/factors/enroll', { type: 'generic_otp' }));
    const c = await challenge(f.id);
    expect(c.code).toMatch(/^\d{6}$/);
    expect((await json<{ valid: boolean }>(await verify(c.id, c.code!))).valid).toBe(true);
  });

  it('another environment’s factor and challenge ids are not found, and nothing changes', async () => {
    const other = await h.portico.services.environments.createEnvironment('MFA elsewhere');
    const theirs = await h.portico.app.request('/auth/factors/enroll', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'generic_otp' }),
    });
    const f = await json<Factor>(theirs);
    const c = await json<Challenge>(
      await h.portico.app.request(`/auth/factors/${f.id}/challenge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect((await h.api('GET', `/auth/factors/${f.id}`)).status).toBe(404);
    expect((await h.api('DELETE', `/auth/factors/${f.id}`)).status).toBe(404);
    expect((await h.api('POST', `/auth/factors/${f.id}/challenge`, {})).status).toBe(404);
    const v = await verify(c.id, c.code!);
    expect(v.status).toBe(404);
    expect(await json(v)).toMatchObject({ code: 'entity_not_found' });
    const row = await h.portico.deps.db
      .selectFrom('auth_challenges')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.verified_at).toBeNull();
    expect(row.attempts).toBe(0);
  });
});

describe('AuthKit MFA policy', () => {
  const password = 'mfa sign-in pass 1';
  const signIn = (email: string) => authenticate({ grant_type: 'password', email, password });

  it('password → mfa_enrollment → createUserAuthFactor → authenticateWithTotp → tokens; then mfa_challenge', async () => {
    await h.portico.services.environments.setMfaRequired(h.environmentId, true);
    try {
      const user = await json<{ id: string }>(
        await h.api('POST', '/user_management/users', { email: 'mfa-user@example.com', password }),
      );
      const stop = await signIn('mfa-user@example.com');
      expect(stop.status).toBe(403);
      const enrollment = await json<{ pending_authentication_token: string; user: { id: string } }>(stop);
      expect(enrollment).toMatchObject({ code: 'mfa_enrollment', user: { id: user.id } });
      expect(enrollment.pending_authentication_token).toBeTruthy();

      const enrolled = await json<{ authentication_factor: Factor; authentication_challenge: Challenge }>(
        await h.api('POST', `/user_management/users/${user.id}/auth_factors`, { type: 'totp' }),
      );
      expect(enrolled.authentication_factor).toMatchObject({ type: 'totp', user_id: user.id });
      expect(enrolled.authentication_factor.totp).toMatchObject({ user: 'mfa-user@example.com' });
      const secret = enrolled.authentication_factor.totp!.secret!;
      const totpGrant = (code: string, token: string, challengeId: string) =>
        authenticate({
          grant_type: 'urn:workos:oauth:grant-type:mfa-totp',
          code,
          pending_authentication_token: token,
          authentication_challenge_id: challengeId,
        });

      const wrong = await totpGrant(
        wrongTotp(secret, now()),
        enrollment.pending_authentication_token,
        enrolled.authentication_challenge.id,
      );
      expect(wrong.status).toBe(400);
      expect(await json(wrong)).toMatchObject({ code: 'invalid_one_time_code' });
      const sessions = await count('sessions');
      const ok = await totpGrant(
        totpAt(secret, now()),
        enrollment.pending_authentication_token,
        enrolled.authentication_challenge.id,
      );
      expect(ok.status).toBe(200);
      expect(await json(ok)).toMatchObject({ user: { id: user.id }, authentication_method: 'Password' });
      expect(await count('sessions')).toBe(sessions + 1);
      // The pending token is single use.
      const reused = await totpGrant(
        totpAt(secret, now() + 30_000),
        enrollment.pending_authentication_token,
        enrolled.authentication_challenge.id,
      );
      expect(await json(reused)).toMatchObject({ code: 'invalid_pending_authentication_token' });

      const listed = await json<{ data: Factor[] }>(
        await h.api('GET', `/user_management/users/${user.id}/auth_factors`),
      );
      expect(listed.data.map((f) => f.id)).toEqual([enrolled.authentication_factor.id]);
      expect(listed.data[0]!.totp).toEqual({ issuer: expect.any(String), user: 'mfa-user@example.com' });

      // Next sign-in: the user has a factor, so mfa_challenge with the factor list.
      const again = await signIn('mfa-user@example.com');
      expect(again.status).toBe(403);
      const ch = await json<{ pending_authentication_token: string }>(again);
      expect(ch).toMatchObject({
        code: 'mfa_challenge',
        user: { id: user.id },
        authentication_factors: [{ id: enrolled.authentication_factor.id, type: 'totp' }],
      });
      const c = await challenge(enrolled.authentication_factor.id);
      // The code that signed in a moment ago is a replay.
      const replay = await totpGrant(totpAt(secret, now()), ch.pending_authentication_token, c.id);
      expect(replay.status).toBe(400);
      expect(await json(replay)).toMatchObject({ code: 'one_time_code_previously_used' });
      h.testClock!.advance(30_000);
      const done = await totpGrant(totpAt(secret, now()), ch.pending_authentication_token, c.id);
      expect(done.status).toBe(200);
      expect(
        (await events('authentication.mfa_succeeded')).filter((e) => e.user_id === user.id),
      ).toHaveLength(2);
      expect((await events('authentication.mfa_failed')).filter((e) => e.user_id === user.id)).toHaveLength(
        2,
      );
      expect((await events('authentication.mfa_failed')).find((e) => e.user_id === user.id)).toMatchObject({
        type: 'mfa',
        status: 'failed',
        error: { code: 'invalid_one_time_code' },
      });
    } finally {
      await h.portico.services.environments.setMfaRequired(h.environmentId, false);
    }
  });

  it('another user’s challenge cannot finish this sign-in; an expired one is refused', async () => {
    await h.portico.services.environments.setMfaRequired(h.environmentId, true);
    try {
      for (const email of ['mfa-a@example.com', 'mfa-b@example.com'])
        await h.api('POST', '/user_management/users', { email, password });
      const a = await json<{ pending_authentication_token: string; user: { id: string } }>(
        await signIn('mfa-a@example.com'),
      );
      const b = await json<{ user: { id: string } }>(await signIn('mfa-b@example.com'));
      const bFactor = await json<{ authentication_factor: Factor; authentication_challenge: Challenge }>(
        await h.api('POST', `/user_management/users/${b.user.id}/auth_factors`, { type: 'totp' }),
      );
      const cross = await authenticate({
        grant_type: 'urn:workos:oauth:grant-type:mfa-totp',
        code: totpAt(bFactor.authentication_factor.totp!.secret!, now()),
        pending_authentication_token: a.pending_authentication_token,
        authentication_challenge_id: bFactor.authentication_challenge.id,
      });
      expect(cross.status).toBe(404);
      const aFactor = await json<{ authentication_factor: Factor; authentication_challenge: Challenge }>(
        await h.api('POST', `/user_management/users/${a.user.id}/auth_factors`, { type: 'totp' }),
      );
      h.testClock!.advance(10 * 60 * 1000 + 1);
      const late = await authenticate({
        grant_type: 'urn:workos:oauth:grant-type:mfa-totp',
        code: totpAt(aFactor.authentication_factor.totp!.secret!, now()),
        pending_authentication_token: a.pending_authentication_token,
        authentication_challenge_id: aFactor.authentication_challenge.id,
      });
      expect(late.status).toBe(400);
      expect(await json(late)).toMatchObject({ code: 'invalid_pending_authentication_token' });
    } finally {
      await h.portico.services.environments.setMfaRequired(h.environmentId, false);
    }
  });

  it('an organization’s policy applies to its members only', async () => {
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'MFA Org' }));
    await h.portico.services.mfa.setOrganizationPolicy(h.environmentId, org.id, true);
    const member = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'member@mfa-org.test', password }),
    );
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: org.id,
      user_id: member.id,
    });
    await h.api('POST', '/user_management/users', { email: 'outsider@mfa-org.test', password });
    const stopped = await signIn('member@mfa-org.test');
    expect(stopped.status).toBe(403);
    expect(await json(stopped)).toMatchObject({ code: 'mfa_enrollment' });
    expect((await signIn('outsider@mfa-org.test')).status).toBe(200);
    await h.portico.services.mfa.setOrganizationPolicy(h.environmentId, org.id, false);
    expect((await signIn('member@mfa-org.test')).status).toBe(200);
    // Another environment's organization id is not found.
    const other = await h.portico.services.environments.createEnvironment('Policy elsewhere');
    await expect(
      h.portico.services.mfa.setOrganizationPolicy(other.environmentId, org.id, true),
    ).rejects.toMatchObject({
      code: 'entity_not_found',
    });
  });

  it('createUserAuthFactor refuses a bad imported secret and an unknown user', async () => {
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'imp@example.com' }),
    );
    const bad = await h.api('POST', `/user_management/users/${user.id}/auth_factors`, {
      type: 'totp',
      totp_secret: 'not base32!',
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ code: 'invalid_totp_secret' });
    const imported = await json<{ authentication_factor: Factor }>(
      await h.api('POST', `/user_management/users/${user.id}/auth_factors`, {
        type: 'totp',
        totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      }),
    );
    expect(imported.authentication_factor.totp!.secret).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    const missing = await h.api('GET', '/user_management/users/user_01HZZZZZZZZZZZZZZZZZZZZZZZ/auth_factors');
    expect(missing.status).toBe(404);
  });

  it('deleting a user deletes their factors, challenges and recovery codes; another user’s stay', async () => {
    const mk = async (email: string) => {
      const u = await json<{ id: string }>(await h.api('POST', '/user_management/users', { email }));
      const f = await json<{ authentication_factor: Factor }>(
        await h.api('POST', `/user_management/users/${u.id}/auth_factors`, { type: 'totp' }),
      );
      await challenge(f.authentication_factor.id);
      return { user: u.id, factor: f.authentication_factor.id };
    };
    const gone = await mk('gone@example.com');
    const kept = await mk('kept@example.com');
    await h.portico.deps.db
      .insertInto('mfa_recovery_codes')
      .values(
        [gone, kept].map((x, i) => ({
          id: `mfarc_sweep${i}`,
          environment_id: h.environmentId,
          user_id: x.user,
          code_hash: `hash${i}`,
          used_at: null,
          created_at: new Date().toISOString(),
        })),
      )
      .execute();
    expect((await h.api('DELETE', `/user_management/users/${gone.user}`)).status).toBe(202);
    expect((await h.api('GET', `/auth/factors/${gone.factor}`)).status).toBe(404);
    expect((await h.api('GET', `/auth/factors/${kept.factor}`)).status).toBe(200);
    const left = async (table: 'auth_factors' | 'mfa_recovery_codes', userId: string) =>
      (await h.portico.deps.db.selectFrom(table).select('id').where('user_id', '=', userId).execute()).length;
    expect(await left('auth_factors', gone.user)).toBe(0);
    expect(await left('mfa_recovery_codes', gone.user)).toBe(0);
    expect(await left('mfa_recovery_codes', kept.user)).toBe(1);
    const challenges = await h.portico.deps.db
      .selectFrom('auth_challenges')
      .select('factor_id')
      .where('factor_id', 'in', [gone.factor, kept.factor])
      .execute();
    expect([...new Set(challenges.map((c) => c.factor_id))]).toEqual([kept.factor]);
  });
});

describe('the dashboard’s MFA policy switches', () => {
  it('PUT /_admin/mfa_policy and /_admin/organizations/:id/mfa_policy with the dashboard session; an API key is refused', async () => {
    const boot = await h.portico.services.admin.bootstrap();
    const origin = h.portico.deps.config.publicUrl;
    const login = await h.portico.app.request('/_admin/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: boot.email, password: boot.password }),
    });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf_token } = await json<{ csrf_token: string }>(login);
    const admin = (method: string, path: string, body?: unknown) =>
      h.portico.app.request(path, {
        method,
        headers: { 'content-type': 'application/json', origin, cookie, 'x-portico-csrf': csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(await json(await admin('GET', '/_admin/mfa_policy'))).toEqual({ mfa_required: false });
    expect(await json(await admin('PUT', '/_admin/mfa_policy', { mfa_required: true }))).toEqual({
      mfa_required: true,
    });
    expect(await h.portico.services.environments.requiresMfa(h.environmentId)).toBe(true);
    const bad = await admin('PUT', '/_admin/mfa_policy', { mfa_required: 'yes' });
    expect(bad.status).toBe(422);
    expect(await json(await admin('PUT', '/_admin/mfa_policy', { mfa_required: false }))).toEqual({
      mfa_required: false,
    });
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Dash MFA' }));
    expect(
      await json(await admin('PUT', `/_admin/organizations/${org.id}/mfa_policy`, { mfa_required: true })),
    ).toEqual({ organization_id: org.id, mfa_required: true });
    expect(await json(await admin('GET', `/_admin/organizations/${org.id}/mfa_policy`))).toEqual({
      organization_id: org.id,
      mfa_required: true,
    });
    expect(
      (
        await admin('PUT', '/_admin/organizations/org_01HZZZZZZZZZZZZZZZZZZZZZZZ/mfa_policy', {
          mfa_required: true,
        })
      ).status,
    ).toBe(404);
    expect(
      (await admin('GET', '/_admin/organizations/org_01HZZZZZZZZZZZZZZZZZZZZZZZ/mfa_policy')).status,
    ).toBe(404);
    // The SMS dev outbox lists the codes sent above.
    const outbox = await json<{ data: { to: string; body: string }[] }>(
      await admin('GET', '/_admin/sms_messages'),
    );
    expect(outbox.data.some((m) => m.to === '+15005550006' && /\d{6}/.test(m.body))).toBe(true);
    // The WorkOS API key does not open the dashboard's endpoints.
    expect((await h.api('PUT', '/_admin/mfa_policy', { mfa_required: true })).status).toBeGreaterThanOrEqual(
      400,
    );
    expect(await h.portico.services.environments.requiresMfa(h.environmentId)).toBe(false);
  });
});
