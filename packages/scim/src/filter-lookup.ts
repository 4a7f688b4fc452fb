/**
 * Recognises the filters IdPs send before almost every write — `userName eq "x"`,
 * `externalId eq "x"`, `displayName eq "x"`, `id eq "x"` — so the server can answer them with an
 * indexed query instead of scanning. `caseExact` tells the server how to compare: userName and
 * displayName ignore case, id and externalId do not (RFC 7643 §3.1, §4.1.1).
 */
import type { FilterAst } from './filter-parser.ts';

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
