/**
 * Migration 0013 on a database written by the code before it, on SQLite and PostgreSQL:
 * plaintext synced passwords in directory users' and groups' resources, `dsync.*` event payloads
 * (what webhooks are rendered from), the SCIM request log (a PATCH value by path, a body that
 * was not JSON, an error text) and a webhook receiver's echoed response are scrubbed, and
 * everything else in those rows is kept; userName's case-insensitive key is backfilled, a
 * case-duplicate pair that already exists stays readable, filterable and updatable, and new
 * case-duplicates are refused.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { sha256 } from '../../src/platform/crypto.ts';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/platform/db.ts';
import { dialect, freshDatabaseUrl } from '../harness.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, '../../migrations');
/** Every migration before 0013, read from the folder (so later ones slot in without edits here). */
const BEFORE = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f) && f < '0013')
  .sort()
  .map((f) => f.replace(/\.ts$/, ''));
const PW = 'Zq8-stored-before-0013';
const ENV = 'environment_01J0013000000000000000000';
const ORG = 'org_01J0013000000000000000000000';
const DIR = 'directory_01J0013000000000000000000';
const API_KEY = 'sk_test_m0013000000000000000000000';
const T0 = '2025-06-01T10:00:00.000Z';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

let drop: (() => Promise<void>) | undefined;
let handle: DatabaseHandle | undefined;
afterAll(async () => {
  await handle?.close();
  await drop?.();
});

type Row = Record<string, string | number | null>;

describe(`migration 0013 on ${dialect}`, () => {
  it('scrubs stored passwords everywhere and keeps the rest of each row', async () => {
    const db0 = await freshDatabaseUrl();
    drop = db0.drop;
    handle = openDatabase(db0.url, { poolSize: 3 });
    const modules = Object.fromEntries(
      await Promise.all(
        BEFORE.map(async (n) => [n, (await import(join(MIGRATIONS_DIR, `${n}.ts`))) as Migration]),
      ),
    );
    const migrator = new Migrator({
      db: handle.db,
      provider: {
        async getMigrations() {
          const out: Record<string, Migration> = {};
          for (const n of BEFORE)
            out[n] = {
              up: (db) =>
                (modules[n] as { up: (d: Kysely<unknown>, x: string) => Promise<void> }).up(
                  db,
                  handle!.dialect,
                ),
            };
          return out;
        },
      },
      migrationTableName: 'portico_migrations',
      migrationLockTableName: 'portico_migrations_lock',
    });
    const to = await migrator.migrateToLatest();
    if (to.error) throw to.error;

    const db = handle.db as unknown as Kysely<Record<string, Row>>;
    const insert = (table: string, row: Row) => db.insertInto(table).values(row).execute();
    await insert('environments', {
      id: ENV,
      name: 'Production',
      client_id: 'client_01J0013',
      created_at: T0,
    });
    await insert('api_keys', {
      id: 'api_key_01J0013',
      environment_id: ENV,
      name: 'Default',
      key_hash: sha256(API_KEY),
      obfuscated_value: 'sk_test_…0000',
      created_at: T0,
    });
    await insert('organizations', {
      id: ORG,
      environment_id: ENV,
      name: 'Old Corp',
      created_at: T0,
      updated_at: T0,
    });
    await insert('directories', {
      id: DIR,
      environment_id: ENV,
      organization_id: ORG,
      name: 'Okta',
      type: 'okta scim v2.0',
      state: 'linked',
      token_hash: sha256('scim_old'),
      token_hint: 'scim_…old',
      deprovision: 'deactivate',
      created_at: T0,
      updated_at: T0,
    });
    const resource = {
      schemas: [CORE],
      userName: 'ada@old.test',
      password: PW,
      title: 'Engineer',
      name: { givenName: 'Ada', Password: PW },
      'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { PASSWORD: PW, team: 'core' },
    };
    const du = (id: string, userName: string, created: string, res: unknown): Row => ({
      id,
      environment_id: ENV,
      directory_id: DIR,
      organization_id: ORG,
      user_name: userName,
      external_id: `ext-${id}`,
      email: userName.toLowerCase(),
      first_name: 'Ada',
      last_name: null,
      state: 'active',
      resource: JSON.stringify(res),
      created_at: created,
      updated_at: created,
    });
    await insert('directory_users', du('directory_user_A', 'ada@old.test', T0, resource));
    // A case-duplicate pair written before userName was unique ignoring case.
    await insert(
      'directory_users',
      du('directory_user_B', 'Jane@Old.test', '2025-06-01T10:00:01.000Z', {
        schemas: [CORE],
        userName: 'Jane@Old.test',
      }),
    );
    await insert(
      'directory_users',
      du('directory_user_C', 'jane@old.test', '2025-06-01T10:00:02.000Z', {
        schemas: [CORE],
        userName: 'jane@old.test',
      }),
    );
    await insert(
      'directory_users',
      du('directory_user_D', 'Max@Old.test', '2025-06-01T10:00:03.000Z', {
        schemas: [CORE],
        userName: 'Max@Old.test',
      }),
    );
    await insert(
      'directory_users',
      du('directory_user_E', 'MAX@OLD.TEST', '2025-06-01T10:00:04.000Z', {
        schemas: [CORE],
        userName: 'MAX@OLD.TEST',
      }),
    );
    await insert('directory_groups', {
      id: 'directory_group_A',
      environment_id: ENV,
      directory_id: DIR,
      organization_id: ORG,
      display_name: 'Admins',
      external_id: null,
      resource: JSON.stringify({ displayName: 'Admins', password: PW }),
      created_at: T0,
      updated_at: T0,
    });
    const event = (id: string, name: string, data: unknown): Row => ({
      id,
      environment_id: ENV,
      event: name,
      organization_id: ORG,
      data: JSON.stringify(data),
      context: '{}',
      created_at: T0,
    });
    await insert(
      'events',
      event('event_A', 'dsync.user.updated', {
        object: 'directory_user',
        id: 'directory_user_A',
        raw_attributes: resource,
        previous_attributes: { raw_attributes: { password: PW } },
      }),
    );
    const unrelated = event('event_B', 'organization.created', {
      object: 'organization',
      id: ORG,
      name: 'Old Corp',
    });
    await insert('events', unrelated);
    const scimRequest = (id: string, body: string | null, error: string | null): Row => ({
      id,
      environment_id: ENV,
      directory_id: DIR,
      method: 'PATCH',
      path: `/scim/v2/${DIR}/Users/directory_user_A`,
      status: 200,
      duration_ms: 3,
      request_body: body,
      error,
      user_agent: 'Okta SCIM Client 1.0.0',
      created_at: T0,
    });
    const byPath = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'password', value: PW },
        { op: 'replace', path: 'title', value: 'Engineer' },
      ],
    };
    await insert('scim_requests', scimRequest('scim_request_A', JSON.stringify(byPath), null));
    await insert(
      'scim_requests',
      scimRequest('scim_request_B', JSON.stringify({ unparsed: `{"password":"${PW}"` }), null),
    );
    await insert(
      'scim_requests',
      scimRequest(
        'scim_request_C',
        null,
        `Operations[0] (path "password"): value must be a string; got "${PW}"`,
      ),
    );
    const kept = scimRequest(
      'scim_request_D',
      '{"userName":"x@old.test"}',
      'A user with userName x already exists',
    );
    await insert('scim_requests', kept);
    await insert('webhook_endpoints', {
      id: 'we_A',
      environment_id: ENV,
      endpoint_url: 'https://hooks.example.com/echo',
      secret_sealed: 'sealed',
      status: 'enabled',
      events: '["dsync.user.updated"]',
      dispatched_seq: 1,
      created_at: T0,
      updated_at: T0,
    });
    await insert('webhook_deliveries', {
      id: 'whd_A',
      environment_id: ENV,
      endpoint_id: 'we_A',
      event_id: 'event_A',
      event_seq: 1,
      state: 'succeeded',
      attempts: 1,
      next_attempt_at: T0,
      created_at: T0,
      updated_at: T0,
    });
    await insert('webhook_attempts', {
      id: 'wha_A',
      environment_id: ENV,
      endpoint_id: 'we_A',
      delivery_id: 'whd_A',
      event_id: 'event_A',
      attempt: 1,
      started_at: T0,
      duration_ms: 5,
      status: 200,
      response_snippet: `{"echo":{"raw_attributes":{"password":"${PW}"}}}`,
      worker: 'w1',
    });

    expect((await migrate(handle))[0]).toBe('0013_scim_conformance');

    // Nothing anywhere holds the password.
    const tables =
      dialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
              handle.db,
            )
          ).rows
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(handle.db)
          ).rows;
    for (const { name } of tables) {
      const rows = (await sql`select * from ${sql.table(name)}`.execute(handle.db)).rows;
      expect(JSON.stringify(rows).includes(PW), `${name} still holds the password`).toBe(false);
    }

    // The rest of each row is kept.
    const one = (table: string, id: string) =>
      db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.parse(String((await one('directory_users', 'directory_user_A')).resource))).toEqual({
      schemas: [CORE],
      userName: 'ada@old.test',
      title: 'Engineer',
      name: { givenName: 'Ada' },
      'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { team: 'core' },
    });
    expect(JSON.parse(String((await one('directory_groups', 'directory_group_A')).resource))).toEqual({
      displayName: 'Admins',
    });
    expect(JSON.parse(String((await one('events', 'event_A')).data))).toMatchObject({
      id: 'directory_user_A',
      raw_attributes: { userName: 'ada@old.test', title: 'Engineer' },
      previous_attributes: { raw_attributes: {} },
    });
    expect(await one('events', 'event_B')).toMatchObject({ data: unrelated.data });
    expect(JSON.parse(String((await one('scim_requests', 'scim_request_A')).request_body))).toEqual({
      ...byPath,
      Operations: [
        { op: 'replace', path: 'password', value: '[redacted]' },
        { op: 'replace', path: 'title', value: 'Engineer' },
      ],
    });
    expect(await one('scim_requests', 'scim_request_D')).toMatchObject({
      request_body: kept.request_body,
      error: kept.error,
    });
    expect(await one('webhook_attempts', 'wha_A')).toMatchObject({ status: 200, worker: 'w1' });

    // The current code reads the upgraded users, and the case-duplicates stay readable.
    const portico = buildApp({
      config: loadConfig({
        PORTICO_DATABASE_URL: 'sqlite::memory:',
        PORTICO_SECRET: 'm0013-secret-m0013-secret-m0013-secret-00',
        PORTICO_LOG_LEVEL: 'silent',
        PORTICO_VALIDATE_RESPONSES: '1',
      }),
      database: handle,
      clock: new TestClock(Date.parse(T0)),
    });
    for (const id of ['directory_user_A', 'directory_user_B', 'directory_user_C']) {
      const res = await portico.app.request(`/directory_users/${id}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(res.status, id).toBe(200);
      expect(await res.text()).not.toContain(PW);
    }

    // userName's case-insensitive key: the older of the case-duplicates holds it, the younger none.
    const keys = await db
      .selectFrom('directory_users')
      .select(['id', 'user_name_lower'])
      .orderBy('id')
      .execute();
    expect(keys).toEqual([
      { id: 'directory_user_A', user_name_lower: 'ada@old.test' },
      { id: 'directory_user_B', user_name_lower: 'jane@old.test' },
      { id: 'directory_user_C', user_name_lower: null },
      { id: 'directory_user_D', user_name_lower: 'max@old.test' },
      { id: 'directory_user_E', user_name_lower: null },
    ]);
    const scim = (method: string, path: string, body?: unknown) =>
      portico.app.request(`/scim/v2/${DIR}${path}`, {
        method,
        headers: { authorization: 'Bearer scim_old', 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const named = async (filter: string) =>
      (
        (await (await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)).json()) as {
          Resources: { id: string }[];
        }
      ).Resources.map((r) => r.id);
    // Both stay readable and filterable, ignoring case.
    expect(await named('userName eq "JANE@OLD.TEST"')).toEqual(['directory_user_B', 'directory_user_C']);
    expect(await named('userName sw "jane@"')).toEqual(['directory_user_B', 'directory_user_C']);
    // A new case-duplicate is refused; the unkeyed one can still be updated.
    const refused = await scim('POST', '/Users', { schemas: [CORE], userName: 'JANE@old.test' });
    expect(refused.status).toBe(409);
    const patch = (id: string, ops: unknown[]) =>
      scim('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: ops,
      });
    expect((await patch('directory_user_C', [{ op: 'replace', path: 'active', value: false }])).status).toBe(
      200,
    );
    // With its keyed twin gone, the unkeyed one takes the key over and holds the name…
    expect((await scim('DELETE', '/Users/directory_user_B')).status).toBe(204);
    expect(
      await db
        .selectFrom('directory_users')
        .select('user_name_lower')
        .where('id', '=', 'directory_user_C')
        .executeTakeFirst(),
    ).toEqual({ user_name_lower: 'jane@old.test' });
    expect((await scim('POST', '/Users', { schemas: [CORE], userName: 'jane@OLD.test' })).status).toBe(409);
    // …until it is renamed, which gives it the key of its new name.
    expect(
      (await patch('directory_user_C', [{ op: 'replace', path: 'userName', value: 'Jane2@old.test' }]))
        .status,
    ).toBe(200);
    expect(
      await db
        .selectFrom('directory_users')
        .select('user_name_lower')
        .where('id', '=', 'directory_user_C')
        .executeTakeFirst(),
    ).toEqual({ user_name_lower: 'jane2@old.test' });
    expect((await scim('POST', '/Users', { schemas: [CORE], userName: 'jane@OLD.test' })).status).toBe(201);
    // A keyed twin that is renamed hands its old key over too.
    expect(
      (await patch('directory_user_D', [{ op: 'replace', path: 'userName', value: 'max2@old.test' }])).status,
    ).toBe(200);
    expect(
      await db
        .selectFrom('directory_users')
        .select('user_name_lower')
        .where('id', '=', 'directory_user_E')
        .executeTakeFirst(),
    ).toEqual({ user_name_lower: 'max@old.test' });
    expect((await scim('POST', '/Users', { schemas: [CORE], userName: 'Max@old.test' })).status).toBe(409);
  });
});
