/**
 * 0008 — Per-directory attribute mapping: `{ custom_attribute_name: SCIM attribute path }`, read
 * from each provisioned user into `custom_attributes`. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('directories')
    .addColumn('attribute_map', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}
