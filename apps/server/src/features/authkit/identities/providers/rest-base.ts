/**
 * The OAuth 2.0 providers that are not OpenID Connect (GitHub, Discord, Bitbucket) share one code
 * path: the authorization URL with PKCE and state, the code exchange through openid-client (which
 * checks state and sends the verifier), then the person read from the provider's REST API by the
 * module's `profile` — which must say whether the provider vouches for the email address.
 */
import * as client from 'openid-client';
import { ProviderError, type ProviderModule, type ProviderRuntime, type SocialProvider } from './types.ts';

export interface RestProfile {
  id: string;
  email: string;
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
}

export interface RestProviderSpec {
  name: SocialProvider;
  defaultScopes: string[];
  /** Production endpoints (PORTICO_TEST_OAUTH_ENDPOINTS may replace them in tests). */
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
  /** How the client authenticates at the token endpoint. */
  authMethod: 'client_secret_post' | 'client_secret_basic';
  /** The authorization parameter that prefills the account, when the provider has one. */
  loginHintParam?: string;
  /** What to tell the developer when the API refuses to answer (usually the scopes to grant). */
  apiHint: string;
  /** Reads the person through `get` (a GET on the API with the access token). */
  profile(get: (path: string) => Promise<unknown>): Promise<RestProfile>;
}

function endpoints(spec: RestProviderSpec, rt: ProviderRuntime) {
  return {
    authorize: rt.endpoints?.authorize_url ?? spec.authorizeUrl,
    token: rt.endpoints?.token_url ?? spec.tokenUrl,
    api: (rt.endpoints?.api_url ?? spec.apiUrl).replace(/\/+$/, ''),
  };
}

function configuration(spec: RestProviderSpec, clientId: string, secret: string, rt: ProviderRuntime) {
  const e = endpoints(spec, rt);
  const config = new client.Configuration(
    { issuer: new URL(e.authorize).origin, authorization_endpoint: e.authorize, token_endpoint: e.token },
    clientId,
    {},
    spec.authMethod === 'client_secret_basic'
      ? client.ClientSecretBasic(secret)
      : client.ClientSecretPost(secret),
  );
  if (rt.endpoints) client.allowInsecureRequests(config);
  config[client.customFetch] = rt.fetch;
  return config;
}

/** "Ada Lovelace" → Ada / Lovelace; blank → nulls. */
export function splitName(name: unknown): { firstName: string | null; lastName: string | null } {
  if (typeof name !== 'string' || !name.trim()) return { firstName: null, lastName: null };
  const parts = name.trim().split(/\s+/);
  return { firstName: parts[0] ?? null, lastName: parts.length > 1 ? parts.slice(1).join(' ') : null };
}

export function restProvider(spec: RestProviderSpec): ProviderModule {
  return {
    name: spec.name,
    defaultScopes: spec.defaultScopes,
    responseMode: 'query',
    requiredOptions: [],
    async authorizationUrl(cred, rt, i) {
      const params = new URLSearchParams(i.extraParams);
      params.set('client_id', cred.clientId);
      params.set('redirect_uri', i.redirectUri);
      params.set('response_type', 'code');
      params.set('scope', i.scopes.join(' '));
      params.set('state', i.secrets.state);
      params.set('code_challenge', await client.calculatePKCECodeChallenge(i.secrets.codeVerifier));
      params.set('code_challenge_method', 'S256');
      if (i.loginHint && spec.loginHintParam) params.set(spec.loginHintParam, i.loginHint);
      return client.buildAuthorizationUrl(configuration(spec, cred.clientId, cred.clientSecret, rt), params)
        .href;
    },
    async complete(cred, rt, i) {
      const error = i.params.get('error');
      if (error) {
        throw new ProviderError(
          'oauth_provider_error',
          `${spec.name} answered ${error}${i.params.get('error_description') ? `: ${i.params.get('error_description')}` : ''}.`,
        );
      }
      const current = new URL(i.redirectUri);
      for (const [k, v] of i.params) current.searchParams.append(k, v);
      let tokens: client.TokenEndpointResponse;
      try {
        tokens = await client.authorizationCodeGrant(
          configuration(spec, cred.clientId, cred.clientSecret, rt),
          current,
          { pkceCodeVerifier: i.secrets.codeVerifier, expectedState: i.secrets.state },
        );
      } catch (err) {
        const e = err as { error?: string; error_description?: string; message?: string };
        throw new ProviderError(
          'oauth_provider_error',
          `${spec.name}: the code exchange failed (${e.error ?? e.message ?? 'unknown error'}${e.error_description ? `: ${e.error_description}` : ''}). Check the OAuth app's client id, secret and callback URL.`,
        );
      }
      const base = endpoints(spec, rt).api;
      const get = async (path: string) => {
        const res = await rt.fetch(`${base}${path}`, {
          method: 'GET',
          headers: {
            authorization: `Bearer ${tokens.access_token}`,
            accept: 'application/json',
            'user-agent': 'Portico',
          },
          redirect: 'manual',
        } as never);
        if (res.status !== 200)
          throw new ProviderError(
            'oauth_provider_error',
            `${spec.name}: GET ${path} answered ${res.status}. ${spec.apiHint}`,
          );
        return res.json();
      };
      const p = await spec.profile(get);
      return {
        providerUserId: p.id,
        email: p.email,
        emailVerified: p.emailVerified,
        firstName: p.firstName,
        lastName: p.lastName,
        tokens: {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token ?? null,
          expiresIn: typeof tokens.expires_in === 'number' ? tokens.expires_in : null,
          scopes:
            typeof tokens.scope === 'string' ? tokens.scope.split(/[ ,]+/).filter(Boolean) : cred.scopes,
        },
      };
    },
  };
}
