/**
 * @portico/scim: Portico's pure SCIM 2.0 library (RFC 7643, RFC 7644): filters, PATCH, resource
 * validation and normalisation of IdP dialects, attribute projection, discovery bodies and list
 * responses. No HTTP, no database, no clock: the server passes everything in. Every failure is a
 * ScimError with the HTTP status, the RFC scimType and a precise detail.
 */
export { type AttrRef, parseAttrRef } from './attr-path.ts';
export { MAX_RESULTS, resourceTypes, SCHEMAS, SERVICE_PROVIDER_CONFIG } from './discovery.ts';
export { ScimError, type ScimErrorBody, type ScimType, scimErrorBody } from './errors.ts';
export {
  assertFilterable,
  type EqualityLookup,
  type LookupAttribute,
  simpleEqualityLookup,
} from './filter-lookup.ts';
export { matches, matchesFilter } from './filter-match.ts';
export {
  type CompareOp,
  type CompValue,
  type FilterAst,
  MAX_FILTER_LENGTH,
  parseFilter,
} from './filter-parser.ts';
export { type ListResponse, listResponse, type Paging, parsePaging } from './list.ts';
export { isPasswordKey, type ScimResource, withoutPasswords } from './objects.ts';
export { applyPatch, type PatchResult } from './patch-apply.ts';
export { MAX_PATCH_OPERATIONS, normalisePatch, type PatchOperation } from './patch-normalise.ts';
export { type PatchPath, parsePatchPath } from './patch-path.ts';
export { detectPersona, type Persona } from './persona.ts';
export { projectAttributes } from './project.ts';
export { checkReadPath, readAttribute } from './read-path.ts';
export { normaliseResource } from './resource.ts';
export { diffMembers, type MemberDiff, memberIds } from './resource-shape.ts';
export {
  coreSchema,
  ENTERPRISE_USER_SCHEMA,
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  type ResourceKind,
  USER_SCHEMA,
} from './urns.ts';
