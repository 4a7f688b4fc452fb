/**
 * Bitbucket Cloud: OAuth 2.0, not OpenID Connect; the consumer authenticates with HTTP Basic.
 * `GET /user` (scope `account`) gives the account id and display name, `GET /user/emails`
 * (scope `email`) the **primary** address and whether it `is_confirmed`.
 */
import { restProvider, splitName } from './rest-base.ts';
import { ProviderError } from './types.ts';

export const bitbucket = restProvider({
  name: 'BitbucketOAuth',
  defaultScopes: ['account', 'email'],
  authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
  tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
  apiUrl: 'https://api.bitbucket.org/2.0',
  authMethod: 'client_secret_basic',
  apiHint: 'Check that the OAuth consumer has the Account and Email permissions.',
  async profile(get) {
    const user = (await get('/user')) as { account_id?: unknown; uuid?: unknown; display_name?: unknown };
    const id =
      typeof user.account_id === 'string'
        ? user.account_id
        : typeof user.uuid === 'string'
          ? user.uuid
          : null;
    if (!id)
      throw new ProviderError('oauth_provider_error', 'BitbucketOAuth: GET /user returned no account_id.');
    const emails = (await get('/user/emails')) as {
      values?: Array<{ email?: unknown; is_primary?: unknown; is_confirmed?: unknown }>;
    };
    const primary = (Array.isArray(emails.values) ? emails.values : []).find(
      (e) => e.is_primary === true && typeof e.email === 'string',
    );
    if (!primary)
      throw new ProviderError(
        'oauth_email_missing',
        'BitbucketOAuth: the account has no primary email address Portico may read. Give the OAuth consumer the Email permission.',
      );
    return {
      id,
      email: String(primary.email),
      emailVerified: primary.is_confirmed === true,
      ...splitName(user.display_name),
    };
  },
});
