/**
 * Login CSRF and cross-site writes (issue 11, item 6): every state-changing request to the
 * dashboard (`/_admin/…`, and the WorkOS API when the dashboard cookie authenticates it) and to the
 * Admin Portal API (`/portal/api/…`) must come from Portico's own origin (PORTICO_PUBLIC_URL, or a
 * browser's `Sec-Fetch-Site: same-origin`) with a JSON body. A refused request changes nothing: no
 * session cookie, no row. Requests with an API key (the SDK) are not concerned. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

const ADMIN_EMAIL = 'csrf@portico.test';
const PUBLIC = 'https://auth.example.net';
let h: Harness;
let password: string;

beforeAll(async () => {
  // Behind a reverse proxy: people open https://auth.example.net, the process sees http://localhost.
  h = await createHarness({ publicUrl: `${PUBLIC}/`, env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL } });
  password = (await h.portico.services.admin.bootstrap()).password!;
});
afterAll(() => h.close());

const count = async (table: 'admin_sessions' | 'organizations' | 'connections') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

function signIn(
  headers: Record<string, string>,
  body: BodyInit = JSON.stringify({ email: ADMIN_EMAIL, password }),
) {
  return h.portico.app.request('/_admin/session', { method: 'POST', headers, body });
}

async function refused(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(JSON.parse(text).code).toBe(code);
  expect(res.headers.get('set-cookie')).toBeNull();
  return JSON.parse(text) as { code: string; message: string };
}

describe('POST /_admin/session (login CSRF)', () => {
  it('refuses a foreign Origin, and sets no cookie', async () => {
    const before = await count('admin_sessions');
    const body = await refused(
      await signIn({ 'content-type': 'application/json', origin: 'https://evil.example' }),
      403,
      'cross_origin_request',
    );
    expect(body.message).toContain(PUBLIC);
    expect(body.message).toContain('PORTICO_PUBLIC_URL');
    expect(await count('admin_sessions')).toBe(before);
  });

  it('refuses the origin the process sees when the public URL says otherwise', async () => {
    // http://localhost is what app.request addresses; without the browser's same-origin word, it
    // is not PORTICO_PUBLIC_URL's origin.
    await refused(
      await signIn({ 'content-type': 'application/json', origin: 'http://localhost' }),
      403,
      'cross_origin_request',
    );
  });

  it('refuses Sec-Fetch-Site cross-site or same-site, and a request with neither header', async () => {
    const before = await count('admin_sessions');
    for (const site of ['cross-site', 'same-site', 'none']) {
      await refused(
        await signIn({ 'content-type': 'application/json', 'sec-fetch-site': site }),
        403,
        'cross_origin_request',
      );
    }
    const bare = await refused(
      await signIn({ 'content-type': 'application/json' }),
      403,
      'cross_origin_request',
    );
    expect(bare.message).toContain(`Origin: ${PUBLIC}`);
    await refused(
      await signIn({ 'content-type': 'application/json', origin: 'null' }),
      403,
      'cross_origin_request',
    );
    expect(await count('admin_sessions')).toBe(before);
  });

  it('refuses text/plain, form and multipart bodies from the right origin, and sets no cookie', async () => {
    const before = await count('admin_sessions');
    const json = JSON.stringify({ email: ADMIN_EMAIL, password });
    // A cross-site <form enctype="text/plain"> smuggles JSON this way.
    const plain = await refused(
      await signIn({ origin: PUBLIC, 'content-type': 'text/plain' }, json),
      415,
      'unsupported_media_type',
    );
    expect(plain.message).toContain('application/json');
    // Request() gives a string body text/plain;charset=UTF-8 by itself.
    await refused(await signIn({ origin: PUBLIC }, json), 415, 'unsupported_media_type');
    await refused(
      await signIn(
        { origin: PUBLIC, 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams({ email: ADMIN_EMAIL, password }).toString(),
      ),
      415,
      'unsupported_media_type',
    );
    const form = new FormData();
    form.set('email', ADMIN_EMAIL);
    form.set('password', password);
    await refused(await signIn({ origin: PUBLIC }, form), 415, 'unsupported_media_type');
    expect(await count('admin_sessions')).toBe(before);
  });

  it('accepts JSON from the public origin, and from a browser that says same-origin', async () => {
    const byOrigin = await signIn({ 'content-type': 'application/json', origin: PUBLIC });
    expect(byOrigin.status, await byOrigin.clone().text()).toBe(201);
    expect(byOrigin.headers.get('set-cookie')).toMatch(/^portico_admin=/);
    // No Origin, but the browser's own Sec-Fetch-Site.
    const bySite = await signIn({
      'content-type': 'application/json; charset=utf-8',
      'sec-fetch-site': 'same-origin',
    });
    expect(bySite.status).toBe(201);
    // A developer on http://localhost while PORTICO_PUBLIC_URL names the proxy: the browser says
    // same-origin and its Origin is the address it sent the request to.
    const alias = await signIn({
      'content-type': 'application/json',
      origin: 'http://localhost',
      'sec-fetch-site': 'same-origin',
    });
    expect(alias.status).toBe(201);
  });
});

describe('the rest of the dashboard', () => {
  async function admin() {
    const res = await signIn({ 'content-type': 'application/json', origin: PUBLIC });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf_token } = await json<{ csrf_token: string }>(res);
    return { cookie, 'x-portico-csrf': csrf_token };
  }

  it('refuses cross-origin and non-JSON writes on /_admin, even with the cookie and CSRF header', async () => {
    const s = await admin();
    const keys = async () => (await h.portico.services.environments.listApiKeys(h.environmentId)).length;
    const before = await keys();
    const post = (headers: Record<string, string>, body: string) =>
      h.portico.app.request('/_admin/api_keys', { method: 'POST', headers: { ...s, ...headers }, body });
    const name = JSON.stringify({ name: 'sneaky' });
    await refused(
      await post({ 'content-type': 'application/json', origin: 'https://evil.example' }, name),
      403,
      'cross_origin_request',
    );
    await refused(
      await post({ origin: PUBLIC, 'content-type': 'text/plain' }, name),
      415,
      'unsupported_media_type',
    );
    expect(await keys()).toBe(before);
    const ok = await post({ 'content-type': 'application/json', origin: PUBLIC }, name);
    expect(ok.status).toBe(201);
    // Reads are not concerned, nor a DELETE without a body from the right origin.
    expect((await h.portico.app.request('/_admin/api_keys', { headers: s })).status).toBe(200);
    const out = await h.portico.app.request('/_admin/session', {
      method: 'DELETE',
      headers: { ...s, origin: PUBLIC },
    });
    expect(out.status).toBe(204);
  });

  it('refuses a cross-origin write to the WorkOS API made with the dashboard cookie; an API key is unaffected', async () => {
    const s = await admin();
    const before = await count('organizations');
    const create = (headers: Record<string, string>) =>
      h.portico.app.request('/organizations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'Cross Corp' }),
      });
    await refused(await create({ ...s, origin: 'https://evil.example' }), 403, 'cross_origin_request');
    await refused(await create({ ...s }), 403, 'cross_origin_request');
    expect(await count('organizations')).toBe(before);
    expect((await create({ ...s, origin: PUBLIC })).status).toBe(201);
    // The SDK: a key, no Origin.
    expect((await create({ authorization: `Bearer ${h.apiKey}` })).status).toBe(201);
  });
});

describe('the Admin Portal API', () => {
  it('refuses cross-origin and non-JSON writes, and creates nothing', async () => {
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Portal Corp' }));
    const { link } = await json<{ link: string }>(
      await h.api('POST', '/portal/generate_link', { organization: org.id, intent: 'sso' }),
    );
    const u = new URL(link);
    const launched = await h.portico.app.request(`${u.pathname}${u.search}`);
    expect(launched.status).toBe(302);
    const cookie = launched.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf } = await json<{ csrf: string }>(
      await h.portico.app.request('/portal/api/session', { headers: { cookie } }),
    );
    const create = (headers: Record<string, string>) =>
      h.portico.app.request('/portal/api/sso/connections', {
        method: 'POST',
        headers: { cookie, 'x-portico-csrf': csrf, ...headers },
        body: JSON.stringify({ idp: 'okta' }),
      });
    const before = await count('connections');
    await refused(
      await create({ 'content-type': 'application/json', origin: 'https://evil.example' }),
      403,
      'cross_origin_request',
    );
    await refused(await create({ 'content-type': 'application/json' }), 403, 'cross_origin_request');
    await refused(
      await create({ origin: PUBLIC, 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    await refused(
      await create({ origin: PUBLIC, 'content-type': 'multipart/form-data; boundary=x' }),
      415,
      'unsupported_media_type',
    );
    expect(await count('connections')).toBe(before);
    const ok = await create({ 'content-type': 'application/json', origin: PUBLIC });
    expect(ok.status, await ok.clone().text()).toBe(201);
  });
});
