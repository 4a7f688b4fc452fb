/** The social provider modules, by WorkOS provider name. */
import { apple } from './apple.ts';
import { bitbucket } from './bitbucket.ts';
import { discord } from './discord.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';
import { google } from './google.ts';
import { intuit } from './intuit.ts';
import { linkedin } from './linkedin.ts';
import { microsoft } from './microsoft.ts';
import { salesforce } from './salesforce.ts';
import { slack } from './slack.ts';
import type { ProviderModule, SocialProvider } from './types.ts';
import { vercel } from './vercel.ts';
import { xero } from './xero.ts';

export const PROVIDERS: Record<SocialProvider, ProviderModule> = {
  GoogleOAuth: google,
  MicrosoftOAuth: microsoft,
  GitHubOAuth: github,
  AppleOAuth: apple,
  GitLabOAuth: gitlab,
  LinkedInOAuth: linkedin,
  SlackOAuth: slack,
  BitbucketOAuth: bitbucket,
  DiscordOAuth: discord,
  IntuitOAuth: intuit,
  SalesforceOAuth: salesforce,
  VercelOAuth: vercel,
  XeroOAuth: xero,
};
export * from './types.ts';
