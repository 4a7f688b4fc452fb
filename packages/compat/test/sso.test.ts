/**
 * Enterprise SSO through the official SDK (every major of the matrix: 7, 8, 11, 12) against a
 * listening Portico, with Portico's own Test IdP as the customer's IdP: the SSO API
 * (`sso.getAuthorizationUrl` → `getProfileAndToken` → `getProfile`), AuthKit SSO by organization
 * and by connection exactly as the integration guide writes it, JIT provisioning, IdP-initiated
 * sign-in through to the user it signs in, the failure scenarios and the tracer. Every major has
 * the same SSO surface (the methods and their arguments did not change from 7 to 12), so every
 * scenario runs on each; the dashboard's test sign-in uses no SDK and runs once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './support/http-browser.ts';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, modern, sdkFor } from './support/sdks.ts';

let p: Running;
let testOrgId: string;
let testConnId: string;
let oidcOrgId: string;
const REDIRECT = 'http://localhost:3000/callback';

beforeAll(async () => {
  p = await startPortico({ testIdp: true });
  const orgs = (await (
    await fetch(`${p.url}/organizations?limit=100`, { headers: { authorization: `Bearer ${p.h.apiKey}` } })
  ).json()) as { data: { id: string; name: string }[] };
  testOrgId = orgs.data.find((o) => o.name === 'Test Organization')!.id;
  oidcOrgId = orgs.data.find((o) => o.name === 'Test OIDC Organization')!.id;
  const conns = (await (
    await fetch(`${p.url}/connections?organization_id=${testOrgId}`, {
      headers: { authorization: `Bearer ${p.h.apiKey}` },
    })
  ).json()) as { data: { id: string }[] };
  testConnId = conns.data[0]!.id;
});
afterAll(() => p?.close());

/** Follows Portico → Test IdP → ACS → app, like a browser without JavaScript. */
async function throughTestIdp(start: string, opts: { email?: string; scenario?: string } = {}) {
  const b = new Browser();
  let res = await b.get(start);
  while (res.status === 302 && !res.location!.startsWith(REDIRECT)) res = await b.get(res.location!);
  if (res.status !== 200)
    throw new Error(`expected the Test IdP page, got ${res.status}: ${res.body.slice(0, 300)}`);
  const picked = await b.submit(res, {
    email: opts.email ?? 'alice@saml.portico.test',
    scenario: opts.scenario ?? 'ok',
  });
  expect(picked.status).toBe(200);
  const acs = await b.submit(picked, {});
  return { acs, browser: b, idpPage: picked };
}

describe.each(MAJORS)('SSO with the Test IdP through the official SDK %s', (major) => {
  let workos: AnyWorkOS;
  beforeAll(async () => {
    workos = await sdkFor(major, p);
  });

  it('SSO API: getAuthorizationUrl by organization → SAML → getProfileAndToken → getProfile', async () => {
    const url = workos.sso.getAuthorizationUrl({
      organization: testOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
      state: 'st-1',
    });
    const { acs } = await throughTestIdp(url);
    expect(acs.status).toBe(302);
    const back = new URL(acs.location!);
    expect(back.searchParams.get('state')).toBe('st-1');
    const { profile, accessToken } = await workos.sso.getProfileAndToken({
      code: back.searchParams.get('code')!,
      clientId: p.h.clientId,
    });
    expect(profile).toMatchObject({
      email: 'alice@saml.portico.test',
      firstName: 'Alice',
      lastName: 'Example',
      organizationId: testOrgId,
      connectionId: testConnId,
      connectionType: 'GenericSAML',
    });
    expect(profile.groups).toEqual(['Engineering', 'Admins']);
    const again = await workos.sso.getProfile({ accessToken });
    expect(again.id).toBe(profile.id);
  });

  it('AuthKit by organizationId, as the guide writes it: JIT user, membership, authentication_method SSO', async () => {
    const authorizationUrl = workos.userManagement.getAuthorizationUrl({
      organizationId: testOrgId, // Routes to org's configured SSO provider
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const { acs } = await throughTestIdp(authorizationUrl, { email: 'bob@saml.portico.test' });
    const code = new URL(acs.location!).searchParams.get('code')!;
    const { user, organizationId, authenticationMethod } = await workos.userManagement.authenticateWithCode({
      code,
      clientId: p.h.clientId,
    });
    expect(user.email).toBe('bob@saml.portico.test');
    expect(organizationId).toBe(testOrgId);
    expect(authenticationMethod).toBe('SSO');
    const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
      userId: user.id,
    });
    expect(memberships.map((m: { organizationId: string }) => m.organizationId)).toEqual([testOrgId]);
  });

  it('AuthKit by organization with an invitationToken: the SSO sign-in accepts the invitation', async () => {
    const email = `invited-${major}@saml.portico.test`;
    const org = await workos.organizations.createOrganization({ name: `Invited by SSO ${major}` });
    const inv = await workos.userManagement.sendInvitation({
      email,
      organizationId: org.id,
      roleSlug: 'admin',
    });
    // SDK 7 and 8 have no invitationToken option: the app adds the parameter WorkOS documents.
    const url = new URL(
      workos.userManagement.getAuthorizationUrl({
        organizationId: testOrgId,
        redirectUri: REDIRECT,
        clientId: p.h.clientId,
        ...(modern(major) ? { invitationToken: inv.token } : {}),
      }),
    );
    if (!modern(major)) url.searchParams.set('invitation_token', inv.token);
    const { acs } = await throughTestIdp(url.toString(), { email });
    expect(acs.status, acs.body.slice(0, 300)).toBe(302);
    const code = new URL(acs.location!).searchParams.get('code')!;
    const res = await workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId });
    expect(res).toMatchObject({ organizationId: org.id, authenticationMethod: 'SSO' });
    expect((await workos.userManagement.getInvitation(inv.id)).state).toBe('accepted');
    const { data } = await workos.userManagement.listOrganizationMemberships({ userId: res.user.id });
    const invited = data.find((m: { organizationId: string }) => m.organizationId === org.id);
    expect(invited).toMatchObject({ status: 'active', role: { slug: 'admin' } });

    // The invitation is spent: a second SSO start with it goes back to the app with invitation_invalid.
    const again = new URL(url);
    again.searchParams.set('invitation_token', inv.token);
    const back = await fetch(again, { redirect: 'manual' });
    expect(new URL(back.headers.get('location')!).searchParams.get('error')).toBe('invitation_invalid');
  });

  it('AuthKit by connectionId, as the guide writes it', async () => {
    const authorizationUrl = workos.userManagement.getAuthorizationUrl({
      connectionId: testConnId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const { acs } = await throughTestIdp(authorizationUrl);
    const code = new URL(acs.location!).searchParams.get('code')!;
    const res = await workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId });
    expect(res.user.email).toBe('alice@saml.portico.test');
    expect(res).toMatchObject({ organizationId: testOrgId, authenticationMethod: 'SSO' });
  });

  it('routes an email of an SSO domain on the hosted sign-in page straight to the IdP', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const b = new Browser();
    let res = await b.get(url);
    res = await b.get(res.location!);
    const posted = await b.submit(res, { email: 'alice@saml.portico.test', password: '' });
    // A page that moves on by itself (meta refresh and a link): a 302 answer to the form post
    // would be blocked by the page's CSP form-action for an IdP on another origin.
    expect(posted.status).toBe(200);
    const target = /http-equiv="refresh" content="0;url=([^"]+)"/
      .exec(posted.body)?.[1]
      ?.replace(/&amp;/g, '&');
    expect(target).toContain(`/test-idp/${testConnId}/sso?SAMLRequest=`);
    const idpPage = await b.get(target!);
    expect(idpPage.status).toBe(200);
  });

  it('IdP-initiated sign-in lands on the first allowed redirect URI with a code that signs the user in', async () => {
    const { acs } = await throughTestIdp(`${p.url}/test-idp/${testConnId}/start`, {
      email: `dana-${major}@saml.portico.test`,
    });
    expect(acs.status).toBe(302);
    expect(acs.location!.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const back = new URL(acs.location!);
    expect(back.searchParams.get('state')).toBeNull(); // no application request to echo
    // The app exchanges it like any AuthKit code: a JIT user in the connection's organization.
    const code = back.searchParams.get('code')!;
    const { user, organizationId, authenticationMethod, accessToken } =
      await workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId });
    expect(user).toMatchObject({ email: `dana-${major}@saml.portico.test`, emailVerified: true });
    expect(organizationId).toBe(testOrgId);
    expect(authenticationMethod).toBe('SSO');
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: user.id, org_id: testOrgId });
    const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
      userId: user.id,
    });
    expect(memberships.map((m: { organizationId: string }) => m.organizationId)).toEqual([testOrgId]);
    // Single use, as every code.
    await expect(
      workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('IdP-initiated sign-in’s code also redeems through the SSO API (getProfileAndToken), once across both', async () => {
    const { acs } = await throughTestIdp(`${p.url}/test-idp/${testConnId}/start`, {
      email: `erin-${major}@saml.portico.test`,
    });
    const code = new URL(acs.location!).searchParams.get('code')!;
    // An application on the standalone SSO API, as WorkOS's SSO quick start writes it.
    const { profile, accessToken } = await workos.sso.getProfileAndToken({ code, clientId: p.h.clientId });
    expect(profile).toMatchObject({
      email: `erin-${major}@saml.portico.test`,
      connectionId: testConnId,
      organizationId: testOrgId,
      connectionType: 'GenericSAML',
    });
    expect(await workos.sso.getProfile({ accessToken })).toMatchObject({
      email: `erin-${major}@saml.portico.test`,
    });
    // The same code is spent for AuthKit too, and for a second SSO API exchange.
    await expect(
      workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(workos.sso.getProfileAndToken({ code, clientId: p.h.clientId })).rejects.toThrow(
      /invalid_grant/,
    );

    // And the other way round: redeemed by AuthKit first, refused by the SSO API.
    const second = await throughTestIdp(`${p.url}/test-idp/${testConnId}/start`, {
      email: `erin-${major}@saml.portico.test`,
    });
    const code2 = new URL(second.acs.location!).searchParams.get('code')!;
    await workos.userManagement.authenticateWithCode({ code: code2, clientId: p.h.clientId });
    await expect(workos.sso.getProfileAndToken({ code: code2, clientId: p.h.clientId })).rejects.toThrow(
      /invalid_grant/,
    );
  });

  it.each([
    ['expired', 'saml_assertion_expired'],
    ['wrong_audience', 'saml_audience_mismatch'],
    ['unsigned', 'saml_signature_missing'],
    ['outside_domain', 'profile_not_allowed_outside_organization'],
  ])('scenario %s fails with %s, back to the app and in the tracer', async (scenario, code) => {
    const url = workos.sso.getAuthorizationUrl({
      organization: testOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
      state: scenario,
    });
    const { acs } = await throughTestIdp(url, { scenario });
    expect(acs.status).toBe(302);
    const back = new URL(acs.location!);
    expect(back.searchParams.get('error')).toBe(code);
    expect(back.searchParams.get('state')).toBe(scenario);
    expect(back.searchParams.get('error_description')!.length).toBeGreaterThan(20);
    const traces = await fetch(`${p.url}/connections/${testConnId}/sso_traces?limit=1`, {
      headers: { authorization: `Bearer ${p.h.apiKey}` },
    }).then(
      (r) => r.json() as Promise<{ data: { outcome: string; error: { code: string; fix: string } }[] }>,
    );
    expect(traces.data[0]).toMatchObject({ outcome: 'failed', error: { code } });
    expect(traces.data[0]!.error.fix.length).toBeGreaterThan(10);
  });

  it('accepts an assertion encrypted to the SP certificate published in the metadata', async () => {
    const metadata = await fetch(`${p.url}/sso/saml/${testConnId}/metadata`).then((r) => r.text());
    expect(metadata).toContain('use="signing"');
    expect(metadata).toContain('use="encryption"');
    const url = workos.sso.getAuthorizationUrl({
      organization: testOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const { acs, idpPage } = await throughTestIdp(url, { scenario: 'encrypted' });
    expect(idpPage.body).not.toContain(
      Buffer.from('alice@saml.portico.test').toString('base64').slice(0, 12),
    );
    expect(new URL(acs.location!).searchParams.get('error_description')).toBeNull();
    const code = new URL(acs.location!).searchParams.get('code')!;
    const { profile } = await workos.sso.getProfileAndToken({ code, clientId: p.h.clientId });
    expect(profile.email).toBe('alice@saml.portico.test');
  });

  it('signs AuthnRequests (Redirect binding, RSA-SHA256) when the connection asks for it', async () => {
    const patch = await fetch(`${p.url}/connections/${testConnId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ saml: { sign_requests: true } }),
    });
    expect(patch.status).toBe(200);
    const url = workos.sso.getAuthorizationUrl({
      organization: testOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location')!;
    const query = location.slice(location.indexOf('?') + 1);
    const signed = query.slice(0, query.indexOf('&Signature='));
    const signature = decodeURIComponent(query.slice(query.indexOf('&Signature=') + 11));
    expect(signed).toContain('SigAlg=');
    const metadata = await fetch(`${p.url}/sso/saml/${testConnId}/metadata`).then((r) => r.text());
    const der =
      /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(metadata)?.[1] ??
      /X509Certificate>([^<]+)</.exec(metadata)![1]!;
    const { X509Certificate, verify } = await import('node:crypto');
    const cert = new X509Certificate(Buffer.from(der.replace(/\s+/g, ''), 'base64'));
    expect(verify('RSA-SHA256', Buffer.from(signed), cert.publicKey, Buffer.from(signature, 'base64'))).toBe(
      true,
    );
    await fetch(`${p.url}/connections/${testConnId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ saml: { sign_requests: false } }),
    });
  });

  it('the built-in OIDC Test Provider signs Carol in through AuthKit (discovery, PKCE, nonce, userinfo groups)', async () => {
    const url = workos.userManagement.getAuthorizationUrl({
      organizationId: oidcOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
      state: 'oidc-1',
    });
    const b = new Browser();
    let res = await b.get(url);
    expect(res.location).toContain('/test-oidc/');
    res = await b.get(res.location!);
    expect(res.status).toBe(200);
    const callback = await b.submit(res, { sub: 'carol' });
    expect(callback.status).toBe(302);
    const back = await b.get(callback.location!);
    expect(back.status).toBe(302);
    const appUrl = new URL(back.location!);
    expect(appUrl.searchParams.get('state')).toBe('oidc-1');
    const { user, authenticationMethod, organizationId } = await workos.userManagement.authenticateWithCode({
      code: appUrl.searchParams.get('code')!,
      clientId: p.h.clientId,
    });
    expect(user).toMatchObject({ email: 'carol@oidc.portico.test', firstName: 'Carol' });
    expect(authenticationMethod).toBe('SSO');
    expect(organizationId).toBe(oidcOrgId);
  });

  it('refuses a replayed IdP-initiated response (no request to consume: the assertion id is remembered)', async () => {
    const { acs, browser, idpPage } = await throughTestIdp(`${p.url}/test-idp/${testConnId}/start`);
    expect(acs.location!.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const replay = await browser.submit(idpPage, {});
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already used');
  });

  it('refuses a replayed SAML response', async () => {
    const url = workos.sso.getAuthorizationUrl({
      organization: testOrgId,
      redirectUri: REDIRECT,
      clientId: p.h.clientId,
    });
    const { acs, browser, idpPage } = await throughTestIdp(url);
    expect(new URL(acs.location!).searchParams.get('code')).toBeTruthy();
    const replay = await browser.submit(idpPage, {});
    expect(replay.status).toBe(302);
    expect(new URL(replay.location!).searchParams.get('error')).toBe('saml_in_response_to_replayed');
  });

  it('lists, reads and deletes connections through the SDK; the management API creates and deactivates', async () => {
    const org = await workos.organizations.createOrganization({
      name: 'Okta Customer',
      domainData: [{ domain: `okta-customer-${major}.com`, state: 'verified' }],
    });
    const setup = await fetch(`${p.url}/connections/${testConnId}/setup`, {
      headers: { authorization: `Bearer ${p.h.apiKey}` },
    }).then(
      (r) =>
        r.json() as Promise<{ saml: { acs_url: string; certificates: { fingerprint_sha256: string }[] } }>,
    );
    expect(setup.saml.acs_url).toBe(`${p.h.portico.deps.config.publicUrl}/sso/saml/${testConnId}/acs`);
    const created = await fetch(`${p.url}/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Okta',
        organization_id: org.id,
        connection_type: 'OktaSAML',
        saml: {
          idp_entity_id: 'http://www.okta.com/exk1',
          idp_sso_url: 'https://acme.okta.com/app/sso/saml',
        },
      }),
    });
    expect(created.status).toBe(201);
    const draft = (await created.json()) as { id: string; state: string; setup_problem: string };
    expect(draft.state).toBe('draft');
    expect(draft.setup_problem).toContain('certificate');
    const refused = await fetch(`${p.url}/connections/${draft.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'active' }),
    });
    expect(refused.status).toBe(422);
    const got = await workos.sso.getConnection(draft.id);
    expect(got).toMatchObject({ id: draft.id, type: 'OktaSAML', state: 'draft', organizationId: org.id });
    expect(got.domains.map((d: { domain: string }) => d.domain)).toEqual([`okta-customer-${major}.com`]);
    const listed = await workos.sso.listConnections({ organizationId: org.id });
    expect(listed.data.map((c: { id: string }) => c.id)).toEqual([draft.id]);
    await workos.sso.deleteConnection(draft.id);
    await expect(workos.sso.getConnection(draft.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('the dashboard’s test sign-in (no SDK involved)', () => {
  it('test sign-in: a real sign-in at the Test IdP that comes back to the dashboard page with its verdict', async () => {
    const api = (path: string, body: unknown) =>
      fetch(`${p.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const started = await api(`/connections/${testConnId}/test_sign_in`, {});
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    expect(url).toContain(`/test-idp/${testConnId}/sso?SAMLRequest=`);
    // Success: the ACS hands the code to /sso/test/callback, which consumes it and returns.
    let b = new Browser();
    let idp = await b.get(url);
    let picked = await b.submit(idp, { email: 'alice@saml.portico.test', scenario: 'ok' });
    let acs = await b.submit(picked, {});
    expect(acs.location).toContain('/sso/test/callback?code=');
    let back = await b.get(acs.location!);
    expect(back.status).toBe(302);
    expect(back.location).toBe(`${p.url}/#/connections/${testConnId}?sso_test=succeeded`);
    const traces = (await (
      await fetch(`${p.url}/connections/${testConnId}/sso_traces?limit=1`, {
        headers: { authorization: `Bearer ${p.h.apiKey}` },
      })
    ).json()) as { data: { outcome: string; email: string | null }[] };
    expect(traces.data[0]).toMatchObject({ outcome: 'succeeded', email: 'alice@saml.portico.test' });

    // Failure: an expired assertion comes back as failed; the trace says why.
    const again = (await (
      await api(`/connections/${testConnId}/test_sign_in`, { return_to: '/portal#/sso' })
    ).json()) as {
      url: string;
    };
    b = new Browser();
    idp = await b.get(again.url);
    picked = await b.submit(idp, { email: 'alice@saml.portico.test', scenario: 'expired' });
    acs = await b.submit(picked, {});
    back = await b.get(acs.location!);
    expect(back.location).toBe(`${p.url}/portal#/sso?sso_test=failed`);
    const failed = (await (
      await fetch(`${p.url}/connections/${testConnId}/sso_traces?limit=1`, {
        headers: { authorization: `Bearer ${p.h.apiKey}` },
      })
    ).json()) as { data: { outcome: string; error: { code: string; message: string; fix: string } }[] };
    expect(failed.data[0]).toMatchObject({ outcome: 'failed', error: { code: 'saml_assertion_expired' } });
    expect(failed.data[0]!.error.fix.length).toBeGreaterThan(10);

    // return_to must stay on this server; a changed state is refused with a page.
    for (const bad of ['https://evil.example/x', '//evil.example', '/\\evil.example'])
      expect((await api(`/connections/${testConnId}/test_sign_in`, { return_to: bad })).status).toBe(422);
    const tampered = await fetch(`${p.url}/sso/test/callback?code=x&state=v1.AAAA.BBBB.CCCC`, {
      redirect: 'manual',
    });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('Start the test again');
  });
});

describe('the development test organizations', () => {
  it('own domains under .test, so an organization of yours can claim example.com and example.org', async () => {
    const headers = { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' };
    const org = async (id: string) =>
      (await (await fetch(`${p.url}/organizations/${id}`, { headers })).json()) as {
        domains: { domain: string }[];
      };
    expect((await org(testOrgId)).domains.map((d) => d.domain)).toEqual(['saml.portico.test']);
    expect((await org(oidcOrgId)).domains.map((d) => d.domain)).toEqual(['oidc.portico.test']);
    const res = await fetch(`${p.url}/organizations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Example Inc',
        domain_data: [
          { domain: 'example.com', state: 'verified' },
          { domain: 'example.org', state: 'verified' },
        ],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  });
});

describe('SSO responses', () => {
  it('sends /connections and /sso responses that match WorkOS’s OpenAPI schemas', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    const templates = new Set(checked.map((x) => `${x.r.method} ${x.v.template}`));
    for (const t of ['GET /connections', 'GET /connections/{id}', 'POST /sso/token', 'GET /sso/profile'])
      expect(templates).toContain(t);
  });
});
