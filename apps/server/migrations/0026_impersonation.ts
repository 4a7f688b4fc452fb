/**
 * 0026 — impersonation (docs/impersonation.md).
 *
 * `impersonations`: who (the dashboard admin's id and email), whom (the user, and the organization
 * the session is for), why (the reason) and when. The row is started by the dashboard; its hosted
 * page is reached by the SHA-256 of a random token (`token_hash`), lives 10 minutes and is
 * continued once (`consumed_at`), minting an authorization code that points back to it
 * (`authorization_codes.impersonation_id`, whose `session_id` is then the session it became).
 * The row is never deleted: it is the durable record of the impersonation.
 *
 * `sessions.impersonator_email` / `impersonator_reason`: the session's `impersonator` (the wire's
 * `{email, reason}`), kept across refreshes. Both null for every other session.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('impersonations')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('admin_user_id', 'text', (c) => c.notNull())
    .addColumn('admin_email', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();
  await db.schema
    .createIndex('impersonations_env_user')
    .on('impersonations')
    .columns(['environment_id', 'user_id', 'created_at'])
    .execute();
  await db.schema.alterTable('sessions').addColumn('impersonator_email', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('impersonator_reason', 'text').execute();
  await db.schema.alterTable('authorization_codes').addColumn('impersonation_id', 'text').execute();
}
