/** WorkOS Connection and Profile wire shapes (reference §5.1, §7), plus Portico's set-up details. */
import { z } from 'zod';
import type { ConnectionTable, OrganizationDomainTable } from '../../platform/schema.ts';

export const SAML_TYPES = [
  'GenericSAML',
  'OktaSAML',
  'AzureSAML',
  'GoogleSAML',
  'ADFSSAML',
  'OneLoginSAML',
  'JumpCloudSAML',
  'PingFederateSAML',
  'PingOneSAML',
  'Auth0SAML',
  'CasSAML',
  'ClassLinkSAML',
  'CloudflareSAML',
  'CyberArkSAML',
  'DuoSAML',
  'KeycloakSAML',
  'LastPassSAML',
  'MiniOrangeSAML',
  'NetIqSAML',
  'OracleSAML',
  'RipplingSAML',
  'SalesforceSAML',
  'ShibbolethGenericSAML',
  'ShibbolethSAML',
  'SimpleSamlPhpSAML',
  'VMwareSAML',
] as const;
export const OIDC_TYPES = ['GenericOIDC', 'OktaOIDC', 'AzureOIDC', 'GoogleOIDC'] as const;

export const ConnectionWire = z.object({
  object: z.literal('connection'),
  id: z.string(),
  organization_id: z.string().optional(),
  name: z.string(),
  connection_type: z.string(),
  state: z.enum(['draft', 'active', 'inactive']),
  status: z.enum(['linked', 'unlinked']),
  domains: z.array(z.object({ object: z.literal('connection_domain'), id: z.string(), domain: z.string() })),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ConnectionWire = z.infer<typeof ConnectionWire>;

export function connectionToWire(c: ConnectionTable, domains: OrganizationDomainTable[]): ConnectionWire {
  return {
    object: 'connection',
    id: c.id,
    ...(c.organization_id ? { organization_id: c.organization_id } : {}),
    name: c.name,
    connection_type: c.connection_type,
    state: c.state as ConnectionWire['state'],
    status: c.state === 'active' ? 'linked' : 'unlinked',
    domains: domains.map((d) => ({
      object: 'connection_domain' as const,
      id: d.id.replace(/^org_domain_/, 'conn_domain_'),
      domain: d.domain,
    })),
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export const ProfileWire = z.object({
  object: z.literal('profile'),
  id: z.string(),
  idp_id: z.string(),
  organization_id: z.string().nullable(),
  connection_id: z.string(),
  connection_type: z.string(),
  email: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()).optional(),
  custom_attributes: z.record(z.string(), z.unknown()),
  raw_attributes: z.record(z.string(), z.unknown()),
});
export type ProfileWire = z.infer<typeof ProfileWire>;

const cert = z.string().min(20).max(20_000);
export const SamlSetup = z.object({
  idp_metadata_xml: z.string().min(20).max(2_000_000).optional(),
  /** Fetched now and refreshed every PORTICO_METADATA_REFRESH (12 h). */
  idp_metadata_url: z.string().url().optional(),
  idp_entity_id: z.string().min(1).max(1024).optional(),
  idp_sso_url: z.string().url().optional(),
  idp_certificates: z.array(cert).max(5).optional(),
  allow_idp_initiated: z.boolean().optional(),
  sign_requests: z.boolean().optional(),
});
export const OidcSetup = z.object({
  discovery_url: z.string().url(),
  client_id: z.string().min(1).max(512),
  client_secret: z.string().min(1).max(2048),
});
export const AttributeMapBody = z
  .object({
    idp_id: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    groups: z.string(),
  })
  .partial();
/** IdP group (name or id, as the IdP sends it) → role slug; replaces the whole map (Portico). */
export const GroupRoleMapBody = z
  .record(z.string().trim().min(1).max(512), z.string().trim().min(1).max(128))
  .refine((m) => Object.keys(m).length <= 500, 'At most 500 groups can be mapped.');

export const CreateConnectionBody = z.object({
  name: z.string().trim().min(1).max(255),
  organization_id: z.string().min(1).optional(),
  connection_type: z.enum([...SAML_TYPES, ...OIDC_TYPES]),
  state: z.enum(['draft', 'active', 'inactive']).optional(),
  saml: SamlSetup.optional(),
  oidc: OidcSetup.optional(),
  attribute_map: AttributeMapBody.optional(),
  group_role_map: GroupRoleMapBody.optional(),
});
export const UpdateConnectionBody = z.object({
  name: z.string().trim().min(1).max(255).optional(),
  state: z.enum(['draft', 'active', 'inactive']).optional(),
  saml: SamlSetup.optional(),
  oidc: OidcSetup.partial().optional(),
  attribute_map: AttributeMapBody.optional(),
  group_role_map: GroupRoleMapBody.optional(),
});
