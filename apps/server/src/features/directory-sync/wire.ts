/** WorkOS Directory, DirectoryUser and DirectoryGroup shapes (reference §5.3, §7, §8). */
import { readAttribute, type ScimResource } from '@portico/scim';
import { z } from 'zod';
import type { DirectoryGroupTable, DirectoryTable, DirectoryUserTable } from '../../platform/schema.ts';

export const DIRECTORY_TYPES = [
  'azure scim v2.0',
  'generic scim v2.0',
  'gsuite directory',
  'jump cloud scim v2.0',
  'okta scim v2.0',
  'onelogin scim v2.0',
  'pingfederate scim v2.0',
  'rippling scim v2.0',
  'sailpoint scim v2.0',
  'cyberark scim v2.0',
] as const;

export const DirectoryWire = z.object({
  object: z.literal('directory'),
  id: z.string(),
  organization_id: z.string(),
  external_key: z.string(),
  type: z.string(),
  state: z.enum(['linked', 'unlinked']),
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export function directoryToWire(d: DirectoryTable): z.infer<typeof DirectoryWire> {
  return {
    object: 'directory',
    id: d.id,
    organization_id: d.organization_id,
    external_key: d.id,
    type: d.type,
    state: d.state as 'linked' | 'unlinked',
    name: d.name,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

/** Event form: state active/inactive and the organization's domains (reference §8). */
export function directoryEventData(d: DirectoryTable, domains: { id: string; domain: string }[]) {
  return {
    ...directoryToWire(d),
    state: d.state === 'linked' ? 'active' : 'inactive',
    domains: domains.map((x) => ({ object: 'organization_domain', id: x.id, domain: x.domain })),
  };
}

export const DirectoryGroupWire = z.object({
  object: z.literal('directory_group'),
  id: z.string(),
  idp_id: z.string(),
  directory_id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  raw_attributes: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DirectoryGroupWire = z.infer<typeof DirectoryGroupWire>;

/**
 * `emails`, `username` and `job_title` are deprecated at WorkOS but still read by SDK 7; `groups`
 * is on REST responses (SDKs ≤ 11 map it unconditionally), never in event payloads.
 */
export const DirectoryUserWire = z.object({
  object: z.literal('directory_user'),
  id: z.string(),
  directory_id: z.string(),
  organization_id: z.string(),
  idp_id: z.string(),
  email: z.string().nullable(),
  emails: z.array(z.object({ primary: z.boolean(), type: z.string(), value: z.string() })),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  username: z.string(),
  job_title: z.string().nullable(),
  state: z.enum(['active', 'inactive']),
  role: z.object({ slug: z.string() }),
  custom_attributes: z.record(z.string(), z.unknown()),
  raw_attributes: z.record(z.string(), z.unknown()),
  groups: z.array(DirectoryGroupWire).optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DirectoryUserWire = z.infer<typeof DirectoryUserWire>;

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The directory's attribute map, parsed (an empty map when none is set). */
export function attributeMapOf(d: Pick<DirectoryTable, 'attribute_map'>): Record<string, string> {
  return JSON.parse(d.attribute_map || '{}') as Record<string, string>;
}

export function userToWire(
  u: DirectoryUserTable,
  groups?: DirectoryGroupWire[],
  attributeMap: Record<string, string> = {},
  roleSlug = 'member',
): DirectoryUserWire {
  const r = JSON.parse(u.resource) as Record<string, unknown>;
  const emails = (
    (r.emails as { value?: string; type?: string; primary?: boolean | string }[] | undefined) ?? []
  )
    .filter((e) => typeof e?.value === 'string')
    .map((e, i) => ({
      primary:
        e.primary === true ||
        e.primary === 'true' ||
        (i === 0 && !((r.emails as unknown[]) ?? []).some((x) => (x as { primary?: unknown }).primary)),
      type: e.type ?? 'work',
      value: e.value!,
    }));
  const custom: Record<string, unknown> = {};
  const enterprise = r[ENTERPRISE] as Record<string, unknown> | undefined;
  if (enterprise) {
    for (const [k, v] of Object.entries(enterprise))
      custom[k === 'manager' ? 'manager_id' : k] =
        k === 'manager' ? ((v as { value?: string })?.value ?? v) : v;
  }
  for (const [k, v] of Object.entries(r))
    if (k.startsWith('urn:') && k !== ENTERPRISE && !k.startsWith('urn:ietf:params:scim:schemas:core'))
      custom[k] = v;
  // Mapped attributes (per directory) come last, so a mapping wins over the defaults above.
  for (const [name, path] of Object.entries(attributeMap)) {
    let value: unknown;
    try {
      value = readAttribute(r as ScimResource, path);
    } catch {
      value = undefined; // paths are checked when saved; an old bad one maps to nothing
    }
    if (value !== undefined) custom[name] = value;
  }
  return {
    object: 'directory_user',
    id: u.id,
    directory_id: u.directory_id,
    organization_id: u.organization_id,
    idp_id: u.external_id ?? u.user_name,
    email: u.email,
    emails,
    first_name: u.first_name,
    last_name: u.last_name,
    username: u.user_name,
    job_title: (r.title as string | undefined) ?? null,
    state: u.state as 'active' | 'inactive',
    role: { slug: roleSlug },
    custom_attributes: custom,
    raw_attributes: r,
    ...(groups ? { groups } : {}),
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export function groupToWire(g: DirectoryGroupTable): DirectoryGroupWire {
  return {
    object: 'directory_group',
    id: g.id,
    idp_id: g.external_id ?? g.id,
    directory_id: g.directory_id,
    organization_id: g.organization_id,
    name: g.display_name,
    raw_attributes: JSON.parse(g.resource),
    created_at: g.created_at,
    updated_at: g.updated_at,
  };
}

/**
 * `{ custom_attribute_name: SCIM attribute path }`. Names are what the app reads in
 * `custom_attributes`; paths are SCIM attribute paths (`title`, `name.givenName`,
 * `emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter`,
 * any custom extension URN). A path is checked when the map is saved.
 */
export const AttributeMap = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'Use letters, digits and _ (start with a letter), at most 64.'),
    z.string().trim().min(1).max(512),
  )
  .refine((m) => Object.keys(m).length <= 100, 'At most 100 mapped attributes.');

export const DirectorySettingsWire = z.object({
  object: z.literal('directory_settings'),
  directory_id: z.string(),
  scim_base_url: z.string(),
  token_hint: z.string(),
  deprovision: z.enum(['deactivate', 'none']),
  group_role_map: z.record(z.string(), z.string()),
  attribute_map: z.record(z.string(), z.string()),
});

export const UpdateDirectorySettingsBody = z.object({
  name: z.string().trim().min(1).max(255).optional(),
  deprovision: z.enum(['deactivate', 'none']).optional(),
  group_role_map: z.record(z.string().min(1), z.string().min(1)).optional(),
  attribute_map: AttributeMap.optional(),
});

export function settingsToWire(d: DirectoryTable, publicUrl: string): z.infer<typeof DirectorySettingsWire> {
  return {
    object: 'directory_settings',
    directory_id: d.id,
    scim_base_url: `${publicUrl}/scim/v2/${d.id}`,
    token_hint: d.token_hint,
    deprovision: d.deprovision as 'deactivate' | 'none',
    group_role_map: JSON.parse(d.group_role_map) as Record<string, string>,
    attribute_map: attributeMapOf(d),
  };
}

export const CreateDirectoryBody = z.object({
  organization_id: z.string().min(1),
  name: z.string().trim().min(1).max(255),
  type: z.enum(DIRECTORY_TYPES).default('generic scim v2.0'),
  deprovision: z.enum(['deactivate', 'none']).default('deactivate'),
  group_role_map: z.record(z.string(), z.string()).optional(),
  attribute_map: AttributeMap.optional(),
});
