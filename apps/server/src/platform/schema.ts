/**
 * The database schema as Kysely sees it. One schema for SQLite and PostgreSQL: timestamps are
 * ISO-8601 UTC text with milliseconds (sortable, identical on both), booleans are 0/1 integers,
 * JSON is text. Every business table carries `environment_id`; every query filters on it.
 */
import type { Generated } from 'kysely';

export interface EnvironmentTable {
  id: string;
  name: string;
  client_id: string;
  created_at: string;
  /** Where sign-out goes without return_to (0014); null: Portico's "You are signed out" page. */
  default_logout_uri: string | null;
  /** Where password-reset emails link to (0018); null: Portico's hosted reset page. */
  password_reset_url: string | null;
  /** Email branding (0017): the name shown (null: the environment's name), logo URL, `#rrggbb`. */
  email_brand_name: string | null;
  email_logo_url: string | null;
  email_brand_color: string | null;
  /** The From address of this environment's emails (null: PORTICO_EMAIL_FROM). */
  email_from: string | null;
  /** JSON array of the email types turned off (the app sends its own); null: none. */
  email_disabled: string | null;
  /** 1: a sign-in of a user whose email is unverified stops at `email_verification_required` (0020). */
  email_verification_required: number;
  /** 1: every AuthKit sign-in (but SSO) needs a second factor (0022). */
  mfa_required: number;
}

export interface ApiKeyTable {
  id: string;
  environment_id: string;
  name: string;
  key_hash: string;
  obfuscated_value: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface RedirectUriTable {
  id: string;
  environment_id: string;
  uri: string;
  created_at: string;
}

export interface OrganizationTable {
  id: string;
  environment_id: string;
  name: string;
  external_id: string | null;
  metadata: string;
  allow_profiles_outside_organization: number;
  stripe_customer_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrganizationDomainTable {
  id: string;
  environment_id: string;
  organization_id: string;
  domain: string;
  state: string;
  verification_strategy: string;
  verification_token: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: string;
  environment_id: string;
  email: string;
  email_verified: number;
  first_name: string | null;
  last_name: string | null;
  profile_picture_url: string | null;
  password_hash: string | null;
  last_sign_in_at: string | null;
  locale: string | null;
  external_id: string | null;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface RoleTable {
  id: string;
  environment_id: string;
  slug: string;
  name: string;
  description: string | null;
  permissions: string;
  is_default: number;
  /** 1 = highest; the highest of a membership's roles is the token's `role` (0023). */
  priority: Generated<number>;
  resource_type_slug: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** An organization's own role (slug `org-…`), in the environment roles' priority space (0023). */
export interface OrganizationRoleTable {
  id: string;
  environment_id: string;
  organization_id: string;
  slug: string;
  name: string;
  description: string | null;
  /** JSON array of permission slugs. */
  permissions: string;
  priority: number;
  resource_type_slug: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** A permission of an environment; `system` 1 for the seeded ones, which cannot be deleted (0023). */
export interface PermissionTable {
  id: string;
  environment_id: string;
  slug: string;
  name: string;
  description: string | null;
  resource_type_slug: Generated<string>;
  system: number;
  created_at: string;
  updated_at: string;
}

export interface OrganizationMembershipTable {
  id: string;
  environment_id: string;
  organization_id: string;
  user_id: string;
  status: string;
  role_slugs: string;
  directory_managed: number;
  custom_attributes: string;
  created_at: string;
  updated_at: string;
}

export interface AuthorizationRequestTable {
  id: string;
  environment_id: string;
  redirect_uri: string;
  state: string | null;
  code_challenge: string | null;
  screen_hint: string | null;
  login_hint: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
  /** The invitation this sign-in or sign-up accepts (authorize `invitation_token`), if any. */
  invitation_id: string | null;
}

export interface AuthorizationCodeTable {
  id: string;
  environment_id: string;
  code_hash: string;
  user_id: string;
  organization_id: string | null;
  redirect_uri: string;
  code_challenge: string | null;
  authentication_method: string;
  ip_address: string | null;
  user_agent: string | null;
  /** The session this code was exchanged for; a replayed code revokes it. */
  session_id: string | null;
  /**
   * IdP-initiated SSO: the profile the sign-in produced, so the standalone SSO API (/sso/token) can
   * redeem this same code instead of AuthKit (either one, once).
   */
  sso_profile_id: string | null;
  /** A social sign-in's provider tokens, sealed; answered once as `oauth_tokens` (0024). */
  oauth_tokens_sealed: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** An impersonation's code: the `impersonations` row the session's impersonator comes from (0026). */
  impersonation_id: string | null;
}

/** A provider's client credentials for social sign-in in one environment (0024). */
export interface OAuthCredentialTable {
  id: string;
  environment_id: string;
  provider: string;
  client_id: string;
  client_secret_sealed: string;
  /** JSON array of scopes. */
  scopes: string;
  /** JSON object: the provider's own options (Microsoft `tenant`, Apple `team_id`, `key_id`). */
  options: string;
  created_at: string;
  updated_at: string;
}

/** A social identity waiting to be linked once the user proves the email with Magic Auth (0024). */
export interface OAuthLinkCodeTable {
  id: string;
  environment_id: string;
  code_hash: string;
  user_id: string;
  provider: string;
  provider_user_id: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

/** A started social sign-in, keyed by its state's hash (0024). */
export interface OAuthFlowTable {
  id: string;
  environment_id: string;
  provider: string;
  state_hash: string;
  secrets_sealed: string;
  redirect_uri: string;
  app_state: string | null;
  code_challenge: string | null;
  /** JSON array: the scopes requested. */
  scopes: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  /** The invitation the authorize URL carried: accepted by the sign-in. */
  invitation_id: string | null;
}

/** A provider account linked to a user (0024). */
export interface UserIdentityTable {
  id: string;
  environment_id: string;
  user_id: string;
  provider: string;
  provider_user_id: string;
  created_at: string;
}

/** One password-reset token (0018): only its SHA-256 is kept; `used_at` makes it single use. */
export interface PasswordResetTable {
  id: string;
  environment_id: string;
  user_id: string;
  email: string;
  token_hash: string;
  /** The link base the token was issued for (the environment's setting at the time). */
  password_reset_url: string;
  /** The hosted sign-in this reset was started from, to return to after it. */
  authorization_request_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SessionTable {
  id: string;
  environment_id: string;
  user_id: string;
  organization_id: string | null;
  auth_method: string;
  authentication_method: string;
  ip_address: string | null;
  user_agent: string | null;
  status: string;
  expires_at: string;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
  /**
   * When the user last actively authenticated (ISO time): the sign-in that started the session.
   * Null for sessions older than migration 0009, whose tokens use `created_at` instead.
   */
  auth_time: string | null;
  /** An impersonated session's dashboard admin (the access token's `act.sub`) and reason (0026). */
  impersonator_email: string | null;
  impersonator_reason: string | null;
}

/** A dashboard admin's impersonation of a user: who, whom, why, when (0026). */
export interface ImpersonationTable {
  id: string;
  environment_id: string;
  token_hash: string;
  admin_user_id: string;
  admin_email: string;
  user_id: string;
  organization_id: string | null;
  reason: string;
  redirect_uri: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

export interface RefreshTokenTable {
  id: string;
  environment_id: string;
  session_id: string;
  token_hash: string;
  created_at: string;
  used_at: string | null;
  /**
   * Once used: the successor refresh token, sealed with the master key (SecretBox), kept only for
   * the reuse grace (PORTICO_REFRESH_REUSE_GRACE) so a retry of the same request gets the same
   * successor; NULL outside the grace, when the grace is 0, and for rows used before 0016.
   */
  successor_sealed: string | null;
  /** Once used: the client_id of the request that used it. */
  used_client_id: string | null;
  /** Once used: the organization_id that request named (NULL when it named none). */
  used_organization_id: string | null;
}

export interface SigningKeyTable {
  id: string;
  environment_id: string;
  algorithm: string;
  public_jwk: string;
  private_key_sealed: string;
  /** `next` keys are published but not used; `current` signs; `retired` is published until `retire_after`. */
  state: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
}

export interface EventTable {
  seq: Generated<number>;
  id: string;
  environment_id: string;
  event: string;
  organization_id: string | null;
  data: string;
  context: string;
  created_at: string;
}

export interface IdempotencyKeyTable {
  environment_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status: number | null;
  response_body: string | null;
  created_at: string;
  expires_at: string;
}

export interface RateLimitTable {
  bucket: string;
  window_start: number;
  count: number;
}

export interface WebhookEndpointTable {
  id: string;
  environment_id: string;
  endpoint_url: string;
  /** The signing secret, sealed with the master key (HMAC needs the clear value). */
  secret_sealed: string;
  status: string;
  events: string;
  /** Fan-out cursor: every event with seq <= this has its delivery row. */
  dispatched_seq: number;
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  environment_id: string;
  endpoint_id: string;
  event_id: string;
  event_seq: number;
  /** pending → delivering (leased) → succeeded | pending (retry) | failed (gave up). */
  state: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptTable {
  id: string;
  environment_id: string;
  endpoint_id: string;
  delivery_id: string;
  event_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response_snippet: string | null;
  worker: string;
}

export interface ConnectionTable {
  id: string;
  environment_id: string;
  organization_id: string | null;
  name: string;
  connection_type: string;
  protocol: 'saml' | 'oidc';
  state: string;
  saml_idp_entity_id: string | null;
  saml_idp_sso_url: string | null;
  /** JSON array of base64 DER certificates the ACS trusts (several during rotation). */
  saml_idp_certificates: string;
  /** The ones an admin added one at a time: kept when the IdP's metadata is refreshed. */
  saml_added_certificates: string;
  /** The renewal reminder last written (see features/sso/certificates.ts). */
  saml_certificate_notice: string | null;
  saml_idp_metadata_url: string | null;
  saml_metadata_refreshed_at: string | null;
  saml_allow_idp_initiated: number;
  saml_sign_requests: number;
  oidc_discovery_url: string | null;
  oidc_client_id: string | null;
  oidc_client_secret_sealed: string | null;
  attribute_map: string;
  /** JSON object: IdP group (name or id, as the IdP sends it) → role slug (0028). */
  group_role_map: string;
  /** Only for the development Test IdP connection: its signing key, sealed. */
  test_idp_key_sealed: string | null;
  created_at: string;
  updated_at: string;
}

export interface SsoFlowTable {
  id: string;
  environment_id: string;
  connection_id: string;
  /** `sso_api` (→ /sso/token) or `authkit` (→ /user_management/authenticate). */
  kind: string;
  redirect_uri: string;
  app_state: string | null;
  code_challenge: string | null;
  saml_request_id: string | null;
  oidc_secrets_sealed: string | null;
  trace_id: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  /** An AuthKit sign-in started for an invitation: accepted when the IdP answers (0021). */
  invitation_id: string | null;
}

export interface SsoProfileTable {
  id: string;
  environment_id: string;
  connection_id: string;
  organization_id: string | null;
  data: string;
  created_at: string;
}

export interface SsoCodeTable {
  id: string;
  environment_id: string;
  code_hash: string;
  profile_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SsoProfileTokenTable {
  token_hash: string;
  environment_id: string;
  profile_id: string;
  expires_at: string;
}

export interface SsoTraceTable {
  id: string;
  environment_id: string;
  connection_id: string;
  organization_id: string | null;
  protocol: string;
  initiated_by: string;
  outcome: string;
  error_code: string | null;
  error_message: string | null;
  fix: string | null;
  email: string | null;
  steps: string;
  decoded: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface SamlSpKeyTable {
  environment_id: string;
  private_key_sealed: string;
  /** base64 DER X.509 certificate. */
  certificate: string;
  created_at: string;
}

export interface DirectoryTable {
  id: string;
  environment_id: string;
  organization_id: string;
  name: string;
  type: string;
  state: string;
  token_hash: string;
  token_hint: string;
  /** `deactivate` (default): a deprovisioned directory user's membership is deactivated and sessions revoked; `none`. */
  deprovision: string;
  group_role_map: string;
  /** JSON `{ custom_attribute_name: SCIM attribute path }`. */
  attribute_map: string;
  created_at: string;
  updated_at: string;
}

export interface DirectoryUserTable {
  id: string;
  environment_id: string;
  directory_id: string;
  organization_id: string;
  user_name: string;
  /**
   * userName lower-cased, unique per directory (userName is caseExact false). NULL only for a user
   * migrated by 0013 as the case-duplicate of an older one, until it is renamed.
   */
  user_name_lower: string | null;
  external_id: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  state: string;
  resource: string;
  created_at: string;
  updated_at: string;
}

export interface DirectoryGroupTable {
  id: string;
  environment_id: string;
  directory_id: string;
  organization_id: string;
  display_name: string;
  external_id: string | null;
  resource: string;
  created_at: string;
  updated_at: string;
}

export interface DirectoryGroupMemberTable {
  group_id: string;
  user_id: string;
  directory_id: string;
}

export interface ScimRequestTable {
  id: string;
  environment_id: string;
  directory_id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_body: string | null;
  error: string | null;
  user_agent: string | null;
  created_at: string;
}

export interface SamlSeenAssertionTable {
  connection_id: string;
  assertion_id: string;
  expires_at: string;
}

export interface AdminUserTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
  last_sign_in_at: string | null;
}

export interface AdminSessionTable {
  id: string;
  admin_user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface PortalLinkTable {
  id: string;
  environment_id: string;
  organization_id: string;
  intent: string;
  token_hash: string;
  return_url: string | null;
  success_url: string | null;
  /** JSON object as sent in `intent_options`. */
  intent_options: string;
  /** JSON array of the `admin_emails` / `it_contact_emails` sent with the link. */
  admin_emails: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The admin the link was made for (`external_user_id`); only such links can be revoked. */
  external_user_id: string | null;
  /** Set by `POST /portal/revoke_link`: the link no longer opens and its sessions are gone. */
  revoked_at: string | null;
}

export interface PortalSessionTable {
  id: string;
  environment_id: string;
  organization_id: string;
  link_id: string;
  intent: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

/** A Magic Auth or email-verification one-time code (0020). */
export interface OneTimeCodeTable {
  id: string;
  environment_id: string;
  user_id: string | null;
  email: string;
  code_hash: string;
  /** The code sealed with the master key, for the API to return; null once used. */
  code_sealed: string | null;
  attempts: number;
  invitation_token: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface EmailVerificationTable extends OneTimeCodeTable {
  user_id: string;
}

/** A device (CLI) sign-in, RFC 8628 (0027). */
export interface DeviceAuthorizationTable {
  id: string;
  environment_id: string;
  client_id: string;
  /** SHA-256 of the device_code. */
  device_code_hash: string;
  /** Normalized: 8 letters, no separator. */
  user_code: string;
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  /** S256 challenge of the verifier in the browser that entered the code. */
  browser_challenge: string | null;
  user_id: string | null;
  organization_id: string | null;
  authentication_method: string | null;
  auth_time: string | null;
  /** Seconds the device must wait between polls (RFC 8628 §3.5: +5 at each slow_down). */
  interval: number;
  last_polled_at: string | null;
  created_at: string;
  expires_at: string;
}

/** A sign-in waiting for one more step (0020). */
export interface PendingAuthenticationTable {
  id: string;
  environment_id: string;
  token_hash: string;
  kind:
    | 'email_verification'
    | 'organization_selection'
    | 'mfa_enrollment'
    | 'mfa_challenge'
    /** The hosted "Add a passkey" offer after a sign-in (0025; a browser step only). */
    | 'passkey_enrollment';
  user_id: string;
  email_verification_id: string | null;
  /** JSON: the verified identity, less what the user row holds. */
  identity: string;
  /** JSON: where the sign-in goes on — a session for a client, or a code for a redirect URI. */
  target: string;
  /** The TOTP secret the hosted enrollment page shows, sealed, until it is confirmed (0022). */
  totp_secret_sealed: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface EmailTable {
  id: string;
  environment_id: string;
  template: string;
  to_address: string;
  from_address: string;
  subject: string;
  /** Rendered bodies, sealed (SecretBox): they carry one-time codes and links. */
  text_sealed: string;
  html_sealed: string;
  /** The RFC 5322 Message-ID, the same on every attempt. */
  message_id: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'dev_outbox';
  attempts: number;
  next_attempt_at: string;
  /** The lease of the worker sending it (status `sending`). */
  claimed_until: string | null;
  last_error: string | null;
  /** The SMTP server's reply to the accepted message (its queue id). */
  smtp_response: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface InvitationTable {
  id: string;
  environment_id: string;
  /** Lower-cased. */
  email: string;
  organization_id: string | null;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  role_slug: string | null;
  locale: string | null;
  /** SHA-256 of the token, for `by_token` and the accept link. */
  token_hash: string;
  /** The token sealed with the master key: the API returns it on every read. */
  token_sealed: string;
  /** What `expires_in_days` was; a resend of an expired invitation extends it by as much. */
  expires_in_days: number;
  /** `pending`, `accepted` or `revoked`; `expired` is computed from `expires_at`. */
  state: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

/** An MFA factor (0022): TOTP (secret sealed), SMS or generic OTP. */
export interface AuthFactorTable {
  id: string;
  environment_id: string;
  user_id: string | null;
  type: 'totp' | 'sms' | 'generic_otp';
  totp_issuer: string | null;
  totp_user: string | null;
  secret_sealed: string | null;
  /** The TOTP time step of the last accepted code (replay protection). */
  last_counter: number | null;
  phone_number: string | null;
  created_at: string;
  updated_at: string;
}

/** A challenge of a factor (0022). */
export interface AuthChallengeTable {
  id: string;
  environment_id: string;
  factor_id: string;
  /** SHA-256 of the SMS / generic OTP code; null for TOTP. */
  code_hash: string | null;
  attempts: number;
  expires_at: string;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MfaRecoveryCodeTable {
  id: string;
  environment_id: string;
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

export interface MfaOrganizationPolicyTable {
  environment_id: string;
  organization_id: string;
  mfa_required: number;
  updated_at: string;
}

/** The development SMS outbox (0022). */
export interface SmsMessageTable {
  id: string;
  environment_id: string;
  to_number: string;
  body_sealed: string;
  created_at: string;
}

/** A user's registered passkey (0025). */
export interface PasskeyCredentialTable {
  id: string;
  environment_id: string;
  user_id: string;
  /** base64url credential id, unique per environment. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  /** The signature counter of the last accepted assertion (bigint: PostgreSQL returns a string). */
  counter: number | string;
  /** JSON array of AuthenticatorTransport values. */
  transports: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** A single-use WebAuthn challenge (0025). */
export interface WebAuthnChallengeTable {
  id: string;
  environment_id: string;
  challenge_hash: string;
  purpose: 'authentication' | 'registration' | 'mfa';
  /** The authorization request (sign-in page) or pending authentication it was issued for. */
  flow_id: string;
  user_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** An environment's passkey policy (0025); no row: the defaults. */
export interface PasskeySettingsTable {
  environment_id: string;
  enabled: number;
  rp_id: string | null;
  /** JSON array of origins, or null for the public URL's. */
  origins: string | null;
  updated_at: string;
}

export interface AuditLogActionTable {
  id: string;
  environment_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLogSchemaTable {
  id: string;
  environment_id: string;
  action: string;
  version: number;
  body: string;
  created_at: string;
}

export interface AuditLogOrganizationTable {
  organization_id: string;
  environment_id: string;
  head_seq: number;
  head_hash: string;
  pruned_through_seq: number;
  pruned_hash: string;
  retention_days: number | null;
  checkpoint_seq: number;
  created_at: string;
  updated_at: string;
}

/** An environment's opt-in to platform audit events (0032). */
export interface AuditLogPlatformTable {
  environment_id: string;
  enabled: number;
  projected_seq: number;
  enabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditLogEventTable {
  id: string;
  environment_id: string;
  organization_id: string;
  seq: number;
  action: string;
  occurred_at: string;
  actor_id: string;
  actor_name: string | null;
  target_types: string;
  body: string;
  prev_hash: string;
  hash: string;
}

export interface AuditLogKeyTable {
  id: string;
  environment_id: string;
  public_jwk: string;
  private_sealed: string;
  created_at: string;
}

export interface AuditLogCheckpointTable {
  id: string;
  environment_id: string;
  organization_id: string;
  seq: number;
  hash: string;
  jws: string;
  created_at: string;
}

export interface AuditLogExportTable {
  id: string;
  environment_id: string;
  organization_id: string;
  filters: string;
  through_seq: number;
  state: string;
  row_count: number | null;
  sha256: string | null;
  error: string | null;
  claimed_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditLogStreamTable {
  id: string;
  environment_id: string;
  organization_id: string;
  type: string;
  state: string;
  config: string;
  secret_sealed: string;
  secret_hint: string;
  dispatched_seq: number;
  batch_through_seq: number | null;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: number;
  next_attempt_at: string;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  audit_log_actions: AuditLogActionTable;
  audit_log_schemas: AuditLogSchemaTable;
  audit_log_organizations: AuditLogOrganizationTable;
  audit_log_events: AuditLogEventTable;
  audit_log_keys: AuditLogKeyTable;
  audit_log_checkpoints: AuditLogCheckpointTable;
  audit_log_exports: AuditLogExportTable;
  audit_log_platform: AuditLogPlatformTable;
  audit_log_streams: AuditLogStreamTable;
  passkey_credentials: PasskeyCredentialTable;
  webauthn_challenges: WebAuthnChallengeTable;
  passkey_settings: PasskeySettingsTable;
  auth_factors: AuthFactorTable;
  auth_challenges: AuthChallengeTable;
  mfa_recovery_codes: MfaRecoveryCodeTable;
  mfa_organization_policies: MfaOrganizationPolicyTable;
  sms_messages: SmsMessageTable;
  environments: EnvironmentTable;
  emails: EmailTable;
  magic_auths: OneTimeCodeTable;
  email_verifications: EmailVerificationTable;
  pending_authentications: PendingAuthenticationTable;
  device_authorizations: DeviceAuthorizationTable;
  api_keys: ApiKeyTable;
  redirect_uris: RedirectUriTable;
  organizations: OrganizationTable;
  organization_domains: OrganizationDomainTable;
  users: UserTable;
  roles: RoleTable;
  organization_roles: OrganizationRoleTable;
  permissions: PermissionTable;
  organization_memberships: OrganizationMembershipTable;
  authorization_requests: AuthorizationRequestTable;
  authorization_codes: AuthorizationCodeTable;
  oauth_credentials: OAuthCredentialTable;
  oauth_flows: OAuthFlowTable;
  oauth_link_codes: OAuthLinkCodeTable;
  user_identities: UserIdentityTable;
  sessions: SessionTable;
  impersonations: ImpersonationTable;
  password_resets: PasswordResetTable;
  refresh_tokens: RefreshTokenTable;
  signing_keys: SigningKeyTable;
  events: EventTable;
  idempotency_keys: IdempotencyKeyTable;
  rate_limits: RateLimitTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  connections: ConnectionTable;
  sso_flows: SsoFlowTable;
  sso_profiles: SsoProfileTable;
  sso_codes: SsoCodeTable;
  sso_profile_tokens: SsoProfileTokenTable;
  sso_traces: SsoTraceTable;
  saml_sp_keys: SamlSpKeyTable;
  directories: DirectoryTable;
  directory_users: DirectoryUserTable;
  directory_groups: DirectoryGroupTable;
  directory_group_members: DirectoryGroupMemberTable;
  scim_requests: ScimRequestTable;
  saml_seen_assertions: SamlSeenAssertionTable;
  admin_users: AdminUserTable;
  admin_sessions: AdminSessionTable;
  portal_links: PortalLinkTable;
  portal_sessions: PortalSessionTable;
  invitations: InvitationTable;
}
