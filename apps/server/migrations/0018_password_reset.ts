/**
 * 0018 — Password reset (WorkOS "Password reset": create, get, confirm).
 *
 * `password_resets` holds one row per reset token. The token itself is never stored: only its
 * SHA-256 (`token_hash`, unique), so a database dump cannot reset anyone's password. A token is
 * consumed once, atomically (`UPDATE … SET used_at WHERE used_at IS NULL RETURNING`).
 * `authorization_request_id` remembers the hosted sign-in a reset was started from (NULL when it
 * came from the API), so the success page can send the person back to it.
 *
 * `environments.password_reset_url` is where the emailed link points (`?token=…` is appended);
 * NULL means Portico's hosted reset page, `${PORTICO_PUBLIC_URL}/authkit/reset-password`.
 * Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = 'text' as const;
  await db.schema.alterTable('environments').addColumn('password_reset_url', 'text').execute();
  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('password_reset_url', 'text', (c) => c.notNull())
    .addColumn('authorization_request_id', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .execute();
  await db.schema
    .createIndex('password_resets_environment_user')
    .on('password_resets')
    .columns(['environment_id', 'user_id'])
    .execute();
}
