/**
 * Magic Auth, email verification and organization selection through the WorkOS wire (issue 12
 * items 2, 3, 6): each grant and each pending state end to end, and the bad input of each —
 * wrong, used, expired and brute-forced codes, unknown and foreign ids, replayed pending tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const authenticate = (body: Record<string, unknown>) =>
  h.api('POST', '/user_management/authenticate', { client_id: h.clientId, client_secret: h.apiKey, ...body });

async function createUser(email: string, extra: Record<string, unknown> = {}) {
  const r = await h.api('POST', '/user_management/users', {
    email,
    password: 'correct-horse-battery-9',
    ...extra,
  });
  expect(r.status).toBe(201);
  return (await r.json()) as { id: string; email_verified: boolean };
}

async function magic(email: string) {
  const r = await h.api('POST', '/user_management/magic_auth', { email });
  expect(r.status).toBe(201);
  return (await r.json()) as { id: string; code: string; user_id: string | null; email: string };
}

const count = async (table: 'users' | 'magic_auths' | 'sessions' | 'emails') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const accessClaims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('Magic Auth', () => {
  it('creates a six-digit code (emailed, hashed at rest), and the code signs in once', async () => {
    const user = await createUser('magic@example.com');
    const m = await magic('Magic@Example.com');
    expect(m).toMatchObject({ object: 'magic_auth', email: 'magic@example.com', user_id: user.id });
    expect(m.code).toMatch(/^\d{6}$/);
    const row = await h.portico.deps.db
      .selectFrom('magic_auths')
      .selectAll()
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(m.code);
    const mail = await h.portico.deps.db
      .selectFrom('emails')
      .selectAll()
      .where('template', '=', 'magic_auth')
      .executeTakeFirstOrThrow();
    expect(mail.to_address).toBe('magic@example.com');
    expect(JSON.stringify(mail)).not.toContain(m.code);
    // GET returns the code while it is live (apps that send their own emails read it there).
    expect(await (await h.api('GET', `/user_management/magic_auth/${m.id}`)).json()).toMatchObject({
      code: m.code,
    });

    const ok = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'magic@example.com',
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as {
      user: { id: string; email_verified: boolean };
      access_token: string;
      authentication_method: string;
    };
    expect(body.user).toMatchObject({ id: user.id, email_verified: true });
    expect(body.authentication_method).toBe('MagicAuth');

    const again = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'magic@example.com',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: 'one_time_code_previously_used' });
    expect((await (await h.api('GET', `/user_management/magic_auth/${m.id}`)).json()).code).toBe('');
  });

  it('signs a new email up: the user exists (unverified) with its code, verified once redeemed', async () => {
    const users = await count('users');
    const m = await magic('newcomer@example.com');
    expect(m.user_id).toMatch(/^user_/);
    expect(await count('users')).toBe(users + 1);
    const ok = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'newcomer@example.com',
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { user: { email: string; email_verified: boolean } };
    expect(body.user).toMatchObject({ id: m.user_id, email: 'newcomer@example.com', email_verified: true });
    expect(await count('users')).toBe(users + 1);
  });

  it('counts wrong codes: the fifth kills the code, and the right one no longer works', async () => {
    const m = await magic('guess@example.com');
    const wrong = m.code === '000000' ? '111111' : '000000';
    const sessions = await count('sessions');
    for (let i = 1; i <= 4; i++) {
      const r = await authenticate({
        grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
        code: wrong,
        email: 'guess@example.com',
      });
      expect(await r.json()).toMatchObject({ code: 'invalid_one_time_code' });
    }
    const fifth = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: wrong,
      email: 'guess@example.com',
    });
    expect(await fifth.json()).toMatchObject({ code: 'one_time_code_too_many_attempts' });
    const right = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'guess@example.com',
    });
    expect(await right.json()).toMatchObject({ code: 'one_time_code_too_many_attempts' });
    expect(await count('sessions')).toBe(sessions);
  });

  it('expires codes after 10 minutes', async () => {
    const m = await magic('late@example.com');
    h.testClock!.advance(10 * 60_000 + 1);
    const r = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'late@example.com',
    });
    expect(await r.json()).toMatchObject({ code: 'one_time_code_expired' });
  });

  it('limits codes to 3 a minute per email, refuses bad emails, and scopes ids to the environment', async () => {
    for (let i = 0; i < 3; i++) await magic('often@example.com');
    const fourth = await h.api('POST', '/user_management/magic_auth', { email: 'often@example.com' });
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('retry-after')).toMatch(/^\d+$/);
    const bad = await h.api('POST', '/user_management/magic_auth', { email: 'not-an-email' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'email' }] });

    const m = await magic('mine@example.com');
    const other = await h.portico.services.environments.createEnvironment('Other');
    const foreign = await h.portico.app.request(`/user_management/magic_auth/${m.id}`, {
      headers: { authorization: `Bearer ${other.apiKey}` },
    });
    expect(foreign.status).toBe(404);
    // A code is redeemable only in its own environment.
    const elsewhere = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: other.clientId,
        client_secret: other.apiKey,
        grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
        code: m.code,
        email: 'mine@example.com',
      }),
    });
    expect(await elsewhere.json()).toMatchObject({ code: 'invalid_one_time_code' });
  });
});

describe('email verification required', () => {
  beforeAll(async () => {
    await h.portico.services.environments.setEmailVerificationRequired(h.environmentId, true);
  });
  afterAll(async () => {
    await h.portico.services.environments.setEmailVerificationRequired(h.environmentId, false);
  });

  it('stops an unverified sign-in with a pending token, and the emailed code completes it', async () => {
    const user = await createUser('unverified@example.com');
    const sessions = await count('sessions');
    const r = await authenticate({
      grant_type: 'password',
      email: 'unverified@example.com',
      password: 'correct-horse-battery-9',
    });
    expect(r.status).toBe(403);
    const stop = (await r.json()) as Record<string, string> & { user: { id: string } };
    expect(stop).toMatchObject({
      code: 'email_verification_required',
      email: 'unverified@example.com',
      user: { id: user.id },
    });
    expect(stop.pending_authentication_token).toBeTruthy();
    expect(stop.email_verification_id).toMatch(/^email_verification_/);
    expect(await count('sessions')).toBe(sessions);
    const ev = (await (
      await h.api('GET', `/user_management/email_verification/${stop.email_verification_id}`)
    ).json()) as { code: string; user_id: string };
    expect(ev).toMatchObject({ object: 'email_verification', user_id: user.id });

    const wrongToken = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:email-verification:code',
      code: ev.code,
      pending_authentication_token: 'nope',
    });
    expect(await wrongToken.json()).toMatchObject({ code: 'invalid_pending_authentication_token' });
    // The token of one step is refused by another step's grant.
    const otherStep = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:organization-selection',
      organization_id: 'org_x',
      pending_authentication_token: stop.pending_authentication_token,
    });
    expect(await otherStep.json()).toMatchObject({ code: 'invalid_pending_authentication_token' });

    const ok = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:email-verification:code',
      code: ev.code,
      pending_authentication_token: stop.pending_authentication_token,
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { user: { email_verified: boolean } }).user.email_verified).toBe(true);
    const replay = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:email-verification:code',
      code: ev.code,
      pending_authentication_token: stop.pending_authentication_token,
    });
    expect(await replay.json()).toMatchObject({ code: 'invalid_pending_authentication_token' });
    // Verified now: the next sign-in goes straight through.
    expect(
      (
        await authenticate({
          grant_type: 'password',
          email: 'unverified@example.com',
          password: 'correct-horse-battery-9',
        })
      ).status,
    ).toBe(200);
  });

  it('sendVerificationEmail and verifyEmail through the API, with wrong codes refused', async () => {
    const user = await createUser('api-verify@example.com');
    const sent = await h.api('POST', `/user_management/users/${user.id}/email_verification/send`, {});
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ user: { id: user.id, email_verified: false } });
    const row = await h.portico.deps.db
      .selectFrom('email_verifications')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    const { code } = (await (await h.api('GET', `/user_management/email_verification/${row.id}`)).json()) as {
      code: string;
    };
    const wrong = await h.api('POST', `/user_management/users/${user.id}/email_verification/confirm`, {
      code: code === '123456' ? '654321' : '123456',
    });
    expect(await wrong.json()).toMatchObject({ code: 'email_verification_code_incorrect' });
    const ok = await h.api('POST', `/user_management/users/${user.id}/email_verification/confirm`, { code });
    expect(await ok.json()).toMatchObject({ user: { id: user.id, email_verified: true } });
    const twice = await h.api('POST', `/user_management/users/${user.id}/email_verification/confirm`, {
      code,
    });
    expect(await twice.json()).toMatchObject({ code: 'email_previously_verified' });
    expect(
      (
        await h.api(
          'POST',
          '/user_management/users/user_01NOPE0000000000000000000/email_verification/send',
          {},
        )
      ).status,
    ).toBe(404);
  });
});

describe('organization selection', () => {
  it('asks a member of several organizations to choose, and the choice sets the session organization', async () => {
    const user = await createUser('multi@example.com', { email_verified: true });
    const orgs: string[] = [];
    for (const name of ['Alpha', 'Beta']) {
      const o = (await (await h.api('POST', '/organizations', { name })).json()) as { id: string };
      orgs.push(o.id);
      expect(
        (
          await h.api('POST', '/user_management/organization_memberships', {
            organization_id: o.id,
            user_id: user.id,
          })
        ).status,
      ).toBe(201);
    }
    const r = await authenticate({
      grant_type: 'password',
      email: 'multi@example.com',
      password: 'correct-horse-battery-9',
    });
    expect(r.status).toBe(403);
    const stop = (await r.json()) as {
      code: string;
      pending_authentication_token: string;
      organizations: { id: string; name: string }[];
    };
    expect(stop.code).toBe('organization_selection_required');
    expect(stop.organizations).toEqual([
      { id: orgs[0], name: 'Alpha' },
      { id: orgs[1], name: 'Beta' },
    ]);
    const outsider = (await (await h.api('POST', '/organizations', { name: 'Gamma' })).json()) as {
      id: string;
    };
    const notMember = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:organization-selection',
      organization_id: outsider.id,
      pending_authentication_token: stop.pending_authentication_token,
    });
    expect(notMember.status).toBe(400);
    expect(await notMember.json()).toMatchObject({ error: 'organization_membership_not_found' });
    const ok = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:organization-selection',
      organization_id: orgs[1],
      pending_authentication_token: stop.pending_authentication_token,
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { organization_id: string; access_token: string };
    expect(body.organization_id).toBe(orgs[1]);
    expect(accessClaims(body.access_token).org_id).toBe(orgs[1]);
  });
});

describe('the dashboard’s email verification policy', () => {
  it('reads and sets email_verification_required; a wrong type changes nothing; an API key cannot use it', async () => {
    const d = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'policy-admin@portico.test' } });
    try {
      const { password } = await d.portico.services.admin.bootstrap();
      const origin = d.portico.deps.config.publicUrl;
      const signIn = await d.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ email: 'policy-admin@portico.test', password }),
      });
      const { csrf_token } = (await signIn.json()) as { csrf_token: string };
      const admin = {
        cookie: signIn.headers.get('set-cookie')!.split(';')[0]!,
        'x-portico-csrf': csrf_token,
        origin,
        'content-type': 'application/json',
      };
      const put = (body: unknown) =>
        d.portico.app.request('/_admin/authentication_policy', {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify(body),
        });
      const read = async () =>
        (await d.portico.app.request('/_admin/authentication_policy', { headers: admin })).json();
      expect(await read()).toEqual({ email_verification_required: false });
      expect(await (await put({ email_verification_required: true })).json()).toEqual({
        email_verification_required: true,
      });
      expect(await d.portico.services.environments.requiresEmailVerification(d.environmentId)).toBe(true);
      const bad = await put({ email_verification_required: 'yes' });
      expect(bad.status).toBe(422);
      expect(await read()).toEqual({ email_verification_required: true });
      const withKey = await d.api(
        'PUT',
        '/_admin/authentication_policy',
        { email_verification_required: false },
        { origin },
      );
      expect(withKey.status).toBe(401);
      expect(await read()).toEqual({ email_verification_required: true });
    } finally {
      await d.close();
    }
  });
});

describe('lockouts and invitations on the code grants', () => {
  const failures = async (event: string, email: string) =>
    (
      await h.portico.deps.db
        .selectFrom('events')
        .select(['data'])
        .where('event', '=', event)
        .where('environment_id', '=', h.environmentId)
        .execute()
    )
      .map((r) => JSON.parse(String(r.data)) as { email: string; error: { code: string; message: string } })
      .filter((d) => d.email === email);

  it('records a password lockout once, however many attempts follow it', async () => {
    await createUser('locked@example.com');
    const limit = h.portico.deps.config.rateLimitCredentials;
    const statuses: number[] = [];
    for (let i = 0; i < limit + 3; i++) {
      const r = await authenticate({
        grant_type: 'password',
        email: 'locked@example.com',
        password: 'wrong-guess-1',
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, limit).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(limit)).toEqual([429, 429, 429]);
    const events = await failures('authentication.password_failed', 'locked@example.com');
    expect(events.filter((e) => e.error.code === 'invalid_credentials')).toHaveLength(limit);
    const lockouts = events.filter((e) => e.error.code === 'rate_limit_exceeded');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]!.error.message).toMatch(/Too many attempts for this email/);
  });

  it('records a Magic Auth code lockout once', async () => {
    await magic('codelock@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      const r = await authenticate({
        grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
        code: '000000',
        email: 'codelock@example.com',
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(10)).toEqual([429, 429, 429]);
    const lockouts = (await failures('authentication.magic_auth_failed', 'codelock@example.com')).filter(
      (e) => e.error.code === 'rate_limit_exceeded',
    );
    expect(lockouts).toHaveLength(1);
  });

  it('accepts an invitation with the Magic Auth grant: the session joins the invited organization', async () => {
    const org = (await (await h.api('POST', '/organizations', { name: 'Invited Co' })).json()) as {
      id: string;
    };
    const inv = (await (
      await h.api('POST', '/user_management/invitations', {
        email: 'invitee@example.com',
        organization_id: org.id,
      })
    ).json()) as { id: string; token: string };
    const m = await magic('invitee@example.com');
    const r = await authenticate({
      grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
      code: m.code,
      email: 'invitee@example.com',
      invitation_token: inv.token,
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { user: { id: string }; organization_id: string; access_token: string };
    expect(body.organization_id).toBe(org.id);
    expect(accessClaims(body.access_token).org_id).toBe(org.id);
    const memberships = (await (
      await h.api('GET', `/user_management/organization_memberships?user_id=${body.user.id}`)
    ).json()) as { data: { organization_id: string; status: string }[] };
    expect(memberships.data).toEqual([
      expect.objectContaining({ organization_id: org.id, status: 'active' }),
    ]);
    const accepted = (await (await h.api('GET', `/user_management/invitations/${inv.id}`)).json()) as {
      state: string;
    };
    expect(accepted.state).toBe('accepted');
  });
});
