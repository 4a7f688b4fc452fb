/**
 * The seam between the ways of proving who someone is and AuthKit (DESIGN.md, "Sign-in flows one
 * way"). An identity module — the password check, SSO (SAML and OIDC), Magic Auth, an email code —
 * ends with a `VerifiedIdentity` and hands it over; it never mints codes, starts sessions or writes
 * users. AuthKit alone turns the identity into a user (JIT), applies the policies, mints the one
 * kind of authorization code and starts the session. SSO sits below AuthKit and reaches it only
 * through the `SignInPort` it is given at construction, so nothing points back up.
 */
import type { Queryable } from './db.ts';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** WorkOS's `authentication_method` values Portico produces. */
export type AuthenticationMethod =
  | 'Password'
  | 'Passkey'
  | 'SSO'
  | 'MagicAuth'
  | 'GoogleOAuth'
  | 'MicrosoftOAuth'
  | 'GitHubOAuth'
  | 'AppleOAuth'
  | 'GitLabOAuth'
  | 'LinkedInOAuth'
  | 'SlackOAuth'
  | 'BitbucketOAuth'
  | 'DiscordOAuth'
  | 'IntuitOAuth'
  | 'SalesforceOAuth'
  | 'VercelOAuth'
  | 'XeroOAuth';

/** The `type` of the `authentication.<type>_succeeded` event. */
export type AuthenticationEventType = 'password' | 'sso' | 'magic_auth' | 'oauth' | 'passkey';

interface IdentityBase {
  environmentId: string;
  method: AuthenticationMethod;
  eventType: AuthenticationEventType;
  /** The organization the person signed in for (an SSO connection's): JIT membership, session org. */
  organizationId: string | null;
  /** `sso` block of the success event. */
  sso?: { organization_id: string | null; connection_id: string };
  /** Recorded as the actor of `user.created` when the user is provisioned just in time. */
  provisionedBy?: { id: string | null; name: string };
  meta: RequestMeta;
  /**
   * The roles an SSO connection's group → role map gives this sign-in's IdP groups (empty: none
   * mapped, so the default role); the organization's membership follows them. Undefined: no map.
   */
  groupRoles?: string[];
  /** The sign-in already passed AuthKit's MFA step (a TOTP code, a recovery code or a passkey). */
  mfaVerified?: boolean;
  /** The hosted "Add a passkey" offer was already shown in this sign-in (added or skipped). */
  passkeyOffered?: boolean;
}

/** An existing AuthKit user proved who they are (password, Magic Auth for a known email). */
export interface UserIdentity extends IdentityBase {
  kind: 'user';
  userId: string;
  /** The proof went through the user's inbox (Magic Auth, an email code): the email is verified. */
  emailVerified?: boolean;
}

/** Someone proved an email address the environment may not know yet (SSO, Magic Auth sign-up). */
export interface ProfileIdentity extends IdentityBase {
  kind: 'profile';
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** The IdP (or the code sent to the address) vouches for the address. */
  emailVerified: boolean;
}

export type VerifiedIdentity = UserIdentity | ProfileIdentity;

/** Where a browser sign-in's authorization code goes. */
export interface CodeTarget {
  redirectUri: string;
  state: string | null;
  codeChallenge: string | null;
  /** The hosted flow's `authorization_requests` row, closed in the same transaction. */
  requestId?: string;
  /** An IdP-initiated SSO sign-in's profile: the code can be redeemed at /sso/token too. */
  ssoProfileId?: string | null;
  /** A social sign-in's provider tokens (sealed), answered once as `oauth_tokens` with the code. */
  oauthTokensSealed?: string | null;
}

/** What SSO may ask of AuthKit. */
export interface SignInPort {
  /**
   * Provisions, applies policy and mints a code for `target`, in one transaction; `alongside` runs
   * first in that transaction (the identity module's own bookkeeping, such as SSO's stored profile).
   */
  completeWithCode(
    identity: VerifiedIdentity,
    target: CodeTarget,
    alongside?: (tx: Queryable) => Promise<void>,
    invitation?: { id: string },
  ): Promise<{ redirectUrl: string; userId: string }>;
  /** Consumes an IdP-initiated sign-in's code at /sso/token: the same row AuthKit would consume. */
  consumeProfileCode(
    environmentId: string,
    code: string,
  ): Promise<{ expiresAt: string; codeChallenge: string | null; profileId: string } | null>;
}
