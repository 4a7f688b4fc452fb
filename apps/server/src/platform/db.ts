/**
 * Storage: Kysely over better-sqlite3 (embedded default) or pg (PostgreSQL ≥ 14), one set of
 * migrations for both. `openDatabase` parses PORTICO_DATABASE_URL; `migrate` runs every pending
 * migration in order inside Kysely's migrator, so concurrent starts are safe: PostgreSQL takes the
 * migrator's advisory lock, SQLite the database's write lock (see below).
 *
 * Several processes may share one SQLite file (a running server and a CLI command, or several
 * `portico start`): every transaction there is `BEGIN IMMEDIATE`, which takes the write lock first
 * and waits for it (busy_timeout) instead of failing with SQLITE_BUSY when a transaction that has
 * read tries to write after another process committed. `serialized` runs a check-then-insert
 * (bootstrap) as one such transaction, under a transaction-scoped advisory lock on PostgreSQL.
 */

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import * as m0001 from '../../migrations/0001_core.ts';
import * as m0002 from '../../migrations/0002_webhooks.ts';
import * as m0003 from '../../migrations/0003_sso.ts';
import * as m0004 from '../../migrations/0004_saml_sp_keys.ts';
import * as m0005 from '../../migrations/0005_directory_sync.ts';
import * as m0006 from '../../migrations/0006_saml_replay.ts';
import * as m0007 from '../../migrations/0007_admin_portal.ts';
import * as m0008 from '../../migrations/0008_directory_attribute_map.ts';
import * as m0009 from '../../migrations/0009_session_auth_time.ts';
import * as m0010 from '../../migrations/0010_portal_link_revocation.ts';
import * as m0011 from '../../migrations/0011_idp_initiated_profile.ts';
import * as m0012 from '../../migrations/0012_saml_certificate_renewal.ts';
import * as m0013 from '../../migrations/0013_scim_conformance.ts';
import * as m0014 from '../../migrations/0014_default_logout_uri.ts';
import * as m0015 from '../../migrations/0015_test_organization_domains.ts';
import * as m0016 from '../../migrations/0016_refresh_reuse_grace.ts';
import * as m0017 from '../../migrations/0017_email.ts';
import * as m0018 from '../../migrations/0018_password_reset.ts';
import * as m0019 from '../../migrations/0019_invitations.ts';
import * as m0020 from '../../migrations/0020_one_time_codes.ts';
import * as m0021 from '../../migrations/0021_sso_invitations.ts';
import * as m0022 from '../../migrations/0022_mfa.ts';
import * as m0023 from '../../migrations/0023_rbac.ts';
import * as m0024 from '../../migrations/0024_social_sign_in.ts';
import * as m0025 from '../../migrations/0025_passkeys.ts';
import * as m0026 from '../../migrations/0026_impersonation.ts';
import * as m0027 from '../../migrations/0027_device_authorizations.ts';
import * as m0028 from '../../migrations/0028_sso_group_roles.ts';
import * as m0029 from '../../migrations/0029_sweep_indexes.ts';
import * as m0030 from '../../migrations/0030_audit_logs.ts';
import * as m0031 from '../../migrations/0031_audit_log_streams.ts';
import * as m0032 from '../../migrations/0032_platform_audit_logs.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Anything a repo can run a query on: the database or an open transaction. */
export type Queryable = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

// PostgreSQL returns bigint (int8) as a string by default; our bigints (seq, counters) fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openDatabase(
  url: string,
  opts: { poolSize?: number; onIdleError?: (err: Error) => void } = {},
): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new SQLite(path === '' ? ':memory:' : path);
    // First, so that switching a fresh file to WAL waits for a process doing the same.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle client whose server connection drops (PostgreSQL restart, failover, admin kill) emits
  // 'error' on the pool; unhandled, that would crash the process. The pool discards the client and
  // the next query opens a fresh connection, so the error only needs reporting.
  pool.on('error', (err) => opts.onIdleError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement afresh (BEGIN and COMMIT included), and
 * preparing costs more than running these small queries. Statements are cached by SQL text;
 * Kysely runs each one synchronously to completion, so one cached statement is never in use twice.
 * Kysely's `begin` becomes `begin immediate` here (see the header): in this process the one
 * connection runs one transaction at a time anyway, so only other processes ever wait on it.
 */
function withStatementCache(sqlite: SQLite.Database, max = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const sql = text === 'begin' ? 'begin immediate' : text;
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

const migrations: Record<string, { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> }> = {
  '0001_core': m0001,
  '0002_webhooks': m0002,
  '0003_sso': m0003,
  '0004_saml_sp_keys': m0004,
  '0005_directory_sync': m0005,
  '0006_saml_replay': m0006,
  '0007_admin_portal': m0007,
  '0008_directory_attribute_map': m0008,
  '0009_session_auth_time': m0009,
  '0010_portal_link_revocation': m0010,
  '0011_idp_initiated_profile': m0011,
  '0012_saml_certificate_renewal': m0012,
  '0013_scim_conformance': m0013,
  '0014_default_logout_uri': m0014,
  '0015_test_organization_domains': m0015,
  '0016_refresh_reuse_grace': m0016,
  '0017_email': m0017,
  '0018_password_reset': m0018,
  '0019_invitations': m0019,
  '0020_one_time_codes': m0020,
  '0021_sso_invitations': m0021,
  '0022_mfa': m0022,
  '0023_rbac': m0023,
  '0024_social_sign_in': m0024,
  '0025_passkeys': m0025,
  '0026_impersonation': m0026,
  '0027_device_authorizations': m0027,
  '0028_sso_group_roles': m0028,
  '0029_sweep_indexes': m0029,
  '0030_audit_logs': m0030,
  '0031_audit_log_streams': m0031,
  '0032_platform_audit_logs': m0032,
};

export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, mod] of Object.entries(migrations)) {
        out[name] = { up: (db) => mod.up(db, handle.dialect) };
      }
      return out;
    },
  };
  const run = async (db: Kysely<unknown>) => {
    const migrator = new Migrator({
      db,
      provider,
      migrationTableName: 'portico_migrations',
      migrationLockTableName: 'portico_migrations_lock',
      // SQLite: already inside the write transaction below.
      disableTransactions: handle.dialect === 'sqlite',
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  // PostgreSQL: the migrator takes its own advisory lock.
  if (handle.dialect === 'postgres') return run(handle.db as unknown as Kysely<unknown>);
  // Kysely's SQLite migrator neither locks nor uses a transaction, so processes starting together
  // on a fresh file would each create the tables. One write transaction (BEGIN IMMEDIATE) around
  // the whole run makes the others wait, then find every migration applied. SQLite's DDL is
  // transactional: a failed migration leaves nothing behind.
  return handle.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const applied = await run(conn as unknown as Kysely<unknown>);
      await sql`commit`.execute(conn);
      return applied;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}

/**
 * Runs `fn` in one transaction that no other process runs at the same time for the same `name`:
 * for a check-then-insert that must happen once across every process sharing the database
 * (bootstrap: the first environment, the first admin, the test organizations). `fn` re-checks
 * inside, and sees whatever an earlier holder committed. PostgreSQL: a transaction-scoped advisory
 * lock (`pg_advisory_xact_lock`, released at commit or rollback). SQLite: the database's write lock
 * (every transaction is BEGIN IMMEDIATE), which serializes all writers anyway. `fn` must not open
 * a transaction of its own, and should not do slow work (key generation, password hashing):
 * prepare that before, so other processes wait only for the inserts.
 */
export async function serialized<T>(
  handle: { db: Db; dialect: Dialect },
  name: string,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return handle.db.transaction().execute(async (tx) => {
    if (handle.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${lockKey(name)})`.execute(tx);
    return fn(tx);
  });
}

/** A stable 64-bit lock key for `name` (the first bytes of its SHA-256), as PostgreSQL's bigint. */
function lockKey(name: string) {
  const n = createHash('sha256').update(`portico:${name}`).digest().readBigInt64BE(0);
  return sql`${n.toString()}::bigint`;
}

/** Whether a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
