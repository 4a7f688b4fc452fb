/**
 * 0030 — Audit Logs (docs/audit-logs.md): actions and their versioned schemas, the events, each
 * organization's hash chain, signed checkpoints, exports and retention.
 *
 * - `audit_log_actions`: one row per action name an environment has a schema for.
 * - `audit_log_schemas`: the versions of an action's schema (`body` is the schema as the API
 *   returns it: `{actor, targets, metadata}`); versions count from 1 per action.
 * - `audit_log_events`: immutable. `seq` is the event's position in its organization's chain
 *   (unique with the organization, so two processes cannot fork it); `body` is the canonical JSON
 *   the chain hashes (the other columns are copies for filtering, checked against it by
 *   `portico audit verify`); `hash` = SHA-256(`prev_hash` ‖ `body`). `target_types` is
 *   `,type1,type2,` for the export filter.
 * - `audit_log_organizations`: the chain head of each organization (taken FOR UPDATE on
 *   PostgreSQL when an event is appended), its retention in days (null: kept), and where the
 *   chain starts after retention deleted its oldest events (`pruned_through_seq`, `pruned_hash`).
 * - `audit_log_checkpoints`: `(seq, hash)` of a chain signed as a compact JWS (Ed25519) with the
 *   environment's key in `audit_log_keys` (the public key is published; keys are never deleted).
 * - `audit_log_exports`: an export's filter, the chain position it was frozen at (`through_seq`),
 *   its state, and once ready the row count and SHA-256 of its CSV.
 * Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log_actions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_log_actions_name', ['environment_id', 'name'])
    .execute();
  await db.schema
    .createTable('audit_log_schemas')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_log_schemas_version', ['environment_id', 'action', 'version'])
    .execute();
  await db.schema
    .createTable('audit_log_organizations')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('head_seq', 'integer', (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('pruned_through_seq', 'integer', (c) => c.notNull())
    .addColumn('pruned_hash', 'text', (c) => c.notNull())
    .addColumn('retention_days', 'integer')
    .addColumn('checkpoint_seq', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_log_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('target_types', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_log_events_chain', ['organization_id', 'seq'])
    .execute();
  // Viewer, exports and retention read an organization's events by time.
  await db.schema
    .createIndex('audit_log_events_time')
    .on('audit_log_events')
    .columns(['organization_id', 'occurred_at', 'seq'])
    .execute();
  await db.schema
    .createTable('audit_log_keys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_log_checkpoints')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_log_checkpoints_seq', ['organization_id', 'seq'])
    .execute();
  await db.schema
    .createTable('audit_log_exports')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('through_seq', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer')
    .addColumn('sha256', 'text')
    .addColumn('error', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_exports_pending')
    .on('audit_log_exports')
    .columns(['state', 'claimed_until'])
    .execute();
}
