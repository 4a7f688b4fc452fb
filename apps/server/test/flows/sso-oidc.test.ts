/**
 * OIDC through Portico: an organization's GenericOIDC connection to a real oidc-provider, started
 * from AuthKit's authorize URL, through the IdP's login, to Portico's callback (with the SSRF-safe
 * fetch) and back to the app with a code; and the IdP's refusal coming back as an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';
import type { TestIdp } from '../support/oidc-idp.ts';
import { oidcOrganization } from './support.ts';

let h: Harness;
let idp: TestIdp;
let orgId: string;
let connId: string;

beforeAll(async () => {
  h = await createHarness({ clock: 'system' });
  ({ orgId, connId, idp } = await oidcOrganization(h, {
    name: 'OIDC Co',
    domain: 'oidc.test',
    accounts: {
      alice: {
        claims: {
          sub: 'alice',
          email: 'alice@oidc.test',
          email_verified: true,
          given_name: 'Alice',
          family_name: 'Oidc',
        },
      },
    },
  }));
});
afterAll(async () => {
  await idp?.close();
  await h?.close();
});

async function startAtAuthKit() {
  const res = await h.portico.app.request(
    `/user_management/authorize?client_id=${h.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&organization_id=${orgId}&state=app-state`,
  );
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(idp.issuer)).toBe(true);
  return location;
}

async function callPortico(callback: URL) {
  return h.portico.app.request(`${callback.pathname}${callback.search}`);
}

describe('OIDC connection through AuthKit', () => {
  it('signs in with the IdP, provisions the user, and reports authentication_method SSO', async () => {
    const callback = await idp.signIn(await startAtAuthKit(), { login: 'alice' });
    const res = await callPortico(callback);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('app-state');
    const tokens = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: h.clientId,
        client_secret: h.apiKey,
        grant_type: 'authorization_code',
        code: back.searchParams.get('code'),
      }),
    });
    const body = await json<{
      user: { email: string; first_name: string };
      organization_id: string;
      authentication_method: string;
    }>(tokens);
    expect(body).toMatchObject({
      user: { email: 'alice@oidc.test', first_name: 'Alice' },
      organization_id: orgId,
      authentication_method: 'SSO',
    });
    const traces = await json<{ data: { outcome: string; decoded: { claims: Record<string, unknown> } }[] }>(
      await h.api('GET', `/connections/${connId}/sso_traces?limit=1`),
    );
    expect(traces.data[0]!.outcome).toBe('succeeded');
    expect(JSON.stringify(traces.data[0])).not.toContain(idp.clientSecret);
  });

  it('a replayed callback is refused', async () => {
    const callback = await idp.signIn(await startAtAuthKit(), { login: 'alice' });
    expect((await callPortico(callback)).status).toBe(302);
    const again = await callPortico(callback);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location')!).searchParams.get('error')).toBe('oidc_state_replayed');
  });

  it('a callback after the flow expired, or for a connection deactivated meanwhile, is refused', async () => {
    const late = await idp.signIn(await startAtAuthKit(), { login: 'alice' });
    await h.portico.deps.db
      .updateTable('sso_flows')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', late.searchParams.get('state')!)
      .execute();
    const res = await callPortico(late);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('sso_flow_expired');
    const pending = await idp.signIn(await startAtAuthKit(), { login: 'alice' });
    await h.portico.deps.db
      .updateTable('connections')
      .set({ state: 'inactive' })
      .where('id', '=', connId)
      .execute();
    const refused = await callPortico(pending);
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('connection_inactive');
    await h.portico.deps.db
      .updateTable('connections')
      .set({ state: 'active' })
      .where('id', '=', connId)
      .execute();
  });

  it('the IdP’s refusal comes back to the app as an error with its reason', async () => {
    const callback = await idp.signIn(await startAtAuthKit(), { login: 'alice', cancel: true });
    const res = await callPortico(callback);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('oidc_idp_error');
    expect(back.searchParams.get('error_description')).toContain('access_denied');
  });

  it('writes connection.activated and connection.deactivated with the connection in WorkOS’s event form', async () => {
    await h.api('PATCH', `/connections/${connId}`, { state: 'inactive' });
    const events = await json<{
      data: { event: string; data: { id: string; state: string; status: string } }[];
    }>(await h.api('GET', '/events?events=connection.activated,connection.deactivated&order=asc'));
    expect(events.data.map((e) => [e.event, e.data.id, e.data.state, e.data.status])).toEqual([
      ['connection.activated', connId, 'active', 'linked'],
      ['connection.deactivated', connId, 'inactive', 'unlinked'],
    ]);
    const res = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&organization_id=${orgId}`,
    );
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('organization_invalid');
  });
});
