/** Drives the hosted sign-in page in-process (no browser): authorize → form → code. */
import { type Harness, json, REDIRECT_URI } from '../harness.ts';
import { startTestIdp, type TestAccount, type TestIdp } from '../support/oidc-idp.ts';

export async function signInForCode(
  h: Harness,
  email: string,
  password: string,
  extra: Record<string, string> = {},
  organization?: string,
): Promise<{ code: string; state: string | null }> {
  const params = new URLSearchParams({
    client_id: h.clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    state: 'st',
    ...extra,
  });
  const auth = await h.portico.app.request(`/user_management/authorize?${params}`);
  if (auth.status !== 302) throw new Error(`authorize: ${auth.status} ${await auth.text()}`);
  const page = await h.portico.app.request(auth.headers.get('location')!);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const res = await h.portico.app.request(action, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, email, password }).toString(),
  });
  if (res.status !== 302) throw new Error(`sign-in: ${res.status} ${(await res.text()).slice(0, 300)}`);
  let back = new URL(res.headers.get('location')!, 'http://portico.invalid');
  if (back.pathname.startsWith('/authkit/continue/')) {
    // A member of several organizations picks one (`organization`, else the first listed).
    const picker = await h.portico.app.request(back.pathname, { headers: { cookie } });
    const page = await picker.text();
    const token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const orgs = [...page.matchAll(/name="organization_id" value="([^"]+)"/g)].map((m) => m[1]!);
    if (!orgs.length) throw new Error(`pending step is not an organization picker: ${page.slice(0, 300)}`);
    const chosen = await h.portico.app.request(back.pathname, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token, organization_id: organization ?? orgs[0]! }).toString(),
    });
    if (chosen.status !== 302)
      throw new Error(`organization picker: ${chosen.status} ${(await chosen.text()).slice(0, 300)}`);
    back = new URL(chosen.headers.get('location')!);
  }
  return { code: back.searchParams.get('code')!, state: back.searchParams.get('state') };
}

/** Redeems an AuthKit authorization code: the `/user_management/authenticate` answer. */
export async function redeemCode(h: Harness, code: string | null): Promise<Record<string, unknown>> {
  const res = await h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'authorization_code',
      code,
    }),
  });
  if (res.status !== 200) throw new Error(`authenticate: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Signs in on the hosted page and redeems the code: the `/user_management/authenticate` answer. */
export async function signInForTokens(
  h: Harness,
  email: string,
  password: string,
): Promise<Record<string, unknown>> {
  const { code } = await signInForCode(h, email, password);
  return redeemCode(h, code);
}

/**
 * An organization (with `domain` verified) whose GenericOIDC connection signs in at a real
 * oidc-provider holding `accounts`: the connection is created first, so the IdP can be told
 * its callback URL, then pointed at the IdP.
 */
export async function oidcOrganization(
  h: Harness,
  o: { name: string; domain: string; accounts: Record<string, TestAccount> },
): Promise<{ orgId: string; connId: string; idp: TestIdp }> {
  const org = await json(
    await h.api('POST', '/organizations', {
      name: o.name,
      domain_data: [{ domain: o.domain, state: 'verified' }],
    }),
  );
  const conn = await json(
    await h.api('POST', '/connections', {
      name: `${o.name} IdP`,
      organization_id: org.id,
      connection_type: 'GenericOIDC',
      oidc: {
        discovery_url: 'http://127.0.0.1:9/.well-known/openid-configuration',
        client_id: 'placeholder',
        client_secret: 'placeholder',
      },
    }),
  );
  const connId = String(conn.id);
  const setup = await json<{ oidc: { redirect_uri: string } }>(
    await h.api('GET', `/connections/${connId}/setup`),
  );
  const idp = await startTestIdp(o.accounts, { redirectUri: setup.oidc.redirect_uri });
  const patched = await h.api('PATCH', `/connections/${connId}`, {
    oidc: { discovery_url: idp.discoveryUrl, client_id: idp.clientId, client_secret: idp.clientSecret },
  });
  if (patched.status !== 200) throw new Error(`connection: ${patched.status} ${await patched.text()}`);
  return { orgId: String(org.id), connId, idp };
}
