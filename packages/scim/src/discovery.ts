/**
 * The discovery bodies of RFC 7644 §4 / RFC 7643 §5–7: /ServiceProviderConfig (PATCH and
 * filters supported, at most MAX_RESULTS results a page; bulk, sort, ETags and password change
 * not supported; OAuth bearer token authentication), /ResourceTypes (User with the optional
 * Enterprise User extension, Group) and /Schemas (generated from the schema table, so what we
 * advertise is what we validate).
 */
import { type AttrDef, COMMON_ATTRS, SCHEMA_DEFS } from './schema-defs.ts';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from './urns.ts';

/** The largest page of a list response (`count` is capped to it). */
export const MAX_RESULTS = 200;

export const SERVICE_PROVIDER_CONFIG = Object.freeze({
  schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
  documentationUri: 'https://www.rfc-editor.org/rfc/rfc7644',
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: MAX_RESULTS },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: "Authentication with the directory's SCIM bearer token (Authorization: Bearer …)",
      specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
      primary: true,
    },
  ],
  meta: { resourceType: 'ServiceProviderConfig' },
});

export function resourceTypes(baseUrl: string): object[] {
  const base = baseUrl.replace(/\/+$/, '');
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

function render(def: AttrDef): object {
  const { subAttributes, ...rest } = def;
  return subAttributes ? { ...rest, subAttributes: subAttributes.map(render) } : rest;
}

/** RFC 7643 §7: common attributes are described by the resource schemas themselves (id, externalId, meta). */
export const SCHEMAS: object[] = SCHEMA_DEFS.map((s) => ({
  schemas: [SCHEMA_SCHEMA],
  id: s.id,
  name: s.name,
  description: s.description,
  attributes: (s.id === ENTERPRISE_USER_SCHEMA ? s.attributes : [...COMMON_ATTRS, ...s.attributes]).map(
    render,
  ),
  meta: { resourceType: 'Schema' },
}));
