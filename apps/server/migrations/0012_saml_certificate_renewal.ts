/**
 * 0012 — SAML certificate renewal without a hole. `saml_added_certificates` holds the certificates
 * an admin added one at a time (the IdP's next one, before its metadata publishes it); the metadata
 * refresh keeps them. `saml_certificate_notice` remembers which renewal reminder was last written
 * for the connection, so each is written once across processes. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('saml_added_certificates', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('connections').addColumn('saml_certificate_notice', 'text').execute();
}
