/**
 * The Multi-Factor Auth API (WorkOS API reference "Multi-Factor Auth": SDK 11+ `multiFactorAuth`,
 * SDK 7/8 `mfa`) and the user-management factor routes (`createUserAuthFactor` /
 * `listUserAuthFactors`, SDK 7/8 `enrollAuthFactor` / `listAuthFactors`), plus the dashboard's
 * MFA policy switches and development SMS outbox.
 */
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AdminEnv } from '../admin/routes.ts';
import type { EnvironmentService } from '../environments/service.ts';
import type { MfaService } from './service.ts';
import type { DevSmsOutbox } from './sms.ts';
import { ChallengeWire, FactorWire } from './wire.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });
const FactorType = z.enum(['totp', 'sms', 'generic_otp']);
const EnrollBody = z.object({
  type: FactorType,
  totp_issuer: z.string().max(256).optional(),
  totp_user: z.string().max(256).optional(),
  phone_number: z.string().max(32).optional(),
  user_id: z.string().max(128).optional(),
});
const UserEnrollBody = z.object({
  type: z.literal('totp'),
  totp_issuer: z.string().max(256).optional(),
  totp_user: z.string().max(256).optional(),
  totp_secret: z.string().max(128).optional(),
});

export function mfaRoutes(api: ApiSurface, mfa: MfaService) {
  api.route({
    method: 'post',
    path: '/auth/factors/enroll',
    summary: 'Enroll an authentication factor (totp: secret, otpauth URI and QR code returned once)',
    body: EnrollBody,
    status: 201,
    response: FactorWire,
    handler: async ({ env, body }) => (await mfa.enroll(env.environmentId, body)).wire,
  });
  api.route({
    method: 'get',
    path: '/auth/factors/:id',
    summary: 'Get an authentication factor (without its secret)',
    params: idParam,
    response: FactorWire,
    handler: ({ env, params }) => mfa.get(env.environmentId, params.id),
  });
  api.route({
    method: 'delete',
    path: '/auth/factors/:id',
    summary: 'Delete an authentication factor and its challenges',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await mfa.delete(env.environmentId, params.id);
      return c.body(null, 204);
    },
  });
  api.route({
    method: 'post',
    path: '/auth/factors/:id/challenge',
    summary: 'Challenge a factor (sms: sends the code through the SMS sender; generic_otp: returns it)',
    params: idParam,
    body: z.object({ sms_template: z.string().max(512).optional() }),
    status: 201,
    response: ChallengeWire,
    handler: ({ env, params, body }) =>
      mfa.challenge(env.environmentId, params.id, { smsTemplate: body.sms_template }),
  });
  api.route({
    method: 'post',
    path: '/auth/challenges/:id/verify',
    summary: 'Verify a challenge with its code: {challenge, valid}',
    params: idParam,
    body: z.object({ code: z.string().min(1).max(64) }),
    response: z.object({ challenge: ChallengeWire, valid: z.boolean() }),
    handler: ({ env, params, body }) => mfa.verify(env.environmentId, params.id, body.code),
  });
  api.route({
    method: 'post',
    path: '/user_management/users/:id/auth_factors',
    summary: 'Enroll a TOTP factor for a user: the factor (with secret, URI, QR code) and a first challenge',
    params: idParam,
    body: UserEnrollBody,
    status: 201,
    response: z.object({ authentication_factor: FactorWire, authentication_challenge: ChallengeWire }),
    handler: ({ env, params, body }) => mfa.enrollForUser(env.environmentId, params.id, body),
  });
  api.route({
    method: 'get',
    path: '/user_management/users/:id/auth_factors',
    summary: 'List a user’s authentication factors',
    params: idParam,
    query: paginationQuery,
    response: listSchema(FactorWire),
    handler: async ({ env, params, query }) => {
      const page = await mfa.listForUser(env.environmentId, params.id, query);
      return listOf(page.data, page.list_metadata);
    },
  });
}

const Policy = z.object({ mfa_required: z.boolean() });
const OrgPolicy = z.object({ organization_id: z.string(), mfa_required: z.boolean() });

export function mfaAdminRoutes(
  surface: JsonSurface<AdminEnv>,
  deps: Deps,
  mfa: MfaService,
  environments: EnvironmentService,
  outbox: DevSmsOutbox,
) {
  surface.route({
    method: 'get',
    path: '/_admin/mfa_policy',
    summary: 'AuthKit MFA policy of the environment: whether every sign-in (but SSO) needs a second factor',
    response: Policy,
    handler: async ({ env }) => ({ mfa_required: await environments.requiresMfa(env.environmentId) }),
  });
  surface.route({
    method: 'put',
    path: '/_admin/mfa_policy',
    summary: 'Require (or stop requiring) MFA for every AuthKit sign-in of the environment',
    body: Policy,
    response: Policy,
    handler: async ({ env, body }) => ({
      mfa_required: await environments.setMfaRequired(env.environmentId, body.mfa_required),
    }),
  });
  surface.route({
    method: 'get',
    path: '/_admin/organizations/:id/mfa_policy',
    summary: 'AuthKit MFA policy of an organization: whether its members need a second factor',
    params: idParam,
    response: OrgPolicy,
    handler: ({ env, params }) => mfa.organizationPolicy(env.environmentId, params.id),
  });
  surface.route({
    method: 'put',
    path: '/_admin/organizations/:id/mfa_policy',
    summary: 'Require (or stop requiring) MFA for the members of an organization',
    params: idParam,
    body: Policy,
    response: OrgPolicy,
    handler: ({ env, params, body }) =>
      mfa.setOrganizationPolicy(env.environmentId, params.id, body.mfa_required),
  });
  surface.route({
    method: 'get',
    path: '/_admin/sms_messages',
    summary: 'The development SMS outbox: the newest SMS codes Portico would have sent (not in production)',
    response: z.object({
      data: z.array(z.object({ id: z.string(), to: z.string(), body: z.string(), created_at: z.string() })),
    }),
    handler: async ({ env }) => ({
      data: deps.config.production ? [] : await outbox.list(env.environmentId),
    }),
  });
}
