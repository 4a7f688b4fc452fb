/** Vercel ("Sign in with Vercel"): OpenID Connect at https://vercel.com. */
import { oidcProvider } from './oidc-base.ts';

export const vercel = oidcProvider({
  name: 'VercelOAuth',
  defaultScopes: ['openid', 'email', 'profile', 'offline_access'],
  issuer: () => 'https://vercel.com',
});
