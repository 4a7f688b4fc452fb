/**
 * GitHub: OAuth 2.0, not OpenID Connect. The code is exchanged at /login/oauth/access_token (with
 * PKCE and state, through openid-client), then the person is read from the REST API: `GET /user`
 * for the id and name, `GET /user/emails` for the **primary, verified** address (the public
 * profile email may be unverified or absent).
 */
import * as client from 'openid-client';
import { ProviderError, type ProviderModule, type ProviderRuntime } from './types.ts';

function endpoints(rt: ProviderRuntime) {
  return {
    authorize: rt.endpoints?.authorize_url ?? 'https://github.com/login/oauth/authorize',
    token: rt.endpoints?.token_url ?? 'https://github.com/login/oauth/access_token',
    api: (rt.endpoints?.api_url ?? 'https://api.github.com').replace(/\/+$/, ''),
  };
}

function configuration(clientId: string, secret: string, rt: ProviderRuntime) {
  const e = endpoints(rt);
  const config = new client.Configuration(
    {
      issuer: 'https://github.com/login/oauth',
      authorization_endpoint: e.authorize,
      token_endpoint: e.token,
    },
    clientId,
    {},
    client.ClientSecretPost(secret),
  );
  if (rt.endpoints) client.allowInsecureRequests(config);
  config[client.customFetch] = rt.fetch;
  return config;
}

async function api(rt: ProviderRuntime, path: string, accessToken: string): Promise<unknown> {
  const url = `${endpoints(rt).api}${path}`;
  const res = await rt.fetch(url, {
    method: 'GET',
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/vnd.github+json',
      'user-agent': 'Portico',
    },
    redirect: 'manual',
  } as never);
  if (res.status !== 200) {
    throw new ProviderError(
      'oauth_provider_error',
      `GitHubOAuth: GET ${path} answered ${res.status}. Check that the OAuth app may read the user (scopes read:user and user:email).`,
    );
  }
  return res.json();
}

function splitName(name: unknown): { firstName: string | null; lastName: string | null } {
  if (typeof name !== 'string' || !name.trim()) return { firstName: null, lastName: null };
  const parts = name.trim().split(/\s+/);
  return { firstName: parts[0] ?? null, lastName: parts.length > 1 ? parts.slice(1).join(' ') : null };
}

export const github: ProviderModule = {
  name: 'GitHubOAuth',
  defaultScopes: ['read:user', 'user:email'],
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
    if (i.loginHint) params.set('login', i.loginHint);
    return client.buildAuthorizationUrl(configuration(cred.clientId, cred.clientSecret, rt), params).href;
  },
  async complete(cred, rt, i) {
    const error = i.params.get('error');
    if (error) {
      throw new ProviderError(
        'oauth_provider_error',
        `GitHubOAuth answered ${error}${i.params.get('error_description') ? `: ${i.params.get('error_description')}` : ''}.`,
      );
    }
    const current = new URL(i.redirectUri);
    for (const [k, v] of i.params) current.searchParams.append(k, v);
    let tokens: client.TokenEndpointResponse;
    try {
      tokens = await client.authorizationCodeGrant(
        configuration(cred.clientId, cred.clientSecret, rt),
        current,
        { pkceCodeVerifier: i.secrets.codeVerifier, expectedState: i.secrets.state },
      );
    } catch (err) {
      const e = err as { error?: string; error_description?: string; message?: string };
      throw new ProviderError(
        'oauth_provider_error',
        `GitHubOAuth: the code exchange failed (${e.error ?? e.message ?? 'unknown error'}${e.error_description ? `: ${e.error_description}` : ''}). Check the OAuth app's client id, secret and callback URL.`,
      );
    }
    const user = (await api(rt, '/user', tokens.access_token)) as { id?: unknown; name?: unknown };
    if (typeof user.id !== 'number' && typeof user.id !== 'string') {
      throw new ProviderError('oauth_provider_error', 'GitHubOAuth: GET /user returned no id.');
    }
    const emails = (await api(rt, '/user/emails', tokens.access_token)) as Array<{
      email?: unknown;
      primary?: unknown;
      verified?: unknown;
    }>;
    const list = Array.isArray(emails) ? emails : [];
    const primary = list.find((e) => e.primary === true && typeof e.email === 'string');
    if (!primary) {
      throw new ProviderError(
        'oauth_email_missing',
        'GitHubOAuth: the account has no primary email address Portico may read. Grant the user:email scope and add an email address at GitHub.',
      );
    }
    return {
      providerUserId: String(user.id),
      email: String(primary.email),
      emailVerified: primary.verified === true,
      ...splitName(user.name),
      tokens: {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token ?? null,
        expiresIn: typeof tokens.expires_in === 'number' ? tokens.expires_in : null,
        scopes: typeof tokens.scope === 'string' ? tokens.scope.split(/[ ,]+/).filter(Boolean) : cred.scopes,
      },
    };
  },
};
