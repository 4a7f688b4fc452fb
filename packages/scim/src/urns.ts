/**
 * The schema URNs of RFC 7643 §8.7 and RFC 7644 §3 that this package reads and writes, and the
 * case-insensitive tests on them (RFC 7643 §2.1: schema URIs compare case-insensitively).
 */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type ResourceKind = 'User' | 'Group';

export function coreSchema(kind: ResourceKind): string {
  return kind === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
}

const CORE = new Set([USER_SCHEMA.toLowerCase(), GROUP_SCHEMA.toLowerCase()]);
const KNOWN = new Set([...CORE, ENTERPRISE_USER_SCHEMA.toLowerCase()]);

/** The core User or Group schema: attributes qualified with it live at the resource's top level. */
export function isCoreSchema(uri: string): boolean {
  return CORE.has(uri.toLowerCase());
}

export function isKnownSchema(uri: string): boolean {
  return KNOWN.has(uri.toLowerCase());
}

export function isUrn(text: string): boolean {
  return text.length > 4 && text.slice(0, 4).toLowerCase() === 'urn:';
}

/** The canonical spelling of a known schema URN, or the URN as received. */
export function canonicalUrn(uri: string): string {
  const lower = uri.toLowerCase();
  for (const known of [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]) {
    if (known.toLowerCase() === lower) return known;
  }
  return uri;
}
