/**
 * 0022 — Multi-factor authentication (WorkOS Multi-Factor Auth API and AuthKit's MFA policy).
 *
 * `auth_factors` — an enrolled factor: `totp` (its base32 secret sealed with the master key in
 * `secret_sealed`, because verifying a code needs the secret itself; `last_counter` is the TOTP
 * time step of the last accepted code, so a code is refused once used), `sms` (`phone_number`,
 * E.164) or `generic_otp`. `user_id` is set for AuthKit users' factors.
 *
 * `auth_challenges` — a challenge of a factor: `code_hash` (SHA-256) of the code sent by SMS or
 * returned for generic_otp (null for TOTP, whose code comes from the authenticator), `attempts`
 * (wrong codes; the challenge dies at the limit), `expires_at`, `verified_at` (single use).
 *
 * `mfa_recovery_codes` — ten one-time codes per user shown once at hosted enrollment; SHA-256
 * only, `used_at` makes each single use.
 *
 * `mfa_organization_policies` — organizations whose members must use MFA (one row per
 * organization that set a policy). `environments.mfa_required` is the environment's policy.
 *
 * `sms_messages` — the development SMS outbox (the default sender): the body, sealed.
 *
 * `pending_authentications.totp_secret_sealed` — the secret shown on the hosted enrollment page
 * before the person confirms it with a first code (the factor is created only then).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_factors')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('user_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('totp_issuer', 'text')
    .addColumn('totp_user', 'text')
    .addColumn('secret_sealed', 'text')
    .addColumn('last_counter', 'integer')
    .addColumn('phone_number', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('auth_factors_user')
    .on('auth_factors')
    .columns(['environment_id', 'user_id', 'id'])
    .execute();

  await db.schema
    .createTable('auth_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('factor_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('auth_challenges_factor')
    .on('auth_challenges')
    .columns(['environment_id', 'factor_id'])
    .execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('mfa_recovery_codes_user')
    .on('mfa_recovery_codes')
    .columns(['environment_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('mfa_organization_policies')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('mfa_required', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mfa_organization_policies_pk', ['environment_id', 'organization_id'])
    .execute();

  await db.schema
    .createTable('sms_messages')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('body_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable('environments')
    .addColumn('mfa_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('pending_authentications').addColumn('totp_secret_sealed', 'text').execute();
}
