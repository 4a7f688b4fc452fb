/** WorkOS Role and Permission wire shapes and request bodies (reference §5.8). */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { parseJson } from '../../platform/http.ts';
import type { OrganizationRoleTable, PermissionTable, RoleTable } from '../../platform/schema.ts';

/**
 * Slug grammars (docs/roles.md). Permission: lowercase letters, digits, `-`, `_`, `:`, `.` and `*`,
 * starting with a letter or digit, at most 64 characters (`posts:read`, `billing.*`). Environment
 * role: lowercase letters, digits, `-` and `_`, at most 48, not starting with `org-` (that prefix is
 * the organization roles'). Organization role: `org-` and then the environment-role grammar.
 */
export const PERMISSION_SLUG = /^[a-z0-9][a-z0-9_\-:.*]{0,63}$/;
export const ROLE_SLUG = /^[a-z0-9][a-z0-9_-]{0,47}$/;
export const ORG_ROLE_SLUG = /^org-[a-z0-9_-]{1,44}$/;

export type RoleRow = Selectable<RoleTable>;
export type OrganizationRoleRow = Selectable<OrganizationRoleTable>;
export type PermissionRow = Selectable<PermissionTable>;

export const RoleWire = z.object({
  object: z.literal('role'),
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
  resource_type_slug: z.string(),
  type: z.enum(['EnvironmentRole', 'OrganizationRole']),
  created_at: z.string(),
  updated_at: z.string(),
});
export type RoleWire = z.infer<typeof RoleWire>;

export const PermissionWire = z.object({
  object: z.literal('permission'),
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  resource_type_slug: z.string(),
  system: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type PermissionWire = z.infer<typeof PermissionWire>;

export const RoleListWire = z.object({ object: z.literal('list'), data: z.array(RoleWire) });

export function roleToWire(r: RoleRow | OrganizationRoleRow): RoleWire {
  return {
    object: 'role',
    id: r.id,
    name: r.name,
    slug: r.slug,
    description: r.description,
    permissions: parseJson<string[]>(r.permissions, []),
    resource_type_slug: r.resource_type_slug,
    type: 'organization_id' in r ? 'OrganizationRole' : 'EnvironmentRole',
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function permissionToWire(p: PermissionRow): PermissionWire {
  return {
    object: 'permission',
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    resource_type_slug: p.resource_type_slug,
    system: p.system === 1,
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

/** `role.*` event data (reference events table). */
export function roleEventData(r: RoleWire) {
  return {
    object: 'role',
    slug: r.slug,
    resource_type_slug: r.resource_type_slug,
    permissions: r.permissions,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** `organization_role.*` event data (reference events table). */
export function organizationRoleEventData(organizationId: string, r: RoleWire) {
  return {
    object: 'organization_role',
    organization_id: organizationId,
    slug: r.slug,
    name: r.name,
    description: r.description,
    resource_type_slug: r.resource_type_slug,
    permissions: r.permissions,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const name = z.string().trim().min(1).max(48);
const description = z.string().max(150).nullable().optional();
const resourceType = z.literal('organization').optional();

export const CreateRoleBody = z.object({
  slug: z.string(),
  name,
  description,
  resource_type_slug: resourceType,
});
export const CreateOrganizationRoleBody = z.object({
  slug: z.string().optional(),
  name,
  description,
  resource_type_slug: resourceType,
});
export const UpdateRoleBody = z.object({ name: name.optional(), description });
export const SetPermissionsBody = z.object({ permissions: z.array(z.string()).max(1000) });
export const AddPermissionBody = z.object({ slug: z.string() });
export const CreatePermissionBody = z.object({
  slug: z.string(),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(250).nullable().optional(),
  resource_type_slug: resourceType,
});
export const UpdatePermissionBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(250).nullable().optional(),
});
