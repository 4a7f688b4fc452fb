/**
 * Hostile input refused at the edge, as a class (issue 11, item 5): JSON nested deeper than
 * MAX_JSON_DEPTH is `body_too_deep` on every surface, a NUL byte or a lone surrogate anywhere in
 * the URL, a JSON body or a form body is `invalid_characters` — on SQLite and PostgreSQL alike —
 * and a sign-out link with a bad return_to changes nothing.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBadCharacters, jsonTooDeep, MAX_JSON_DEPTH } from '../../src/platform/http.ts';
import { createHarness, type Harness, json, listen, REDIRECT_URI } from '../harness.ts';
import { signInForTokens } from './support.ts';

let h: Harness;
let orgId: string;
let dirId: string;
let scimToken: string;

beforeAll(async () => {
  h = await createHarness();
  orgId = String((await json(await h.api('POST', '/organizations', { name: 'Hostile Corp' }))).id);
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await h.api('POST', '/directories', {
      organization_id: orgId,
      name: 'Hostile Okta',
      type: 'okta scim v2.0',
    }),
  );
  dirId = dir.id;
  scimToken = dir.scim.bearer_token;
});
afterAll(() => h.close());

/** `{"a":{"a":…}}` nested `levels` deep as raw text (JSON.stringify would recurse). */
const deepObject = (levels: number, leaf = '1') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const count = async (table: 'organizations' | 'portal_links' | 'directory_groups' | 'users' | 'sessions') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

function scim(method: string, path: string, raw?: string) {
  return h.portico.app.request(`/scim/v2/${dirId}${path}`, {
    method,
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body: raw,
  });
}

describe('deeply nested JSON', () => {
  it('admin portal intent_options 5,000 levels deep: 400 body_too_deep, no link made', async () => {
    const before = await count('portal_links');
    const body = `{"organization":"${orgId}","intent":"sso","intent_options":${deepObject(5000)}}`;
    const res = await h.api('POST', '/portal/generate_link', body);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('body_too_deep');
    expect(await count('portal_links')).toBe(before);
  });

  it('SCIM Groups members 5,000 levels deep: 400 SCIM error (invalidSyntax), no group made', async () => {
    const before = await count('directory_groups');
    const raw = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Deep","members":${deepArray(5000)}}`;
    const res = await scim('POST', '/Groups', raw);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    const body = await json(res);
    expect(body.scimType).toBe('invalidSyntax');
    expect(String(body.detail)).toContain(String(MAX_JSON_DEPTH));
    expect(await count('directory_groups')).toBe(before);
  });

  it('SCIM PATCH with a deep value: 400, not 500', async () => {
    const raw = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":${deepObject(5000)}}]}`;
    const res = await scim('PATCH', `/Groups/${'x'.repeat(26)}`, raw);
    expect(res.status).toBe(400);
  });

  it('the token endpoint and the dashboard sign-in refuse deep bodies too', async () => {
    const token = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"client_id":"${h.clientId}","grant_type":"password","x":${deepArray(5000)}}`,
    });
    expect(token.status).toBe(400);
    expect((await json(token)).code).toBe('body_too_deep');
    const admin = await h.portico.app.request('/_admin/session', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: new URL(h.portico.deps.config.publicUrl).origin,
      },
      body: `{"email":"a@b.test","password":${deepArray(5000)}}`,
    });
    expect(admin.status).toBe(400);
    expect((await json(admin)).code).toBe('body_too_deep');
  });

  it('the limit is exact: MAX_JSON_DEPTH levels pass the parser, one more does not', async () => {
    // A deep object under `metadata` passes the parser and is then refused by the schema (422).
    const ok = await h.api(
      'POST',
      '/organizations',
      `{"name":"D","metadata":${deepObject(MAX_JSON_DEPTH - 1)}}`,
    );
    expect(ok.status).toBe(422);
    const tooDeep = await h.api(
      'POST',
      '/organizations',
      `{"name":"D","metadata":${deepObject(MAX_JSON_DEPTH)}}`,
    );
    expect(tooDeep.status).toBe(400);
    expect((await json(tooDeep)).code).toBe('body_too_deep');
    // Brackets inside strings are text, not nesting.
    const brackets = await h.api('POST', '/organizations', { name: `${'['.repeat(100)}{"\\` });
    expect(brackets.status).toBe(201);
  });
});

describe('NUL bytes and lone surrogates', () => {
  it('a NUL in a JSON body field: 400 invalid_characters naming the field, nothing written', async () => {
    const before = await count('organizations');
    const res = await h.api('POST', '/organizations', { name: 'Nul\u0000Corp' });
    expect(res.status).toBe(400);
    const body = await json<{ code: string; errors: { field: string }[] }>(res);
    expect(body.code).toBe('invalid_characters');
    expect(body.errors[0]!.field).toBe('name');
    expect(await count('organizations')).toBe(before);
  });

  it('a NUL in a nested field or an object key, and a lone surrogate, are refused the same way', async () => {
    const nested = await h.api('POST', '/organizations', {
      name: 'Ok',
      domain_data: [{ domain: 'x\u0000.test', state: 'verified' }],
    });
    expect(nested.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(nested)).errors[0]!.field).toBe(
      'domain_data.0.domain',
    );
    const key = await h.api('POST', '/organizations', { name: 'Ok', metadata: { 'k\u0000': 'v' } });
    expect(key.status).toBe(400);
    expect((await json(key)).code).toBe('invalid_characters');
    const surrogate = await h.api('POST', '/organizations', '{"name":"half \\ud83d of an emoji"}');
    expect(surrogate.status).toBe(400);
    expect((await json(surrogate)).code).toBe('invalid_characters');
    // A whole surrogate pair (an emoji) is fine.
    const emoji = await h.api('POST', '/organizations', '{"name":"emoji \\ud83d\\ude00"}');
    expect(emoji.status).toBe(201);
  });

  it('a NUL in a path id or a query parameter: 400 invalid_characters (not a database error)', async () => {
    const path = await h.api('GET', '/organizations/org_%00x');
    expect(path.status).toBe(400);
    expect((await json(path)).code).toBe('invalid_characters');
    const query = await h.api('GET', '/user_management/users?email=a%00@b.test');
    expect(query.status).toBe(400);
    expect((await json(query)).code).toBe('invalid_characters');
    const key = await h.api('GET', '/organizations?x%00=1');
    expect(key.status).toBe(400);
  });

  it('a NUL in the token endpoint’s client_id (form or JSON) is refused before any lookup', async () => {
    const form = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=client_%00&grant_type=refresh_token&refresh_token=x`,
    });
    expect(form.status).toBe(400);
    expect((await json(form)).code).toBe('invalid_characters');
    const body = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'client_\u0000', grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(body.status).toBe(400);
    expect((await json(body)).code).toBe('invalid_characters');
  });

  it('SCIM: a NUL in a filter, a resource id or a body answers a SCIM 400', async () => {
    const filter = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`);
    expect(filter.status).toBe(400);
    expect(filter.headers.get('content-type')).toContain('application/scim+json');
    expect((await json(filter)).scimType).toBe('invalidValue');
    const id = await scim('GET', '/Users/abc%00');
    expect(id.status).toBe(400);
    const body = await scim(
      'POST',
      '/Users',
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'nul\u0000@x.test',
      }),
    );
    expect(body.status).toBe(400);
    expect((await json(body)).scimType).toBe('invalidValue');
  });

  it('a hosted sign-in form with a NUL: a 400 page, no user or session', async () => {
    const users = await count('users');
    const params = new URLSearchParams({
      client_id: h.clientId,
      provider: 'authkit',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
    });
    const auth = await h.portico.app.request(`/user_management/authorize?${params}`);
    const page = await h.portico.app.request(auth.headers.get('location')!);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const res = await h.portico.app.request(action, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: `csrf=${encodeURIComponent(csrf)}&email=nul%00@x.test&password=whatever-long`,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('invalid_characters');
    expect(await count('users')).toBe(users);
  });

  it('a browser following a link with %00 gets an HTML page, not JSON', async () => {
    const res = await h.portico.app.request('/user_management/authorize?client_id=%00', {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('invalid_characters');
  });
});

describe('sign-out with a hostile return_to', () => {
  it('CR/LF in return_to: 400 return_to_not_allowed, and the session stays active', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'crlf@x.test',
      password: 'correct-horse-battery',
    });
    const auth = await signInForTokens(h, 'crlf@x.test', 'correct-horse-battery');
    const payload = String(auth.access_token).split('.')[1]!;
    const sid = String(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sid);
    for (const returnTo of [
      `${new URL(REDIRECT_URI).origin}/\r\nSet-Cookie: x=1`,
      `${new URL(REDIRECT_URI).origin}/a\nb`,
      `${new URL(REDIRECT_URI).origin}/\ta`,
    ]) {
      const res = await h.portico.app.request(
        `/user_management/sessions/logout?session_id=${sid}&return_to=${encodeURIComponent(returnTo)}`,
        { headers: { accept: 'text/html' } },
      );
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('return_to_not_allowed');
      const s = await h.portico.deps.db
        .selectFrom('sessions')
        .select('status')
        .where('id', '=', sid)
        .executeTakeFirstOrThrow();
      expect(s.status).toBe('active');
    }
    // The same link with a clean return_to signs out and redirects.
    const ok = await h.portico.app.request(
      `/user_management/sessions/logout?session_id=${sid}&return_to=${encodeURIComponent(`${new URL(REDIRECT_URI).origin}/bye`)}`,
    );
    expect(ok.status).toBe(302);
  });
});

describe('headers used as data', () => {
  /** Sends raw bytes to a listening Portico and returns the status line. */
  async function raw(port: number, request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write(request, 'latin1'));
      let out = '';
      s.on('data', (d) => {
        out += d.toString('latin1');
      });
      s.on('end', () => resolve(out.split('\r\n')[0]!));
      s.on('error', reject);
    });
  }

  it('a NUL in a header never reaches Portico (the HTTP parser answers 400); Latin-1 bytes are stored as text', async () => {
    const server = await listen(h);
    try {
      const nul = await raw(
        server.port,
        `GET /organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.apiKey}\r\nUser-Agent: a\u0000b\r\nConnection: close\r\n\r\n`,
      );
      expect(nul).toBe('HTTP/1.1 400 Bad Request');
      // A User-Agent with bytes above 0x7f (read as Latin-1) is stored with the session on both databases.
      await h.api('POST', '/user_management/users', {
        email: 'ua@x.test',
        password: 'correct-horse-battery',
      });
      const body = JSON.stringify({
        client_id: h.clientId,
        client_secret: h.apiKey,
        grant_type: 'password',
        email: 'ua@x.test',
        password: 'correct-horse-battery',
      });
      const ok = await raw(
        server.port,
        `POST /user_management/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nUser-Agent: caf\u00e9 \u00ff\r\nConnection: close\r\n\r\n${body}`,
      );
      expect(ok).toBe('HTTP/1.1 200 OK');
    } finally {
      await server.close();
    }
  });
});

describe('the depth scanner and the character check, against a reference', () => {
  /** mulberry32, seeded: the same values every run. */
  const rand = (() => {
    let a = 0x0de9_7411;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();
  const tricky = ['[', ']', '{', '}', '"', '\\', '\\"', 'a', ' ', '\n', '😀', '\u0000', '\ud800'];
  const str = () =>
    Array.from({ length: Math.floor(rand() * 6) }, () => tricky[Math.floor(rand() * tricky.length)]).join('');
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 40 || r < 0.3) return r < 0.1 ? str() : r < 0.2 ? Math.floor(r * 1000) : null;
    // Mostly one child (deep chains), sometimes two: the expected size stays small.
    const n = rand() < 0.8 ? 1 : 2;
    if (r < 0.65) return Array.from({ length: n }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${str()}${i}`, value(depth + 1)]));
  };
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
  const badOf = (v: unknown): boolean =>
    typeof v === 'string'
      ? v.includes('\u0000') ||
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)
      : v !== null && typeof v === 'object'
        ? Object.entries(v as object).some(([k, x]) => badOf(k) || badOf(x))
        : false;

  it('jsonTooDeep(text, d) is exactly "nesting > d" and findBadCharacters finds exactly the bad values (600 seeded values)', () => {
    for (let i = 0; i < 600; i++) {
      const v = value(0);
      const text = JSON.stringify(v);
      const d = depthOf(v);
      expect(jsonTooDeep(text, d), text).toBe(false);
      if (d > 0) expect(jsonTooDeep(text, d - 1), text).toBe(true);
      expect(findBadCharacters(v) !== null, text).toBe(badOf(v));
    }
  });
});
