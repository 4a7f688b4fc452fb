/** The WorkOS authorization API's roles and permissions (reference §5.8), and SDK 7/8's listOrganizationRoles. */
import { z } from 'zod';
import { listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import { apiEventContext } from '../../surfaces/api.ts';
import type { RoleService } from './service.ts';
import {
  AddPermissionBody,
  CreateOrganizationRoleBody,
  CreatePermissionBody,
  CreateRoleBody,
  PermissionWire,
  RoleListWire,
  RoleWire,
  SetPermissionsBody,
  UpdatePermissionBody,
  UpdateRoleBody,
} from './wire.ts';

const slug = z.object({ slug: z.string().min(1) });
const orgSlug = z.object({ organizationId: z.string().min(1), slug: z.string().min(1) });
const orgSlugPerm = orgSlug.extend({ permissionSlug: z.string().min(1) });

export function roleRoutes(api: ApiSurface, roles: RoleService) {
  // ── environment roles ──
  api.route({
    method: 'get',
    path: '/authorization/roles',
    summary: 'List environment roles (priority order, not paginated)',
    response: RoleListWire,
    handler: ({ env }) => roles.listEnvironmentRoles(env.environmentId),
  });
  api.route({
    method: 'post',
    path: '/authorization/roles',
    summary: 'Create an environment role',
    body: CreateRoleBody,
    status: 201,
    response: RoleWire,
    handler: ({ env, body }) => roles.createEnvironmentRole(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/authorization/roles/:slug',
    summary: 'Get an environment role',
    params: slug,
    response: RoleWire,
    handler: ({ env, params }) => roles.getEnvironmentRole(env.environmentId, params.slug),
  });
  api.route({
    method: 'patch',
    path: '/authorization/roles/:slug',
    summary: 'Update an environment role',
    params: slug,
    body: UpdateRoleBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.updateEnvironmentRole(env.environmentId, params.slug, body, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/authorization/roles/:slug',
    summary: 'Delete an environment role (Portico; refused for the default role and roles in use)',
    params: slug,
    handler: async ({ env, params, c }) => {
      await roles.deleteEnvironmentRole(env.environmentId, params.slug, apiEventContext(env));
      return c.body(null, 204);
    },
  });
  api.route({
    method: 'post',
    path: '/authorization/roles/:slug/make_default',
    summary: 'Make an environment role the default one new members get (Portico)',
    params: slug,
    body: z.object({}).passthrough(),
    response: RoleWire,
    handler: ({ env, params }) => roles.setDefaultRole(env.environmentId, params.slug, apiEventContext(env)),
  });
  api.route({
    method: 'put',
    path: '/authorization/roles/:slug/permissions',
    summary: "Replace an environment role's permissions",
    params: slug,
    body: SetPermissionsBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.setEnvironmentRolePermissions(
        env.environmentId,
        params.slug,
        body.permissions,
        apiEventContext(env),
      ),
  });
  api.route({
    method: 'post',
    path: '/authorization/roles/:slug/permissions',
    summary: 'Add a permission to an environment role',
    params: slug,
    body: AddPermissionBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.addEnvironmentRolePermission(env.environmentId, params.slug, body.slug, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/authorization/roles/:slug/permissions/:permissionSlug',
    summary: 'Remove a permission from an environment role',
    params: slug.extend({ permissionSlug: z.string().min(1) }),
    handler: async ({ env, params, c }) => {
      await roles.removeEnvironmentRolePermission(
        env.environmentId,
        params.slug,
        params.permissionSlug,
        apiEventContext(env),
      );
      return c.body(null, 204);
    },
  });

  // ── organization roles ──
  api.route({
    method: 'get',
    path: '/authorization/organizations/:organizationId/roles',
    summary: "List an organization's roles: environment and organization roles in priority order",
    params: z.object({ organizationId: z.string().min(1) }),
    response: RoleListWire,
    handler: ({ env, params }) => roles.listOrganizationRoles(env.environmentId, params.organizationId),
  });
  api.route({
    method: 'get',
    path: '/organizations/:id/roles',
    summary: "List an organization's roles (SDK 7/8 organizations.listOrganizationRoles)",
    params: z.object({ id: z.string().min(1) }),
    response: RoleListWire,
    handler: ({ env, params }) => roles.listOrganizationRoles(env.environmentId, params.id),
  });
  api.route({
    method: 'post',
    path: '/authorization/organizations/:organizationId/roles',
    summary: 'Create an organization role (slug org-…)',
    params: z.object({ organizationId: z.string().min(1) }),
    body: CreateOrganizationRoleBody,
    status: 201,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.createOrganizationRole(env.environmentId, params.organizationId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/authorization/organizations/:organizationId/roles/:slug',
    summary: 'Get a role of an organization (its own or an environment role)',
    params: orgSlug,
    response: RoleWire,
    handler: ({ env, params }) =>
      roles.getOrganizationRole(env.environmentId, params.organizationId, params.slug),
  });
  api.route({
    method: 'patch',
    path: '/authorization/organizations/:organizationId/roles/:slug',
    summary: 'Update an organization role',
    params: orgSlug,
    body: UpdateRoleBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.updateOrganizationRole(
        env.environmentId,
        params.organizationId,
        params.slug,
        body,
        apiEventContext(env),
      ),
  });
  api.route({
    method: 'delete',
    path: '/authorization/organizations/:organizationId/roles/:slug',
    summary: 'Delete an organization role (refused while memberships have it)',
    params: orgSlug,
    handler: async ({ env, params, c }) => {
      await roles.deleteOrganizationRole(
        env.environmentId,
        params.organizationId,
        params.slug,
        apiEventContext(env),
      );
      return c.body(null, 204);
    },
  });
  api.route({
    method: 'put',
    path: '/authorization/organizations/:organizationId/roles/:slug/permissions',
    summary: "Replace an organization role's permissions",
    params: orgSlug,
    body: SetPermissionsBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.setOrganizationRolePermissions(
        env.environmentId,
        params.organizationId,
        params.slug,
        body.permissions,
        apiEventContext(env),
      ),
  });
  api.route({
    method: 'post',
    path: '/authorization/organizations/:organizationId/roles/:slug/permissions',
    summary: 'Add a permission to an organization role',
    params: orgSlug,
    body: AddPermissionBody,
    response: RoleWire,
    handler: ({ env, params, body }) =>
      roles.addOrganizationRolePermission(
        env.environmentId,
        params.organizationId,
        params.slug,
        body.slug,
        apiEventContext(env),
      ),
  });
  api.route({
    method: 'delete',
    path: '/authorization/organizations/:organizationId/roles/:slug/permissions/:permissionSlug',
    summary: 'Remove a permission from an organization role',
    params: orgSlugPerm,
    handler: async ({ env, params, c }) => {
      await roles.removeOrganizationRolePermission(
        env.environmentId,
        params.organizationId,
        params.slug,
        params.permissionSlug,
        apiEventContext(env),
      );
      return c.body(null, 204);
    },
  });

  // ── permissions ──
  api.route({
    method: 'get',
    path: '/authorization/permissions',
    summary: 'List permissions (paginated)',
    query: paginationQuery,
    response: listSchema(PermissionWire),
    handler: ({ env, query }) => roles.listPermissions(env.environmentId, query),
  });
  api.route({
    method: 'post',
    path: '/authorization/permissions',
    summary: 'Create a permission',
    body: CreatePermissionBody,
    status: 201,
    response: PermissionWire,
    handler: ({ env, body }) => roles.createPermission(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/authorization/permissions/:slug',
    summary: 'Get a permission',
    params: slug,
    response: PermissionWire,
    handler: ({ env, params }) => roles.getPermission(env.environmentId, params.slug),
  });
  api.route({
    method: 'patch',
    path: '/authorization/permissions/:slug',
    summary: 'Update a permission',
    params: slug,
    body: UpdatePermissionBody,
    response: PermissionWire,
    handler: ({ env, params, body }) =>
      roles.updatePermission(env.environmentId, params.slug, body, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/authorization/permissions/:slug',
    summary: 'Delete a permission (also taken off every role that had it)',
    params: slug,
    handler: async ({ env, params, c }) => {
      await roles.deletePermission(env.environmentId, params.slug, apiEventContext(env));
      return c.body(null, 204);
    },
  });
}
