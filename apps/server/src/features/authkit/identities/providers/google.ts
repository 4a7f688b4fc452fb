/** Google: OpenID Connect at https://accounts.google.com; `access_type=offline` for a refresh token. */
import { oidcProvider } from './oidc-base.ts';

export const google = oidcProvider({
  name: 'GoogleOAuth',
  defaultScopes: ['openid', 'email', 'profile'],
  issuer: () => 'https://accounts.google.com',
});
