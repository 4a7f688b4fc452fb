/**
 * 0017 — Email delivery. `emails` is the email outbox: one row per AuthKit email, queued in the
 * same transaction as the change that needs it (the Magic Auth code, the reset token…), rendered
 * at that moment, its text and HTML sealed with the master key (they carry one-time codes and
 * links; the subject and recipient stay readable for listings). The worker claims due rows with a
 * lease (`claimed_until`); `message_id` is the stable RFC 5322 Message-ID of the email, the same
 * on every attempt. Without SMTP a row is kept as `dev_outbox`.
 *
 * On `environments`: the branding of its emails (name, logo URL, `#rrggbb` colour), a From
 * override, and the email types it turned off (a JSON array; NULL: none) because the app sends
 * its own. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('emails')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_sealed', 'text', (c) => c.notNull())
    .addColumn('html_sealed', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('smtp_response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  // The worker's claim: due `queued` rows and `sending` rows whose lease lapsed.
  await db.schema.createIndex('emails_due').on('emails').columns(['status', 'next_attempt_at']).execute();
  // The dashboard and `portico mail list`: an environment's newest first (ids sort by time).
  await db.schema.createIndex('emails_environment').on('emails').columns(['environment_id', 'id']).execute();

  await db.schema.alterTable('environments').addColumn('email_brand_name', 'text').execute();
  await db.schema.alterTable('environments').addColumn('email_logo_url', 'text').execute();
  await db.schema.alterTable('environments').addColumn('email_brand_color', 'text').execute();
  await db.schema.alterTable('environments').addColumn('email_from', 'text').execute();
  await db.schema.alterTable('environments').addColumn('email_disabled', 'text').execute();
}
