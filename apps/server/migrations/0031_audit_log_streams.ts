/**
 * 0031 — Audit log streams (docs/audit-logs.md "Log streams"): each organization's destinations
 * for its audit log events (Datadog, Splunk HEC, S3, Google Cloud Storage, signed HTTP POST).
 *
 * - `audit_log_streams`: one row per destination. `config` is the non-secret JSON (endpoint,
 *   region, bucket, prefix, site, url…); `secret_sealed` is the credential (API key, HEC token,
 *   secret access key, HMAC secret) encrypted with the master key, `secret_hint` its last 4
 *   characters. `dispatched_seq` is the cursor into the organization's `audit_log_events.seq`:
 *   everything at or before it was delivered, and it advances in the transaction that records a
 *   delivered batch. `batch_through_seq` is the last seq of the batch being attempted, fixed
 *   at its first attempt so every retry sends the same events (and an object store the same key).
 *   A stream is claimed with a lease (`lease_owner`, `lease_until`; FOR UPDATE
 *   SKIP LOCKED on PostgreSQL) and its outcome is written only while the lease is still held.
 *   `attempts` counts consecutive failures; `next_attempt_at` is when the stream is next due.
 * Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log_streams')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('secret_hint', 'text', (c) => c.notNull())
    .addColumn('dispatched_seq', 'integer', (c) => c.notNull())
    .addColumn('batch_through_seq', 'integer')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_delivered_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_streams_organization')
    .on('audit_log_streams')
    .columns(['environment_id', 'organization_id'])
    .execute();
  await db.schema
    .createIndex('audit_log_streams_due')
    .on('audit_log_streams')
    .columns(['next_attempt_at'])
    .execute();
}
