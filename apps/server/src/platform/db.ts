/**
 * Storage: Kysely over better-sqlite3 (embedded default) or pg (PostgreSQL ≥ 14), one set of
 * migrations for both. `openDatabase` parses PORTICO_DATABASE_URL; `migrate` runs every pending
 * migration in order inside Kysely's migrator (which locks, so concurrent starts are safe).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
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
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
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
 */
function withStatementCache(sqlite: SQLite.Database, max = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
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
  const migrator = new Migrator({
    db: handle.db,
    provider,
    migrationTableName: 'portico_migrations',
    migrationLockTableName: 'portico_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Whether a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
