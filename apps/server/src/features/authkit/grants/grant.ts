/**
 * What a grant of `POST /user_management/authenticate` is: its `grant_type`, the body it takes
 * (zod: validates the request and documents it in /openapi.json) and its handler. One file per
 * grant, gathered in ./index.ts (as node-oidc-provider's lib/actions/grants/).
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { RequestMeta } from '../../../platform/sign-in.ts';
import { clientIp } from '../../../surfaces/json-surface.ts';
import type { TokenClient } from '../../../surfaces/token.ts';
import type { MfaService } from '../../mfa/service.ts';
import type { AuthenticateResponse, SessionService } from '../../sessions/service.ts';
import type { UserService } from '../../users/service.ts';
import type { AuthorizationCodes } from '../codes.ts';
import type { DeviceAuthorizations } from '../device.ts';
import type { EmailVerificationService } from '../email-verification.ts';
import type { MagicAuthIdentity } from '../identities/magic-auth.ts';
import type { OAuthIdentity } from '../identities/oauth.ts';
import type { PasswordIdentity } from '../identities/password.ts';
import type { OrganizationSelection } from '../organization-selection.ts';
import type { PendingAuthentications } from '../pending.ts';
import type { SignInPipeline } from '../sign-in.ts';

/** Everything a grant may use. */
export interface GrantServices {
  codes: AuthorizationCodes;
  pipeline: SignInPipeline;
  password: PasswordIdentity;
  magicAuth: MagicAuthIdentity;
  verifications: EmailVerificationService;
  pendings: PendingAuthentications;
  organizations: OrganizationSelection;
  users: UserService;
  sessions: SessionService;
  mfa: MfaService;
  oauth: OAuthIdentity;
  devices: DeviceAuthorizations;
}

export interface GrantContext {
  client: TokenClient;
  c: Context;
  services: GrantServices;
}

/** Fields every grant accepts (the SDK sends them all). */
export const grantCommon = {
  client_id: z.string(),
  client_secret: z.string().optional(),
  ip_address: z.string().optional(),
  user_agent: z.string().optional(),
};

export interface Grant<S extends z.ZodObject = z.ZodObject> {
  type: string;
  body: S;
  handle(body: z.output<S>, ctx: GrantContext): Promise<AuthenticateResponse | Record<string, unknown>>;
}

export function defineGrant<S extends z.ZodObject>(g: Grant<S>): Grant<S> {
  return g;
}

/**
 * The person's address and agent: what the app's server forwards in the body, else the caller's
 * own (a direct grant called from the person's device).
 */
export function callerMeta(c: Context, body: { ip_address?: string; user_agent?: string }): RequestMeta {
  return {
    ip: body.ip_address ?? clientIp(c),
    userAgent: body.user_agent ?? c.req.header('user-agent') ?? null,
  };
}
