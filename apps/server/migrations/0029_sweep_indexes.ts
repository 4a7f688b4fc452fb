/**
 * 0029 — Indexes for the sweeper (jobs/sweep.ts), which deletes expired short-lived rows every
 * minute on every node: without them each DELETE scans its whole table. `expires_at` for the
 * flows, codes and challenges; `created_at` for the SMS dev outbox. Immutable once released.
 */
import type { Kysely } from 'kysely';

const EXPIRING = [
  'auth_challenges',
  'email_verifications',
  'magic_auths',
  'oauth_flows',
  'oauth_link_codes',
  'pending_authentications',
  'password_resets',
  'sso_codes',
  'sso_flows',
  'sso_profile_tokens',
  'portal_links',
  'portal_sessions',
  'admin_sessions',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of EXPIRING)
    await db.schema.createIndex(`${table}_expires`).on(table).column('expires_at').execute();
  await db.schema.createIndex('sms_messages_created').on('sms_messages').column('created_at').execute();
}
