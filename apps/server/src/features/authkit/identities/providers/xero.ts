/** Xero: OpenID Connect at https://identity.xero.com; `offline_access` for a refresh token. */
import { oidcProvider } from './oidc-base.ts';

export const xero = oidcProvider({
  name: 'XeroOAuth',
  defaultScopes: ['openid', 'email', 'profile', 'offline_access'],
  issuer: () => 'https://identity.xero.com',
});
