/**
 * 0019 — Invitations (WorkOS User Management "Invitation"). The token is a secret the API returns
 * on every read (`token`, `accept_invitation_url`), so it is kept sealed with the master key
 * (`token_sealed`) and found by its SHA-256 (`token_hash`, unique). `state` is stored as pending,
 * accepted or revoked; `expired` is computed from `expires_at` when read. An invitation goes with
 * its organization; a deleted inviter or accepting user leaves it in place without the id.
 * `authorization_requests.invitation_id` carries an invitation through the hosted sign-in and
 * sign-up (authorize `invitation_token`). Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('inviter_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('accepted_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('role_slug', 'text')
    .addColumn('locale', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('expires_in_days', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('invitations_environment_email')
    .on('invitations')
    .columns(['environment_id', 'email'])
    .execute();
  await db.schema
    .createIndex('invitations_environment_organization')
    .on('invitations')
    .columns(['environment_id', 'organization_id'])
    .execute();
  await db.schema.alterTable('authorization_requests').addColumn('invitation_id', 'text').execute();
}
