/** LinkedIn: "Sign In with LinkedIn using OpenID Connect" (issuer https://www.linkedin.com/oauth); client_secret_post. */
import { oidcProvider } from './oidc-base.ts';

export const linkedin = oidcProvider({
  name: 'LinkedInOAuth',
  defaultScopes: ['openid', 'email', 'profile'],
  authMethod: 'client_secret_post',
  issuer: () => 'https://www.linkedin.com/oauth',
});
