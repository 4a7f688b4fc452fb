/**
 * Discord: OAuth 2.0, not OpenID Connect. `GET /users/@me` (scopes `identify email`) gives the id,
 * the display name (`global_name`, else `username`), the email and `verified` — Discord's word
 * that the address was confirmed.
 */
import { restProvider, splitName } from './rest-base.ts';
import { ProviderError } from './types.ts';

export const discord = restProvider({
  name: 'DiscordOAuth',
  defaultScopes: ['identify', 'email'],
  authorizeUrl: 'https://discord.com/oauth2/authorize',
  tokenUrl: 'https://discord.com/api/oauth2/token',
  apiUrl: 'https://discord.com/api',
  authMethod: 'client_secret_post',
  apiHint: 'Check that the application asks for the identify and email scopes.',
  async profile(get) {
    const me = (await get('/users/@me')) as {
      id?: unknown;
      username?: unknown;
      global_name?: unknown;
      email?: unknown;
      verified?: unknown;
    };
    if (typeof me.id !== 'string')
      throw new ProviderError('oauth_provider_error', 'DiscordOAuth: GET /users/@me returned no id.');
    if (typeof me.email !== 'string' || !me.email)
      throw new ProviderError(
        'oauth_email_missing',
        'DiscordOAuth: the account has no email address Portico may read. Ask for the email scope, and have the person add an address at Discord.',
      );
    return {
      id: me.id,
      email: me.email,
      emailVerified: me.verified === true,
      ...splitName(typeof me.global_name === 'string' && me.global_name ? me.global_name : me.username),
    };
  },
});
