/**
 * Admin Portal links and sessions, in-process on both dialects: generate_link's validation
 * (nothing written on refusal), the launch's refusals (expired, reused, tampered, organization
 * deleted) each with its own page and code, the session cookie and CSRF header, tenancy (another
 * organization's objects answer 404, another intent's 403), domain verification through an
 * injected DNS resolver, certificate renewal with an overlap, and the SCIM token shown once.
 */
import { generateKeyPairSync } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/platform/x509.ts';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
const txt = new Map<string, string[][]>();
let orgA: string;
let orgB: string;

beforeAll(async () => {
  h = await createHarness({
    dns: {
      async resolveTxt(name) {
        const r = txt.get(name);
        if (!r) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return r;
      },
    },
  });
  orgA = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Alpha Corp' }))).id;
  orgB = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Beta Corp' }))).id;
});
afterAll(() => h.close());

async function linkFor(organization: string, intent = 'sso', extra: Record<string, unknown> = {}) {
  const res = await h.api('POST', '/portal/generate_link', { organization, intent, ...extra });
  expect(res.status).toBe(201);
  return (await json<{ link: string }>(res)).link;
}

function launch(link: string) {
  const u = new URL(link);
  return h.portico.app.request(`${u.pathname}${u.search}`);
}

/** Opens a link and returns a client bound to its session (cookie + CSRF header). */
async function session(organization: string, intent = 'sso') {
  const res = await launch(await linkFor(organization, intent));
  expect(res.status).toBe(302);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const s = await json<{ csrf: string; organization: { id: string }; intent: string }>(
    await h.portico.app.request('/portal/api/session', { headers: { cookie } }),
  );
  return {
    cookie,
    info: s,
    call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      return h.portico.app.request(path, {
        method,
        headers: {
          cookie,
          'x-portico-csrf': s.csrf,
          origin: h.portico.deps.config.publicUrl,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
  };
}

const countLinks = async () =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom('portal_links')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('POST /portal/generate_link', () => {
  it('answers a single-use link whose token is stored only as its hash, expiring in 5 minutes', async () => {
    const res = await h.api('POST', '/portal/generate_link', {
      organization: orgA,
      intent: 'dsync',
      return_url: 'https://app.example.com/settings',
      success_url: 'http://localhost:3000/done',
      intent_options: { sso: { provider_type: 'OktaSAML' } },
      admin_emails: ['IT@Alpha.example'],
      it_contact_emails: ['it@alpha.example', 'second@alpha.example'],
    });
    expect(res.status).toBe(201);
    const { link } = await json<{ link: string }>(res);
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.portico.deps.config.publicUrl}/portal/launch`);
    const token = url.searchParams.get('token')!;
    expect(token.length).toBeGreaterThan(60);
    const rows = await h.portico.deps.db.selectFrom('portal_links').selectAll().execute();
    const row = rows.find((r) => r.organization_id === orgA && r.intent === 'dsync')!;
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(5 * 60 * 1000);
    expect(JSON.parse(row.admin_emails)).toEqual(['it@alpha.example', 'second@alpha.example']);
    expect(row.used_at).toBeNull();
  });

  it('refuses bad input with the right codes and writes nothing', async () => {
    const before = await countLinks();
    const cases: [unknown, number, string, string?][] = [
      [{}, 422, 'invalid_request_parameters', 'organization'],
      [{ organization: 'org_01NOPE0000000000000000000' }, 404, 'entity_not_found'],
      [{ organization: orgA, intent: 'bring_your_own_keys' }, 422, 'invalid_request_parameters', 'intent'],
      [{ organization: orgA, intent: 'bring_your_own_key' }, 422, 'portal_intent_not_available'],
      [
        { organization: orgA, return_url: 'http://app.example.com/' },
        422,
        'invalid_request_parameters',
        'return_url',
      ],
      [
        { organization: orgA, success_url: 'javascript:alert(1)' },
        422,
        'invalid_request_parameters',
        'success_url',
      ],
      [{ organization: orgA, return_url: 'settings' }, 422, 'invalid_request_parameters', 'return_url'],
      [
        { organization: orgA, admin_emails: ['not-an-email'] },
        422,
        'invalid_request_parameters',
        'admin_emails.0',
      ],
      [{ organization: orgA, intent_options: 'sso' }, 422, 'invalid_request_parameters', 'intent_options'],
      ['{"organization": ', 400, 'invalid_json'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await h.api('POST', '/portal/generate_link', body);
      const b = await json<{ code: string; message: string; errors?: { field: string }[] }>(res);
      expect([res.status, b.code], JSON.stringify(body)).toEqual([status, code]);
      expect(b.message.length).toBeGreaterThan(10);
      if (field) expect(b.errors?.map((e) => e.field)).toContain(field);
    }
    expect(
      (await h.api('POST', '/portal/generate_link', { organization: orgA }, { authorization: '' })).status,
    ).toBe(401);
    expect(await countLinks()).toBe(before);
  });
});

describe('GET /portal/launch', () => {
  it('opens a session cookie (HttpOnly, SameSite=Lax, path /portal) and redirects to the portal', async () => {
    const res = await launch(await linkFor(orgA));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/portal');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^portico_portal=portal_/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/portal');
    expect(cookie).toMatch(/Max-Age=3600/);
    const value = cookie.split(';')[0]!.split('=')[1]!;
    const sessions = await h.portico.deps.db.selectFrom('portal_sessions').selectAll().execute();
    expect(JSON.stringify(sessions)).not.toContain(value);
  });

  async function refusal(res: Response, status: number, code: string, words: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(`data-code="${code}"`);
    expect(html).toMatch(words);
    expect(html).toContain('new link');
    expect(html).not.toMatch(/at .*\.ts:\d+|Error:/);
  }

  it('refuses a reused link', async () => {
    const link = await linkFor(orgA);
    expect((await launch(link)).status).toBe(302);
    await refusal(await launch(link), 410, 'portal_link_used', /already opened/);
  });

  it('refuses an expired link (frozen clock moved past 5 minutes)', async () => {
    const link = await linkFor(orgA);
    h.testClock!.advance(5 * 60 * 1000 + 1);
    await refusal(await launch(link), 410, 'portal_link_expired', /expired/);
    // Still refused after the row is swept: the signed payload carries the expiry.
    await h.portico.deps.db
      .deleteFrom('portal_links')
      .where('expires_at', '<', h.clock.now().toISOString())
      .execute();
    await refusal(await launch(link), 410, 'portal_link_expired', /expired/);
  });

  it('refuses tampered, truncated and missing tokens', async () => {
    const link = await linkFor(orgA);
    const u = new URL(link);
    const token = u.searchParams.get('token')!;
    const [payload, secret, mac] = token.split('.');
    const flip = (s: string) =>
      s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`;
    for (const bad of [
      `${payload}.${flip(secret!)}.${mac}`,
      `${flip(payload!)}.${secret}.${mac}`,
      `${payload}.${secret}.${flip(mac!)}`,
      token.slice(0, -3),
      'garbage',
    ]) {
      await refusal(
        await h.portico.app.request(`/portal/launch?token=${encodeURIComponent(bad)}`),
        400,
        'portal_link_invalid',
        /not valid/,
      );
    }
    await refusal(await h.portico.app.request('/portal/launch'), 400, 'portal_link_invalid', /not valid/);
    // The untouched link still works: tampering consumed nothing.
    expect((await launch(link)).status).toBe(302);
  });

  it('refuses a link whose organization was deleted', async () => {
    const doomed = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Doomed' }))).id;
    const link = await linkFor(doomed);
    expect((await h.api('DELETE', `/organizations/${doomed}`)).status).toBe(202);
    await refusal(await launch(link), 410, 'portal_link_organization_deleted', /no longer exists/);
  });
});

describe('SDK 12: external_user_id, bookmark_slug and POST /portal/revoke_link', () => {
  const revoke = (body: unknown, headers: Record<string, string> = {}) =>
    h.api('POST', '/portal/revoke_link', body, headers);
  const linkRow = async (link: string) => {
    const all = await h.portico.deps.db.selectFrom('portal_links').selectAll().execute();
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(new URL(link).searchParams.get('token')!).digest('hex');
    return all.find((r) => r.token_hash === hash)!;
  };
  const snapshot = async () =>
    JSON.stringify(
      await Promise.all([
        h.portico.deps.db.selectFrom('portal_links').selectAll().orderBy('id').execute(),
        h.portico.deps.db.selectFrom('portal_sessions').selectAll().orderBy('id').execute(),
      ]),
    );

  it('stores external_user_id, it_contact_emails and intent_options.sso.bookmark_slug with the link', async () => {
    const link = await linkFor(orgA, 'sso', {
      external_user_id: ' admin-42 ',
      it_contact_emails: ['IT@Alpha.example'],
      intent_options: { sso: { bookmark_slug: 'okta-bookmark', provider_type: 'OktaSAML' } },
    });
    const row = await linkRow(link);
    expect(row.external_user_id).toBe('admin-42');
    expect(row.revoked_at).toBeNull();
    expect(JSON.parse(row.admin_emails)).toEqual(['it@alpha.example']);
    expect(JSON.parse(row.intent_options)).toEqual({
      sso: { bookmark_slug: 'okta-bookmark', provider_type: 'OktaSAML' },
    });
    const s = await session(orgA);
    expect(s.info.intent).toBe('sso');
  });

  it('refuses bad external_user_id and intent_options values, writing nothing', async () => {
    const before = await snapshot();
    for (const [body, field] of [
      [{ organization: orgA, external_user_id: '' }, 'external_user_id'],
      [{ organization: orgA, external_user_id: 42 }, 'external_user_id'],
      [{ organization: orgA, external_user_id: 'x'.repeat(256) }, 'external_user_id'],
      [
        { organization: orgA, intent_options: { sso: { bookmark_slug: 5 } } },
        'intent_options.sso.bookmark_slug',
      ],
      [{ organization: orgA, intent_options: { sso: 'okta' } }, 'intent_options.sso'],
    ] as const) {
      const res = await h.api('POST', '/portal/generate_link', body);
      const b = await json<{ code: string; errors?: { field: string }[] }>(res);
      expect([res.status, b.code], JSON.stringify(body)).toEqual([422, 'invalid_request_parameters']);
      expect(b.errors?.map((e) => e.field)).toContain(field);
    }
    expect(await snapshot()).toBe(before);
  });

  it('revokes every link of one admin: unopened ones are refused, opened sessions end, others keep working', async () => {
    const first = await linkFor(orgA, 'sso', { external_user_id: 'admin-7' });
    const second = await linkFor(orgA, 'dsync', { external_user_id: 'admin-7' });
    const opened = await launch(second);
    expect(opened.status).toBe(302);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    expect((await h.portico.app.request('/portal/api/session', { headers: { cookie } })).status).toBe(200);
    const colleague = await linkFor(orgA, 'sso', { external_user_id: 'admin-8' });
    const anonymous = await linkFor(orgA, 'sso');
    const sameIdOtherOrg = await linkFor(orgB, 'sso', { external_user_id: 'admin-7' });

    const res = await revoke({ organization: orgA, external_user_id: 'admin-7' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      object: 'portal_link_revocation',
      organization_id: orgA,
      external_user_id: 'admin-7',
      revoked_links: 2,
      ended_sessions: 1,
    });
    // The unopened link is refused like a used one, with its own code and page.
    const refused = await launch(first);
    expect(refused.status).toBe(410);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(refused.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await refused.text();
    expect(html).toContain('data-code="portal_link_revoked"');
    expect(html).toContain('This link was revoked');
    expect(html).toContain('new link');
    // The opened link's session is over, and opening that link again says revoked, not used.
    const after = await h.portico.app.request('/portal/api/session', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect((await json(after)).code).toBe('portal_session_required');
    expect(await (await launch(second)).text()).toContain('data-code="portal_link_revoked"');
    // Another admin's link, a link without external_user_id and another organization's link with
    // the same external_user_id are untouched.
    for (const link of [colleague, anonymous, sameIdOtherOrg]) expect((await launch(link)).status).toBe(302);

    const again = await revoke({ organization: orgA, external_user_id: 'admin-7' });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ revoked_links: 0, ended_sessions: 0 });
  });

  it('answers 404 for an unknown external_user_id or another environment’s organization, 422 for bad input, and changes nothing', async () => {
    await linkFor(orgA, 'sso', { external_user_id: 'admin-9' });
    const other = await h.portico.services.environments.createEnvironment('Portal elsewhere');
    const theirOrg = await json<{ id: string }>(
      await h.portico.app.request('/organizations', {
        method: 'POST',
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Theirs' }),
      }),
    );
    const before = await snapshot();
    const cases: [unknown, number, string, string?][] = [
      [{ organization: orgA, external_user_id: 'admin-unknown' }, 404, 'portal_link_not_found'],
      [{ organization: orgB, external_user_id: 'admin-9' }, 404, 'portal_link_not_found'],
      [{ organization: theirOrg.id, external_user_id: 'admin-9' }, 404, 'entity_not_found'],
      [
        { organization: 'org_01NOPE0000000000000000000', external_user_id: 'admin-9' },
        404,
        'entity_not_found',
      ],
      [{ organization: orgA }, 422, 'invalid_request_parameters', 'external_user_id'],
      [{ external_user_id: 'admin-9' }, 422, 'invalid_request_parameters', 'organization'],
      [
        { organization: orgA, external_user_id: ['admin-9'] },
        422,
        'invalid_request_parameters',
        'external_user_id',
      ],
      [
        { organization: orgA, external_user_id: '   ' },
        422,
        'invalid_request_parameters',
        'external_user_id',
      ],
      ['{"organization":', 400, 'invalid_json'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await revoke(body);
      const b = await json<{ code: string; message: string; errors?: { field: string }[] }>(res);
      expect([res.status, b.code], JSON.stringify(body)).toEqual([status, code]);
      expect(b.message.length).toBeGreaterThan(20);
      if (field) expect(b.errors?.map((e) => e.field)).toContain(field);
    }
    const unknown = await json<{ message: string }>(
      await revoke({ organization: orgA, external_user_id: 'admin-unknown' }),
    );
    expect(unknown.message).toContain("external_user_id 'admin-unknown'");
    expect(unknown.message).toContain('generate_link');
    // The other environment's key cannot revoke this environment's links either.
    const cross = await h.portico.app.request('/portal/revoke_link', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organization: orgA, external_user_id: 'admin-9' }),
    });
    expect(cross.status).toBe(404);
    expect(
      (await revoke({ organization: orgA, external_user_id: 'admin-9' }, { authorization: '' })).status,
    ).toBe(401);
    expect(await snapshot()).toBe(before);
  });
});

describe('the portal API', () => {
  it('needs the session cookie, and the CSRF header on writes', async () => {
    const s = await session(orgA);
    expect(s.info).toMatchObject({ organization: { id: orgA, name: 'Alpha Corp' }, intent: 'sso' });
    const anon = await h.portico.app.request('/portal/api/session');
    expect(anon.status).toBe(401);
    expect((await json(anon)).code).toBe('portal_session_required');
    const noCsrf = await h.portico.app.request('/portal/api/sso/connections', {
      method: 'POST',
      headers: {
        cookie: s.cookie,
        'content-type': 'application/json',
        origin: h.portico.deps.config.publicUrl,
      },
      body: JSON.stringify({ idp: 'okta' }),
    });
    expect(noCsrf.status).toBe(403);
    expect((await json(noCsrf)).code).toBe('portal_csrf_invalid');
    const wrong = await s.call(
      'POST',
      '/portal/api/sso/connections',
      { idp: 'okta' },
      { 'x-portico-csrf': 'x'.repeat(43) },
    );
    expect(wrong.status).toBe(403);
    const ok = await s.call('POST', '/portal/api/sso/connections', { idp: 'okta' });
    expect(ok.status).toBe(201);
    const conn = await json<{
      id: string;
      connection_type: string;
      sp: { acs_url: string };
      organization_id: string;
    }>(ok);
    expect(conn).toMatchObject({ connection_type: 'OktaSAML', organization_id: orgA });
    expect(conn.sp.acs_url).toContain(`/sso/saml/${conn.id}/acs`);
    const other = await s.call('POST', '/portal/api/sso/connections', { idp: 'oidc' });
    expect((await json<{ connection_type: string }>(other)).connection_type).toBe('GenericOIDC');
  });

  it('ends the session after an hour', async () => {
    const s = await session(orgA);
    expect((await s.call('GET', '/portal/api/sso/connections')).status).toBe(200);
    h.testClock!.advance(60 * 60 * 1000 + 1);
    const res = await s.call('GET', '/portal/api/sso/connections');
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe('portal_session_required');
  });

  it('keeps a session to its organization (404) and its intent (403)', async () => {
    const connB = await json<{ id: string }>(
      await h.api('POST', '/connections', {
        name: 'B IdP',
        organization_id: orgB,
        connection_type: 'GenericSAML',
      }),
    );
    const dirB = await json<{ id: string; scim: { base_url: string; bearer_token: string } }>(
      await h.api('POST', '/directories', { organization_id: orgB, name: 'B dir' }),
    );
    const rowB = () =>
      h.portico.deps.db
        .selectFrom('directories')
        .select(['token_hash', 'token_hint', 'updated_at'])
        .where('id', '=', dirB.id)
        .executeTakeFirstOrThrow();
    const bBefore = await rowB();
    const scimB = () =>
      h.portico.app.request(`${new URL(dirB.scim.base_url).pathname}/Users`, {
        headers: { authorization: `Bearer ${dirB.scim.bearer_token}` },
      });
    expect((await scimB()).status).toBe(200);
    const sso = await session(orgA, 'sso');
    for (const [m, p, b] of [
      ['GET', `/portal/api/sso/connections/${connB.id}`],
      ['PUT', `/portal/api/sso/connections/${connB.id}`, { attribute_map: { email: 'mail' } }],
      ['POST', `/portal/api/sso/connections/${connB.id}/test`, {}],
    ] as [string, string, unknown?][]) {
      const res = await sso.call(m, p, b);
      expect([m, p, res.status]).toEqual([m, p, 404]);
      expect((await json(res)).code).toBe('entity_not_found');
    }
    const list = await json<{ data: { id: string }[] }>(await sso.call('GET', '/portal/api/sso/connections'));
    expect(list.data.map((c) => c.id)).not.toContain(connB.id);
    const cross = await sso.call('GET', '/portal/api/directories');
    expect(cross.status).toBe(403);
    expect((await json(cross)).code).toBe('portal_intent_not_allowed');

    const dsync = await session(orgA, 'dsync');
    expect((await dsync.call('GET', `/portal/api/directories/${dirB.id}/users`)).status).toBe(404);
    expect((await dsync.call('POST', `/portal/api/directories/${dirB.id}/token`, {})).status).toBe(404);
    expect((await dsync.call('GET', '/portal/api/sso/connections')).status).toBe(403);
    expect((await dsync.call('GET', '/portal/api/domains')).status).toBe(403);
    // B's token is untouched: the stored hash and hint are the ones from before, and B's IdP
    // still authenticates with the token it was given.
    expect(await rowB()).toEqual(bBefore);
    expect((await scimB()).status).toBe(200);
  });

  it('shows a new directory’s SCIM token once, and rotates it on request', async () => {
    const s = await session(orgA, 'dsync');
    const created = await s.call('POST', '/portal/api/directories', { idp: 'entra' });
    expect(created.status).toBe(201);
    const d = await json<{ id: string; type: string; scim_base_url: string; bearer_token: string }>(created);
    expect(d.type).toBe('azure scim v2.0');
    expect(d.bearer_token).toMatch(/^scim_/);
    // dsync.activated names the portal as the actor.
    const activated = await h.portico.deps.db
      .selectFrom('events')
      .select('context')
      .where('event', '=', 'dsync.activated')
      .where('data', 'like', `%${d.id}%`)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(activated.context as string).actor.source).toBe('admin_portal');
    const scim = (token: string) =>
      h.portico.app.request(`${new URL(d.scim_base_url).pathname}/Users`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await scim(d.bearer_token)).status).toBe(200);
    const listed = await s.call('GET', '/portal/api/directories');
    expect(await listed.text()).not.toContain(d.bearer_token);
    const rotated = await json<{ bearer_token: string }>(
      await s.call('POST', `/portal/api/directories/${d.id}/token`, {}),
    );
    expect(rotated.bearer_token).not.toBe(d.bearer_token);
    expect((await scim(d.bearer_token)).status).toBe(401);
    expect((await scim(rotated.bearer_token)).status).toBe(200);
    const users = await json<{ data: unknown[] }>(
      await s.call('GET', `/portal/api/directories/${d.id}/users`),
    );
    expect(users.data).toEqual([]);
  });
});

describe('SSO set-up through the portal', () => {
  async function x5c(cn: string) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = h.clock.now().getTime();
    return (
      await selfSignedCertificate(privateKey, publicKey, {
        commonName: cn,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 365 * 86_400_000),
        serial: '04',
      })
    ).x5c;
  }

  it('takes metadata XML, activates, starts a test sign-in and scopes its verdict to the session', async () => {
    const s = await session(orgA, 'sso');
    const conn = await json<{ id: string; state: string; sp: { acs_url: string } }>(
      await s.call('POST', '/portal/api/sso/connections', { idp: 'entra' }),
    );
    expect(conn.state).toBe('draft');
    const notReady = await s.call('POST', `/portal/api/sso/connections/${conn.id}/test`, {});
    expect(notReady.status).toBe(422);
    expect((await json(notReady)).code).toBe('connection_inactive');

    const bad = await s.call('PUT', `/portal/api/sso/connections/${conn.id}`, {
      saml: { idp_metadata_xml: '<not-metadata>just text</not-metadata>' },
    });
    expect(bad.status).toBe(422);
    expect((await json(bad)).code).toBe('invalid_idp_metadata');

    const xml = `<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.windows.net/alpha/">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${await x5c('Entra cert')}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.example/alpha/saml2"/>
  </IDPSSODescriptor>
</EntityDescriptor>`;
    const saved = await s.call('PUT', `/portal/api/sso/connections/${conn.id}`, {
      saml: { idp_metadata_xml: xml },
      attribute_map: { email: 'mail' },
    });
    expect(saved.status).toBe(200);
    const view = await json<{
      state: string;
      attribute_map: Record<string, string>;
      saml: { idp_entity_id: string };
    }>(saved);
    expect(view).toMatchObject({
      state: 'active',
      attribute_map: { email: 'mail' },
      saml: { idp_entity_id: 'https://sts.windows.net/alpha/' },
    });

    const started = await s.call('POST', `/portal/api/sso/connections/${conn.id}/test`, {});
    expect(started.status).toBe(200);
    const t = await json<{ authorization_url: string; test_id: string }>(started);
    const idpUrl = new URL(t.authorization_url);
    expect(`${idpUrl.origin}${idpUrl.pathname}`).toBe('https://login.microsoftonline.example/alpha/saml2');
    // The redirect carries this connection's AuthnRequest, and its ID keys the server-side flow.
    const authnRequest = inflateRawSync(
      Buffer.from(idpUrl.searchParams.get('SAMLRequest')!, 'base64'),
    ).toString('utf8');
    expect(authnRequest).toContain(`AssertionConsumerServiceURL="${conn.sp.acs_url}"`);
    expect(authnRequest).toContain('Destination="https://login.microsoftonline.example/alpha/saml2"');
    const requestId = /\sID="([^"]+)"/.exec(authnRequest)?.[1];
    const flow = await h.portico.deps.db
      .selectFrom('sso_flows')
      .select('connection_id')
      .where('saml_request_id', '=', requestId ?? '')
      .executeTakeFirst();
    expect(flow?.connection_id).toBe(conn.id);
    const pending = await json<{ outcome: string; connection_id: string }>(
      await s.call('GET', `/portal/api/sso/tests/${encodeURIComponent(t.test_id)}`),
    );
    expect(pending).toMatchObject({ outcome: 'pending', connection_id: conn.id });
    // Another session (even of the same organization) cannot read this test.
    const other = await session(orgA, 'sso');
    expect((await other.call('GET', `/portal/api/sso/tests/${encodeURIComponent(t.test_id)}`)).status).toBe(
      404,
    );
    // An unknown state at the callback is a page, not a redirect.
    const cb = await h.portico.app.request('/portal/sso/test/callback?state=nope&code=x');
    expect(cb.status).toBe(404);
    expect(await cb.text()).toContain('start the test again');
  });

  it('stores OIDC settings without echoing the client secret', async () => {
    const s = await session(orgA, 'sso');
    const conn = await json<{ id: string; sp: { oidc_redirect_uri: string } }>(
      await s.call('POST', '/portal/api/sso/connections', { idp: 'oidc' }),
    );
    expect(conn.sp.oidc_redirect_uri).toContain(`/sso/oidc/${conn.id}/callback`);
    const res = await s.call('PUT', `/portal/api/sso/connections/${conn.id}`, {
      oidc: {
        discovery_url: 'https://login.alpha.example/.well-known/openid-configuration',
        client_id: 'alpha-client',
        client_secret: 'very-secret-value-123',
      },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('very-secret-value-123');
    expect(JSON.parse(text)).toMatchObject({ state: 'active', oidc: { client_id: 'alpha-client' } });
    // Stored: sealed with the master key, never in clear.
    const row = await h.portico.deps.db
      .selectFrom('connections')
      .select(['oidc_client_id', 'oidc_client_secret_sealed'])
      .where('id', '=', conn.id)
      .executeTakeFirstOrThrow();
    expect(row.oidc_client_id).toBe('alpha-client');
    expect(row.oidc_client_secret_sealed).not.toContain('very-secret-value-123');
    expect(h.portico.deps.secrets.open(row.oidc_client_secret_sealed!)).toBe('very-secret-value-123');
  });
});

describe('domain verification (injected DNS resolver)', () => {
  it('verifies a domain whose TXT record matches, in the portal and on the API', async () => {
    const s = await session(orgA, 'domain_verification');
    const added = await s.call('POST', '/portal/api/domains', { domain: 'alpha.example' });
    expect(added.status).toBe(201);
    const d = await json<{ id: string; record_name: string; record_value: string; state: string }>(added);
    expect(d).toMatchObject({ record_name: '_portico-verification.alpha.example', state: 'pending' });
    expect(d.record_value).toMatch(/^[0-9a-f]{24}$/);

    const failed = await json<{ state: string; check: { ok: boolean; reason: string } }>(
      await s.call('POST', `/portal/api/domains/${d.id}/verify`, {}),
    );
    expect(failed.state).toBe('failed');
    expect(failed.check.ok).toBe(false);
    expect(failed.check.reason).toMatch(/No TXT record was found at _portico-verification\.alpha\.example/);

    txt.set(d.record_name, [['something-else']]);
    const wrong = await json<{ check: { reason: string } }>(
      await s.call('POST', `/portal/api/domains/${d.id}/verify`, {}),
    );
    expect(wrong.check.reason).toMatch(/its value is not the one shown/);

    txt.set(d.record_name, [['v=spf1 -all'], [d.record_value.slice(0, 10), d.record_value.slice(10)]]);
    const ok = await json<{ state: string; check: { ok: boolean } }>(
      await s.call('POST', `/portal/api/domains/${d.id}/verify`, {}),
    );
    expect(ok).toMatchObject({ state: 'verified', check: { ok: true } });

    const events = await h.portico.deps.db
      .selectFrom('events')
      .select(['event', 'data', 'context'])
      .where('event', 'like', 'organization_domain.%')
      .orderBy('seq', 'asc')
      .execute();
    const names = events.map((e) => e.event);
    expect(names).toContain('organization_domain.verified');
    expect(names).toContain('organization_domain.verification_failed');
    const verified = events.find((e) => e.event === 'organization_domain.verified')!;
    expect(JSON.parse(verified.context as string).actor.source).toBe('admin_portal');
  });

  it('POST /organization_domains/:id/verify answers the domain with its new state', async () => {
    const dom = await json<{ id: string; verification_token: string }>(
      await h.api('POST', '/organization_domains', { organization_id: orgB, domain: 'beta.example' }),
    );
    const miss = await h.api('POST', `/organization_domains/${dom.id}/verify`, {});
    expect(miss.status).toBe(200);
    expect((await json(miss)).state).toBe('failed');
    txt.set('_portico-verification.beta.example', [[dom.verification_token]]);
    const hit = await json(await h.api('POST', `/organization_domains/${dom.id}/verify`, {}));
    expect(hit).toMatchObject({ object: 'organization_domain', id: dom.id, state: 'verified' });
    expect((await h.api('POST', '/organization_domains/org_domain_nope/verify', {})).status).toBe(404);
    // A domain of organization B is invisible to a portal session of organization A.
    const s = await session(orgA, 'domain_verification');
    expect((await s.call('POST', `/portal/api/domains/${dom.id}/verify`, {})).status).toBe(404);
  });
});

describe('certificate renewal', () => {
  async function pem(cn: string, days: number) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = h.clock.now().getTime();
    const c = await selfSignedCertificate(privateKey, publicKey, {
      commonName: cn,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + days * 86_400_000),
      serial: '03',
    });
    return c.x5c;
  }

  it('adds the next certificate next to the current one, then removes the old one', async () => {
    const oldCert = await pem('Old IdP cert', 10);
    const newCert = await pem('New IdP cert', 400);
    const conn = await json<{ id: string; state: string }>(
      await h.api('POST', '/connections', {
        name: 'Renewing',
        organization_id: orgA,
        connection_type: 'OktaSAML',
        saml: {
          idp_entity_id: 'https://idp.alpha.example',
          idp_sso_url: 'https://idp.alpha.example/sso',
          idp_certificates: [oldCert],
        },
      }),
    );
    expect(conn.state).toBe('active');
    const s = await session(orgA, 'certificate_renewal');
    const view = await json<{
      data: { id: string; certificates: { subject: string; days_left: number }[] }[];
    }>(await s.call('GET', '/portal/api/sso/connections'));
    const mine = view.data.find((c) => c.id === conn.id)!;
    expect(mine.certificates).toHaveLength(1);
    expect(mine.certificates[0]!.subject).toContain('Old IdP cert');
    expect(mine.certificates[0]!.days_left).toBe(9);

    const bad = await s.call('POST', `/portal/api/sso/connections/${conn.id}/certificates`, {
      certificate: 'not a certificate at all',
    });
    expect(bad.status).toBe(422);
    expect((await json(bad)).code).toBe('invalid_certificate');

    const pemBlock = `-----BEGIN CERTIFICATE-----\n${newCert.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    const added = await json<{
      certificates: { fingerprint_sha256: string; subject: string }[];
      state: string;
    }>(
      await s.call('POST', `/portal/api/sso/connections/${conn.id}/certificates`, { certificate: pemBlock }),
    );
    expect(added.certificates.map((c) => (c.subject.includes('New') ? 'new' : 'old'))).toEqual([
      'old',
      'new',
    ]);
    expect(added.state).toBe('active');
    const stored = await h.portico.deps.db
      .selectFrom('connections')
      .select('saml_idp_certificates')
      .where('id', '=', conn.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.saml_idp_certificates)).toEqual([oldCert, newCert]);

    const oldFp = added.certificates[0]!.fingerprint_sha256;
    const removed = await json<{ certificates: { subject: string }[] }>(
      await s.call('DELETE', `/portal/api/sso/connections/${conn.id}/certificates/${oldFp}`),
    );
    expect(removed.certificates).toHaveLength(1);
    expect(removed.certificates[0]!.subject).toContain('New IdP cert');
    const newFp = (removed.certificates[0] as unknown as { fingerprint_sha256: string }).fingerprint_sha256;
    const last = await s.call('DELETE', `/portal/api/sso/connections/${conn.id}/certificates/${newFp}`);
    expect(last.status).toBe(409);
    expect(await json<{ code: string; message: string }>(last)).toMatchObject({
      code: 'last_certificate',
      message: expect.stringMatching(/only certificate/),
    });
  });
});
