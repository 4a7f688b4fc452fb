/**
 * The storage contract, run on SQLite and on PostgreSQL: migrations from empty produce the schema
 * in this dialect's snapshot — column types, nullability and defaults, primary keys, unique
 * constraints, indexes (columns, uniqueness) and foreign keys (ON DELETE) — and the same schema as
 * the other dialect's snapshot up to spelling; re-running them is a no-op; and the primitives the
 * services rely on behave identically — single-use consumption under concurrency, unique-violation
 * detection, and upsert counters.
 *
 * One snapshot per dialect, not one normalised snapshot: each holds exactly what its database
 * reports, so a difference that matters on one dialect only (a 32-bit `integer` on PostgreSQL, a
 * nullable primary key on SQLite) cannot be normalised away; the cross-dialect check then removes
 * only spelling (see `portable` in ../support/schema.ts). PORTICO_UPDATE_SNAPSHOT=1 rewrites this
 * dialect's snapshot; review the diff by eye.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, isUniqueViolation, migrate, openDatabase } from '../../src/platform/db.ts';
import { RateLimiter } from '../../src/surfaces/common.ts';
import { createHarness, dialect, freshDatabaseUrl, type Harness } from '../harness.ts';
import { introspect, portable, type SchemaShape } from '../support/schema.ts';

const snapshotFile = (d: 'sqlite' | 'postgres') => join(import.meta.dirname, `schema.${d}.snapshot.json`);
const readSnapshot = (d: 'sqlite' | 'postgres') =>
  JSON.parse(readFileSync(snapshotFile(d), 'utf8')) as SchemaShape;
const other = dialect === 'sqlite' ? 'postgres' : 'sqlite';

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

  it('migrates an empty database to this dialect’s schema snapshot, the same as the other dialect’s, and again is a no-op', async () => {
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
      '0011_idp_initiated_profile',
      '0012_saml_certificate_renewal',
      '0013_scim_conformance',
      '0014_default_logout_uri',
      '0015_test_organization_domains',
      '0016_refresh_reuse_grace',
      '0017_email',
      '0018_password_reset',
      '0019_invitations',
      '0020_one_time_codes',
      '0021_sso_invitations',
      '0022_mfa',
      '0023_rbac',
      '0024_social_sign_in',
      '0025_passkeys',
      '0026_impersonation',
      '0027_device_authorizations',
      '0028_sso_group_roles',
      '0029_sweep_indexes',
      '0030_audit_logs',
      '0031_audit_log_streams',
      '0032_platform_audit_logs',
    ]);
    expect(await migrate(handle)).toEqual([]);
    const schema = await introspect(handle);
    if (process.env.PORTICO_UPDATE_SNAPSHOT === '1')
      writeFileSync(snapshotFile(dialect), `${JSON.stringify(schema, null, 2)}\n`);
    expect(schema).toEqual(readSnapshot(dialect));
    // The other dialect's snapshot is checked against its database in its own run.
    expect(portable(schema, dialect)).toEqual(portable(readSnapshot(other), other));
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
        email_verification_required: 0,
        mfa_required: 0,
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
