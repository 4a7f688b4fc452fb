/**
 * 0003 — enterprise SSO: connections (SAML and OIDC), their domains, server-side flow state
 * (keyed by RelayState / InResponseTo / OIDC state, so cross-site returns need no cookie), SSO
 * API codes and profile tokens, profiles, and the tracer. Also indexes the expiry columns the
 * minute sweeper deletes by. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('connection_type', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('saml_idp_entity_id', 'text')
    .addColumn('saml_idp_sso_url', 'text')
    .addColumn('saml_idp_certificates', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('saml_idp_metadata_url', 'text')
    .addColumn('saml_metadata_refreshed_at', 'text')
    .addColumn('saml_allow_idp_initiated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('saml_sign_requests', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('oidc_discovery_url', 'text')
    .addColumn('oidc_client_id', 'text')
    .addColumn('oidc_client_secret_sealed', 'text')
    .addColumn('attribute_map', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('test_idp_key_sealed', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('connections_env_org')
    .on('connections')
    .columns(['environment_id', 'organization_id'])
    .execute();

  await db.schema
    .createTable('sso_flows')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('app_state', 'text')
    .addColumn('code_challenge', 'text')
    .addColumn('saml_request_id', 'text', (c) => c.unique())
    .addColumn('oidc_secrets_sealed', 'text')
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();

  await db.schema
    .createTable('sso_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sso_codes')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('profile_id', 'text', (c) => c.notNull().references('sso_profiles.id').onDelete('cascade'))
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema
    .createTable('sso_profile_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull().references('sso_profiles.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sso_traces')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('initiated_by', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('fix', 'text')
    .addColumn('email', 'text')
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('decoded', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('sso_traces_connection')
    .on('sso_traces')
    .columns(['connection_id', 'id'])
    .execute();

  // The sweeper (jobs/sweep.ts) deletes by these every minute.
  await db.schema
    .createIndex('authorization_codes_expires')
    .on('authorization_codes')
    .column('expires_at')
    .execute();
  await db.schema
    .createIndex('authorization_requests_expires')
    .on('authorization_requests')
    .column('expires_at')
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();
}
