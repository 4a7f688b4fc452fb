/**
 * One error catalog for every surface (DESIGN.md "Errors").
 *
 * Code anywhere throws `new AppError('code', {...})`. The catalog gives each code its HTTP status,
 * its wire style and a default message that says how to fix the problem. Surfaces render it:
 * the WorkOS API as `{code, message, errors?}`, OAuth endpoints as `{error, error_description}`,
 * hosted pages as an HTML page. Codes are never renamed or reused; docs/errors.md lists them all
 * (a test fails when one is missing there).
 */

export type ErrorStyle = 'workos' | 'oauth';

export interface CatalogEntry {
  status: number;
  /** `oauth` codes are rendered as `{error, error_description}` on every JSON surface. */
  style?: ErrorStyle;
  message: string;
}

export const catalog = {
  // ── platform ──────────────────────────────────────────────────────────────
  unauthorized: {
    status: 401,
    message:
      'The API key is missing or invalid. Send `Authorization: Bearer sk_…` with a key of this Portico environment (`portico api-keys create` makes one).',
  },
  entity_not_found: { status: 404, message: 'The requested object does not exist in this environment.' },
  route_not_found: {
    status: 404,
    message: 'No such endpoint. Check the path and method against the WorkOS API reference.',
  },
  invalid_json: {
    status: 400,
    message: 'The request body is not valid JSON. Send a JSON object with `Content-Type: application/json`.',
  },
  body_too_deep: {
    status: 400,
    message:
      'The request body nests objects or arrays more than 32 levels deep, which no Portico request needs. Send a flatter body (metadata, for example, is a flat object of strings).',
  },
  invalid_characters: {
    status: 400,
    message:
      'A value contains a NUL character (U+0000) or an unpaired UTF-16 surrogate, which Portico does not accept anywhere (path, query, body). Remove it and send the request again; `errors[].field` names where it was.',
  },
  invalid_request_parameters: { status: 422, message: 'Validation failed.' },
  payload_too_large: {
    status: 413,
    message: 'The request body is larger than this server accepts. Send a smaller body.',
  },
  unsupported_media_type: {
    status: 415,
    message:
      'This endpoint accepts only a JSON body. Send it with `Content-Type: application/json` (text/plain, form and multipart bodies are refused).',
  },
  cross_origin_request: {
    status: 403,
    message:
      'This state-changing request did not come from Portico’s own pages. Use the dashboard or Admin Portal at PORTICO_PUBLIC_URL (set it to the address people open when Portico is behind a reverse proxy); a script must send `Origin: <PORTICO_PUBLIC_URL origin>`.',
  },
  rate_limit_exceeded: {
    status: 429,
    message: 'Rate limit exceeded. Wait for the number of seconds in the Retry-After header, then retry.',
  },
  idempotency_key_reused: {
    status: 422,
    message:
      'This Idempotency-Key was already used with a different request. Use a fresh key for each distinct request.',
  },
  idempotency_request_in_progress: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed. Retry in a moment.',
  },
  internal_error: {
    status: 500,
    message: 'Portico hit an internal error. The request id in X-Request-ID locates it in the server log.',
  },

  // ── developer dashboard ───────────────────────────────────────────────────
  admin_session_required: {
    status: 401,
    message:
      'Sign in to the dashboard first: this endpoint needs a dashboard session (the portico_admin cookie), which is missing, expired or signed out.',
  },
  admin_sign_in_failed: {
    status: 401,
    message:
      'The email or password is incorrect. The first admin’s credentials were printed when Portico first started; `npm run portico -- admin create --email <email>` sets a new password.',
  },
  admin_already_exists: {
    status: 409,
    message:
      'A dashboard admin with this email already exists. To give them a new password, run `npm run portico -- admin create --email <email>`.',
  },
  admin_cannot_remove_self: {
    status: 422,
    message:
      'You cannot remove your own dashboard account (there must always be someone who can sign in). Ask another admin to remove it.',
  },
  csrf_token_invalid: {
    status: 403,
    message:
      'The dashboard session cookie came without a valid X-Portico-CSRF header. Reload the dashboard (it reads the token from GET /_admin/session) and try again.',
  },
  impersonation_organization_invalid: {
    status: 422,
    message:
      'The user is not an active member of that organization. Pick one of the user’s organizations, or leave organization_id out.',
  },
  impersonation_redirect_uri_missing: {
    status: 422,
    message:
      'This environment has no redirect URI to send the impersonated sign-in to. Add one (Redirect URIs page, `npm run portico -- redirect-uris add <uri>` or PORTICO_REDIRECT_URIS) and start again.',
  },
  impersonation_disabled: {
    status: 403,
    message:
      'Impersonation is turned off on this server (PORTICO_IMPERSONATION=off). Whoever runs it can turn it on with PORTICO_IMPERSONATION=on.',
  },
  impersonation_link_expired: {
    status: 400,
    message:
      'This impersonation link is unknown, expired (after 10 minutes), already used, or was started by another dashboard admin. Start the impersonation again from the user’s page in the dashboard.',
  },

  // ── organizations ─────────────────────────────────────────────────────────
  external_id_already_used: {
    status: 400,
    message: 'Another organization in this environment already uses this external_id. Choose another.',
  },
  organization_domain_already_used: {
    status: 409,
    message: 'This domain already belongs to an organization in this environment. Remove it there first.',
  },

  // ── users ─────────────────────────────────────────────────────────────────
  user_creation_error: { status: 400, message: 'The user could not be created.' },
  email_already_exists: {
    status: 409,
    message: 'A user with this email already exists in this environment. Update that user instead.',
  },
  password_strength_error: {
    status: 400,
    message: 'The password is too weak: use at least 8 characters and avoid common passwords.',
  },
  invalid_password_hash: {
    status: 400,
    message:
      'password_hash could not be parsed for the given password_hash_type. See docs/user-management.md for the accepted formats.',
  },
  password_reset_error: {
    status: 400,
    message:
      'The password was not reset. `errors[]` says why (an unusable token, or a new password the policy refuses) and how to fix it.',
  },
  password_reset_token_invalid: {
    status: 400,
    message:
      'The password reset token is not one this environment issued (mistyped, cut short, or from another environment). Ask for a new reset link with createPasswordReset or the "Forgot password?" page.',
  },
  password_reset_token_expired: {
    status: 400,
    message:
      'The password reset token has expired (tokens are valid for 15 minutes). Ask for a new reset link with createPasswordReset or the "Forgot password?" page.',
  },
  password_reset_token_used: {
    status: 400,
    message:
      'The password reset token was already used, or a newer reset of the same user replaced it. Ask for a new reset link if the password must change again.',
  },
  password_and_hash_conflict: {
    status: 422,
    message: 'Send either `password` or `password_hash` with `password_hash_type`, not both.',
  },

  authorized_application_not_found: {
    status: 404,
    message:
      'This user has not authorized this application. Portico does not implement WorkOS Connect, so users have no authorized applications to remove.',
  },

  // ── memberships and roles ─────────────────────────────────────────────────
  invalid_role: {
    status: 422,
    message: 'The role slug does not exist in this environment. Use `member`, `admin` or a role you created.',
  },
  invalid_role_slug: {
    status: 422,
    message:
      'The role slug is not allowed. Environment roles: lowercase letters, digits, - and _, at most 48 characters, not starting with org-. Organization roles: org- and then the same (see docs/roles.md).',
  },
  invalid_permission_slug: {
    status: 422,
    message:
      'The permission slug is not allowed. Use lowercase letters, digits and - _ : . *, starting with a letter or digit, at most 64 characters (see docs/roles.md).',
  },
  role_slug_conflict: {
    status: 409,
    message: 'An environment role with this slug already exists. Update that role, or pick another slug.',
  },
  organization_role_slug_conflict: {
    status: 409,
    message: 'This organization already has a role with this slug. Update that role, or pick another slug.',
  },
  permission_slug_conflict: {
    status: 409,
    message:
      'A permission with this slug already exists in this environment. Update it, or pick another slug.',
  },
  permission_not_found: {
    status: 422,
    message:
      'A permission slug given for a role does not exist. Create it first with POST /authorization/permissions.',
  },
  role_has_assignments: {
    status: 409,
    message:
      'The role is assigned to organization memberships, so it cannot be deleted. Give them another role first, then delete it.',
  },
  role_has_group_role_mappings: {
    status: 409,
    message:
      'A directory or an SSO connection maps a group to this role, so it cannot be deleted. Change that group → role mapping first, then delete it.',
  },
  default_role_cannot_be_deleted: {
    status: 409,
    message: 'The default role cannot be deleted. Make another role the default in the dashboard first.',
  },
  system_permission_cannot_be_deleted: {
    status: 409,
    message: 'Permissions Portico seeds (system: true) cannot be deleted. Remove them from roles instead.',
  },
  organization_membership_already_exists: {
    status: 409,
    message: 'This user is already a member of this organization. Update that membership instead.',
  },
  cannot_reactivate_pending_organization_membership: {
    status: 400,
    message: 'A pending membership cannot be reactivated; it becomes active when the invitation is accepted.',
  },
  cannot_deactivate_pending_organization_membership: {
    status: 400,
    message: 'A pending membership cannot be deactivated; revoke its invitation or delete it instead.',
  },

  // ── invitations ───────────────────────────────────────────────────────────
  email_already_invited_to_organization: {
    status: 400,
    message:
      'A pending invitation for this email (to this organization, or to the application when no organization_id is sent) already exists. Resend it with POST /user_management/invitations/{id}/resend, or revoke it first.',
  },
  user_already_organization_member: {
    status: 400,
    message:
      'A user with this email is already an active member of this organization, so there is nothing to invite them to. Change their role through their organization membership instead.',
  },
  user_already_exists: {
    status: 400,
    message:
      'A user with this email already exists, and an invitation without organization_id only invites new users to the application. Send organization_id to invite them to an organization.',
  },
  email_not_failed: {
    status: 409,
    message: 'Only a failed email can be resent; a queued one is still being retried.',
  },
  email_already_invited: {
    status: 400,
    message:
      'A pending application invitation (no organization_id) for this email already exists. Resend it with POST /user_management/invitations/{id}/resend, or revoke it first.',
  },
  expires_in_days_too_short: {
    status: 400,
    message: 'expires_in_days must be at least 1. Send a whole number of days from 1 to 30 (7 when omitted).',
  },
  expires_in_days_too_long: {
    status: 400,
    message: 'expires_in_days must be at most 30. Send a whole number of days from 1 to 30 (7 when omitted).',
  },
  invite_not_pending: {
    status: 400,
    message:
      'The invitation is not pending: it was already accepted, revoked, or has expired (the message says which). Send a new invitation if one is still needed.',
  },
  invite_accepted: {
    status: 400,
    message: 'The invitation was already accepted, so there is nothing to resend.',
  },
  invite_revoked: {
    status: 400,
    message: 'The invitation was revoked and cannot be resent. Send a new invitation to the same email.',
  },
  invite_expired: {
    status: 400,
    message:
      'The invitation has expired and cannot be resent. Send a new invitation to the same email (an expired one does not block it).',
  },
  invalid_invite: {
    status: 400,
    message:
      'The invitation cannot be accepted through the API: no user with the invited email exists yet. The recipient signs up through accept_invitation_url, or create the user first (POST /user_management/users) and accept again.',
  },
  invitation_invalid: {
    status: 400,
    style: 'oauth',
    message:
      'The invitation token is unknown, or its invitation was already accepted, revoked or has expired. Ask for a new invitation.',
  },
  invitation_cannot_be_used_for_email: {
    status: 400,
    style: 'oauth',
    message:
      'The invitation was sent to another email address than the account signing in. Sign in (or sign up) with the invited email, or ask for an invitation to this one.',
  },
  invitation_no_redirect_uri: {
    status: 400,
    message:
      'This environment has no redirect URI, so after accepting an invitation Portico has nowhere to send the new user. Add one with `npm run portico -- redirect-uris add <uri>` or PORTICO_REDIRECT_URIS.',
  },

  // ── webhooks ──────────────────────────────────────────────────────────────
  duplicate_endpoint: {
    status: 409,
    message:
      'A webhook endpoint with this URL already exists in this environment. Update that endpoint instead.',
  },
  invalid_url: {
    status: 422,
    message: 'endpoint_url must be an absolute https:// URL that resolves to a public address.',
  },
  unknown_event_type: {
    status: 422,
    message:
      'One of the event types is not a known WorkOS event. See docs/events-and-webhooks.md for the list.',
  },

  // ── SSO ─────────────────────────────────────────────────────────────────
  invalid_connection: {
    status: 422,
    message: 'The connection does not exist in this environment or is not active.',
  },
  organization_invalid: {
    status: 422,
    message: 'The organization does not exist or has no active SSO connection.',
  },
  connection_inactive: {
    status: 422,
    message: 'The connection is not active. Complete its set-up and activate it.',
  },
  connection_incomplete: {
    status: 422,
    message: 'The connection cannot be activated before its set-up is complete.',
  },
  oidc_discovery_failed: {
    status: 502,
    message:
      "Portico could not use the OIDC connection's discovery document, so sign-in cannot start. Check the connection's discovery URL (it usually ends in /.well-known/openid-configuration) and that the IdP is reachable from the Portico server; the connection's SSO traces show the cause.",
  },
  invalid_idp_metadata: {
    status: 422,
    message:
      'The IdP metadata could not be parsed. Download it again from the IdP and paste the whole XML document.',
  },
  invalid_certificate: {
    status: 422,
    message: 'An IdP certificate is not a valid X.509 certificate. Paste the PEM block.',
  },
  too_many_certificates: {
    status: 422,
    message: 'A connection trusts at most 5 certificates. Remove one that is no longer used first.',
  },
  last_certificate: {
    status: 409,
    message: 'This is the connection’s only certificate. Add the new certificate before removing it.',
  },
  certificate_in_idp_metadata: {
    status: 409,
    message: 'The IdP’s metadata publishes this certificate; the next refresh would trust it again.',
  },

  // ── Admin Portal ────────────────────────────────────────────────────────
  portal_intent_not_available: {
    status: 422,
    message:
      'This Admin Portal intent is not available in Portico yet. Use sso, dsync, domain_verification, certificate_renewal, audit_logs or log_streams.',
  },
  portal_link_invalid: {
    status: 400,
    message:
      'This Admin Portal link is not valid: it may have been cut short when it was copied. Ask the application that sent you here for a new link.',
  },
  portal_link_expired: {
    status: 410,
    message:
      'This Admin Portal link has expired: links work for 5 minutes after they are made. Ask the application that sent you here for a new link.',
  },
  portal_link_used: {
    status: 410,
    message:
      'This Admin Portal link was already opened, and a link opens the portal only once. Continue in the tab where you opened it, or ask the application that sent you here for a new link.',
  },
  portal_link_revoked: {
    status: 410,
    message:
      'This Admin Portal link was revoked by the application that made it, so it no longer opens (your administrator access may have changed). Ask that application for a new link if you still need one.',
  },
  portal_link_not_found: {
    status: 404,
    message:
      'No Admin Portal link of this organization was generated with this external_user_id. Only links generated with external_user_id (externalUserId in SDK 12) can be revoked: pass it to generate_link.',
  },
  portal_link_organization_deleted: {
    status: 410,
    message:
      'The organization this Admin Portal link was made for no longer exists. Ask the application that sent you here for a new link.',
  },
  portal_session_required: {
    status: 401,
    message:
      'Your Admin Portal session is missing or has ended (a session lasts one hour). Ask the application that sent you here for a new portal link.',
  },
  portal_csrf_invalid: {
    status: 403,
    message:
      'The request did not carry this portal session’s X-Portico-CSRF header. Reload the portal page and try again.',
  },
  portal_intent_not_allowed: {
    status: 403,
    message:
      'This portal session was opened for another task. Ask the application that sent you here for a link with the right intent.',
  },

  // ── hosted pages (shown on the page a person is looking at) ───────────────
  redirect_uri_not_allowed: {
    status: 400,
    message:
      'The redirect_uri is not on this environment’s allow-list, so Portico will not send a sign-in result there. Add it exactly as sent with `npm run portico -- redirect-uris add <uri>` or PORTICO_REDIRECT_URIS.',
  },
  return_to_not_allowed: {
    status: 400,
    message:
      'return_to is not on the origin of an allowed redirect URI. Add a redirect URI on that origin (`npm run portico -- redirect-uris add <uri>`).',
  },
  sign_in_link_invalid: {
    status: 400,
    message:
      'This sign-in page was opened without a valid request. Go back to the application and start signing in again.',
  },
  sign_in_link_expired: {
    status: 400,
    message:
      'This sign-in link has expired (after 30 minutes) or was already used. Go back to the application and start signing in again.',
  },
  form_expired: {
    status: 403,
    message:
      'The form’s security token did not match this browser (the page was open too long, cookies are blocked, or the form came from elsewhere). Submit the form again.',
  },
  saml_response_missing: {
    status: 400,
    message:
      'The IdP posted no SAMLResponse to the ACS URL. Configure the IdP to use the HTTP-POST binding for this ACS URL.',
  },
  test_sign_in_invalid: {
    status: 400,
    message:
      'This test sign-in link is incomplete or was changed. Start the test again from the dashboard or the Admin Portal.',
  },

  // ── authenticate (OAuth-style) ────────────────────────────────────────────
  invalid_client: {
    status: 401,
    style: 'oauth',
    message:
      'client_id is unknown or client_secret does not match. Pass this environment’s client id and an API key of the same environment.',
  },
  invalid_grant: {
    status: 400,
    style: 'oauth',
    message: 'The code or refresh token is invalid, expired or has already been used.',
  },
  invalid_request: { status: 400, style: 'oauth', message: 'The request is missing a required parameter.' },
  invalid_link_authorization_code: {
    status: 400,
    style: 'oauth',
    message:
      'The link_authorization_code is unknown, used, expired or for another user. Start the social sign-in again to get a new one.',
  },
  server_error: {
    status: 500,
    style: 'oauth',
    message:
      'Portico hit an unexpected error while starting the sign-in (RFC 6749 §4.1.2.1). Start the sign-in again; if it persists, find the request id in the server log.',
  },
  unsupported_grant_type: {
    status: 400,
    style: 'oauth',
    message: 'This grant_type is not supported. Use authorization_code, password or refresh_token.',
  },
  // ── device authorization grant (RFC 8628 §3.5; features/authkit/device.ts) ──
  authorization_pending: {
    status: 400,
    style: 'oauth',
    message:
      'The person has not finished signing in on the verification page yet. Keep polling every `interval` seconds.',
  },
  slow_down: {
    status: 400,
    style: 'oauth',
    message:
      'Polled sooner than `interval` seconds after the previous poll: the interval grew by 5 seconds. Wait longer between polls.',
  },
  access_denied: {
    status: 400,
    style: 'oauth',
    message:
      'The person denied this sign-in on the verification page. Stop polling; start a new device authorization to try again.',
  },
  expired_token: {
    status: 400,
    style: 'oauth',
    message:
      'The device_code has expired before the person approved it. Stop polling and start a new device authorization.',
  },
  user_code_invalid: {
    status: 400,
    message:
      'That code matches no sign-in waiting for approval (unknown, expired or already used). Check the code shown on your device, or start the sign-in again there.',
  },
  organization_membership_not_found: {
    status: 400,
    style: 'oauth',
    message: 'The user is not an active member of that organization.',
  },
  invalid_credentials: {
    status: 400,
    message: 'The email or password is incorrect.',
  },
  invalid_one_time_code: {
    status: 400,
    message:
      'The code is not the one Portico sent. Check the six digits in the newest email (a code sent earlier stops working once a new one is sent only if it has expired), or ask for a new code.',
  },
  one_time_code_expired: {
    status: 400,
    message: 'The code has expired (codes last 10 minutes). Ask for a new code.',
  },
  one_time_code_previously_used: {
    status: 400,
    message: 'The code was already used; each code works once. Ask for a new code.',
  },
  one_time_code_too_many_attempts: {
    status: 400,
    message:
      'Too many wrong codes were entered, so this code no longer works. Ask for a new code and enter it exactly as sent.',
  },
  email_verification_required: {
    status: 403,
    message:
      'The user must verify their email before signing in. Portico emailed a code: call authenticateWithEmailVerification with it and the pending_authentication_token.',
  },
  organization_selection_required: {
    status: 403,
    message:
      'The user belongs to several organizations: call authenticateWithOrganizationSelection with one of `organizations[].id` and the pending_authentication_token.',
  },
  // ── passkeys (features/passkeys) ─────────────────────────────────────────────
  passkeys_disabled: {
    status: 400,
    message:
      'Passkeys are turned off for this environment. Turn them on with PUT /_admin/passkey_settings {"enabled": true} (or PORTICO_PASSKEYS=true).',
  },
  passkey_response_invalid: {
    status: 400,
    message:
      'The passkey response is not a WebAuthn credential in JSON (id, rawId, type "public-key", response.clientDataJSON…). The page needs JavaScript to use a passkey: enable it, or sign in another way.',
  },
  passkey_challenge_invalid: {
    status: 400,
    message:
      'The passkey answered a challenge Portico did not issue for this page, one already used, or one older than 5 minutes. Reload the page and use the passkey again.',
  },
  passkey_unknown: {
    status: 400,
    message:
      'This passkey is not registered for this application (it was deleted, or belongs to another environment or user). Sign in another way, then add a new passkey.',
  },
  passkey_origin_mismatch: {
    status: 400,
    message:
      "The passkey was used on an origin this environment does not allow. Add the page's origin to the environment's passkey origins (PUT /_admin/passkey_settings).",
  },
  passkey_rp_id_mismatch: {
    status: 400,
    message:
      "The passkey is for another relying party id than this environment's. The RP id must be the sign-in page's host or a parent domain of it (PUT /_admin/passkey_settings).",
  },
  passkey_counter_regression: {
    status: 400,
    message:
      'The passkey reported a signature counter not above the last one Portico saw: the authenticator may have been cloned. Sign in another way and remove this passkey.',
  },
  passkey_verification_failed: {
    status: 400,
    message:
      'The passkey response did not verify (signature, user verification or attestation). Try again, or sign in another way.',
  },
  passkey_settings_invalid: {
    status: 422,
    message:
      'rp_id must be a host name (no scheme or port) and every origin an http(s) origin whose host is rp_id or a subdomain of it.',
  },
  // ── social sign-in (features/authkit/identities/oauth.ts) ────────────────────
  oauth_provider_unknown: {
    status: 400,
    message:
      'provider must be authkit or one of GoogleOAuth, MicrosoftOAuth, GitHubOAuth, AppleOAuth, GitLabOAuth, LinkedInOAuth, SlackOAuth, BitbucketOAuth, DiscordOAuth, IntuitOAuth, SalesforceOAuth, VercelOAuth, XeroOAuth.',
  },
  oauth_provider_not_configured: {
    status: 400,
    message:
      'This provider has no client credentials in this environment. Set them in the dashboard (Social sign-in) or with PUT /_admin/oauth_providers/{provider}.',
  },
  oauth_state_invalid: {
    status: 400,
    message:
      'The provider sent the browser back with a state Portico did not issue, one that was already used, or one older than 10 minutes. Start signing in again from the application.',
  },
  oauth_provider_error: {
    status: 400,
    message:
      'The provider refused the sign-in or answered something Portico cannot accept. The description says what the provider said; check the client credentials and the redirect URI registered at the provider.',
  },
  oauth_email_missing: {
    status: 400,
    message:
      'The provider sent no email address. Request the email scope (for GitHub: user:email) and make sure the account has an email address.',
  },
  oauth_email_unverified: {
    status: 400,
    message:
      'The provider says this email address is not verified, and a user with that address already exists, so the accounts are not linked. Prove the address with Magic Auth and pass the link_authorization_code, verify it at the provider, or sign in another way.',
  },
  oauth_credentials_invalid: {
    status: 422,
    message: 'The provider credentials are incomplete or malformed; the errors list says which field to fix.',
  },
  invalid_pending_authentication_token: {
    status: 400,
    message:
      'The pending_authentication_token is unknown, expired (they last 10 minutes), already used, or for another step of the sign-in. Start the sign-in again.',
  },
  mfa_enrollment: {
    status: 403,
    message:
      'This sign-in needs a second factor and the user has none yet. Enroll a TOTP factor with createUserAuthFactor({ userId, type: "totp" }), show its QR code, then call authenticateWithTotp with the first code, the returned authentication_challenge.id and the pending_authentication_token.',
  },
  mfa_challenge: {
    status: 403,
    message:
      'This sign-in needs a second factor. Call challengeFactor with one of `authentication_factors[].id`, then authenticateWithTotp with the code from the authenticator app, the challenge id and the pending_authentication_token.',
  },
  invalid_recovery_code: {
    status: 400,
    message:
      'The recovery code is not one of the user’s unused recovery codes. Check it (each works once) or use the authenticator app.',
  },
  authentication_challenge_expired: {
    status: 422,
    message:
      'The authentication challenge has expired (challenges last 10 minutes). Create a new one with challengeFactor.',
  },
  authentication_challenge_previously_verified: {
    status: 422,
    message:
      'The authentication challenge was already verified; each challenge works once. Create a new one with challengeFactor.',
  },
  invalid_phone_number: {
    status: 422,
    message:
      'phone_number must be an E.164 number: a plus sign, the country code and the number, digits only (for example +15005550006).',
  },
  invalid_totp_secret: {
    status: 422,
    message:
      'totp_secret must be a base32 secret (letters A–Z and digits 2–7) of at least 16 characters, as authenticator apps use.',
  },
  authentication_factor_type_mismatch: {
    status: 422,
    message:
      'authenticateWithTotp needs a challenge of a TOTP factor of the signing-in user. Challenge one of the TOTP factors in `authentication_factors`.',
  },
  sso_required: {
    status: 400,
    style: 'oauth',
    message:
      'This organization requires single sign-on for the user’s email domain: sign in through its identity provider (getAuthorizationUrl with organizationId or connectionId).',
  },
  email_previously_verified: {
    status: 400,
    message: 'The user’s email is already verified; there is nothing to confirm.',
  },
  email_verification_code_incorrect: {
    status: 400,
    message:
      'The code is not the one Portico emailed. Check the six digits in the newest verification email, or send a new one (sendVerificationEmail).',
  },
  email_verification_code_previously_used: {
    status: 400,
    message: 'This verification code was already used. Send a new one (sendVerificationEmail).',
  },
  email_verification_code_expired: {
    status: 400,
    message:
      'This verification code no longer works: it is older than 10 minutes, or five wrong codes were entered for it. Send a new one (sendVerificationEmail).',
  },
  code_challenge_not_found: {
    status: 400,
    message:
      'A code_verifier was sent for a code that was issued without a code_challenge (or the reverse). Send both or neither.',
  },
  // ── audit logs (features/audit-logs) ──────────────────────────────────────────
  invalid_audit_log_event: {
    status: 400,
    message:
      'The event does not match the schema of its action and version; `errors[].instancePath` points at each offending value. Fix the event, or create a new schema version (createSchema) and send that `version`.',
  },
  invalid_audit_log_schema: {
    status: 422,
    message:
      'The schema is not one Portico can check events against: metadata schemas are `{type: "object", properties: {key: {type: "string" | "number" | "boolean"}}}`, and targets is a non-empty list of distinct types. `errors[].field` names what to fix.',
  },
  audit_log_export_range_invalid: {
    status: 400,
    message:
      'range_start and range_end must be ISO-8601 date-times with range_start before range_end. Send the range of `occurred_at` values to export.',
  },
  audit_log_export_link_invalid: {
    status: 403,
    message:
      'This export download link is expired (links last 10 minutes) or altered. Fetch the export again (getExport) for a fresh link.',
  },
  audit_log_export_not_ready: {
    status: 409,
    message: 'The export is not ready yet. Poll getExport until `state` is `ready`, then download its `url`.',
  },
  audit_log_stream_url_refused: {
    status: 422,
    message:
      'The log stream’s url or endpoint points at an address Portico may not connect to (loopback, private, link-local or metadata). Use the destination’s public address.',
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof catalog;

export interface FieldError {
  field: string;
  code: string;
  message?: string;
  /** JSON pointer into the audit log event (`/targets/0/type`), as WorkOS's 400 names it. */
  instancePath?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly style: ErrorStyle;
  readonly errors?: FieldError[];
  /** Extra wire fields (for example `retry_after`, `pending_authentication_token`). */
  readonly extra?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    opts: {
      message?: string;
      errors?: FieldError[];
      extra?: Record<string, unknown>;
      cause?: unknown;
      /** Where WorkOS answers the same code with another status on one endpoint (invalid_role: 400 on sendInvitation). */
      status?: number;
    } = {},
  ) {
    const entry: CatalogEntry = catalog[code];
    super(opts.message ?? entry.message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status ?? entry.status;
    this.style = entry.style ?? 'workos';
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
}

// ── values in messages ──────────────────────────────────────────────────────
// Error messages land in application logs and on screens. A value the caller sent is quoted back
// only when it is short and cannot be a secret; an id only when it has the shape of an id.

/** A Portico id: a lowercase prefix, `_`, and a ULID-ish body (`user_01HZX…`, 26 characters). */
const ID_SHAPE = /^([a-z][a-z_]{0,30})_[0-9A-Za-z]{20,32}$/;
/** Values that look like credentials: JWTs, API keys, bearer and refresh tokens. */
const SECRET_SHAPE = /^(?:eyJ|sk_|Bearer\s)|^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** The most of a caller's value a message may quote. */
export const MAX_QUOTED = 64;

/** Which id prefix each kind of object has, for `notFound`'s hint. */
const ID_PREFIX: Record<string, string> = {
  User: 'user',
  Organization: 'org',
  'Organization membership': 'om',
  'Organization domain': 'org_domain',
  Connection: 'conn',
  Directory: 'directory',
  'Directory user': 'directory_user',
  'Directory group': 'directory_group',
  Session: 'session',
  'Webhook endpoint': 'we',
  Event: 'event',
  'API key': 'api_key',
  'Active API key': 'api_key',
  Invitation: 'invitation',
  'Authentication factor': 'auth_factor',
  'Authentication challenge': 'auth_challenge',
  'Audit log stream': 'als',
};

/** What a value looks like, for a message that will not quote it. */
function describeUnquoted(value: string): string {
  if (/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\./.test(value)) return 'a JWT, perhaps an access token, not shown';
  if (/^sk_/.test(value)) return 'an API key, not shown';
  return `${value.length} characters, not shown`;
}

/**
 * A caller's value for a message: quoted when short (MAX_QUOTED), printable and not
 * secret-shaped; otherwise a description (`(a JWT, perhaps an access token, not shown)`).
 */
export function quote(value: unknown, max = MAX_QUOTED): string {
  const s = typeof value === 'string' ? value : String(value);
  const printable = ![...s].some((ch) => {
    const n = ch.codePointAt(0)!;
    return n < 0x20 || (n >= 0x7f && n <= 0x9f) || n === 0x2028 || n === 0x2029;
  });
  if (s.length > 0 && s.length <= max && printable && !SECRET_SHAPE.test(s)) return `'${s}'`;
  return `(${describeUnquoted(s)})`;
}

/**
 * How a message names an id the caller sent: the id itself when it has the shape of an id of
 * the expected kind (or any Portico id when the kind is not known), otherwise what is wrong
 * with it — never the value, which may be a token pasted in the wrong place.
 */
export function describeId(id: string, prefix?: string): string {
  const m = SECRET_SHAPE.test(id) ? null : ID_SHAPE.exec(id);
  if (m && (!prefix || m[1] === prefix)) return `'${id}'`;
  const kind = prefix
    ? `a Portico ${prefix.replace(/_/g, ' ')} id (${prefix}_…)`
    : 'a Portico id (prefix_ and 26 characters)';
  if (m) return `'${id}' is not ${kind}`;
  return `the id given (${describeUnquoted(id)}) is not ${kind}`;
}

/** `entity_not_found` for an object of kind `what` (`User`, `Organization`…) and the id asked for. */
export const notFound = (what: string, id: string, prefix: string | undefined = ID_PREFIX[what]) => {
  const known = prefix ?? ID_PREFIX[what];
  // Lookups by another key (external_id, a fingerprint) quote the value when it is safe to.
  const shown = known || (ID_SHAPE.test(id) && !SECRET_SHAPE.test(id)) ? describeId(id, known) : quote(id);
  return new AppError('entity_not_found', { message: `${what} not found: ${shown}.` });
};

/** The JSON body a WorkOS-style surface sends for an error. */
export function errorBody(err: AppError): Record<string, unknown> {
  if (err.style === 'oauth') {
    return { error: err.code, error_description: err.message, ...err.extra };
  }
  const body: Record<string, unknown> = { code: err.code, message: err.message, ...err.extra };
  if (err.errors) body.errors = err.errors;
  return body;
}
