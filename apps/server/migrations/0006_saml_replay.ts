/**
 * 0006 — SAML replay cache: every accepted assertion id is remembered until its NotOnOrAfter, so
 * the same response cannot be posted twice — also for IdP-initiated sign-ins, which have no
 * request to consume. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('saml_seen_assertions')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_seen_assertions_pk', ['connection_id', 'assertion_id'])
    .execute();
  await db.schema
    .createIndex('saml_seen_assertions_expires')
    .on('saml_seen_assertions')
    .column('expires_at')
    .execute();
}
