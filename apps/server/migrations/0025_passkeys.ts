/**
 * 0025 — passkeys (WebAuthn Level 3 discoverable credentials) for AuthKit.
 *
 * `passkey_credentials`: a user's registered passkey — the credential id (base64url, unique per
 * environment), the COSE public key (base64url), the signature counter of the last accepted
 * assertion, the transports the browser reported (JSON array), the device type
 * (`singleDevice` / `multiDevice`), the backed-up flag, a display name, and when it was last used.
 * A public key is not a secret: nothing here needs sealing.
 *
 * `webauthn_challenges`: single-use challenges, by the SHA-256 of the challenge (base64url); each
 * is bound to an environment, a purpose (`authentication` on the sign-in page, `registration` /
 * `mfa` on a pending step) and the flow it was issued for (`flow_id`: the authorization request or
 * the pending authentication), plus the user for registration and MFA. 5 minutes; consumed with
 * `UPDATE … WHERE used_at IS NULL`.
 *
 * `passkey_settings`: the environment's passkey policy: enabled, the relying-party id and the
 * allowed origins (JSON array); no row means the defaults derived from PORTICO_PUBLIC_URL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('passkey_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addUniqueConstraint('passkey_credentials_env_credential', ['environment_id', 'credential_id'])
    .execute();
  await db.schema
    .createIndex('passkey_credentials_user')
    .on('passkey_credentials')
    .columns(['environment_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('challenge_hash', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('webauthn_challenges_expiry')
    .on('webauthn_challenges')
    .columns(['environment_id', 'expires_at'])
    .execute();

  await db.schema
    .createTable('passkey_settings')
    .addColumn('environment_id', 'text', (c) => c.primaryKey().notNull().references('environments.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('rp_id', 'text')
    .addColumn('origins', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
