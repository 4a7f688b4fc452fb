/**
 * Password reset on the API surface (reference §4.6): `POST /user_management/password_reset`
 * (createPasswordReset), `GET /user_management/password_reset/{id}` (getPasswordReset),
 * `POST /user_management/password_reset/confirm` (resetPassword) and SDK 7's
 * `POST /user_management/password_reset/send` (sendPasswordResetEmail).
 */
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type ApiSurface, apiEventContext } from '../../surfaces/api.ts';
import { validateLinkUrl } from '../environments/service.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';
import type { PasswordResetService } from './password-reset.ts';
import { email, UserWire } from './wire.ts';

export const PasswordResetWire = z.object({
  object: z.literal('password_reset'),
  id: z.string(),
  user_id: z.string(),
  email: z.string(),
  password_reset_token: z.string(),
  password_reset_url: z.string(),
  expires_at: z.string(),
  created_at: z.string(),
});

// The policy (features/users/password-policy.ts) says what is wrong with a password; the schema
// only bounds the size of what it is given.
const newPassword = z.string().max(PASSWORD_MAX_LENGTH * 4);

const TOKEN_CODES = new Set([
  'password_reset_token_invalid',
  'password_reset_token_expired',
  'password_reset_token_used',
]);

/**
 * WorkOS answers every refused `resetPassword` with `400 password_reset_error` and the reasons in
 * `errors[]` (its OpenAPI document), which SDK 11+ raises as a BadRequestException carrying them:
 * the token's own code, or one entry per broken password rule (`field: "new_password"`).
 */
function asResetError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (TOKEN_CODES.has(err.code)) {
    return new AppError('password_reset_error', {
      message: err.message,
      errors: [{ field: 'token', code: err.code, message: err.message }],
    });
  }
  if (err.code === 'password_strength_error') {
    return new AppError('password_reset_error', { message: err.message, errors: err.errors });
  }
  return err;
}

export function passwordResetRoutes(api: ApiSurface, resets: PasswordResetService) {
  api.route({
    method: 'post',
    path: '/user_management/password_reset',
    summary: 'Create a password reset token (the response carries it once)',
    body: z.object({ email }),
    status: 201,
    response: PasswordResetWire,
    sealReplay: true,
    handler: ({ env, body }) =>
      resets.create(env.environmentId, body.email, { context: apiEventContext(env) }),
  });
  api.route({
    method: 'post',
    path: '/user_management/password_reset/send',
    summary: 'SDK 7: create a password reset and email its link (based on password_reset_url)',
    body: z.object({ email, password_reset_url: z.string().trim().min(1).max(2048) }),
    response: z.object({ success: z.literal(true) }),
    handler: async ({ env, body }) => {
      const problem = validateLinkUrl(body.password_reset_url);
      if (problem) {
        throw new AppError('invalid_request_parameters', {
          message: `password_reset_url rejected: ${problem}`,
          errors: [{ field: 'password_reset_url', code: 'invalid_password_reset_url', message: problem }],
        });
      }
      await resets.create(env.environmentId, body.email, {
        passwordResetUrl: body.password_reset_url,
        context: apiEventContext(env),
      });
      return { success: true as const };
    },
  });
  api.route({
    method: 'post',
    path: '/user_management/password_reset/confirm',
    summary: 'Reset the password with a token (revokes the user’s sessions, verifies the email)',
    body: z.object({ token: z.string().min(1).max(512), new_password: newPassword }),
    response: z.object({ user: UserWire }),
    handler: async ({ env, body }) => {
      try {
        const { user } = await resets.confirm(body.token, body.new_password, {
          env: env.environmentId,
          context: apiEventContext(env),
        });
        return { user };
      } catch (err) {
        throw asResetError(err);
      }
    },
  });
  api.route({
    method: 'get',
    path: '/user_management/password_reset/:id',
    summary: 'Get a password reset (the token itself is not kept, so it reads as "")',
    params: z.object({ id: z.string().min(1) }),
    response: PasswordResetWire,
    handler: ({ env, params }) => resets.get(env.environmentId, params.id),
  });
}
