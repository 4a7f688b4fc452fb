/**
 * 0024 — social sign-in (GoogleOAuth, MicrosoftOAuth, GitHubOAuth, AppleOAuth, …).
 *
 * `oauth_credentials`: one row per environment and provider — the client id, the client secret
 * sealed with the master key (for Apple: the .p8 private key), the scopes and the provider's own
 * options (Microsoft's tenant, Apple's team and key ids) as JSON.
 *
 * `oauth_flows`: a started social sign-in, keyed by the SHA-256 of the `state` Portico sent to the
 * provider; `secrets_sealed` holds the nonce and PKCE verifier; `invitation_id` the invitation the
 * authorize URL carried (accepted by the sign-in). Single use, 10 minutes.
 *
 * `user_identities`: a user's linked provider accounts (provider + the provider's user id),
 * unique per environment.
 *
 * `oauth_link_codes`: a refused link (the provider did not verify an email an existing user has),
 * by the SHA-256 of the `link_authorization_code` returned to the app; the Magic Auth grant that
 * proves the address consumes it and links the identity. Single use, 10 minutes.
 *
 * `authorization_codes.oauth_tokens_sealed`: the provider's tokens of a social sign-in, sealed,
 * returned once as `oauth_tokens` when the code is redeemed. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('oauth_credentials_env_provider', ['environment_id', 'provider'])
    .execute();

  await db.schema
    .createTable('oauth_flows')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('secrets_sealed', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('app_state', 'text')
    .addColumn('code_challenge', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addColumn('invitation_id', 'text')
    .execute();

  await db.schema
    .createTable('user_identities')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('user_identities_provider_user', ['environment_id', 'provider', 'provider_user_id'])
    .execute();
  await db.schema
    .createIndex('user_identities_user')
    .on('user_identities')
    .columns(['environment_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('oauth_link_codes')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();

  await db.schema.alterTable('authorization_codes').addColumn('oauth_tokens_sealed', 'text').execute();
}
