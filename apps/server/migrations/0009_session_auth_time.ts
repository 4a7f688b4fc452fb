/**
 * 0009 — `sessions.auth_time`: when the user last actively authenticated (the sign-in that started
 * the session), minted as the `auth_time` claim of every access token and kept unchanged across
 * refresh-token rotations. Sessions created before this migration have none; their tokens fall
 * back to the session's `created_at`. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('auth_time', 'text').execute();
}
