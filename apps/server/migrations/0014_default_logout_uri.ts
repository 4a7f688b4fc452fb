/**
 * 0014 — Each environment may name a default logout URI (WorkOS's "default logout redirect"):
 * where `GET /user_management/sessions/logout` sends the browser when the application passed no
 * `return_to`. NULL means none: Portico then shows its neutral "You are signed out" page. Like a
 * `return_to`, it must be on an allowed redirect URI's origin. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('environments').addColumn('default_logout_uri', 'text').execute();
}
