/**
 * An IdP-synced password never leaks (RFC 7643 §4.1.1: password is writeOnly, returned never).
 * Passwords arrive in every form an IdP or a validator sends them — POST (top level, under the
 * core schema URN, URN-qualified), PUT, PATCH with a path (plain and URN-qualified) and without
 * one (alone and inside a value object of several attributes), a wrong-typed one, a body that is
 * not JSON — and then every table of the database and every wire response (SCIM answers, the
 * WorkOS read API, the Events API, the SCIM request log, webhook bodies received by a real local
 * HTTP receiver) is searched for each of them. Both databases.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain, WebhookWorker } from '../../src/jobs/webhook-worker.ts';
import { createHarness, dialect, type Harness, json } from '../harness.ts';

let h: Harness;
let worker: WebhookWorker;
let receiver: Server;
let hookUrl: string;
const hookBodies: string[] = [];
let dirId: string;
let token: string;

/** Every response body this test saw, to be searched at the end. */
const wire: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  worker = new WebhookWorker(h.portico.deps, { id: 'password-worker' });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hookBodies.push(body);
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const org = await json(await h.api('POST', '/organizations', { name: 'Secret Corp' }));
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await h.api('POST', '/directories', { organization_id: org.id, name: 'Okta', type: 'okta scim v2.0' }),
  );
  dirId = dir.id;
  token = dir.scim.bearer_token;
  const ep = await h.api('POST', '/webhook_endpoints', {
    endpoint_url: hookUrl,
    events: ['dsync.user.created', 'dsync.user.updated', 'dsync.user.deleted'],
  });
  expect(ep.status).toBe(201);
});
afterAll(async () => {
  await worker.stop();
  await new Promise((r) => receiver.close(r));
  await h.close();
});

async function scim(method: string, path: string, body?: unknown, raw?: string) {
  const res = await h.portico.app.request(`/scim/v2/${dirId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/scim+json',
      'user-agent': 'Okta SCIM Client 1.0.0',
    },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.clone().text();
  wire.push(text);
  return res;
}

async function api(path: string) {
  const res = await h.api('GET', path);
  expect(res.status, `GET ${path}`).toBe(200);
  wire.push(await res.clone().text());
  return res;
}

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = ['urn:ietf:params:scim:api:messages:2.0:PatchOp'];
/** One distinctive password per form, so a failure names the form that leaked. */
const P = {
  postTop: 'Zq8-post-top-hunter',
  postCoreObject: 'Zq8-post-core-object',
  postCoreFlat: 'Zq8-post-core-flat',
  postCased: 'Zq8-post-cased-Password',
  put: 'Zq8-put-replace',
  patchPath: 'Zq8-patch-path',
  patchUrnPath: 'Zq8-patch-urn-path',
  patchNoPath: 'Zq8-patch-no-path',
  patchBulk: 'Zq8-patch-bulk-value',
  patchCoreObject: 'Zq8-patch-core-object',
  patchWrongType: 'Zq8-patch-wrong-type',
  notJson: 'Zq8-not-json',
};

const user = (userName: string, extra: Record<string, unknown>) => ({
  schemas: [CORE],
  userName,
  externalId: `ext-${userName}`,
  name: { givenName: 'Sec', familyName: 'Ret' },
  emails: [{ primary: true, type: 'work', value: userName }],
  active: true,
  ...extra,
});

describe(`synced passwords on ${dialect}`, () => {
  it('are never stored, returned, logged, emitted or delivered', async () => {
    const created: string[] = [];
    for (const [userName, extra] of [
      ['top@secret.test', { password: P.postTop }],
      ['core-object@secret.test', { [CORE]: { password: P.postCoreObject } }],
      ['core-flat@secret.test', { [`${CORE}:password`]: P.postCoreFlat }],
      ['cased@secret.test', { Password: P.postCased }],
    ] as const) {
      const res = await scim('POST', '/Users', user(userName, extra));
      expect(res.status, await res.clone().text()).toBe(201);
      created.push((await json<{ id: string }>(res)).id);
    }
    const id = created[0]!;
    const put = await scim(
      'PUT',
      `/Users/${id}`,
      user('top@secret.test', { password: P.put, name: { givenName: 'Put', familyName: 'Ret' } }),
    );
    expect(put.status).toBe(200);

    const patches: unknown[][] = [
      [
        { op: 'replace', path: 'password', value: P.patchPath },
        { op: 'replace', path: 'title', value: 'A' },
      ],
      [
        { op: 'add', path: `${CORE}:password`, value: P.patchUrnPath },
        { op: 'replace', path: 'title', value: 'B' },
      ],
      [
        { op: 'replace', value: { password: P.patchNoPath } },
        { op: 'replace', path: 'title', value: 'C' },
      ],
      [
        {
          op: 'replace',
          value: { 'name.givenName': 'Bulk', password: P.patchBulk, active: true, title: 'D' },
        },
      ],
      [{ op: 'replace', path: CORE, value: { password: P.patchCoreObject, title: 'E' } }],
    ];
    for (const Operations of patches) {
      const res = await scim('PATCH', `/Users/${id}`, { schemas: PATCH, Operations });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await json(res)).not.toHaveProperty('password');
    }
    // A wrong-typed password is refused without quoting it, or ignored; never stored.
    const wrong = await scim('PATCH', `/Users/${id}`, {
      schemas: PATCH,
      Operations: [{ op: 'replace', path: 'password', value: { secret: P.patchWrongType } }],
    });
    expect([200, 400]).toContain(wrong.status);
    const notJson = await scim(
      'POST',
      '/Users',
      undefined,
      `{"userName":"x@secret.test","password":"${P.notJson}"`,
    );
    expect(notJson.status).toBe(400);

    // password is returned: never — not even when asked for, and it cannot be searched.
    const got = await json(await scim('GET', `/Users/${id}?attributes=password,userName`));
    expect(got).not.toHaveProperty('password');
    for (const filter of [
      'password pr',
      `password eq "${P.patchCoreObject}"`,
      'userName pr and password pr',
    ]) {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.status, filter).toBe(400);
      expect(await json(res)).toMatchObject({ scimType: 'invalidFilter', status: '400' });
    }
    await scim('GET', '/Users');
    for (const u of created) await scim('GET', `/Users/${u}`);

    // The WorkOS surfaces: directory users (raw_attributes), events, the SCIM request log.
    for (const u of created) await api(`/directory_users/${u}`);
    await api(`/directory_users?directory=${dirId}`);
    await api('/events?events=dsync.user.created,dsync.user.updated&limit=100');
    await api(`/directories/${dirId}/scim_requests?limit=200`);
    const updated = await json<{ data: unknown[] }>(await api('/events?events=dsync.user.updated&limit=100'));
    expect(updated.data.length).toBeGreaterThanOrEqual(patches.length);

    // Webhooks, delivered to a real receiver.
    await drain(worker);
    expect(hookBodies.some((b) => b.includes('dsync.user.updated'))).toBe(true);

    const all = [...wire, ...hookBodies].join('\n');
    for (const [form, password] of Object.entries(P))
      expect(all.includes(password), `the ${form} password is on the wire`).toBe(false);

    // Every row of every table.
    const tables =
      dialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
              h.portico.deps.db,
            )
          ).rows.map((r) => r.name)
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(h.portico.deps.db)
          ).rows.map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['directory_users', 'events', 'scim_requests']));
    for (const table of tables) {
      const rows = (await sql`select * from ${sql.table(table)}`.execute(h.portico.deps.db)).rows;
      const text = JSON.stringify(rows);
      for (const [form, password] of Object.entries(P))
        expect(text.includes(password), `the ${form} password is stored in ${table}`).toBe(false);
    }
  });
});
