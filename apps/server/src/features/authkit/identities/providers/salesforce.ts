/**
 * Salesforce: OpenID Connect at https://login.salesforce.com, or a sandbox
 * (https://test.salesforce.com) or My Domain set as `base_url`.
 */
import { oidcProvider } from './oidc-base.ts';

export const salesforce = oidcProvider({
  name: 'SalesforceOAuth',
  defaultScopes: ['openid', 'email', 'profile', 'refresh_token'],
  issuer: (cred) => (cred.options.base_url ?? 'https://login.salesforce.com').replace(/\/+$/, ''),
});
