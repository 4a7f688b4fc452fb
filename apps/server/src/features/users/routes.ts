/** Users and organization memberships on the API surface (reference §4.3, §4.4). */
import { z } from 'zod';
import { listOf, listParam, listSchema, paginationQuery } from '../../platform/http.ts';
import { type ApiSurface, apiEventContext } from '../../surfaces/api.ts';
import type { MembershipService } from '../memberships/service.ts';
import { CreateMembershipBody, MembershipWire, UpdateMembershipBody } from '../memberships/wire.ts';
import type { UserService } from './service.ts';
import { CreateUserBody, UpdateUserBody, UserWire } from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });

export function userRoutes(api: ApiSurface, users: UserService, memberships: MembershipService) {
  api.route({
    method: 'get',
    path: '/user_management/users',
    summary: 'List users',
    query: paginationQuery.extend({
      email: z.string().optional(),
      organization_id: z.string().optional(),
      organization: z.string().optional(),
    }),
    response: listSchema(UserWire),
    handler: async ({ env, query }) => {
      const page = await users.list(env.environmentId, query, {
        email: query.email,
        organizationId: query.organization_id ?? query.organization,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: '/user_management/users',
    summary: 'Create a user',
    body: CreateUserBody,
    status: 201,
    response: UserWire,
    handler: ({ env, body }) => users.create(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/user_management/users/external_id/:external_id',
    summary: 'Get a user by external id',
    params: z.object({ external_id: z.string().min(1) }),
    response: UserWire,
    handler: ({ env, params }) => users.getByExternalId(env.environmentId, params.external_id),
  });
  api.route({
    method: 'get',
    path: '/user_management/users/:id',
    summary: 'Get a user',
    params: idParam,
    response: UserWire,
    handler: ({ env, params }) => users.get(env.environmentId, params.id),
  });
  api.route({
    method: 'put',
    path: '/user_management/users/:id',
    summary: 'Update a user',
    params: idParam,
    body: UpdateUserBody,
    response: UserWire,
    handler: ({ env, params, body }) =>
      users.update(env.environmentId, params.id, body, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/user_management/users/:id',
    summary: 'Delete a user',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await users.delete(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });
  // ── memberships ───────────────────────────────────────────────────────────
  const base = '/user_management/organization_memberships';
  api.route({
    method: 'get',
    path: base,
    summary: 'List organization memberships',
    query: paginationQuery.extend({
      user_id: z.string().optional(),
      organization_id: z.string().optional(),
      statuses: listParam.pipe(z.array(z.enum(['active', 'inactive', 'pending'])).optional()),
    }),
    response: listSchema(MembershipWire),
    handler: async ({ env, query }) => {
      const page = await memberships.list(env.environmentId, query, {
        userId: query.user_id,
        organizationId: query.organization_id,
        statuses: query.statuses,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: base,
    summary: 'Create an organization membership',
    body: CreateMembershipBody,
    status: 201,
    response: MembershipWire,
    handler: ({ env, body }) => memberships.create(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: `${base}/:id`,
    summary: 'Get an organization membership',
    params: idParam,
    response: MembershipWire,
    handler: ({ env, params }) => memberships.get(env.environmentId, params.id),
  });
  api.route({
    method: 'put',
    path: `${base}/:id`,
    summary: 'Update an organization membership’s role',
    params: idParam,
    body: UpdateMembershipBody,
    response: MembershipWire,
    handler: ({ env, params, body }) =>
      memberships.update(env.environmentId, params.id, body, apiEventContext(env)),
  });
  api.route({
    method: 'put',
    path: `${base}/:id/deactivate`,
    summary: 'Deactivate an organization membership',
    params: idParam,
    response: MembershipWire,
    handler: ({ env, params }) => memberships.deactivate(env.environmentId, params.id, apiEventContext(env)),
  });
  api.route({
    method: 'put',
    path: `${base}/:id/reactivate`,
    summary: 'Reactivate an organization membership',
    params: idParam,
    response: MembershipWire,
    handler: ({ env, params }) => memberships.reactivate(env.environmentId, params.id, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: `${base}/:id`,
    summary: 'Delete an organization membership',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await memberships.delete(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });
}
