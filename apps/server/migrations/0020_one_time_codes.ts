/**
 * 0020 — Magic Auth, email verification and the pending states of a sign-in.
 *
 * `magic_auths` and `email_verifications` hold six-digit one-time codes: `code_hash` (SHA-256)
 * is what a submitted code is compared with; `code_sealed` (sealed with the master key) lets the
 * API return the code to an app that sends its own emails, and is wiped once the code is used.
 * `attempts` counts wrong codes (the code dies at the limit); `used_at` makes a code single use.
 * A Magic Auth row names its user once one exists (a new email signs up when the code is redeemed).
 *
 * `pending_authentications` is a sign-in that proved who someone is but must do one more thing
 * first (verify the email, pick an organization). `token_hash` is the SHA-256 of the
 * `pending_authentication_token` the API answers with; `id` is unguessable and names the hosted
 * page that finishes it in a browser. `identity` and `target` (JSON) say how the sign-in goes on
 * once the step is done. Single use, 10 minutes.
 *
 * `environments.email_verification_required`: 1 when a user must verify their email before a
 * sign-in completes. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['magic_auths', 'email_verifications'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
      .addColumn('user_id', 'text', table === 'email_verifications' ? (c) => c.notNull() : undefined)
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('code_sealed', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('invitation_token', 'text')
      .addColumn('ip_address', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  }
  // A submitted code is looked up among the email's (or user's) recent codes.
  await db.schema
    .createIndex('magic_auths_email')
    .on('magic_auths')
    .columns(['environment_id', 'email', 'created_at'])
    .execute();
  await db.schema
    .createIndex('email_verifications_user')
    .on('email_verifications')
    .columns(['environment_id', 'user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('pending_authentications')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('email_verification_id', 'text')
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema
    .alterTable('environments')
    .addColumn('email_verification_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
