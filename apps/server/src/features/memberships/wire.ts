/** WorkOS OrganizationMembership wire shape (reference §4.4, §7). */
import { z } from 'zod';
import { parseJson } from '../../platform/http.ts';
import type { OrganizationMembershipTable, UserTable } from '../../platform/schema.ts';
import { UserWire, userToWire } from '../users/wire.ts';

export const MembershipWire = z.object({
  object: z.literal('organization_membership'),
  id: z.string(),
  user_id: z.string(),
  organization_id: z.string(),
  organization_name: z.string(),
  status: z.enum(['active', 'inactive', 'pending']),
  role: z.object({ slug: z.string() }),
  roles: z.array(z.object({ slug: z.string() })),
  directory_managed: z.boolean(),
  custom_attributes: z.record(z.string(), z.unknown()),
  user: UserWire,
  created_at: z.string(),
  updated_at: z.string(),
});
export type MembershipWire = z.infer<typeof MembershipWire>;

export function membershipToWire(
  m: OrganizationMembershipTable,
  organizationName: string,
  user: UserTable,
): MembershipWire {
  const slugs = parseJson<string[]>(m.role_slugs, ['member']);
  return {
    object: 'organization_membership',
    id: m.id,
    user_id: m.user_id,
    organization_id: m.organization_id,
    organization_name: organizationName,
    status: m.status as MembershipWire['status'],
    role: { slug: slugs[0] ?? 'member' },
    roles: slugs.map((slug) => ({ slug })),
    directory_managed: m.directory_managed === 1,
    custom_attributes: parseJson(m.custom_attributes, {}),
    user: userToWire(user),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** Event payloads omit organization_name (reference §8) and the embedded user. */
export function membershipEventData(w: MembershipWire) {
  const { organization_name: _omit, user: _user, ...rest } = w;
  return rest;
}

const slug = z.string().min(1).max(100);
export const CreateMembershipBody = z.object({
  organization_id: z.string().min(1),
  user_id: z.string().min(1),
  role_slug: slug.optional(),
  role_slugs: z.array(slug).max(50).optional(),
});
export const UpdateMembershipBody = z.object({
  role_slug: slug.optional(),
  role_slugs: z.array(slug).max(50).optional(),
});
