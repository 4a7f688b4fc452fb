/**
 * Impersonation through the official SDK (7, 8, 11, 12) against a listening Portico
 * (docs/impersonation.md). A dashboard admin starts it over HTTP (cookie + CSRF), continues on the
 * hosted page, and the application's SDK exchanges the code: each major's `authenticateWithCode`
 * shows `impersonator` and `authenticationMethod: "Impersonation"`, its sealed session carries
 * `impersonator` (`loadSealedSession().authenticate()`), `authenticateWithRefreshToken` keeps it and
 * `act`, `listSessions` shows the Session's `impersonator` and `authMethod`, and `revokeSession` ends
 * it. The responses are checked against WorkOS's OpenAPI document.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkFor } from './support/sdks.ts';

const COOKIE_PASSWORD = 'impersonation-sdk-cookie-password-0123456789';

describe.each(MAJORS)('SDK %s: impersonation', (major) => {
  const ADMIN_EMAIL = `support-${major}@portico.test`;
  let p: Running;
  let workos: AnyWorkOS;
  let admin: { cookie: string; csrf: string };

  beforeAll(async () => {
    p = await startPortico({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL } });
    const password = (await p.h.portico.services.admin.bootstrap()).password!;
    workos = await sdkFor(major, p);
    const res = await fetch(`${p.url}/_admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: p.h.portico.deps.config.publicUrl },
      body: JSON.stringify({ email: ADMIN_EMAIL, password }),
    });
    expect(res.status).toBe(201);
    admin = {
      cookie: res.headers.get('set-cookie')!.split(';')[0]!,
      csrf: ((await res.json()) as { csrf_token: string }).csrf_token,
    };
  });
  afterAll(async () => {
    await p?.close();
  });

  /** The dashboard admin's side: start, open the banner page, Continue; returns the code. */
  async function impersonationCode(userId: string, reason: string, organizationId?: string) {
    const started = await fetch(`${p.url}/_admin/users/${userId}/impersonate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: p.h.portico.deps.config.publicUrl,
        cookie: admin.cookie,
        'x-portico-csrf': admin.csrf,
      },
      body: JSON.stringify({ reason, ...(organizationId ? { organization_id: organizationId } : {}) }),
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const { url } = (await started.json()) as { url: string };
    const page = await fetch(url, { headers: { cookie: admin.cookie } });
    const html = await page.text();
    expect(html).toContain('id="impersonation-banner"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookie = `${admin.cookie}; ${page.headers.get('set-cookie')!.split(';')[0]}`;
    const done = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(done.status).toBe(302);
    const location = new URL(done.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(p.redirectUri);
    return location.searchParams.get('code')!;
  }

  it('authenticateWithCode answers impersonator and Impersonation; the sealed session carries them', async () => {
    const user = await workos.userManagement.createUser({ email: `ada-${major}@customer.test` });
    const org = await workos.organizations.createOrganization({ name: `Customer ${major}` });
    await workos.userManagement.createOrganizationMembership({ userId: user.id, organizationId: org.id });
    const reason = `Ticket ${major}: invoices`;
    const auth = await workos.userManagement.authenticateWithCode({
      clientId: p.h.clientId,
      code: await impersonationCode(user.id, reason, org.id),
      session: { sealSession: true, cookiePassword: COOKIE_PASSWORD },
    });
    expect(auth.user.id).toBe(user.id);
    expect(auth.organizationId).toBe(org.id);
    expect(auth.authenticationMethod).toBe('Impersonation');
    expect(auth.impersonator).toEqual({ email: ADMIN_EMAIL, reason });
    expect(decodeJwt(auth.accessToken)).toMatchObject({
      sub: user.id,
      org_id: org.id,
      act: { sub: ADMIN_EMAIL },
    });

    expect(auth.sealedSession).toBeTruthy();
    const sealed = await workos.userManagement
      .loadSealedSession({ sessionData: auth.sealedSession, cookiePassword: COOKIE_PASSWORD })
      .authenticate();
    expect(sealed.authenticated).toBe(true);
    expect(sealed.impersonator).toEqual({ email: ADMIN_EMAIL, reason });
    expect(sealed.user.id).toBe(user.id);

    // A refresh keeps the impersonation: the response's impersonator and the token's act.
    const refreshed = await workos.userManagement.authenticateWithRefreshToken({
      clientId: p.h.clientId,
      refreshToken: auth.refreshToken,
    });
    expect(refreshed.impersonator).toEqual({ email: ADMIN_EMAIL, reason });
    expect(refreshed.authenticationMethod).toBe('Impersonation');
    expect(decodeJwt(refreshed.accessToken).act).toEqual({ sub: ADMIN_EMAIL });

    // The Session object: auth_method "impersonation" and impersonator, as each SDK deserializes it.
    const sessions = await workos.userManagement.listSessions(user.id);
    const sid = decodeJwt(auth.accessToken).sid as string;
    const s = sessions.data.find((x: { id: string }) => x.id === sid);
    expect(s).toMatchObject({ authMethod: 'impersonation', impersonator: { email: ADMIN_EMAIL, reason } });

    // Revocable: the application's next refresh is refused.
    await workos.userManagement.revokeSession({ sessionId: sid });
    const refused = await workos.userManagement
      .authenticateWithRefreshToken({ clientId: p.h.clientId, refreshToken: refreshed.refreshToken })
      .then(
        () => null,
        (e: { status?: number; error?: string; rawData?: unknown }) => e,
      );
    expect(refused?.status).toBe(400);
  });

  it('a replayed impersonation code is refused; an ordinary sign-in has no impersonator', async () => {
    const user = await workos.userManagement.createUser({
      email: `bob-${major}@customer.test`,
      password: 'correct horse battery staple',
    });
    const code = await impersonationCode(user.id, 'replay check');
    const first = await workos.userManagement.authenticateWithCode({ clientId: p.h.clientId, code });
    expect(first.impersonator?.reason).toBe('replay check');
    const again = await workos.userManagement.authenticateWithCode({ clientId: p.h.clientId, code }).then(
      () => null,
      (e: { status?: number }) => e,
    );
    expect(again?.status).toBe(400);
    const plain = await workos.userManagement.authenticateWithPassword({
      clientId: p.h.clientId,
      email: `bob-${major}@customer.test`,
      password: 'correct horse battery staple',
    });
    expect(plain.impersonator).toBeUndefined();
    expect(plain.authenticationMethod).toBe('Password');
    expect(decodeJwt(plain.accessToken).act).toBeUndefined();
  });

  it('answers with shapes that match WorkOS’s OpenAPI document', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    expect(checked.some((x) => x.v.template === '/user_management/authenticate')).toBe(true);
  });
});
