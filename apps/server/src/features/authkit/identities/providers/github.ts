/**
 * GitHub: OAuth 2.0, not OpenID Connect. The person is read from the REST API: `GET /user` for
 * the id and name, `GET /user/emails` for the **primary, verified** address (the public profile
 * email may be unverified or absent).
 */
import { restProvider, splitName } from './rest-base.ts';
import { ProviderError } from './types.ts';

export const github = restProvider({
  name: 'GitHubOAuth',
  defaultScopes: ['read:user', 'user:email'],
  authorizeUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  apiUrl: 'https://api.github.com',
  authMethod: 'client_secret_post',
  loginHintParam: 'login',
  apiHint: 'Check that the OAuth app may read the user (scopes read:user and user:email).',
  async profile(get) {
    const user = (await get('/user')) as { id?: unknown; name?: unknown };
    if (typeof user.id !== 'number' && typeof user.id !== 'string')
      throw new ProviderError('oauth_provider_error', 'GitHubOAuth: GET /user returned no id.');
    const emails = (await get('/user/emails')) as Array<{
      email?: unknown;
      primary?: unknown;
      verified?: unknown;
    }>;
    const primary = (Array.isArray(emails) ? emails : []).find(
      (e) => e.primary === true && typeof e.email === 'string',
    );
    if (!primary)
      throw new ProviderError(
        'oauth_email_missing',
        'GitHubOAuth: the account has no primary email address Portico may read. Grant the user:email scope and add an email address at GitHub.',
      );
    return {
      id: String(user.id),
      email: String(primary.email),
      emailVerified: primary.verified === true,
      ...splitName(user.name),
    };
  },
});
