/** GitLab: OpenID Connect at https://gitlab.com, or a self-managed instance's `base_url`. */
import { oidcProvider } from './oidc-base.ts';

export const gitlab = oidcProvider({
  name: 'GitLabOAuth',
  defaultScopes: ['openid', 'email', 'profile'],
  issuer: (cred) => (cred.options.base_url ?? 'https://gitlab.com').replace(/\/+$/, ''),
});
