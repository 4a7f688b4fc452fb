/**
 * normalisePatch: validates a PATCH body (RFC 7644 §3.5.2: `schemas` with the PatchOp URN, a
 * non-empty `Operations` array of {op, path?, value?}) and rewrites the IdP dialects into the
 * RFC form that applyPatch takes. Every rewrite is unambiguous, so it is applied whatever the
 * persona (the persona only names the dialect in errors and logs):
 *
 * - op names in any case and with spaces ("Add", "Replace", "Remove" from Entra; "add" from
 *   JumpCloud) → lower case;
 * - `remove` of `members` with `value: [{value: id}, …]` (Entra before its SCIM compliance fix)
 *   → one `remove` per id with path `members[value eq "id"]`;
 * - `add`/`replace` of `members` with one object or a bare id instead of an array (OneLogin)
 *   → an array of member objects;
 * - an empty `path` ("") → no path;
 * - `add`/`replace` with `value: null` and a path → `remove` of that path (null = unassigned).
 *
 * Value types ("False" for false, a manager id string) are coerced by applyPatch, which knows the
 * resource type. Errors: 400 invalidSyntax for the message structure, invalidPath for a path
 * that does not parse, invalidValue for a missing or unusable value, noTarget for a path-less
 * remove.
 */
import { badRequest, ScimError, show } from './errors.ts';
import { getCi, isObject } from './objects.ts';
import { parsePatchPath } from './patch-path.ts';
import type { Persona } from './persona.ts';
import { PATCH_OP_SCHEMA } from './urns.ts';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

export const MAX_PATCH_OPERATIONS = 1000;

export function normalisePatch(body: unknown, persona: Persona): PatchOperation[] {
  const dialect = persona === 'generic' ? '' : ` (${persona})`;
  if (!isObject(body)) {
    throw badRequest(
      'invalidSyntax',
      `The PATCH body must be a JSON object with schemas and Operations; got ${show(body)}`,
    );
  }
  const schemas = getCi(body, 'schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
  ) {
    throw badRequest(
      'invalidSyntax',
      `The PATCH body's schemas must be ["${PATCH_OP_SCHEMA}"]; got ${show(schemas)}`,
    );
  }
  const operations = getCi(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest(
      'invalidSyntax',
      `The PATCH body needs a non-empty Operations array; got ${show(operations)}`,
    );
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw badRequest(
      'invalidValue',
      `The PATCH has ${operations.length} operations; at most ${MAX_PATCH_OPERATIONS}`,
    );
  }
  const out: PatchOperation[] = [];
  operations.forEach((raw, i) => {
    out.push(...normaliseOperation(raw, `Operations[${i}]`, dialect));
  });
  return out;
}

function normaliseOperation(raw: unknown, where: string, dialect: string): PatchOperation[] {
  if (!isObject(raw))
    throw badRequest('invalidSyntax', `${where} must be an object {op, path, value}; got ${show(raw)}`);
  const opRaw = getCi(raw, 'op');
  const op = typeof opRaw === 'string' ? opRaw.trim().toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw badRequest(
      'invalidSyntax',
      `${where}.op must be "add", "replace" or "remove"; got ${show(opRaw)}${dialect}`,
    );
  }
  const pathRaw = getCi(raw, 'path');
  if (pathRaw !== undefined && pathRaw !== null && typeof pathRaw !== 'string') {
    throw badRequest('invalidPath', `${where}.path must be a string; got ${show(pathRaw)}`);
  }
  const path = typeof pathRaw === 'string' && pathRaw.trim() !== '' ? pathRaw.trim() : undefined;
  const parsed = path === undefined ? undefined : withContext(where, () => parsePatchPath(path));
  const hasValue = raw.value !== undefined || Object.keys(raw).some((k) => k.toLowerCase() === 'value');
  const value = getCi(raw, 'value');

  if (op === 'remove') {
    if (path === undefined) {
      throw badRequest('noTarget', `${where}: remove needs a path naming what to remove${dialect}`);
    }
    const isMembers =
      parsed?.name?.toLowerCase() === 'members' && !parsed.uri && !parsed.filter && !parsed.sub;
    if (isMembers && hasValue && value !== null) {
      // Entra before its compliance fix: {"op":"Remove","path":"members","value":[{"value":"id"}]}.
      return memberIds(value, where).map((id) => ({
        op: 'remove',
        path: `members[value eq ${JSON.stringify(id)}]`,
      }));
    }
    return hasValue && value !== null ? [{ op, path, value }] : [{ op, path }];
  }
  if (!hasValue || value === undefined) {
    throw badRequest('invalidValue', `${where}: ${op} needs a value${dialect}`);
  }
  if (value === null) {
    if (path === undefined)
      throw badRequest('invalidValue', `${where}: ${op} without a path needs an object value; got null`);
    return [{ op: 'remove', path }];
  }
  const isMembers = parsed?.name?.toLowerCase() === 'members' && !parsed.uri && !parsed.filter && !parsed.sub;
  if (isMembers && !Array.isArray(value)) {
    // OneLogin: {"op":"add","path":"members","value":{"value":"id"}} (one object, not an array).
    memberIds(value, where);
    return [{ op, path: path!, value: [isObject(value) ? value : { value }] }];
  }
  return path === undefined ? [{ op, value }] : [{ op, path, value }];
}

/** The member ids in a `value` given as [{value}], {value} or "id". */
function memberIds(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    const id = isObject(item) ? getCi(item, 'value') : item;
    if (typeof id !== 'string' || id === '') {
      throw badRequest(
        'invalidValue',
        `${where}.value[${i}] must be a member {"value": "<id>"}; got ${show(item)}`,
      );
    }
    return id;
  });
}

function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ScimError) throw new ScimError(e.status, e.scimType, `${where}.path: ${e.detail}`);
    throw e;
  }
}
