/**
 * The conformance suite: the official WorkOS SDK at majors 7, 8, 11 and 12 drives a real
 * listening Portico (SQLite or PostgreSQL, per vitest project). Every JSON response Portico sends
 * is then checked against WorkOS's published OpenAPI document.
 */
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { hostedSignIn, type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkClass, sdkFor } from './support/sdks.ts';

describe.each(MAJORS)('official SDK %s against a listening Portico', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  const email = (s: string) => `${s}-${major}@example.com`;

  beforeAll(async () => {
    p = await startPortico();
    const WorkOS = await sdkClass(major);
    workos = new WorkOS(p.h.apiKey, {
      apiHostname: '127.0.0.1',
      port: p.port,
      https: false,
      clientId: p.h.clientId,
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('runs the integration guide’s calls as written', async () => {
    // createOrganization({ name, domains }) as the guide writes it works on SDK 7 only: 8+ drop
    // `domains` without a word (reference §11.2), so there the same organization is made with the
    // replacement, `domainData`. Either way the domain must come back, and stay.
    const org =
      major === '7'
        ? await workos.organizations.createOrganization({ name: 'Acme Corp', domains: ['acme.com'] })
        : await workos.organizations.createOrganization({
            name: 'Acme Corp',
            domainData: [{ domain: 'acme.com', state: 'verified' }],
          });
    expect(org.id).toMatch(/^org_/);
    expect(org.name).toBe('Acme Corp');
    expect(org.domains.map((d: { domain: string }) => d.domain)).toEqual(['acme.com']);
    const reread = await workos.organizations.getOrganization(org.id);
    expect(
      reread.domains.map((d: { domain: string; organizationId: string }) => [d.domain, d.organizationId]),
    ).toEqual([['acme.com', org.id]]);

    const user = await workos.userManagement.createUser({
      email: email('guide'),
      password: 'correct horse battery',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id });
    const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
      userId: user.id,
    });
    expect(memberships).toHaveLength(1);
    expect(memberships[0].organizationId).toBe(org.id);

    const authorizationUrl = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri: p.redirectUri,
      clientId: p.h.clientId,
    });
    expect(authorizationUrl.startsWith(`http://127.0.0.1:${p.port}/user_management/authorize?`)).toBe(true);
    const back = await hostedSignIn(authorizationUrl, {
      email: email('guide'),
      password: 'correct horse battery',
    });
    expect(back.origin + back.pathname).toBe(p.redirectUri);
    const code = back.searchParams.get('code')!;

    const {
      user: signedIn,
      accessToken,
      refreshToken,
    } = await workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId });
    expect(signedIn.id).toBe(user.id);
    expect(accessToken.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({
      sub: user.id,
      org_id: org.id,
      role: 'member',
      roles: ['member'],
      permissions: [],
    });
    expect(claims.exp - claims.iat).toBe(300);
    for (const k of ['iss', 'sid', 'jti']) expect(typeof claims[k]).toBe('string');
    // When the user signed in on the hosted page: at or before the token's issue time.
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);

    const { accessToken: newToken, refreshToken: newRefresh } =
      await workos.userManagement.authenticateWithRefreshToken({
        refreshToken,
        clientId: p.h.clientId,
      });
    expect(newToken).not.toBe(accessToken);
    expect(newRefresh).not.toBe(refreshToken);
    const { id } = await workos.userManagement.getUser(user.id);
    expect(id).toBe(user.id);
  });

  it('covers organizations, domains, users and memberships', async () => {
    const org = await workos.organizations.createOrganization({
      name: 'Globex',
      domainData: [{ domain: `globex-${major}.com`, state: 'verified' }],
      externalId: `globex-${major}`,
      metadata: { tier: 'enterprise' },
    });
    expect(org.domains.map((d: { domain: string; state: string }) => [d.domain, d.state])).toEqual([
      [`globex-${major}.com`, 'verified'],
    ]);
    expect((await workos.organizations.getOrganization(org.id)).name).toBe('Globex');
    expect((await workos.organizations.getOrganizationByExternalId(`globex-${major}`)).id).toBe(org.id);
    const listed = await workos.organizations.listOrganizations({ domains: [`globex-${major}.com`] });
    expect(listed.data.map((o: { id: string }) => o.id)).toEqual([org.id]);
    const renamed = await workos.organizations.updateOrganization({ organization: org.id, name: 'Globex 2' });
    expect(renamed.name).toBe('Globex 2');

    // SDK 11 renamed the domain methods.
    const domains = workos.organizationDomains;
    const create = (domains.create ?? domains.createOrganizationDomain).bind(domains);
    const get = (domains.get ?? domains.getOrganizationDomain).bind(domains);
    const remove = (domains.delete ?? domains.deleteOrganizationDomain).bind(domains);
    const domain = await create({ organizationId: org.id, domain: `extra-${major}.com` });
    expect(domain.domain).toBe(`extra-${major}.com`);
    expect((await get(domain.id)).id).toBe(domain.id);
    await remove(domain.id);
    await expect(get(domain.id)).rejects.toMatchObject({ status: 404 });

    const bcryptHash = bcrypt.hashSync('password123!', 10); // as exported from another system
    const u = await workos.userManagement.createUser({
      email: email('imported'),
      passwordHash: bcryptHash,
      passwordHashType: 'bcrypt',
      externalId: `ext-${major}`,
      emailVerified: true,
    });
    expect(u.emailVerified).toBe(true);
    expect((await workos.userManagement.getUserByExternalId(`ext-${major}`)).id).toBe(u.id);
    const byEmail = await workos.userManagement.listUsers({ email: email('imported') });
    expect(byEmail.data.map((x: { id: string }) => x.id)).toEqual([u.id]);
    const updated = await workos.userManagement.updateUser({ userId: u.id, firstName: 'Grace' });
    expect(updated.firstName).toBe('Grace');

    const pw = await workos.userManagement.authenticateWithPassword({
      email: email('imported'),
      password: 'password123!',
      clientId: p.h.clientId,
    });
    expect(pw.user.id).toBe(u.id);
    expect(pw.authenticationMethod).toBe('Password');

    const m = await workos.userManagement.createOrganizationMembership({
      organizationId: org.id,
      userId: u.id,
      roleSlug: 'admin',
    });
    expect(m.role.slug).toBe('admin');
    expect((await workos.userManagement.getOrganizationMembership(m.id)).status).toBe('active');
    const byOrg = await workos.userManagement.listUsers({ organizationId: org.id });
    expect(byOrg.data.map((x: { id: string }) => x.id)).toEqual([u.id]);
    expect(
      (await workos.userManagement.updateOrganizationMembership(m.id, { roleSlug: 'member' })).role.slug,
    ).toBe('member');
    expect((await workos.userManagement.deactivateOrganizationMembership(m.id)).status).toBe('inactive');
    expect(
      (await workos.userManagement.listOrganizationMemberships({ organizationId: org.id })).data,
    ).toHaveLength(0);
    const inactive = await workos.userManagement.listOrganizationMemberships({
      organizationId: org.id,
      statuses: ['inactive'],
    });
    expect(inactive.data.map((x: { id: string }) => x.id)).toEqual([m.id]);
    expect((await workos.userManagement.reactivateOrganizationMembership(m.id)).status).toBe('active');
    await workos.userManagement.deleteOrganizationMembership(m.id);
    await expect(workos.userManagement.getOrganizationMembership(m.id)).rejects.toMatchObject({
      status: 404,
    });

    await workos.userManagement.deleteUser(u.id);
    await expect(workos.userManagement.getUser(u.id)).rejects.toMatchObject({ status: 404 });
    await workos.organizations.deleteOrganization(org.id);
    await expect(workos.organizations.getOrganization(org.id)).rejects.toMatchObject({ status: 404 });
  });

  it('switches organization on refresh, lists and revokes sessions, and ends reused refresh tokens', async () => {
    const a = await workos.organizations.createOrganization({ name: 'A' });
    const b = await workos.organizations.createOrganization({ name: 'B' });
    const u = await workos.userManagement.createUser({
      email: email('switch'),
      password: 'another strong pass',
    });
    await workos.userManagement.createOrganizationMembership({ organizationId: a.id, userId: u.id });
    await workos.userManagement.createOrganizationMembership({
      organizationId: b.id,
      userId: u.id,
      roleSlug: 'admin',
    });
    // Two memberships: the sign-in stops at organization selection (AuthenticationException).
    const stop = await workos.userManagement
      .authenticateWithPassword({
        email: email('switch'),
        password: 'another strong pass',
        clientId: p.h.clientId,
      })
      .then(
        () => null,
        (e: { status: number; rawData: Record<string, unknown> }) => e,
      );
    expect(stop?.status).toBe(403);
    expect(stop?.rawData).toMatchObject({
      code: 'organization_selection_required',
      organizations: [
        { id: a.id, name: 'A' },
        { id: b.id, name: 'B' },
      ],
      user: { id: u.id },
    });
    const first = await workos.userManagement.authenticateWithOrganizationSelection({
      organizationId: a.id,
      pendingAuthenticationToken: String(stop?.rawData.pending_authentication_token),
      clientId: p.h.clientId,
    });
    expect(first.organizationId).toBe(a.id);
    const switched = await workos.userManagement.authenticateWithRefreshToken({
      refreshToken: first.refreshToken,
      clientId: p.h.clientId,
      organizationId: b.id,
    });
    expect(switched.organizationId).toBe(b.id);
    const claims = JSON.parse(Buffer.from(switched.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ org_id: b.id, role: 'admin' });
    expect(claims.permissions).toContain('members:manage');

    const sessions = await workos.userManagement.listSessions(u.id);
    expect(sessions.data).toHaveLength(1);
    expect(sessions.data[0].status).toBe('active');

    // Reusing the spent token fails and ends the session, so the newest token dies too. This is
    // within the reuse grace, but the retry names no organization where the first refresh named b:
    // another request, so reuse, not a retry (docs/user-management.md).
    await expect(
      workos.userManagement.authenticateWithRefreshToken({
        refreshToken: first.refreshToken,
        clientId: p.h.clientId,
      }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(
      workos.userManagement.authenticateWithRefreshToken({
        refreshToken: switched.refreshToken,
        clientId: p.h.clientId,
      }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const pendingAgain = await workos.userManagement
      .authenticateWithPassword({
        email: email('switch'),
        password: 'another strong pass',
        clientId: p.h.clientId,
      })
      .then(
        () => null,
        (e: { rawData: Record<string, unknown> }) => e,
      );
    const again = await workos.userManagement.authenticateWithOrganizationSelection({
      organizationId: b.id,
      pendingAuthenticationToken: String(pendingAgain?.rawData.pending_authentication_token),
      clientId: p.h.clientId,
    });
    expect(again.organizationId).toBe(b.id);
    await workos.userManagement.revokeSession({
      sessionId: JSON.parse(Buffer.from(again.accessToken.split('.')[1], 'base64url').toString()).sid,
    });
    await expect(
      workos.userManagement.authenticateWithRefreshToken({
        refreshToken: again.refreshToken,
        clientId: p.h.clientId,
      }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('supports sealed sessions: authenticateWithSessionCookie and loadSealedSession().refresh()', async () => {
    const cookiePassword = 'a-cookie-password-of-at-least-32-chars!';
    const org = await workos.organizations.createOrganization({ name: 'Sealed' });
    const u = await workos.userManagement.createUser({
      email: email('sealed'),
      password: 'sealed session pass',
    });
    await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: u.id });
    const res = await workos.userManagement.authenticateWithPassword({
      email: email('sealed'),
      password: 'sealed session pass',
      clientId: p.h.clientId,
      session: { sealSession: true, cookiePassword },
    });
    expect(typeof res.sealedSession).toBe('string');
    const auth = await workos.userManagement.authenticateWithSessionCookie({
      sessionData: res.sealedSession,
      cookiePassword,
    });
    expect(auth).toMatchObject({ authenticated: true, organizationId: org.id, role: 'member' });
    expect(auth.user.id).toBe(u.id);
    const session = workos.userManagement.loadSealedSession({
      sessionData: res.sealedSession,
      cookiePassword,
    });
    const loaded = await session.authenticate();
    expect(loaded).toMatchObject({ authenticated: true, sessionId: auth.sessionId, organizationId: org.id });
    expect(loaded.user.id).toBe(u.id);
    const refreshed = await session.refresh();
    expect(refreshed).toMatchObject({
      authenticated: true,
      sessionId: auth.sessionId,
      organizationId: org.id,
    });
    expect(refreshed.sealedSession).not.toBe(res.sealedSession);
    // refresh() reseals into the same CookieSession, so authenticate() now reads the new token.
    const reloaded = await session.authenticate();
    expect(reloaded).toMatchObject({ authenticated: true, sessionId: auth.sessionId });
    expect(reloaded.accessToken).toBe(refreshed.session.accessToken);
    const again = await workos.userManagement.authenticateWithSessionCookie({
      sessionData: refreshed.sealedSession,
      cookiePassword,
    });
    expect(again).toMatchObject({ authenticated: true, sessionId: auth.sessionId, role: 'member' });
    expect(workos.userManagement.getJwksUrl(p.h.clientId)).toBe(
      `http://127.0.0.1:${p.port}/sso/jwks/${p.h.clientId}`,
    );
    const logout = workos.userManagement.getLogoutUrl({
      sessionId: auth.sessionId,
      returnTo: 'http://localhost:3000/',
    });
    const out = await fetch(logout, { redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('http://localhost:3000/');
    const after = await session.refresh();
    expect(after.authenticated).toBe(false);
  });

  it.runIf(major === '12')(
    'SDK 12: verifyAccessToken accepts Portico’s tokens (sid + auth_time) and refuses forgeries',
    async () => {
      const org = await workos.organizations.createOrganization({ name: 'Verified' });
      const u = await workos.userManagement.createUser({
        email: email('verify'),
        password: 'verify token pass',
      });
      await workos.userManagement.createOrganizationMembership({
        organizationId: org.id,
        userId: u.id,
        roleSlug: 'admin',
      });
      const signedIn = await workos.userManagement.authenticateWithPassword({
        email: email('verify'),
        password: 'verify token pass',
        clientId: p.h.clientId,
      });
      const claims = await workos.userManagement.verifyAccessToken(signedIn.accessToken);
      expect(claims).toMatchObject({
        iss: p.h.portico.deps.config.publicUrl,
        sub: u.id,
        org_id: org.id,
        role: 'admin',
      });
      expect(typeof claims.sid).toBe('string');
      expect(typeof claims.auth_time).toBe('number');
      expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
      // With the issuer pinned, as the SDK recommends for production.
      const pinned = await sdkFor(major, p, { issuer: p.h.portico.deps.config.publicUrl });
      expect(await pinned.userManagement.verifyAccessToken(signedIn.accessToken)).toMatchObject({
        sub: u.id,
      });

      // A rotation keeps the session and the sign-in time; only iat/exp/jti move.
      await new Promise((r) => setTimeout(r, 1100));
      const rotated = await workos.userManagement.authenticateWithRefreshToken({
        refreshToken: signedIn.refreshToken,
        clientId: p.h.clientId,
      });
      const after = await workos.userManagement.verifyAccessToken(rotated.accessToken);
      expect([after.sid, after.auth_time]).toEqual([claims.sid, claims.auth_time]);
      expect(after.iat).toBeGreaterThan(claims.iat);

      // A changed payload (the signature no longer matches) and a token from nowhere are refused.
      const [head, body, sig] = signedIn.accessToken.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'owner' }),
      ).toString('base64url');
      expect(await workos.userManagement.verifyAccessToken(`${head}.${forged}.${sig}`)).toBeNull();
      expect(await workos.userManagement.verifyAccessToken('not-a-jwt')).toBeNull();
      const otherIssuer = await sdkFor(major, p, { issuer: 'https://api.workos.com' });
      expect(await otherIssuer.userManagement.verifyAccessToken(signedIn.accessToken)).toBeNull();
    },
  );

  it.runIf(major === '12')(
    'SDK 12: a revoked session’s sealed cookie refreshes to invalid_grant',
    async () => {
      const cookiePassword = 'another-cookie-password-of-32-chars!!';
      const u = await workos.userManagement.createUser({
        email: email('sealed12'),
        password: 'sealed 12 pass',
      });
      const res = await workos.userManagement.authenticateWithPassword({
        email: email('sealed12'),
        password: 'sealed 12 pass',
        clientId: p.h.clientId,
        session: { sealSession: true, cookiePassword },
      });
      const session = workos.userManagement.loadSealedSession({
        sessionData: res.sealedSession,
        cookiePassword,
      });
      const live = await session.authenticate();
      expect(live).toMatchObject({ authenticated: true, user: { id: u.id } });
      await workos.userManagement.revokeSession({ sessionId: live.sessionId });
      expect(await session.refresh()).toMatchObject({
        authenticated: false,
        reason: 'invalid_grant',
        retryable: false,
      });
    },
  );

  it.runIf(major === '12')(
    'SDK 12: no authorized Connect applications (Portico has no WorkOS Connect)',
    async () => {
      const u = await workos.userManagement.createUser({ email: email('connect') });
      const apps = await workos.userManagement.listAuthorizedApplications(u.id);
      expect(apps.data).toEqual([]);
      expect(await apps.autoPagination()).toEqual([]);
      await expect(
        workos.userManagement.deleteAuthorizedApplication(u.id, 'conn_app_01NOTHERE000000000000000'),
      ).rejects.toMatchObject({ status: 404, code: 'authorized_application_not_found' });
      await expect(
        workos.userManagement.listAuthorizedApplications('user_01NOTHERE0000000000000000'),
      ).rejects.toMatchObject({ status: 404, code: 'entity_not_found' });
    },
  );

  it('maps Portico errors onto the SDK’s exceptions', async () => {
    await expect(workos.organizations.getOrganization('org_01NOTHERE0000000000000000')).rejects.toMatchObject(
      { status: 404 },
    );
    await expect(workos.userManagement.createUser({ email: 'not-an-email' })).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      workos.userManagement.authenticateWithPassword({
        email: email('nobody'),
        password: 'whatever pass',
        clientId: p.h.clientId,
      }),
    ).rejects.toMatchObject({ status: 400 });
    const WorkOS = await sdkClass(major);
    const wrong = new WorkOS('sk_test_wrongwrongwrongwrongwrong', {
      apiHostname: '127.0.0.1',
      port: p.port,
      https: false,
      clientId: p.h.clientId,
    });
    await expect(wrong.organizations.listOrganizations()).rejects.toMatchObject({ status: 401 });
  });

  it('sends responses that match WorkOS’s OpenAPI schemas', () => {
    const verdicts = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) }));
    const checked = verdicts.filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    expect(checked.length).toBeGreaterThan(30);
  });
});
