/** Invitations on the API surface (WorkOS User Management, Invitations). */
import { z } from 'zod';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import { type ApiSurface, apiEventContext } from '../../surfaces/api.ts';
import type { InvitationService } from './service.ts';
import { InvitationWire, ResendInvitationBody, SendInvitationBody } from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });
const base = '/user_management/invitations';

export function invitationRoutes(api: ApiSurface, invitations: InvitationService) {
  api.route({
    method: 'post',
    path: base,
    summary: 'Send an invitation',
    body: SendInvitationBody,
    status: 201,
    response: InvitationWire,
    handler: ({ env, body }) => invitations.send(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: base,
    summary: 'List invitations',
    query: paginationQuery.extend({
      organization_id: z.string().min(1).optional(),
      email: z.string().min(1).optional(),
    }),
    response: listSchema(InvitationWire),
    handler: async ({ env, query }) => {
      const page = await invitations.list(env.environmentId, query, {
        organizationId: query.organization_id,
        email: query.email,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: `${base}/by_token/:token`,
    summary: 'Find an invitation by its token',
    params: z.object({ token: z.string().min(1).max(512) }),
    response: InvitationWire,
    handler: ({ env, params }) => invitations.findByToken(env.environmentId, params.token),
  });
  api.route({
    method: 'get',
    path: `${base}/:id`,
    summary: 'Get an invitation',
    params: idParam,
    response: InvitationWire,
    handler: ({ env, params }) => invitations.get(env.environmentId, params.id),
  });
  // Accept and revoke take no body: the SDK sends none (any body is ignored).
  api.route({
    method: 'post',
    path: `${base}/:id/accept`,
    summary: 'Accept an invitation (for the existing user with the invited email)',
    params: idParam,
    response: InvitationWire,
    handler: ({ env, params }) => invitations.accept(env.environmentId, params.id, apiEventContext(env)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/revoke`,
    summary: 'Revoke an invitation',
    params: idParam,
    response: InvitationWire,
    handler: ({ env, params }) => invitations.revoke(env.environmentId, params.id, apiEventContext(env)),
  });
  api.route({
    method: 'post',
    path: `${base}/:id/resend`,
    summary: 'Resend an invitation',
    params: idParam,
    body: ResendInvitationBody,
    response: InvitationWire,
    handler: ({ env, params, body }) =>
      invitations.resend(env.environmentId, params.id, body, apiEventContext(env)),
  });
}
