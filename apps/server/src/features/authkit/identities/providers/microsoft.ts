/**
 * Microsoft (Entra ID): OpenID Connect whose issuer depends on the tenant —
 * https://login.microsoftonline.com/<tenant>/v2.0 — so the credentials carry `tenant` (the
 * directory's id or primary domain). Portico checks the ID token's issuer against that tenant.
 */
import { oidcProvider } from './oidc-base.ts';

export const microsoft = oidcProvider({
  name: 'MicrosoftOAuth',
  defaultScopes: ['openid', 'email', 'profile', 'offline_access'],
  requiredOptions: ['tenant'],
  issuer: (cred) => `https://login.microsoftonline.com/${encodeURIComponent(cred.options.tenant ?? '')}/v2.0`,
});
