/**
 * The API of AuthKit's one-time codes (reference §4.3, §4.6): Magic Auth (`createMagicAuth`,
 * `getMagicAuth`, SDK 7's `sendMagicAuthCode`) and email verification (`sendVerificationEmail`,
 * `getEmailVerification`, `verifyEmail`).
 */
import { z } from 'zod';
import type { ApiSurface } from '../../surfaces/api.ts';
import { UserWire } from '../users/wire.ts';
import type { EmailVerificationService } from './email-verification.ts';
import type { MagicAuthIdentity } from './identities/magic-auth.ts';

const CodeWire = (object: 'magic_auth' | 'email_verification') =>
  z.object({
    object: z.literal(object),
    id: z.string(),
    user_id: z.string().nullable(),
    email: z.string(),
    expires_at: z.string(),
    code: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  });

const idParam = z.object({ id: z.string().min(1).max(128) });

export function oneTimeCodeRoutes(
  api: ApiSurface,
  magicAuth: MagicAuthIdentity,
  verifications: EmailVerificationService,
) {
  const CreateMagicAuth = z.object({
    email: z.string().min(1).max(320),
    invitation_token: z.string().max(512).optional(),
    ip_address: z.string().max(64).optional(),
    user_agent: z.string().max(1024).optional(),
    radar_auth_attempt_id: z.string().optional(),
    signals_id: z.string().optional(),
  });
  api.route({
    method: 'post',
    path: '/user_management/magic_auth',
    summary: 'Create a Magic Auth code (emailed unless the environment turned magic_auth emails off)',
    body: CreateMagicAuth,
    status: 201,
    response: CodeWire('magic_auth'),
    handler: ({ env, body }) =>
      magicAuth.create(env.environmentId, body.email, {
        invitationToken: body.invitation_token ?? null,
        meta: { ip: body.ip_address ?? null, userAgent: body.user_agent ?? null },
      }),
  });
  api.route({
    method: 'post',
    path: '/user_management/magic_auth/send',
    summary: 'Send a Magic Auth code (SDK 7’s sendMagicAuthCode)',
    body: z.object({ email: z.string().min(1).max(320) }),
    handler: async ({ env, body }) => {
      await magicAuth.create(env.environmentId, body.email, { meta: { ip: null, userAgent: null } });
      return {};
    },
  });
  api.route({
    method: 'get',
    path: '/user_management/magic_auth/:id',
    summary: 'Get a Magic Auth code (its code while it is live)',
    params: idParam,
    response: CodeWire('magic_auth'),
    handler: ({ env, params }) => magicAuth.get(env.environmentId, params.id),
  });

  api.route({
    method: 'post',
    path: '/user_management/users/:id/email_verification/send',
    summary: 'Email the user a verification code',
    params: idParam,
    body: z.object({}).passthrough(),
    response: z.object({ user: UserWire }),
    handler: ({ env, params }) => verifications.send(env.environmentId, params.id),
  });
  api.route({
    method: 'post',
    path: '/user_management/users/:id/email_verification/confirm',
    summary: 'Verify the user’s email with the code sent (verifyEmail)',
    params: idParam,
    body: z.object({ code: z.string().min(1).max(32) }),
    response: z.object({ user: UserWire }),
    handler: ({ env, params, body }) => verifications.confirm(env.environmentId, params.id, body.code),
  });
  api.route({
    method: 'get',
    path: '/user_management/email_verification/:id',
    summary: 'Get an email verification (its code while it is live)',
    params: idParam,
    response: CodeWire('email_verification'),
    handler: ({ env, params }) => verifications.get(env.environmentId, params.id),
  });
}
