/**
 * A broken OIDC discovery URL at authorize: `GET /sso/authorize` and AuthKit's
 * `GET /user_management/authorize` send `error=oidc_discovery_failed` (cause and fix in
 * `error_description`, the app's state kept) to the validated redirect URI instead of a 500; the
 * attempt is a failed SSO trace and an `authentication.sso_failed` event; the hosted sign-in page
 * shows the code on its form; the test sign-in API answers 502 with the code; anything unexpected
 * comes back as `server_error` without its cause.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDiscoveryCache } from '../../src/features/sso/oidc.ts';
import { createHarness, freePort, type Harness, json, REDIRECT_URI } from '../harness.ts';

let h: Harness;
let garbage: Server;
let refusedUrl: string;
let garbageUrl: string;

beforeAll(async () => {
  h = await createHarness({ clock: 'system' });
  // Nothing listens on this port: connection refused.
  refusedUrl = `http://127.0.0.1:${await freePort()}/.well-known/openid-configuration`;
  // Something that answers, but not with an OpenID configuration.
  garbage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to nginx!</body></html>');
  });
  await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', () => r()));
  garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/.well-known/openid-configuration`;
});
afterAll(async () => {
  await new Promise((r) => garbage?.close(r));
  await h?.close();
});

async function oidcOrganization(name: string, discoveryUrl: string, domain: string) {
  const org = await json(
    await h.api('POST', '/organizations', { name, domain_data: [{ domain, state: 'verified' }] }),
  );
  const conn = await json(
    await h.api('POST', '/connections', {
      name: `${name} IdP`,
      organization_id: org.id,
      connection_type: 'GenericOIDC',
      oidc: { discovery_url: discoveryUrl, client_id: 'portico', client_secret: 'secret' },
    }),
  );
  expect(conn.state).toBe('active');
  return { orgId: String(org.id), connId: String(conn.id) };
}

function query(params: Record<string, string>) {
  return new URLSearchParams({ client_id: h.clientId, redirect_uri: REDIRECT_URI, ...params }).toString();
}

/** The authorize answer must be a redirect to the app carrying the error and the state. */
async function errorRedirect(path: string) {
  clearDiscoveryCache();
  const res = await h.portico.app.request(path);
  expect(res.status, await res.clone().text()).toBe(302);
  const url = new URL(res.headers.get('location')!);
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT_URI);
  return url.searchParams;
}

describe('a failed OIDC discovery at authorize', () => {
  it('unreachable: both authorize endpoints redirect to the app with oidc_discovery_failed and the state', async () => {
    const { orgId, connId } = await oidcOrganization('Refused Co', refusedUrl, 'refused.test');

    const sso = await errorRedirect(`/sso/authorize?${query({ connection: connId, state: 'sso-1' })}`);
    expect(sso.get('error')).toBe('oidc_discovery_failed');
    expect(sso.get('state')).toBe('sso-1');
    expect(sso.get('error_description')).toContain(connId);
    expect(sso.get('error_description')).toContain(refusedUrl);
    expect(sso.get('error_description')).toMatch(/refused/i);
    expect(sso.get('error_description')).toContain('reachable from the Portico server');
    expect(sso.has('code')).toBe(false);

    const byOrg = await errorRedirect(`/sso/authorize?${query({ organization: orgId, state: 'sso-2' })}`);
    expect(byOrg.get('error')).toBe('oidc_discovery_failed');
    expect(byOrg.get('state')).toBe('sso-2');

    const authkit = await errorRedirect(
      `/user_management/authorize?${query({ response_type: 'code', organization_id: orgId, state: 'ak-1' })}`,
    );
    expect(authkit.get('error')).toBe('oidc_discovery_failed');
    expect(authkit.get('state')).toBe('ak-1');
    expect(authkit.get('error_description')).toMatch(/refused/i);

    const byConnection = await errorRedirect(
      `/user_management/authorize?${query({ response_type: 'code', connection_id: connId })}`,
    );
    expect(byConnection.get('error')).toBe('oidc_discovery_failed');
    expect(byConnection.has('state')).toBe(false);

    // Each attempt is a failed trace with the cause, and an authentication.sso_failed event.
    const traces = await json<{
      data: { outcome: string; error: { code: string; fix: string }; steps: { step: string }[] }[];
    }>(await h.api('GET', `/connections/${connId}/sso_traces`));
    expect(traces.data.length).toBeGreaterThanOrEqual(3);
    for (const t of traces.data) {
      expect(t.outcome).toBe('failed');
      expect(t.error.code).toBe('oidc_discovery_failed');
      expect(t.error.fix).toContain('reachable');
      expect(t.steps.map((s) => s.step)).toEqual(['flow_started', 'discovery', 'failed']);
    }
    const events = await json<{ data: { data: { error: { code: string } } }[] }>(
      await h.api('GET', '/events?events=authentication.sso_failed&limit=100'),
    );
    expect(events.data.some((e) => e.data.error.code === 'oidc_discovery_failed')).toBe(true);
  });

  it('garbage: a discovery URL that answers HTML names that cause', async () => {
    const { orgId } = await oidcOrganization('Garbage Co', garbageUrl, 'garbage.test');
    for (const path of [
      `/sso/authorize?${query({ organization: orgId, state: 'g-1' })}`,
      `/user_management/authorize?${query({ response_type: 'code', organization_id: orgId, state: 'g-1' })}`,
    ]) {
      const p = await errorRedirect(path);
      expect(p.get('error')).toBe('oidc_discovery_failed');
      expect(p.get('state')).toBe('g-1');
      expect(p.get('error_description')).toContain('did not return an OpenID configuration JSON document');
    }
  });

  it('the hosted sign-in page shows the failure and its code on the form; the test sign-in API answers 502', async () => {
    const { connId } = await oidcOrganization('Form Co', refusedUrl, 'form-refused.test');
    clearDiscoveryCache();
    const start = await h.portico.app.request(
      `/user_management/authorize?${query({ response_type: 'code', provider: 'authkit' })}`,
    );
    const page = start.headers.get('location')!;
    const form = await h.portico.app.request(page);
    const cookie = form.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const html = await form.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const posted = await h.portico.app.request(page, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, email: 'ada@form-refused.test', password: '' }).toString(),
    });
    expect(posted.status).toBe(502);
    expect(posted.headers.get('content-type')).toContain('text/html');
    const body = await posted.text();
    expect(body).toContain('oidc_discovery_failed');
    expect(body).toContain('<form');

    const test = await h.api('POST', `/connections/${connId}/test_sign_in`, {});
    expect(test.status).toBe(502);
    expect(await json(test)).toMatchObject({ code: 'oidc_discovery_failed' });
  });

  it('anything unexpected after the redirect URI is validated comes back as server_error, without its cause', async () => {
    const { connId } = await oidcOrganization('Boom Co', refusedUrl, 'boom.test');
    const sso = h.portico.services.sso;
    const original = sso.start;
    sso.start = async () => {
      throw new Error('secret internal cause');
    };
    try {
      for (const path of [
        `/sso/authorize?${query({ connection: connId, state: 'b-1' })}`,
        `/user_management/authorize?${query({ response_type: 'code', connection_id: connId, state: 'b-1' })}`,
      ]) {
        const res = await h.portico.app.request(path);
        expect(res.status).toBe(302);
        const location = res.headers.get('location')!;
        const p = new URL(location).searchParams;
        expect(p.get('error')).toBe('server_error');
        expect(p.get('state')).toBe('b-1');
        expect(location).not.toContain('secret');
      }
    } finally {
      sso.start = original;
    }
  });

  it('never redirects to an unverified address: a redirect_uri off the allow-list gets an HTML page', async () => {
    const { connId } = await oidcOrganization('Page Co', refusedUrl, 'page.test');
    const res = await h.portico.app.request(
      `/sso/authorize?${new URLSearchParams({ client_id: h.clientId, redirect_uri: 'http://localhost:9999/other', connection: connId })}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});
