/** The social provider modules, by WorkOS provider name. */
import { apple } from './apple.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';
import { google } from './google.ts';
import { linkedin } from './linkedin.ts';
import { microsoft } from './microsoft.ts';
import { slack } from './slack.ts';
import type { ProviderModule, SocialProvider } from './types.ts';

export const PROVIDERS: Record<SocialProvider, ProviderModule> = {
  GoogleOAuth: google,
  MicrosoftOAuth: microsoft,
  GitHubOAuth: github,
  AppleOAuth: apple,
  GitLabOAuth: gitlab,
  LinkedInOAuth: linkedin,
  SlackOAuth: slack,
};
export * from './types.ts';
