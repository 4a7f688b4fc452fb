/**
 * The OpenID Connect providers (Google, Microsoft, GitLab, LinkedIn, Slack, Apple) share one code
 * path: Portico's OIDC relying party (features/sso/oidc.ts: discovery, PKCE, state, nonce, ID-token
 * signature/issuer/audience/expiry, userinfo merge), with the provider's issuer and quirks.
 */
import { authorizationUrl, completeCallback, OidcError } from '../../../sso/oidc.ts';
import {
  type ProviderCredential,
  ProviderError,
  type ProviderModule,
  type ProviderResult,
  type ProviderRuntime,
  type SocialProvider,
} from './types.ts';

export interface OidcProviderSpec {
  name: SocialProvider;
  defaultScopes: string[];
  responseMode?: 'query' | 'form_post';
  requiredOptions?: string[];
  /** The issuer in production. */
  issuer(cred: ProviderCredential): string;
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** The client secret sent to the token endpoint (Apple signs a JWT). */
  clientSecret?(cred: ProviderCredential, rt: ProviderRuntime, issuer: string): Promise<string>;
  /** Names the provider sends only on the callback (Apple's `user` form field). */
  names?(params: URLSearchParams): { firstName: string | null; lastName: string | null };
  extraParams?: Record<string, string>;
}

function rpConfig(spec: OidcProviderSpec, cred: ProviderCredential, rt: ProviderRuntime, secret: string) {
  const issuer = rt.endpoints?.issuer ?? spec.issuer(cred);
  return {
    discoveryUrl: issuer,
    clientId: cred.clientId,
    clientSecret: secret,
    scopes: cred.scopes,
    // Only a test stand-in (PORTICO_TEST_OAUTH_ENDPOINTS, refused in production) may be http://.
    allowInsecureHttp: rt.endpoints !== null,
    tokenEndpointAuthMethod: spec.authMethod,
    fetch: rt.fetch,
  };
}

export function oidcProvider(spec: OidcProviderSpec): ProviderModule {
  return {
    name: spec.name,
    defaultScopes: spec.defaultScopes,
    responseMode: spec.responseMode ?? 'query',
    requiredOptions: spec.requiredOptions ?? [],
    async authorizationUrl(cred, rt, i) {
      const cfg = { ...rpConfig(spec, cred, rt, 'unused'), scopes: i.scopes };
      return authorizationUrl(cfg, {
        redirectUri: i.redirectUri,
        secrets: i.secrets,
        loginHint: i.loginHint,
        extraParams: {
          ...i.extraParams,
          ...spec.extraParams,
          ...(spec.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
        },
        now: rt.now,
      });
    },
    async complete(cred, rt, i): Promise<ProviderResult> {
      const issuer = rt.endpoints?.issuer ?? spec.issuer(cred);
      const secret = spec.clientSecret ? await spec.clientSecret(cred, rt, issuer) : cred.clientSecret;
      const callbackUrl = new URL(i.redirectUri);
      for (const [k, v] of i.params) callbackUrl.searchParams.append(k, v);
      try {
        const { profile, tokens } = await completeCallback(rpConfig(spec, cred, rt, secret), {
          callbackUrl,
          redirectUri: i.redirectUri,
          secrets: i.secrets,
          now: rt.now,
          requireVerifiedEmail: false,
        });
        const names = spec.names?.(i.params);
        return {
          providerUserId: profile.idpId,
          email: profile.email,
          emailVerified: profile.emailVerified === true,
          firstName: profile.firstName ?? names?.firstName ?? null,
          lastName: profile.lastName ?? names?.lastName ?? null,
          tokens: {
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            expiresIn: tokens.expiresIn,
            scopes: tokens.scope ? tokens.scope.split(' ').filter(Boolean) : cred.scopes,
          },
        };
      } catch (err) {
        if (err instanceof OidcError) {
          throw new ProviderError(
            err.code === 'oidc_email_missing' ? 'oauth_email_missing' : 'oauth_provider_error',
            `${spec.name}: ${err.message}${err.fix ? ` ${err.fix}` : ''}`,
          );
        }
        throw err;
      }
    },
  };
}
