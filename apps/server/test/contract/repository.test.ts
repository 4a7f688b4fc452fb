/**
 * The storage contract, run on SQLite and on PostgreSQL: migrations from empty produce the same
 * schema on both dialects (checked against one snapshot), re-running them is a no-op, and the
 * primitives the services rely on behave identically — single-use consumption under
 * concurrency, unique-violation detection, and upsert counters.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, isUniqueViolation, migrate, openDatabase } from '../../src/platform/db.ts';
import { RateLimiter } from '../../src/surfaces/common.ts';
import { createHarness, dialect, freshDatabaseUrl, type Harness } from '../harness.ts';

const SNAPSHOT = join(import.meta.dirname, 'schema.snapshot.json');

describe(`storage contract on ${dialect}`, () => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabaseUrl();
    drop = db.drop;
    handle = openDatabase(db.url);
  });
  afterAll(async () => {
    await handle.close();
    await drop();
  });

  it('migrates an empty database to the shared schema snapshot, and again is a no-op', async () => {
    expect(await migrate(handle)).toEqual([
      '0001_core',
      '0002_webhooks',
      '0003_sso',
      '0004_saml_sp_keys',
      '0005_directory_sync',
      '0006_saml_replay',
      '0007_admin_portal',
      '0008_directory_attribute_map',
      '0009_session_auth_time',
      '0010_portal_link_revocation',
    ]);
    expect(await migrate(handle)).toEqual([]);
    const tables = await handle.db.introspection.getTables();
    const schema = Object.fromEntries(
      tables
        .filter((t) => !t.name.startsWith('portico_migrations'))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((t) => [
          t.name,
          Object.fromEntries(t.columns.map((c) => [c.name, c.isNullable ? 'null' : 'not null']).sort()),
        ]),
    );
    if (process.env.PORTICO_UPDATE_SNAPSHOT === '1')
      writeFileSync(SNAPSHOT, `${JSON.stringify(schema, null, 2)}\n`);
    expect(schema).toEqual(JSON.parse(readFileSync(SNAPSHOT, 'utf8')));
  });
});

describe(`repository primitives on ${dialect}`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('single use: of many concurrent UPDATE … WHERE used_at IS NULL RETURNING, exactly one wins', async () => {
    const { db } = h.portico.deps;
    const user = await h.portico.services.users.create(h.environmentId, { email: 'single@example.com' }, {});
    const now = new Date().toISOString();
    await db
      .insertInto('authorization_codes')
      .values({
        id: 'code_1',
        environment_id: h.environmentId,
        code_hash: 'hash-1',
        user_id: user.id,
        organization_id: null,
        redirect_uri: 'http://localhost:3000/callback',
        code_challenge: null,
        authentication_method: 'Password',
        ip_address: null,
        user_agent: null,
        session_id: null,
        created_at: now,
        expires_at: now,
        used_at: null,
      })
      .execute();
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        db
          .updateTable('authorization_codes')
          .set({ used_at: now })
          .where('code_hash', '=', 'hash-1')
          .where('used_at', 'is', null)
          .returning('id')
          .executeTakeFirst(),
      ),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
  });

  it('recognises unique violations on this dialect', async () => {
    const { db } = h.portico.deps;
    const err = await db
      .insertInto('environments')
      .values({
        id: 'environment_dup',
        name: 'Dup',
        client_id: h.clientId,
        created_at: new Date().toISOString(),
      })
      .execute()
      .catch((e) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUniqueViolation(new Error('something else'))).toBe(false);
  });

  it('shared rate-limit counters count every concurrent hit', async () => {
    const limiter = new RateLimiter(h.portico.deps);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => limiter.shared('bucket-x', 10, 60_000)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
  });
});
