/**
 * Hostile input over every route (issue 11, item 5), on SQLite and PostgreSQL: every operation in
 * the contract registry (the routes behind /openapi.json: the WorkOS API, the token endpoints,
 * the Admin Portal and dashboard JSON APIs), every SCIM route and the hosted entry points, each ×
 * {malformed JSON, deep JSON, NUL and lone surrogates in each string field / path id / query
 * parameter, huge strings, wrong types}. Every answer must be a refusal or a success — never a
 * 5xx, never a hang (each request has a deadline), never a stack trace or SQL text in the body,
 * and an error never echoes a long value back.
 *
 * The cases are generated from each route's declared schemas with a seeded generator, so a run
 * is deterministic and small (a few dozen requests per route); a failure prints every offending
 * request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureTestOrganization } from '../../src/features/sso/test-idp.tsx';
import type { RouteContract } from '../../src/platform/contract.ts';
import { createHarness, type Harness, json } from '../harness.ts';

// ── the generator ───────────────────────────────────────────────────────────

/** mulberry32: a tiny seeded PRNG, so every run sends the same cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(0x5eed_11);
const pick = <T>(xs: T[], n: number): T[] => {
  const copy = [...xs];
  const out: T[] = [];
  while (out.length < n && copy.length) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
  return out;
};
/** Puts `bad` somewhere inside `s` (start, middle or end, by the generator). */
const insert = (s: string, bad: string) => {
  const at = Math.floor(rand() * (s.length + 1));
  return `${s.slice(0, at)}${bad}${s.slice(at)}`;
};

const HUGE = 'h'.repeat(20_000);
/** Any run of 200 filler characters in a response means a huge value was echoed back. */
const ECHO = 'h'.repeat(200);
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const JWT_SHAPED = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'user_x', sid: 'session_x', exp: 9e9 })).toString('base64url')}.${'s'.repeat(342)}`;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;

/** A plausible value for a JSON schema (as z.toJSONSchema writes it), to mutate from. */
function sample(s: Schema | undefined, root: Schema, depth = 0): Json {
  if (!s || depth > 6) return 'x';
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop()!;
    return sample((root.$defs as Record<string, Schema> | undefined)?.[name], root, depth + 1);
  }
  if (s.const !== undefined) return s.const as Json;
  if (Array.isArray(s.enum)) return s.enum[0] as Json;
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = s[k] as Schema[] | undefined;
    if (options?.length) return sample(options.find((o) => o.type !== 'null') ?? options[0], root, depth + 1);
  }
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...(s.allOf as Schema[]).map((x) => sample(x, root, depth + 1)));
  }
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string);
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
        out[k] = sample(v, root, depth + 1);
      }
      if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') {
        out.key = sample(s.additionalProperties as Schema, root, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sample(s.items as Schema, root, depth + 1)];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string': {
      if (s.format === 'email') return 'fuzz@example.com';
      if (s.format === 'uri' || s.format === 'url') return 'https://example.com/fuzz';
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      return 'x'.repeat(Math.max(1, Math.min(min, 64)));
    }
    default:
      return 'x';
  }
}

/** Paths (as key arrays) of every string leaf in a sample. */
function stringPaths(v: Json, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (typeof v === 'string') out.push(path);
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) stringPaths(x, [...path, i], out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) stringPaths(x, [...path, k], out);
  return out;
}
function setAt(v: Json, path: (string | number)[], value: Json): Json {
  const copy = structuredClone(v);
  if (path.length === 0) return value;
  let cur = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  cur[path[path.length - 1]!] = value;
  return copy;
}
function getAt(v: Json, path: (string | number)[]): Json {
  let cur = v;
  for (const k of path) cur = (cur as Record<string | number, Json>)[k]!;
  return cur;
}
/** The same shape with every leaf of another type. */
function wrongTypes(v: Json): Json {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'yes';
  if (v === null) return { unexpected: true };
  if (Array.isArray(v)) return v.length ? { 0: wrongTypes(v[0]!) } : 'x';
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrongTypes(x)]));
}

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string | ArrayBuffer;
  contentType?: string;
}

/** The body cases for one route's sample body. */
function bodyCases(base: Json): { label: string; body: string | ArrayBuffer; contentType?: string }[] {
  const out: { label: string; body: string | ArrayBuffer; contentType?: string }[] = [
    { label: 'malformed JSON (truncated)', body: '{"a":' },
    { label: 'malformed JSON (trailing brace)', body: '{"a":1}}' },
    { label: 'JSON array body', body: '[]' },
    { label: 'JSON string body', body: '"str"' },
    { label: 'JSON null body', body: 'null' },
    { label: 'raw NUL body', body: '\u0000' },
    {
      label: 'invalid UTF-8 bytes',
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).buffer,
    },
    { label: 'deep JSON (5,000 levels)', body: deepArray(5000) },
    { label: 'wrong types everywhere', body: JSON.stringify(wrongTypes(base)) },
    { label: 'a key with a NUL', body: JSON.stringify({ ...(base as object), 'k\u0000': 'v' }) },
    { label: 'text/plain body', body: JSON.stringify(base), contentType: 'text/plain' },
    { label: 'form body with a NUL', body: 'a=%00&b=1', contentType: 'application/x-www-form-urlencoded' },
  ];
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    const keys = Object.keys(base);
    for (const k of pick(keys, 3)) {
      out.push({
        label: `deep JSON under ${k}`,
        body: `{${keys
          .filter((x) => x !== k)
          .map((x) => `${JSON.stringify(x)}:${JSON.stringify(base[x])},`)
          .join('')}${JSON.stringify(k)}:${deepArray(5000)}}`,
      });
      out.push({
        label: `wrong type for ${k}`,
        body: JSON.stringify({ ...base, [k]: wrongTypes(base[k]!) }),
      });
    }
  }
  const strings = stringPaths(base);
  for (const p of pick(strings, 6)) {
    const original = String(getAt(base, p));
    out.push({
      label: `NUL in ${p.join('.')}`,
      body: JSON.stringify(setAt(base, p, insert(original, '\u0000'))),
    });
  }
  for (const p of pick(strings, 2)) {
    const original = String(getAt(base, p));
    out.push({
      label: `lone surrogate in ${p.join('.')}`,
      body: JSON.stringify(setAt(base, p, insert(original, '\ud800'))),
    });
  }
  if (strings.length) {
    let huge = base;
    for (const p of strings.slice(0, 20)) huge = setAt(huge, p, HUGE);
    out.push({ label: 'huge strings in every string field', body: JSON.stringify(huge) });
  }
  return out;
}

const PATH_VALUES: [string, string][] = [
  ['NUL', 'id%00x'],
  ['encoded lone surrogate', '%ED%A0%80'],
  ['malformed percent-encoding', '%E0%A4%A'],
  ['huge', HUGE.slice(0, 6000)],
  ['JWT-shaped', JWT_SHAPED],
  ['quote and SQL', encodeURIComponent(`x'; DROP TABLE users;--`)],
  ['unicode', encodeURIComponent('ünï😀')],
];
const QUERY_VALUES: [string, string][] = [
  ['NUL', 'a%00b'],
  ['huge', HUGE.slice(0, 6000)],
  ['not a number', 'abc'],
  ['out of range', '99999999999999999999999'],
  ['malformed percent-encoding', '%'],
];

/** What no answer may contain: a stack frame, a source location, SQL or a driver's error text. */
const LEAK =
  /\n\s+at \S|\bat (?:async )?[\w.<>]+ \((?:file:|node:|\/)|node:internal|node_modules|\.[jt]sx?:\d+:\d+|\b(?:SELECT|INSERT INTO|DELETE FROM|UPDATE "?\w+"? SET)\b|syntax error at or near|invalid byte sequence|SQLITE_[A-Z]|duplicate key value|violates (?:unique|foreign key|not-null|check) constraint|\bRangeError\b|\bTypeError\b|Maximum call stack/;

// ── the server under test ───────────────────────────────────────────────────

let h: Harness;
let ids: {
  org: string;
  conn: string;
  domain: string;
  user: string;
  membership: string;
  dir: string;
  dirUser: string;
  dirGroup: string;
  event: string;
  scimUser: string;
  scimGroup: string;
};
let scimToken: string;
let adminEmail: string;
let adminPassword: string;
const failures: string[] = [];
let sent = 0;

beforeAll(async () => {
  h = await createHarness({
    env: {
      PORTICO_RATE_LIMIT_API: '1000000',
      PORTICO_RATE_LIMIT_CREDENTIALS: '1000000',
      PORTICO_ADMIN_EMAIL: 'fuzz-admin@example.com',
    },
  });
  const boot = await h.portico.services.admin.bootstrap();
  adminEmail = boot.email;
  adminPassword = boot.password!;
  const connId = await ensureTestOrganization(h.portico.deps, h.environmentId);
  const conn = await h.portico.deps.db
    .selectFrom('connections')
    .select('organization_id')
    .where('id', '=', connId)
    .executeTakeFirstOrThrow();
  const orgId = conn.organization_id!;
  const domain = await h.portico.deps.db
    .selectFrom('organization_domains')
    .select('id')
    .where('organization_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const user = await json(
    await h.api('POST', '/user_management/users', {
      email: 'fuzz@example.com',
      password: 'correct-horse-battery',
    }),
  );
  const membership = await json(
    await h.api('POST', '/user_management/organization_memberships', {
      user_id: user.id,
      organization_id: orgId,
    }),
  );
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await h.api('POST', '/directories', {
      organization_id: orgId,
      name: 'Fuzz Okta',
      type: 'okta scim v2.0',
    }),
  );
  scimToken = dir.scim.bearer_token;
  const scimUser = await json(
    await scimRequest(
      'POST',
      `/scim/v2/${dir.id}/Users`,
      JSON.stringify(scimUserBody('fuzz-scim@example.com')),
    ),
  );
  const scimGroup = await json(
    await scimRequest(
      'POST',
      `/scim/v2/${dir.id}/Groups`,
      JSON.stringify(scimGroupBody(String(scimUser.id))),
    ),
  );
  const dirUser = await json<{ data: { id: string }[] }>(
    await h.api('GET', `/directory_users?directory=${dir.id}`),
  );
  const dirGroup = await json<{ data: { id: string }[] }>(
    await h.api('GET', `/directory_groups?directory=${dir.id}`),
  );
  const events = await json<{ data: { id: string }[] }>(
    await h.api('GET', '/events?events=organization.created'),
  );
  ids = {
    org: orgId,
    conn: connId,
    domain: domain.id,
    user: String(user.id),
    membership: String(membership.id),
    dir: dir.id,
    dirUser: dirUser.data[0]!.id,
    dirGroup: dirGroup.data[0]!.id,
    event: events.data[0]?.id ?? 'event_01HZZZZZZZZZZZZZZZZZZZZZZZ',
    scimUser: String(scimUser.id),
    scimGroup: String(scimGroup.id),
  };
}, 120_000);
afterAll(() => h?.close());

const scimUserBody = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  externalId: `ext-${userName}`,
  name: { givenName: 'Fuzz', familyName: 'Case' },
  emails: [{ primary: true, type: 'work', value: userName }],
  active: true,
});
const scimGroupBody = (member: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  displayName: 'Fuzzers',
  members: [{ value: member }],
});

function scimRequest(method: string, path: string, body?: string) {
  return h.portico.app.request(path, {
    method,
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body,
  });
}

/** The real id for a path parameter, by the collection it follows (GET, PUT, PATCH, POST). */
function realId(path: string, param: string): string | undefined {
  const before = path.slice(0, path.indexOf(`:${param}`));
  const table: [RegExp, keyof typeof ids][] = [
    [/\/organizations\/$/, 'org'],
    [/\/organization_domains\/$/, 'domain'],
    [/\/users\/$/, 'user'],
    [/\/organization_memberships\/$/, 'membership'],
    [/\/connections\/$/, 'conn'],
    [/\/directories\/$/, 'dir'],
    [/\/directory_users\/$|\/directories\/[^/]+\/users\/$/, 'dirUser'],
    [/\/directory_groups\/$|\/directories\/[^/]+\/groups\/$/, 'dirGroup'],
    [/\/events\/$/, 'event'],
  ];
  for (const [re, key] of table) if (re.test(before)) return ids[key];
  return undefined;
}

/** The Origin a browser on the dashboard or the portal sends (their writes must carry it). */
const ownOrigin = () => new URL(h.portico.deps.config.publicUrl).origin;

/** Authentication for a route's surface: headers (and body fields for the token endpoints). */
async function credentials(r: RouteContract): Promise<{ headers: Record<string, string>; body?: Json }> {
  switch (r.surface) {
    case 'api':
      return { headers: { authorization: `Bearer ${h.apiKey}` } };
    case 'token':
      return { headers: {}, body: { client_id: h.clientId, client_secret: h.apiKey } };
    case 'admin':
    case 'admin-session': {
      const res = await h.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ownOrigin() },
        body: JSON.stringify({ email: adminEmail, password: adminPassword }),
      });
      expect(res.status).toBe(201);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const { csrf_token } = await json<{ csrf_token: string }>(res);
      return { headers: { cookie, 'x-portico-csrf': csrf_token, origin: ownOrigin() } };
    }
    case 'portal': {
      const intent = r.path.includes('/directories')
        ? 'dsync'
        : r.path.includes('/domains')
          ? 'domain_verification'
          : r.path.includes('/audit_logs')
            ? 'audit_logs'
            : r.path.includes('/log_streams')
              ? 'log_streams'
              : 'sso';
      const link = await json<{ link: string }>(
        await h.api('POST', '/portal/generate_link', { organization: ids.org, intent }),
      );
      const u = new URL(link.link);
      const launched = await h.portico.app.request(`${u.pathname}${u.search}`);
      expect(launched.status).toBe(302);
      const cookie = launched.headers.get('set-cookie')!.split(';')[0]!;
      const s = await json<{ csrf: string }>(
        await h.portico.app.request('/portal/api/session', { headers: { cookie } }),
      );
      return { headers: { cookie, 'x-portico-csrf': s.csrf, origin: ownOrigin() } };
    }
    default:
      throw new Error(`no credentials for surface ${r.surface}`);
  }
}

const DEADLINE_MS = 10_000;
/** Codes that mean the fuzzer's own credentials were refused (the cases would test nothing). */
const AUTH_CODES = [
  'unauthorized',
  'invalid_client',
  'admin_session_required',
  'csrf_token_invalid',
  'portal_session_required',
  'portal_csrf_invalid',
  'portal_intent_not_allowed',
  'cross_origin_request',
];

/** Sends one case and records what is wrong with its answer. */
async function send(c: Case, headers: Record<string, string>) {
  sent += 1;
  const what = `${c.method} ${c.path.length > 160 ? `${c.path.slice(0, 160)}…` : c.path} [${c.label}]`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await Promise.race([
      h.portico.app.request(c.path, {
        method: c.method,
        headers: {
          ...headers,
          ...(c.body === undefined ? {} : { 'content-type': c.contentType ?? 'application/json' }),
        },
        body: c.body,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      }),
    ]);
    const text = await res.text();
    if (res.status >= 500) failures.push(`${what}: ${res.status} ${text.slice(0, 200)}`);
    const leak = LEAK.exec(text);
    if (leak) failures.push(`${what}: leaks ${JSON.stringify(leak[0])} in ${text.slice(0, 200)}`);
    if (res.status >= 400 && text.includes(ECHO)) failures.push(`${what}: echoes the huge value back`);
    if (res.status >= 400 && text.includes(JWT_SHAPED)) failures.push(`${what}: echoes the JWT-shaped value`);
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string; error?: string }).code;
    } catch {}
    return { status: res.status, code };
  } catch (err) {
    failures.push(`${what}: ${(err as Error).message}`);
    return { status: 0, code: undefined };
  } finally {
    clearTimeout(timer);
  }
}

function report() {
  const out = [...failures];
  failures.length = 0;
  return out;
}

/** Query parameter names a route declares. */
function queryNames(r: RouteContract): string[] {
  if (!r.query) return [];
  const js = jsonSchema(r.query);
  return Object.keys((js.properties as Record<string, unknown>) ?? {});
}
function jsonSchema(s: z.ZodType): Schema {
  try {
    return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Schema;
  } catch {
    return {};
  }
}

const FAKE_ID = 'zz_01HZZZZZZZZZZZZZZZZZZZZZZZ';

/** Every case for one registry route. */
async function fuzzRoute(r: RouteContract) {
  const method = r.method.toUpperCase();
  const params = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
  const useReal = method !== 'DELETE';
  const fill = (override?: [string, string]) =>
    r.path.replace(/:([A-Za-z_]+)/g, (_, p: string) =>
      override && override[0] === p ? override[1] : (useReal && realId(r.path, p)) || FAKE_ID,
    );
  const creds = await credentials(r);
  const bodySchema = r.body ? jsonSchema(r.body) : undefined;
  let base: Json = bodySchema ? sample(bodySchema, bodySchema) : {};
  if (creds.body && base && typeof base === 'object' && !Array.isArray(base))
    base = { ...base, ...(creds.body as object) };
  const queryPart = queryNames(r).length
    ? `?${queryNames(r)
        .map((q) => `${q}=x`)
        .join('&')}`
    : '';

  // A well-formed request first: it must reach the route (not 404 route_not_found, not 401).
  const baseline = await send(
    { label: 'baseline', method, path: fill(), body: r.body ? JSON.stringify(base) : undefined },
    creds.headers,
  );
  if (AUTH_CODES.includes(baseline.code ?? '') || baseline.code === 'route_not_found') {
    failures.push(`${method} ${r.path}: the baseline did not reach the route (${baseline.code})`);
  }

  for (const [label, value] of params.flatMap((p) =>
    PATH_VALUES.map(([l, v]) => [`${l} in :${p}`, [p, v]] as const),
  )) {
    await send(
      {
        label,
        method,
        path: fill(value as [string, string]),
        body: r.body ? JSON.stringify(base) : undefined,
      },
      creds.headers,
    );
  }
  for (const q of queryNames(r)) {
    for (const [label, value] of QUERY_VALUES) {
      await send({ label: `${label} in ?${q}`, method, path: `${fill()}?${q}=${value}` }, creds.headers);
    }
    await send({ label: `repeated ?${q}`, method, path: `${fill()}?${q}=a&${q}=b&${q}[]=c` }, creds.headers);
  }
  if (r.body) {
    for (const b of bodyCases(base)) {
      await send(
        { label: b.label, method, path: `${fill()}${queryPart}`, body: b.body, contentType: b.contentType },
        creds.headers,
      );
    }
  }
}

describe('hostile input over every route', () => {
  it('the registry holds every JSON surface (API, token, portal, dashboard)', () => {
    const surfaces = new Set(h.portico.registry.routes.map((r) => r.surface));
    for (const s of ['api', 'token', 'portal', 'admin', 'admin-session']) expect(surfaces).toContain(s);
  });

  // SCIM first: some registry routes (token rotation) would change what SCIM needs.
  it('SCIM: every route × hostile bodies, ids, filters and paging', { timeout: 120_000 }, async () => {
    const base = `/scim/v2/${ids.dir}`;
    const headers = { authorization: `Bearer ${scimToken}` };
    const scimCase = (c: Omit<Case, 'contentType'>) =>
      send({ ...c, contentType: 'application/scim+json' }, headers);
    for (const p of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
      await scimCase({ label: 'baseline', method: 'GET', path: `${base}${p}` });
      await scimCase({ label: 'NUL in the path', method: 'GET', path: `${base}${p}%00` });
    }
    const filters = [
      ['NUL', encodeURIComponent('userName eq "a\u0000b"')],
      ['huge', encodeURIComponent(`userName eq "${HUGE}"`)],
      ['deep parentheses', `${'('.repeat(5000)}userName eq "a"${')'.repeat(5000)}`],
      ['deep not()', `${'not ('.repeat(3000)}userName eq "a"${')'.repeat(3000)}`],
      ['long and-chain', encodeURIComponent(Array(3000).fill('userName eq "a"').join(' and '))],
      ['unterminated', encodeURIComponent('userName eq "a')],
      ['garbage', encodeURIComponent('][}{"\\')],
      ['bad attribute path', encodeURIComponent('emails[type eq "work"[value eq "x"]] pr')],
      ['lone surrogate (encoded)', '%ED%A0%80'],
    ];
    for (const kind of ['Users', 'Groups']) {
      const realId = kind === 'Users' ? ids.scimUser : ids.scimGroup;
      const body: Json =
        kind === 'Users' ? scimUserBody('fuzz-base@example.com') : scimGroupBody(ids.scimUser);
      for (const [label, f] of filters) {
        await scimCase({ label: `filter: ${label}`, method: 'GET', path: `${base}/${kind}?filter=${f}` });
      }
      for (const [label, v] of QUERY_VALUES) {
        for (const q of ['startIndex', 'count', 'attributes', 'excludedAttributes']) {
          await scimCase({ label: `${label} in ?${q}`, method: 'GET', path: `${base}/${kind}?${q}=${v}` });
        }
      }
      for (const [label, v] of PATH_VALUES) {
        for (const m of ['GET', 'PUT', 'PATCH', 'DELETE']) {
          await scimCase({
            label: `${label} in the id`,
            method: m,
            path: `${base}/${kind}/${v}`,
            body: m === 'PUT' || m === 'PATCH' ? JSON.stringify(body) : undefined,
          });
        }
      }
      const patch: Json = {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          kind === 'Users'
            ? { op: 'replace', value: { active: true, 'name.givenName': 'x' } }
            : { op: 'add', path: 'members', value: [{ value: ids.scimUser }] },
        ],
      };
      for (const [m, path, b] of [
        ['POST', `${base}/${kind}`, body],
        ['PUT', `${base}/${kind}/${realId}`, body],
        ['PATCH', `${base}/${kind}/${realId}`, patch],
      ] as const) {
        for (const c of bodyCases(b)) {
          await scimCase({ label: c.label, method: m, path, body: c.body });
        }
      }
      const opPaths = ['members[value eq "x"', `${'emails['.repeat(2000)}`, 'name.givenName\u0000', HUGE];
      for (const p of opPaths) {
        await scimCase({
          label: 'hostile PATCH path',
          method: 'PATCH',
          path: `${base}/${kind}/${realId}`,
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'remove', path: p }],
          }),
        });
      }
    }
    expect(report()).toEqual([]);
  });

  it('every registry route × hostile path ids, queries and bodies', { timeout: 240_000 }, async () => {
    const routes = [...h.portico.registry.routes].sort(
      // Destructive and session-ending routes last; otherwise in registry order.
      (a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'),
    );
    for (const r of routes) await fuzzRoute(r);
    expect(sent).toBeGreaterThan(1000);
    expect(report()).toEqual([]);
  });

  it('hosted entry points: authorize, sign-out, SSO authorize and the ACS', { timeout: 60_000 }, async () => {
    const html = { accept: 'text/html' };
    const authorize = new URLSearchParams({
      client_id: h.clientId,
      response_type: 'code',
      redirect_uri: 'http://localhost:3000/callback',
      provider: 'authkit',
    });
    for (const path of ['/user_management/authorize', '/sso/authorize']) {
      for (const q of [
        ...authorize.keys(),
        'state',
        'organization',
        'connection',
        'login_hint',
        'screen_hint',
      ]) {
        for (const [label, v] of [
          ...QUERY_VALUES,
          ['CR/LF', '%0D%0ASet-Cookie:%20x=1'] as [string, string],
        ]) {
          const p = new URLSearchParams(authorize);
          p.delete(q);
          await send({ label: `${label} in ?${q}`, method: 'GET', path: `${path}?${p}&${q}=${v}` }, html);
        }
      }
    }
    for (const [label, v] of [
      ...QUERY_VALUES,
      ['CR/LF', '%0D%0ASet-Cookie:%20x=1'],
      ['javascript:', 'javascript:alert(1)'],
    ] as [string, string][]) {
      for (const q of ['session_id', 'return_to']) {
        await send(
          {
            label: `${label} in ?${q}`,
            method: 'GET',
            path: `/user_management/sessions/logout?session_id=session_x&${q}=${v}`,
          },
          html,
        );
      }
    }
    const acs = `/sso/saml/${ids.conn}/acs`;
    const forms: [string, string][] = [
      ['NUL in SAMLResponse', 'SAMLResponse=%00'],
      ['huge SAMLResponse', `SAMLResponse=${'A'.repeat(100_000)}`],
      ['not base64', 'SAMLResponse=%%%%'],
      [
        'base64 of deep XML',
        `SAMLResponse=${encodeURIComponent(Buffer.from(`${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}`).toString('base64'))}`,
      ],
      [
        'base64 of a NUL',
        `SAMLResponse=${encodeURIComponent(Buffer.from('<x>\u0000</x>').toString('base64'))}`,
      ],
      ['NUL in RelayState', 'SAMLResponse=PHg%2BPC94Pg%3D%3D&RelayState=%00'],
    ];
    for (const [label, body] of forms) {
      await send(
        { label, method: 'POST', path: acs, body, contentType: 'application/x-www-form-urlencoded' },
        html,
      );
    }
    expect(report()).toEqual([]);
  });
});
