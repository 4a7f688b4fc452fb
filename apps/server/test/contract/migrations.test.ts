/**
 * Upgrading equals installing, on SQLite and on PostgreSQL. For every migration k in
 * apps/server/migrations (read from the folder, so a new migration is covered without touching
 * this file): a fresh database is migrated to k, filled with one representative row per table
 * that exists at k (only the columns that exist at k), then upgraded to the latest by the server's
 * own `migrate`. Then
 * (a) its schema equals a fresh install's, read by the same catalog introspection as the schema
 *     snapshot (column types, defaults, keys, indexes, foreign keys);
 * (b) every row survives: its values exactly as written, each column added after k holding its
 *     declared default (or NULL), and the current code reads the old rows through the API.
 *
 * A migration that creates a table or adds a column needs sample values below: the coverage test
 * fails, naming the table and column, until SAMPLES has them. A migration that backfills a new
 * column from old data declares the expected value in BACKFILLED.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, type Migration, Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { SecretBox, sha256 } from '../../src/platform/crypto.ts';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/platform/db.ts';
import { dialect, freshDatabaseUrl } from '../harness.ts';
import { introspect, type SchemaShape } from '../support/schema.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, '../../migrations');
const FILES = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f))
  .sort();
const NAMES = FILES.map((f) => f.replace(/\.ts$/, ''));

type Up = { up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> };
let modules: Record<string, Up>;

/** A migrator over the same files and bookkeeping tables as the server's, that can stop at k. */
function migratorFor(handle: DatabaseHandle) {
  return new Migrator({
    db: handle.db,
    provider: {
      async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const name of NAMES) out[name] = { up: (db) => modules[name]!.up(db, handle.dialect) };
        return out;
      },
    },
    migrationTableName: 'portico_migrations',
    migrationLockTableName: 'portico_migrations_lock',
  });
}

// ── Representative rows, one per table, in foreign-key order ──────────────────────────────────

const SECRET = 'upgrade-secret-upgrade-secret-upgrade-0000';
const API_KEY = 'sk_test_upgrade000000000000000000';
const box = new SecretBox(SECRET);
const ENV = 'environment_01JUPGRADE0000000000000000';
const ORG = 'org_01JUPGRADE00000000000000000';
const USER = 'user_01JUPGRADE0000000000000000';
const SESSION = 'session_01JUPGRADE00000000000000';
const CONN = 'conn_01JUPGRADE000000000000000000';
const PROFILE = 'prof_01JUPGRADE000000000000000000';
const ENDPOINT = 'we_01JUPGRADE00000000000000000000';
const EVENT = 'event_01JUPGRADE000000000000000000';
const DELIVERY = 'whd_01JUPGRADE0000000000000000000';
const DIR = 'directory_01JUPGRADE00000000000000';
const DIR_USER = 'directory_user_01JUPGRADE0000000000';
const DIR_GROUP = 'directory_group_01JUPGRADE000000000';
const ADMIN = 'admin_user_01JUPGRADE000000000000';
const LINK = 'portal_link_01JUPGRADE00000000000';
const T0 = '2025-06-01T10:00:00.000Z';
const T1 = '2025-06-01T10:05:00.000Z';
const LATER = '2031-06-01T10:00:00.000Z';

type Row = Record<string, string | number | null>;
const SAMPLES: [table: string, row: Row][] = [
  [
    'environments',
    {
      id: ENV,
      name: 'Production',
      client_id: 'client_01JUPGRADE0000000000000',
      created_at: T0,
      default_logout_uri: 'https://app.example.com/signed-out',
      password_reset_url: 'https://app.example.com/reset-password',
      email_brand_name: 'Upgrade Corp',
      email_logo_url: 'https://app.example.com/logo.png',
      email_brand_color: '#123abc',
      email_from: 'Upgrade <no-reply@example.com>',
      email_disabled: '["invitation"]',
      email_verification_required: 1,
      mfa_required: 1,
    },
  ],
  [
    'emails',
    {
      id: 'email_01JUPGRADE',
      environment_id: ENV,
      template: 'magic_auth',
      to_address: 'ada@example.com',
      from_address: 'Upgrade <no-reply@example.com>',
      subject: 'Your sign-in code for Upgrade Corp',
      text_sealed: 'v1.aaaa.bbbb.cccc',
      html_sealed: 'v1.aaaa.bbbb.dddd',
      message_id: '<email_01jupgrade@example.com>',
      status: 'sent',
      attempts: 1,
      next_attempt_at: T0,
      claimed_until: null,
      last_error: null,
      smtp_response: '250 OK: queued as 1',
      created_at: T0,
      updated_at: T1,
      sent_at: T1,
    },
  ],
  [
    'magic_auths',
    {
      id: 'magic_auth_01JUPGRADE',
      environment_id: ENV,
      user_id: USER,
      email: 'ada@example.com',
      code_hash: sha256('123456'),
      code_sealed: null,
      attempts: 1,
      invitation_token: null,
      ip_address: '203.0.113.9',
      user_agent: 'Mozilla/5.0',
      created_at: T0,
      updated_at: T1,
      expires_at: T1,
      used_at: T1,
    },
  ],
  [
    'email_verifications',
    {
      id: 'email_verification_01JUPGRADE',
      environment_id: ENV,
      user_id: USER,
      email: 'ada@example.com',
      code_hash: sha256('654321'),
      code_sealed: 'v1.aaaa.bbbb.eeee',
      attempts: 0,
      invitation_token: null,
      ip_address: null,
      user_agent: null,
      created_at: T0,
      updated_at: T0,
      expires_at: T1,
      used_at: null,
    },
  ],
  [
    'pending_authentications',
    {
      id: 'pending_01JUPGRADE',
      environment_id: ENV,
      token_hash: sha256('pending-token'),
      kind: 'email_verification',
      user_id: USER,
      email_verification_id: 'email_verification_01JUPGRADE',
      identity: '{"method":"Password"}',
      target: '{"kind":"session","clientId":"client_01JUPGRADE0000000000000"}',
      totp_secret_sealed: 'v1.sealed-secret',
      created_at: T0,
      expires_at: T1,
      used_at: null,
    },
  ],
  [
    'auth_factors',
    {
      id: 'auth_factor_01JUPGRADE',
      environment_id: ENV,
      user_id: USER,
      type: 'totp',
      totp_issuer: 'Upgrade Corp',
      totp_user: 'ada@example.com',
      secret_sealed: 'v1.sealed-secret',
      last_counter: 59_000_000,
      phone_number: null,
      created_at: T0,
      updated_at: T0,
    },
  ],
  [
    'auth_challenges',
    {
      id: 'auth_challenge_01JUPGRADE',
      environment_id: ENV,
      factor_id: 'auth_factor_01JUPGRADE',
      code_hash: null,
      attempts: 1,
      expires_at: T1,
      verified_at: null,
      created_at: T0,
      updated_at: T0,
    },
  ],
  [
    'mfa_recovery_codes',
    {
      id: 'mfa_recovery_code_01JUPGRADE',
      environment_id: ENV,
      user_id: USER,
      code_hash: sha256('abcde-23456'),
      created_at: T0,
      used_at: null,
    },
  ],
  [
    'mfa_organization_policies',
    { environment_id: ENV, organization_id: 'org_01JUPGRADE', mfa_required: 1, updated_at: T0 },
  ],
  [
    'sms_messages',
    {
      id: 'sms_01JUPGRADE',
      environment_id: ENV,
      to_number: '+15005550006',
      body_sealed: 'v1.sealed-body',
      created_at: T0,
    },
  ],
  [
    'api_keys',
    {
      id: 'api_key_01JUPGRADE',
      environment_id: ENV,
      name: 'Default',
      key_hash: sha256(API_KEY),
      obfuscated_value: 'sk_test_…0000',
      created_at: T0,
      last_used_at: T1,
      revoked_at: null,
    },
  ],
  [
    'redirect_uris',
    { id: 'redirect_uri_01JUPGRADE', environment_id: ENV, uri: 'https://app.example.com/cb', created_at: T0 },
  ],
  [
    'organizations',
    {
      id: ORG,
      environment_id: ENV,
      name: 'Upgrade Corp',
      external_id: 'ext-upgrade',
      metadata: '{"tier":"gold"}',
      allow_profiles_outside_organization: 1,
      stripe_customer_id: 'cus_123',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'organization_domains',
    {
      id: 'org_domain_01JUPGRADE',
      environment_id: ENV,
      organization_id: ORG,
      domain: 'upgrade.example.com',
      state: 'verified',
      verification_strategy: 'dns',
      verification_token: 'tok-dns',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'users',
    {
      id: USER,
      environment_id: ENV,
      email: 'ada@upgrade.example.com',
      email_verified: 1,
      first_name: 'Ada',
      last_name: 'Lovelace',
      profile_picture_url: 'https://img.example.com/ada.png',
      password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
      last_sign_in_at: T1,
      locale: 'en-GB',
      external_id: 'ext-ada',
      metadata: '{"team":"math"}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'roles',
    {
      id: 'role_01JUPGRADE',
      environment_id: ENV,
      slug: 'auditor',
      name: 'Auditor',
      description: 'Reads everything',
      permissions: '["audit:read"]',
      is_default: 0,
      priority: 3,
      resource_type_slug: 'organization',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'organization_roles',
    {
      id: 'role_01JUPGRADEORG',
      environment_id: ENV,
      organization_id: ORG,
      slug: 'org-billing',
      name: 'Billing',
      description: 'Pays the invoices',
      permissions: '["audit:read"]',
      priority: 4,
      resource_type_slug: 'organization',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'permissions',
    {
      id: 'perm_01JUPGRADE',
      environment_id: ENV,
      slug: 'invoices:pay',
      name: 'Pay invoices',
      description: 'Pays them',
      resource_type_slug: 'organization',
      system: 0,
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'organization_memberships',
    {
      id: 'om_01JUPGRADE',
      environment_id: ENV,
      organization_id: ORG,
      user_id: USER,
      status: 'active',
      role_slugs: '["auditor"]',
      directory_managed: 1,
      custom_attributes: '{"cost_center":"CC-7"}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'authorization_requests',
    {
      id: 'authreq_01JUPGRADE',
      environment_id: ENV,
      redirect_uri: 'https://app.example.com/cb',
      state: 'app-state',
      code_challenge: 'c'.repeat(43),
      screen_hint: 'sign-up',
      login_hint: 'ada@upgrade.example.com',
      created_at: T0,
      expires_at: LATER,
      completed_at: T1,
      invitation_id: null,
    },
  ],
  [
    'authorization_codes',
    {
      id: 'code_01JUPGRADE',
      environment_id: ENV,
      code_hash: sha256('code-upgrade'),
      user_id: USER,
      organization_id: ORG,
      redirect_uri: 'https://app.example.com/cb',
      code_challenge: 'c'.repeat(43),
      authentication_method: 'Password',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      session_id: SESSION,
      sso_profile_id: null,
      oauth_tokens_sealed: 'v1.aaaa.bbbb.eeee',
      created_at: T0,
      expires_at: LATER,
      used_at: null,
      impersonation_id: 'impersonation_01JUPGRADE',
    },
  ],
  [
    'impersonations',
    {
      id: 'impersonation_01JUPGRADE',
      environment_id: ENV,
      token_hash: sha256('impersonation-upgrade'),
      admin_user_id: 'admin_user_01JUPGRADE',
      admin_email: 'owner@upgrade.example.com',
      user_id: USER,
      organization_id: ORG,
      reason: 'Support ticket 42',
      redirect_uri: 'https://app.example.com/cb',
      created_at: T0,
      expires_at: LATER,
      consumed_at: T1,
    },
  ],
  [
    'oauth_credentials',
    {
      id: 'oauth_cred_01JUPGRADE',
      environment_id: ENV,
      provider: 'GoogleOAuth',
      client_id: 'google-client',
      client_secret_sealed: 'v1.aaaa.bbbb.ffff',
      scopes: '["openid","email","profile"]',
      options: '{}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'oauth_flows',
    {
      id: 'oauth_flow_01JUPGRADE',
      environment_id: ENV,
      provider: 'GoogleOAuth',
      state_hash: sha256('oauth-state'),
      secrets_sealed: 'v1.aaaa.bbbb.gggg',
      redirect_uri: 'https://app.example.com/cb',
      app_state: 'app-state',
      code_challenge: 'c'.repeat(43),
      scopes: '["openid"]',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      created_at: T0,
      expires_at: T1,
      consumed_at: null,
      invitation_id: null,
    },
  ],
  [
    'oauth_link_codes',
    {
      id: 'oauth_link_01JUPGRADE',
      environment_id: ENV,
      code_hash: sha256('link-code'),
      user_id: USER,
      provider: 'GitHubOAuth',
      provider_user_id: '7070',
      created_at: T0,
      expires_at: T1,
      consumed_at: null,
    },
  ],
  [
    'user_identities',
    {
      id: 'identity_01JUPGRADE',
      environment_id: ENV,
      user_id: USER,
      provider: 'GoogleOAuth',
      provider_user_id: 'google-sub-1',
      created_at: T0,
    },
  ],
  [
    'sessions',
    {
      id: SESSION,
      environment_id: ENV,
      user_id: USER,
      organization_id: ORG,
      auth_method: 'password',
      authentication_method: 'Password',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      status: 'active',
      expires_at: LATER,
      ended_at: null,
      auth_time: T0,
      created_at: T0,
      updated_at: T1,
      impersonator_email: 'owner@upgrade.example.com',
      impersonator_reason: 'Support ticket 42',
    },
  ],
  [
    'password_resets',
    {
      id: 'password_reset_01JUPGRADE000000000000',
      environment_id: ENV,
      user_id: USER,
      email: 'ada@example.com',
      token_hash: sha256('reset-upgrade'),
      password_reset_url: 'https://app.example.com/reset-password',
      authorization_request_id: null,
      created_at: T0,
      expires_at: T1,
      used_at: null,
    },
  ],
  [
    'refresh_tokens',
    {
      id: 'rt_01JUPGRADE',
      environment_id: ENV,
      session_id: SESSION,
      token_hash: sha256('refresh-upgrade'),
      created_at: T0,
      used_at: null,
      successor_sealed: null,
      used_client_id: null,
      used_organization_id: null,
    },
  ],
  [
    'signing_keys',
    {
      id: 'key_01JUPGRADE',
      environment_id: ENV,
      algorithm: 'RS256',
      public_jwk: '{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"key_01JUPGRADE"}',
      private_key_sealed: box.seal('-----BEGIN PRIVATE KEY-----'),
      state: 'active',
      created_at: T0,
      activated_at: T0,
      retired_at: null,
    },
  ],
  [
    'events',
    {
      id: EVENT,
      environment_id: ENV,
      event: 'organization.created',
      organization_id: ORG,
      data: JSON.stringify({ object: 'organization', id: ORG, name: 'Upgrade Corp' }),
      context: '{"actor":{"id":null,"source":"api","name":null}}',
      created_at: T0,
    },
  ],
  [
    'idempotency_keys',
    {
      environment_id: ENV,
      key: 'idem-1',
      method: 'POST',
      path: '/organizations',
      request_hash: sha256('POST /organizations\n{}'),
      status: 201,
      response_body: '{"id":"org_x"}',
      created_at: T0,
      expires_at: LATER,
    },
  ],
  // window_start is milliseconds: past 2^31, so a 32-bit column would not hold it.
  ['rate_limits', { bucket: 'cred:env:ada', window_start: 1_748_772_000_000, count: 3 }],
  [
    'webhook_endpoints',
    {
      id: ENDPOINT,
      environment_id: ENV,
      endpoint_url: 'https://hooks.example.com/portico',
      secret_sealed: box.seal('whsec_upgrade0000000000000000'),
      status: 'enabled',
      events: '["organization.created"]',
      dispatched_seq: 1,
      disabled_reason: null,
      failing_since: T1,
      last_success_at: T0,
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'webhook_deliveries',
    {
      id: DELIVERY,
      environment_id: ENV,
      endpoint_id: ENDPOINT,
      event_id: EVENT,
      event_seq: 1,
      state: 'pending',
      attempts: 2,
      next_attempt_at: T1,
      lease_until: null,
      last_status: 503,
      last_error: 'HTTP 503',
      created_at: T0,
      updated_at: T1,
      delivered_at: null,
    },
  ],
  [
    'webhook_attempts',
    {
      id: 'wha_01JUPGRADE',
      environment_id: ENV,
      endpoint_id: ENDPOINT,
      delivery_id: DELIVERY,
      event_id: EVENT,
      attempt: 2,
      started_at: T1,
      duration_ms: 120,
      status: 503,
      error: 'HTTP 503',
      response_snippet: 'unavailable',
      worker: 'host:1234',
    },
  ],
  [
    'connections',
    {
      id: CONN,
      environment_id: ENV,
      organization_id: ORG,
      name: 'Okta',
      connection_type: 'OktaSAML',
      protocol: 'saml',
      state: 'active',
      saml_idp_entity_id: 'http://www.okta.com/exk1',
      saml_idp_sso_url: 'https://upgrade.okta.com/app/sso/saml',
      saml_idp_certificates: '["MIIC…"]',
      saml_idp_metadata_url: 'https://upgrade.okta.com/app/metadata',
      saml_metadata_refreshed_at: T1,
      saml_allow_idp_initiated: 1,
      saml_sign_requests: 1,
      oidc_discovery_url: null,
      oidc_client_id: null,
      oidc_client_secret_sealed: null,
      attribute_map: '{"email":"mail"}',
      group_role_map: '{"Engineering":"admin"}',
      test_idp_key_sealed: null,
      saml_added_certificates: '["MIID…"]',
      saml_certificate_notice: 'd30',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'sso_flows',
    {
      id: 'flow_01JUPGRADE',
      environment_id: ENV,
      connection_id: CONN,
      kind: 'sso_api',
      redirect_uri: 'https://app.example.com/sso/cb',
      app_state: 'st',
      code_challenge: null,
      saml_request_id: '_req_upgrade',
      oidc_secrets_sealed: null,
      trace_id: 'sso_trace_01JUPGRADE',
      created_at: T0,
      expires_at: LATER,
      consumed_at: null,
      invitation_id: null,
    },
  ],
  [
    'sso_profiles',
    {
      id: PROFILE,
      environment_id: ENV,
      connection_id: CONN,
      organization_id: ORG,
      data: '{"email":"ada@upgrade.example.com"}',
      created_at: T0,
    },
  ],
  [
    'sso_codes',
    {
      id: 'sso_code_01JUPGRADE',
      environment_id: ENV,
      code_hash: sha256('sso-code-upgrade'),
      profile_id: PROFILE,
      redirect_uri: 'https://app.example.com/sso/cb',
      code_challenge: null,
      created_at: T0,
      expires_at: LATER,
      used_at: null,
    },
  ],
  [
    'sso_profile_tokens',
    {
      token_hash: sha256('profile-token-upgrade'),
      environment_id: ENV,
      profile_id: PROFILE,
      expires_at: LATER,
    },
  ],
  [
    'sso_traces',
    {
      id: 'sso_trace_01JUPGRADE',
      environment_id: ENV,
      connection_id: CONN,
      organization_id: ORG,
      protocol: 'saml',
      initiated_by: 'sp',
      outcome: 'failed',
      error_code: 'saml_signature_invalid',
      error_message: 'The signature does not verify.',
      fix: 'Upload the current certificate.',
      email: 'ada@upgrade.example.com',
      steps: '[{"step":"signature","ok":false}]',
      decoded: '<Response/>',
      started_at: T0,
      finished_at: T1,
    },
  ],
  [
    'saml_sp_keys',
    {
      environment_id: ENV,
      private_key_sealed: box.seal('-----BEGIN PRIVATE KEY-----'),
      certificate: 'MIIC-sp',
      created_at: T0,
    },
  ],
  [
    'directories',
    {
      id: DIR,
      environment_id: ENV,
      organization_id: ORG,
      name: 'Okta SCIM',
      type: 'okta scim v2.0',
      state: 'linked',
      token_hash: sha256('scim_upgrade'),
      token_hint: 'scim_upgr…rade',
      deprovision: 'deactivate',
      group_role_map: '{"Admins":"admin"}',
      attribute_map:
        '{"cost_center":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'directory_users',
    {
      id: DIR_USER,
      environment_id: ENV,
      directory_id: DIR,
      organization_id: ORG,
      user_name: 'Ada@Upgrade.example.com',
      user_name_lower: 'ada@upgrade.example.com',
      external_id: 'okta-ada',
      email: 'ada@upgrade.example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      state: 'active',
      resource: '{"userName":"ada@upgrade.example.com","active":true}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'directory_groups',
    {
      id: DIR_GROUP,
      environment_id: ENV,
      directory_id: DIR,
      organization_id: ORG,
      display_name: 'Admins',
      external_id: 'okta-admins',
      resource: '{"displayName":"Admins"}',
      created_at: T0,
      updated_at: T1,
    },
  ],
  ['directory_group_members', { group_id: DIR_GROUP, user_id: DIR_USER, directory_id: DIR }],
  [
    'scim_requests',
    {
      id: 'scim_request_01JUPGRADE',
      environment_id: ENV,
      directory_id: DIR,
      method: 'POST',
      path: `/scim/v2/${DIR}/Users`,
      status: 201,
      duration_ms: 12,
      request_body: '{"password":"[redacted]"}',
      error: null,
      user_agent: 'Okta SCIM Client 1.0.0',
      created_at: T0,
    },
  ],
  ['saml_seen_assertions', { connection_id: CONN, assertion_id: '_assertion_upgrade', expires_at: LATER }],
  [
    'admin_users',
    {
      id: ADMIN,
      email: 'owner@upgrade.example.com',
      password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      created_at: T0,
      last_sign_in_at: T1,
    },
  ],
  [
    'admin_sessions',
    {
      id: 'admin_session_01JUPGRADE',
      admin_user_id: ADMIN,
      token_hash: sha256('admin-upgrade'),
      created_at: T0,
      expires_at: LATER,
      revoked_at: null,
    },
  ],
  [
    'portal_links',
    {
      id: LINK,
      environment_id: ENV,
      organization_id: ORG,
      intent: 'sso',
      token_hash: sha256('link-upgrade'),
      return_url: 'https://app.example.com/settings',
      success_url: null,
      intent_options: '{}',
      admin_emails: '["it@upgrade.example.com"]',
      external_user_id: 'user_ext_upgrade',
      revoked_at: null,
      created_at: T0,
      expires_at: LATER,
      used_at: T1,
    },
  ],
  [
    'portal_sessions',
    {
      id: 'portal_session_01JUPGRADE',
      environment_id: ENV,
      organization_id: ORG,
      link_id: LINK,
      intent: 'sso',
      token_hash: sha256('portal-session-upgrade'),
      created_at: T0,
      expires_at: LATER,
    },
  ],
  [
    'invitations',
    {
      id: 'invitation_01JUPGRADE0000000000000000',
      environment_id: ENV,
      email: 'grace@upgrade.example.com',
      organization_id: ORG,
      inviter_user_id: USER,
      accepted_user_id: null,
      role_slug: 'admin',
      locale: 'en',
      token_hash: sha256('invitation-upgrade'),
      token_sealed: 'v1.sealed.upgrade.sample',
      expires_in_days: 7,
      state: 'pending',
      expires_at: LATER,
      accepted_at: null,
      revoked_at: null,
      created_at: T0,
      updated_at: T0,
    },
  ],
  [
    'device_authorizations',
    {
      id: 'device_auth_01JUPGRADE0000000000000000',
      environment_id: ENV,
      client_id: 'client_01JUPGRADE',
      device_code_hash: sha256('device-code-upgrade'),
      user_code: 'BCDFGHJK',
      status: 'approved',
      browser_challenge: 'c'.repeat(43),
      user_id: USER,
      organization_id: ORG,
      authentication_method: 'Password',
      auth_time: T0,
      interval: 5,
      last_polled_at: T0,
      created_at: T0,
      expires_at: T1,
    },
  ],
  [
    'passkey_credentials',
    {
      id: 'passkey_01JUPGRADE0000000000000000',
      environment_id: ENV,
      user_id: USER,
      credential_id: 'Y3JlZGVudGlhbC11cGdyYWRl',
      public_key: 'cHVibGljLWtleS11cGdyYWRl',
      counter: 7,
      transports: '["internal","hybrid"]',
      device_type: 'multiDevice',
      backed_up: 1,
      name: 'Passkey',
      created_at: T0,
      last_used_at: T1,
    },
  ],
  [
    'webauthn_challenges',
    {
      id: 'webauthn_challenge_01JUPGRADE0000000',
      environment_id: ENV,
      challenge_hash: sha256('webauthn-upgrade'),
      purpose: 'registration',
      flow_id: 'pending_upgrade',
      user_id: USER,
      created_at: T0,
      expires_at: LATER,
      used_at: null,
    },
  ],
  [
    'passkey_settings',
    {
      environment_id: ENV,
      enabled: 1,
      rp_id: 'upgrade.example.com',
      origins: '["https://upgrade.example.com"]',
      updated_at: T0,
    },
  ],
  [
    'audit_log_actions',
    {
      id: 'audit_log_action_01JUPGRADE0000000',
      environment_id: ENV,
      name: 'invoice.paid',
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'audit_log_schemas',
    {
      id: 'audit_log_schema_01JUPGRADE0000000',
      environment_id: ENV,
      action: 'invoice.paid',
      version: 1,
      body: '{"actor":{"metadata":{"type":"object","properties":{}}},"targets":[{"type":"invoice"}]}',
      created_at: T0,
    },
  ],
  [
    'audit_log_organizations',
    {
      organization_id: ORG,
      environment_id: ENV,
      head_seq: 1,
      head_hash: 'b'.repeat(64),
      pruned_through_seq: 0,
      pruned_hash: 'a'.repeat(64),
      retention_days: 365,
      checkpoint_seq: 1,
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'audit_log_events',
    {
      id: 'audit_log_event_01JUPGRADE0000000',
      environment_id: ENV,
      organization_id: ORG,
      seq: 1,
      action: 'invoice.paid',
      occurred_at: T0,
      actor_id: USER,
      actor_name: 'Ada',
      target_types: ',invoice,',
      body: '{"id":"audit_log_event_01JUPGRADE0000000","seq":1}',
      prev_hash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    },
  ],
  [
    'audit_log_keys',
    {
      id: 'audit_log_key_01JUPGRADE0000000',
      environment_id: ENV,
      public_jwk: '{"kty":"OKP","crv":"Ed25519","x":"upgrade"}',
      private_sealed: 'v1.sealed',
      created_at: T0,
    },
  ],
  [
    'audit_log_checkpoints',
    {
      id: 'audit_log_checkpoint_01JUPGRADE000',
      environment_id: ENV,
      organization_id: ORG,
      seq: 1,
      hash: 'b'.repeat(64),
      jws: 'eyJ.e30.sig',
      created_at: T1,
    },
  ],
  [
    'audit_log_exports',
    {
      id: 'audit_log_export_01JUPGRADE0000000',
      environment_id: ENV,
      organization_id: ORG,
      filters: '{"range_start":"2026-01-01T00:00:00.000Z","range_end":"2026-02-01T00:00:00.000Z"}',
      through_seq: 1,
      state: 'ready',
      row_count: 1,
      sha256: 'c'.repeat(64),
      error: null,
      claimed_until: T1,
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'audit_log_platform',
    {
      environment_id: ENV,
      enabled: 1,
      projected_seq: 1,
      enabled_at: T0,
      created_at: T0,
      updated_at: T1,
    },
  ],
  [
    'audit_log_streams',
    {
      id: 'als_01JUPGRADE0000000000000000',
      environment_id: ENV,
      organization_id: ORG,
      type: 'HTTP',
      state: 'active',
      config: '{"url":"https://siem.example.com/in"}',
      secret_sealed: 'sealed',
      secret_hint: 'abcd',
      dispatched_seq: 1,
      batch_through_seq: null,
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      next_attempt_at: T1,
      last_delivered_at: T1,
      last_error: null,
      last_error_at: null,
      created_at: T0,
      updated_at: T1,
    },
  ],
];

/**
 * Columns a migration fills from older data rather than from their default: `table.column` → the
 * value expected after upgrading the sample row.
 */
const BACKFILLED: Record<string, (oldRow: Row) => unknown> = {
  // 0013: userName lower-cased (the sample has no case-duplicate; migration-0013.test.ts has one).
  'directory_users.user_name_lower': (row) => String(row.user_name).toLowerCase(),
  // 0023: admin, member, then the other roles in id order: the sample is its environment's only role.
  'roles.priority': () => 1,
};

const sampleOf = (table: string) => SAMPLES.find(([t]) => t === table)?.[1];
const isGenerated = (column: string) => / (identity|autoincrement)$/.test(column);

/** What a column added after the row was written must hold: its literal default, or NULL. */
function afterUpgrade(table: string, name: string, column: string, oldRow: Row): unknown {
  const backfill = BACKFILLED[`${table}.${name}`];
  if (backfill) return backfill(oldRow);
  const m = / default ('(?:[^']|'')*'|-?\d+(?:\.\d+)?)(::[a-z ]+)?$/.exec(column);
  if (m) return m[1]!.startsWith("'") ? m[1]!.slice(1, -1).replace(/''/g, "'") : Number(m[1]);
  if (/ null( |$)/.test(column)) return null;
  throw new Error(
    `${table}.${name} (${column}) was added with a default that is not a literal: add what upgraded rows hold to BACKFILLED`,
  );
}

// ── The tests ──────────────────────────────────────────────────────────────────────────────────

const opened: { handle: DatabaseHandle; drop: () => Promise<void> }[] = [];
async function freshHandle() {
  const db = await freshDatabaseUrl();
  const handle = openDatabase(db.url, { poolSize: 3 });
  opened.push({ handle, drop: db.drop });
  return handle;
}
async function closeAll() {
  for (const o of opened.splice(0)) {
    await o.handle.close();
    await o.drop();
  }
}

let fresh: SchemaShape;
beforeAll(async () => {
  modules = Object.fromEntries(
    await Promise.all(
      FILES.map(async (f) => [f.replace(/\.ts$/, ''), (await import(join(MIGRATIONS_DIR, f))) as Up]),
    ),
  );
  const handle = await freshHandle();
  expect(
    await migrate(handle),
    'the server runs exactly the migrations in apps/server/migrations, in order',
  ).toEqual(NAMES);
  fresh = await introspect(handle);
  await closeAll();
});
afterAll(closeAll);

describe(`upgrading on ${dialect}`, () => {
  it('has a representative sample for every column of every table the migrations create', () => {
    const problems: string[] = [];
    for (const [table, shape] of Object.entries(fresh)) {
      const sample = sampleOf(table);
      if (!sample) {
        problems.push(
          `table ${table} has no sample row: add one to SAMPLES (after the tables it references)`,
        );
        continue;
      }
      for (const [name, column] of Object.entries(shape.columns)) {
        if (!isGenerated(column) && !(name in sample))
          problems.push(`${table}.${name} has no sample value: add it to ${table}'s row in SAMPLES`);
      }
      for (const name of Object.keys(sample))
        if (!(name in shape.columns)) problems.push(`SAMPLES ${table}.${name} is not a column of ${table}`);
    }
    for (const [table] of SAMPLES)
      if (!fresh[table]) problems.push(`SAMPLES has ${table}, which no migration creates`);
    expect(problems, 'migrations.test.ts SAMPLES must cover the latest schema').toEqual([]);
  });

  it.each(NAMES.map((name, k) => [name, k] as const))(
    'a database at %s, with data, upgrades to the same schema as a fresh install, keeping its rows',
    async (name, k) => {
      const handle = await freshHandle();
      const to = await migratorFor(handle).migrateTo(name);
      if (to.error) throw to.error;
      const atK = await introspect(handle);

      // One representative row in every table that exists at k, with the columns that exist at k.
      const written: [string, Row][] = [];
      for (const [table, sample] of SAMPLES) {
        const shape = atK[table];
        if (!shape) continue;
        const row = Object.fromEntries(Object.entries(sample).filter(([c]) => c in shape.columns));
        await (handle.db as unknown as Kysely<Record<string, Row>>).insertInto(table).values(row).execute();
        written.push([table, row]);
      }
      const missing = Object.keys(atK).filter((t) => !written.some(([w]) => w === t));
      expect(missing, `tables at ${name} without a sample row`).toEqual([]);

      // The upgrade is the server's own, from where the database stands.
      expect(await migrate(handle)).toEqual(NAMES.slice(k + 1));

      // (a) The same schema as a fresh install.
      expect(await introspect(handle)).toEqual(fresh);

      // (b) Every row survives, and columns added since k hold their default.
      for (const [table, row] of written) {
        const expected: Record<string, unknown> = { ...row };
        for (const [col, column] of Object.entries(fresh[table]!.columns)) {
          if (col in row) continue;
          expected[col] = isGenerated(column) ? 1 : afterUpgrade(table, col, column, row);
        }
        const rows = await (handle.db as unknown as Kysely<Record<string, Row>>)
          .selectFrom(table)
          .selectAll()
          .execute();
        expect(rows, `${table} after upgrading from ${name}`).toEqual([expected]);
      }

      // The current code reads the upgraded rows.
      const portico = buildApp({
        config: loadConfig({
          PORTICO_DATABASE_URL: 'sqlite::memory:',
          PORTICO_SECRET: SECRET,
          PORTICO_LOG_LEVEL: 'silent',
          PORTICO_VALIDATE_RESPONSES: '1',
        }),
        database: handle,
        clock: new TestClock(Date.parse(T1)),
      });
      const get = async (path: string) => {
        const res = await portico.app.request(path, { headers: { authorization: `Bearer ${API_KEY}` } });
        expect(res.status, `GET ${path}: ${await res.clone().text()}`).toBe(200);
        return (await res.json()) as Record<string, unknown>;
      };
      expect(await get(`/organizations/${ORG}`)).toMatchObject({
        id: ORG,
        name: 'Upgrade Corp',
        external_id: 'ext-upgrade',
        metadata: { tier: 'gold' },
        domains: [{ domain: 'upgrade.example.com', state: 'verified' }],
      });
      expect(await get(`/user_management/users/${USER}`)).toMatchObject({
        id: USER,
        email: 'ada@upgrade.example.com',
        email_verified: true,
        metadata: { team: 'math' },
      });
      expect(await get(`/events?events=organization.created`)).toMatchObject({
        data: [{ id: EVENT, event: 'organization.created', data: { id: ORG } }],
      });
      if (atK.webhook_endpoints)
        expect(await get(`/webhook_endpoints/${ENDPOINT}`)).toMatchObject({
          id: ENDPOINT,
          secret: 'whsec_…0000',
        });
      if (atK.directories) {
        expect(await get(`/directories/${DIR}`)).toMatchObject({
          id: DIR,
          organization_id: ORG,
          state: 'linked',
        });
        // 0008 added attribute_map: a directory from before it reads as mapping nothing.
        expect((await get(`/directories/${DIR}/settings`)).attribute_map).toEqual(
          'attribute_map' in (atK.directories.columns ?? {})
            ? { cost_center: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter' }
            : {},
        );
        expect(await get(`/directory_users/${DIR_USER}`)).toMatchObject({
          id: DIR_USER,
          email: 'ada@upgrade.example.com',
        });
      }
      await closeAll();
    },
  );

  it('0015 moves the test organizations to their .test domains, leaving a name already taken alone', async () => {
    const handle = await freshHandle();
    const before = NAMES[NAMES.indexOf('0015_test_organization_domains') - 1]!;
    const to = await migratorFor(handle).migrateTo(before);
    if (to.error) throw to.error;
    const atK = await introspect(handle);
    const db = handle.db as unknown as Kysely<Record<string, Row>>;
    const insert = async (table: string, overrides: Row) => {
      const row = { ...SAMPLES.find(([t]) => t === table)![1], ...overrides };
      const cols = atK[table]!.columns;
      await db
        .insertInto(table)
        .values(Object.fromEntries(Object.entries(row).filter(([c]) => c in cols)))
        .execute();
    };
    // Environment 1: both test organizations on their old domains, and a real one on example.net.
    // Environment 2: a real organization already owns oidc.portico.test; a customer's own
    // organization on example.com (its connection is a real IdP's).
    const E2 = `${ENV}2`;
    await insert('environments', {});
    await insert('environments', { id: E2, client_id: 'client_01JUPGRADE0000000000002' });
    const orgs: [string, string, string, 'saml' | 'oidc' | null, string | null][] = [
      ['org_t_saml', ENV, 'example.com', 'saml', 'sealed-test-key'],
      ['org_t_oidc', ENV, 'example.org', 'oidc', 'sealed-test-key'],
      ['org_real', ENV, 'example.net', 'saml', null],
      ['org_taken', E2, 'oidc.portico.test', null, null],
      ['org_t_oidc2', E2, 'example.org', 'oidc', 'sealed-test-key'],
      ['org_customer', E2, 'example.com', 'saml', null],
    ];
    for (const [id, env, domain, protocol, key] of orgs) {
      await insert('organizations', { id, environment_id: env, external_id: null, stripe_customer_id: null });
      await insert('organization_domains', {
        id: `dom_${id}`,
        environment_id: env,
        organization_id: id,
        domain,
      });
      if (protocol)
        await insert('connections', {
          id: `conn_${id}`,
          environment_id: env,
          organization_id: id,
          protocol,
          test_idp_key_sealed: key,
        });
    }
    await migrate(handle);
    const domains = Object.fromEntries(
      (await db.selectFrom('organization_domains').select(['organization_id', 'domain']).execute()).map(
        (r) => [r.organization_id, r.domain],
      ),
    );
    expect(domains).toEqual({
      org_t_saml: 'saml.portico.test',
      org_t_oidc: 'oidc.portico.test',
      org_real: 'example.net',
      org_taken: 'oidc.portico.test',
      org_t_oidc2: 'example.org',
      org_customer: 'example.com',
    });
    await closeAll();
  });
});
