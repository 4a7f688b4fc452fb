/** Intuit (QuickBooks): OpenID Connect at https://oauth.platform.intuit.com/op/v1. */
import { oidcProvider } from './oidc-base.ts';

export const intuit = oidcProvider({
  name: 'IntuitOAuth',
  defaultScopes: ['openid', 'email', 'profile'],
  issuer: () => 'https://oauth.platform.intuit.com/op/v1',
});
