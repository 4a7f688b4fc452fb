/**
 * 0016 — The refresh-token reuse grace (PORTICO_REFRESH_REUSE_GRACE). When a refresh token is
 * consumed, its row keeps, for the grace only, what a retry of the same request needs to get the
 * same answer: the successor refresh token sealed with the master key (`successor_sealed`, never in
 * clear; wiped once the grace has passed), and who asked — the client (`used_client_id`) and the
 * `organization_id` the request named (`used_organization_id`, NULL when it named none). Rows
 * consumed before this migration have none of these, so presenting them again is reuse, as before.
 * A partial index holds only the rows that still keep a sealed successor (a few seconds' worth), so
 * the sweeper that wipes them once the grace has passed never scans the table. Immutable once
 * released.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').addColumn('successor_sealed', 'text').execute();
  await db.schema.alterTable('refresh_tokens').addColumn('used_client_id', 'text').execute();
  await db.schema.alterTable('refresh_tokens').addColumn('used_organization_id', 'text').execute();
  await db.schema
    .createIndex('refresh_tokens_sealed_used_at')
    .on('refresh_tokens')
    .column('used_at')
    .where(sql.ref('successor_sealed'), 'is not', null)
    .execute();
}
