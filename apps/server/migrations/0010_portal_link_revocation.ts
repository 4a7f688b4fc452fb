/**
 * 0010 — Admin Portal links name the admin they were made for (`external_user_id`, SDK 12's
 * `externalUserId`) and can be revoked (`revoked_at`) by `POST /portal/revoke_link`, which finds
 * an organization's links by that id. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portal_links').addColumn('external_user_id', 'text').execute();
  await db.schema.alterTable('portal_links').addColumn('revoked_at', 'text').execute();
  await db.schema
    .createIndex('portal_links_external_user')
    .on('portal_links')
    .columns(['organization_id', 'external_user_id'])
    .execute();
}
