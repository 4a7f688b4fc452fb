/**
 * 0028 — SSO group → role mapping. A connection's `group_role_map` (JSON object: the group name or
 * id the IdP sends in its `groups` attribute or claim → a role slug) decides the roles of the
 * membership an SSO sign-in reaches, the same way a directory's map does for SCIM. `{}` (every
 * existing connection) leaves roles alone. Immutable once released.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('group_role_map', 'text', (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}
