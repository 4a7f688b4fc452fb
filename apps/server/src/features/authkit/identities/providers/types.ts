/**
 * What one social provider module is (features/authkit/identities/oauth.ts drives them): how to
 * build its authorization URL and how to turn its callback into a verified profile and its tokens.
 * Pure protocol code over openid-client: no routes, no database; egress goes through `fetch`.
 */
import type * as client from 'openid-client';

export const SOCIAL_PROVIDERS = [
  'GoogleOAuth',
  'MicrosoftOAuth',
  'GitHubOAuth',
  'AppleOAuth',
  'GitLabOAuth',
  'LinkedInOAuth',
  'SlackOAuth',
  'BitbucketOAuth',
  'DiscordOAuth',
  'IntuitOAuth',
  'SalesforceOAuth',
  'VercelOAuth',
  'XeroOAuth',
] as const;
export type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];

export function isSocialProvider(v: string): v is SocialProvider {
  return (SOCIAL_PROVIDERS as readonly string[]).includes(v);
}

/** A provider's client credentials in one environment, opened. */
export interface ProviderCredential {
  clientId: string;
  /** The client secret; Apple: the .p8 private key (PEM). */
  clientSecret: string;
  scopes: string[];
  /** Microsoft `tenant`, Apple `team_id` + `key_id`, GitLab and Salesforce `base_url`. */
  options: Record<string, string>;
}

export interface ProviderRuntime {
  fetch: client.CustomFetch;
  /** Test endpoint overrides (PORTICO_TEST_OAUTH_ENDPOINTS); null in normal operation. */
  endpoints: Record<string, string> | null;
  now: Date;
}

export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface StartInput {
  redirectUri: string;
  secrets: FlowSecrets;
  scopes: string[];
  loginHint?: string;
  /** provider_query_params, sent as-is (they cannot replace protocol parameters). */
  extraParams: Record<string, string>;
}

export interface ProviderResult {
  providerUserId: string;
  email: string | null;
  /** The provider vouches for the address (OIDC email_verified, GitHub's verified flag). */
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  tokens: { accessToken: string; refreshToken: string | null; expiresIn: number | null; scopes: string[] };
}

export interface ProviderModule {
  name: SocialProvider;
  defaultScopes: string[];
  /** Apple answers with a form POST to the callback. */
  responseMode: 'query' | 'form_post';
  /** Options the credentials must carry. */
  requiredOptions: string[];
  authorizationUrl(cred: ProviderCredential, rt: ProviderRuntime, i: StartInput): Promise<string>;
  complete(
    cred: ProviderCredential,
    rt: ProviderRuntime,
    i: { params: URLSearchParams; redirectUri: string; secrets: FlowSecrets },
  ): Promise<ProviderResult>;
}

/** A provider refused or answered something unusable; `code` is a catalog code. */
export class ProviderError extends Error {
  constructor(
    readonly code: 'oauth_provider_error' | 'oauth_email_missing',
    message: string,
  ) {
    super(message);
  }
}
