/**
 * Recognises the filters IdPs send before almost every write — `userName eq "x"`,
 * `externalId eq "x"`, `displayName eq "x"`, `id eq "x"` — so the server can answer them with an
 * indexed query instead of scanning. `caseExact` tells the server how to compare: userName and
 * displayName ignore case, id and externalId do not (RFC 7643 §3.1, §4.1.1).
 */
import { badRequest } from './errors.ts';
import type { FilterAst } from './filter-parser.ts';
import { containerDefs, findDef } from './schema-defs.ts';
import type { ResourceKind } from './urns.ts';

export type LookupAttribute = 'userName' | 'externalId' | 'displayName' | 'id';

export interface EqualityLookup {
  attribute: LookupAttribute;
  value: string;
  caseExact: boolean;
}

const ATTRS: Record<string, LookupAttribute> = {
  username: 'userName',
  externalid: 'externalId',
  displayname: 'displayName',
  id: 'id',
};

export function simpleEqualityLookup(ast: FilterAst): EqualityLookup | null {
  if (ast.op !== 'eq' || typeof ast.value !== 'string') return null;
  if (ast.attr.uri !== undefined || ast.attr.sub !== undefined) return null;
  const attribute = ATTRS[ast.attr.name.toLowerCase()];
  if (!attribute) return null;
  return { attribute, value: ast.value, caseExact: attribute === 'id' || attribute === 'externalId' };
}

/**
 * Refuses (400 invalidFilter) a filter on an attribute that is `returned: never` (a User's
 * password): Portico keeps no such value, and a filter on it must reveal nothing — not even
 * whether one was ever sent — so it is refused rather than answered with an empty list.
 */
export function assertFilterable(ast: FilterAst, kind: ResourceKind): void {
  switch (ast.op) {
    case 'and':
    case 'or':
      for (const f of ast.filters) assertFilterable(f, kind);
      return;
    case 'not':
      assertFilterable(ast.filter, kind);
      return;
    default: {
      const def = findDef(containerDefs(kind, ast.attr.uri), ast.attr.name);
      if (def?.returned === 'never')
        throw badRequest(
          'invalidFilter',
          `${def.name} is writeOnly (returned: never) and Portico does not keep it, so it cannot be used in a filter; filter on userName, externalId, emails or id instead`,
        );
    }
  }
}
