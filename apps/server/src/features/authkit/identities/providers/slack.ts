/** Slack: "Sign in with Slack" is OpenID Connect at https://slack.com. */
import { oidcProvider } from './oidc-base.ts';

export const slack = oidcProvider({
  name: 'SlackOAuth',
  defaultScopes: ['openid', 'email', 'profile'],
  issuer: () => 'https://slack.com',
});
