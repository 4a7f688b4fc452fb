/** WorkOS Organization and OrganizationDomain wire shapes (reference §5.2, §7). */
import { z } from 'zod';
import { parseJson } from '../../platform/http.ts';
import type { OrganizationDomainTable, OrganizationTable } from '../../platform/schema.ts';

export const OrganizationDomainWire = z.object({
  object: z.literal('organization_domain'),
  id: z.string(),
  organization_id: z.string(),
  domain: z.string(),
  state: z.enum(['verified', 'pending', 'failed']),
  verification_strategy: z.enum(['dns', 'manual']),
  verification_token: z.string().optional(),
  verification_prefix: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const OrganizationWire = z.object({
  object: z.literal('organization'),
  id: z.string(),
  name: z.string(),
  domains: z.array(OrganizationDomainWire),
  allow_profiles_outside_organization: z.boolean(),
  external_id: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  stripe_customer_id: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type OrganizationWire = z.infer<typeof OrganizationWire>;

export function domainToWire(d: OrganizationDomainTable): z.infer<typeof OrganizationDomainWire> {
  return {
    object: 'organization_domain',
    id: d.id,
    organization_id: d.organization_id,
    domain: d.domain,
    state: d.state as 'verified' | 'pending' | 'failed',
    verification_strategy: d.verification_strategy as 'dns' | 'manual',
    ...(d.verification_token
      ? { verification_token: d.verification_token, verification_prefix: '_portico-verification' }
      : {}),
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function organizationToWire(
  o: OrganizationTable,
  domains: OrganizationDomainTable[],
): OrganizationWire {
  return {
    object: 'organization',
    id: o.id,
    name: o.name,
    domains: domains.map(domainToWire),
    allow_profiles_outside_organization: o.allow_profiles_outside_organization === 1,
    external_id: o.external_id,
    metadata: parseJson(o.metadata, {}),
    ...(o.stripe_customer_id ? { stripe_customer_id: o.stripe_customer_id } : {}),
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/,
    'must be a DNS name such as example.com',
  );

export const DomainData = z.object({
  domain: domainName,
  state: z.enum(['pending', 'verified']).default('pending'),
});

const metadata = z
  .record(z.string().max(40), z.string().max(600).nullable())
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .optional();

export const CreateOrganizationBody = z.object({
  name: z.string().trim().min(1).max(255),
  domains: z.array(domainName).max(100).optional(),
  domain_data: z.array(DomainData).max(100).optional(),
  external_id: z.string().min(1).max(128).nullable().optional(),
  metadata,
  allow_profiles_outside_organization: z.boolean().optional(),
});

export const UpdateOrganizationBody = z.object({
  name: z.string().trim().min(1).max(255).optional(),
  domains: z.array(domainName).max(100).optional(),
  domain_data: z.array(DomainData).max(100).optional(),
  external_id: z.string().min(1).max(128).nullable().optional(),
  stripe_customer_id: z.string().max(255).nullable().optional(),
  metadata,
  allow_profiles_outside_organization: z.boolean().optional(),
});

export const CreateDomainBody = z.object({ organization_id: z.string().min(1), domain: domainName });
