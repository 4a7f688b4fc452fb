/** Organizations and organization domains on the API surface (reference §5.2). */
import { z } from 'zod';
import { listOf, listParam, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import { apiEventContext } from '../../surfaces/api.ts';
import type { OrganizationService } from './service.ts';
import {
  CreateDomainBody,
  CreateOrganizationBody,
  OrganizationDomainWire,
  OrganizationWire,
  UpdateOrganizationBody,
} from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });

export function organizationRoutes(api: ApiSurface, orgs: OrganizationService) {
  api.route({
    method: 'get',
    path: '/organizations',
    summary: 'List organizations',
    query: paginationQuery.extend({ domains: listParam, search: z.string().optional() }),
    response: listSchema(OrganizationWire),
    handler: async ({ env, query }) => {
      const page = await orgs.list(env.environmentId, query, {
        domains: query.domains,
        search: query.search,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: '/organizations',
    summary: 'Create an organization',
    body: CreateOrganizationBody,
    status: 201,
    response: OrganizationWire,
    handler: ({ env, body }) => orgs.create(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/organizations/external_id/:external_id',
    summary: 'Get an organization by external id',
    params: z.object({ external_id: z.string().min(1) }),
    response: OrganizationWire,
    handler: ({ env, params }) => orgs.getByExternalId(env.environmentId, params.external_id),
  });
  api.route({
    method: 'get',
    path: '/organizations/:id',
    summary: 'Get an organization',
    params: idParam,
    response: OrganizationWire,
    handler: ({ env, params }) => orgs.get(env.environmentId, params.id),
  });
  api.route({
    method: 'put',
    path: '/organizations/:id',
    summary: 'Update an organization',
    params: idParam,
    body: UpdateOrganizationBody,
    response: OrganizationWire,
    handler: ({ env, params, body }) => orgs.update(env.environmentId, params.id, body, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/organizations/:id',
    summary: 'Delete an organization',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await orgs.delete(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });

  api.route({
    method: 'post',
    path: '/organization_domains',
    summary: 'Create an organization domain',
    body: CreateDomainBody,
    status: 201,
    response: OrganizationDomainWire,
    handler: ({ env, body }) => orgs.createDomain(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/organization_domains/:id',
    summary: 'Get an organization domain',
    params: idParam,
    response: OrganizationDomainWire,
    handler: ({ env, params }) => orgs.getDomain(env.environmentId, params.id),
  });
  api.route({
    method: 'post',
    path: '/organization_domains/:id/verify',
    summary: 'Verify an organization domain (DNS TXT record)',
    params: idParam,
    body: z.object({}).passthrough(),
    response: OrganizationDomainWire,
    handler: async ({ env, params }) =>
      (await orgs.verifyDomain(env.environmentId, params.id, apiEventContext(env))).domain,
  });
  api.route({
    method: 'delete',
    path: '/organization_domains/:id',
    summary: 'Delete an organization domain',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await orgs.deleteDomain(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });
}
