/**
 * 0004 — one SAML service-provider key pair per environment: signs AuthnRequests (when a
 * connection asks for it) and decrypts encrypted assertions; its certificate is published in each
 * connection's SP metadata. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('saml_sp_keys')
    .addColumn('environment_id', 'text', (c) => c.primaryKey().notNull().references('environments.id'))
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
