/**
 * 0021 — An SSO sign-in started for an invitation (AuthKit authorize with `invitation_token` and
 * an organization or connection, or the hosted sign-in of an invited person whose email domain
 * signs in with SSO) remembers the invitation on its flow, so the sign-in accepts it when the IdP
 * answers. NULL for every other flow, and for flows started before this migration. Immutable once
 * released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_flows').addColumn('invitation_id', 'text').execute();
}
