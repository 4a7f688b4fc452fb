/**
 * 0032 — Platform audit events (docs/audit-logs.md#platform-events): an environment that opts in
 * gets audit log events written by Portico itself (sessions, memberships, SSO connections,
 * directories, Admin Portal and dashboard actions, impersonation) into each organization's chain.
 *
 * - `audit_log_platform`: one row per environment that ever opted in. `projected_seq` is the
 *   projector's cursor into `events.seq` (the transactional outbox): the audit events of the
 *   outbox rows up to it are in the chains, and the cursor moves in the same transaction that
 *   appends them, so none is lost or written twice. Enabling sets it to the outbox's head, so only
 *   what happens after the opt-in is recorded.
 * Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log_platform')
    .addColumn('environment_id', 'text', (c) => c.primaryKey().notNull().references('environments.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('projected_seq', 'integer', (c) => c.notNull())
    .addColumn('enabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
