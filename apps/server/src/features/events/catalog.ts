/**
 * Event names (reference §8.1: WorkOS OpenAPI spec 0.1.0), plus Portico's own operational events.
 * Webhook endpoints may subscribe to any of them; an unknown name is refused with
 * `unknown_event_type`.
 */
export const WORKOS_EVENTS = [
  // Authentication
  'authentication.email_verification_succeeded',
  'authentication.email_verification_failed',
  'authentication.magic_auth_succeeded',
  'authentication.magic_auth_failed',
  'authentication.mfa_succeeded',
  'authentication.mfa_failed',
  'authentication.oauth_succeeded',
  'authentication.oauth_failed',
  'authentication.passkey_succeeded',
  'authentication.passkey_failed',
  'authentication.password_succeeded',
  'authentication.password_failed',
  'authentication.sso_started',
  'authentication.sso_succeeded',
  'authentication.sso_failed',
  'authentication.sso_timed_out',
  'authentication.radar_risk_detected',
  // AuthKit actions
  'action.authentication.denied',
  'action.user_registration.denied',
  // SSO
  'connection.activated',
  'connection.deactivated',
  'connection.deleted',
  'connection.saml_certificate_renewal_required',
  'connection.saml_certificate_renewed',
  // Directory Sync
  'dsync.activated',
  'dsync.deactivated',
  'dsync.deleted',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.deleted',
  'dsync.group.user_added',
  'dsync.group.user_removed',
  // Users and login flow
  'user.created',
  'user.updated',
  'user.deleted',
  'session.created',
  'session.revoked',
  'email_verification.created',
  'magic_auth.created',
  'password_reset.created',
  'password_reset.succeeded',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'invitation.resent',
  // Organizations
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization_domain.created',
  'organization_domain.updated',
  'organization_domain.deleted',
  'organization_domain.verified',
  'organization_domain.verification_failed',
  'organization_membership.created',
  'organization_membership.updated',
  'organization_membership.deleted',
  // RBAC
  'role.created',
  'role.updated',
  'role.deleted',
  'organization_role.created',
  'organization_role.updated',
  'organization_role.deleted',
  'permission.created',
  'permission.updated',
  'permission.deleted',
  // Groups
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  // API keys
  'api_key.created',
  'api_key.revoked',
  // Feature flags
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'flag.rule_updated',
  // Waitlist
  'waitlist_user.created',
  'waitlist_user.approved',
  'waitlist_user.denied',
] as const;

/** Portico's operational events (not in WorkOS's catalog). */
export const PORTICO_EVENTS = [
  'webhook_endpoint.disabled',
  'oauth_provider.created',
  'oauth_provider.updated',
  'oauth_provider.deleted',
] as const;

export const KNOWN_EVENTS: ReadonlySet<string> = new Set<string>([...WORKOS_EVENTS, ...PORTICO_EVENTS]);
