/**
 * Evaluates a parsed filter against one resource (RFC 7644 §3.4.2.2), in memory.
 *
 * - Attribute names match case-insensitively; `urn:…:name` looks inside that extension object.
 * - Strings compare case-insensitively unless the attribute is caseExact in the schema table
 *   (id, externalId, members.value, groups.value, manager.value, meta.location/version…).
 * - A multi-valued attribute matches when any of its values does (`emails.value co "@x"`). A
 *   complex value compared without a sub-attribute is compared through its `value`.
 * - `ne` is exactly `not eq` (so `x ne "a"` holds when x is absent); `eq null` holds when the
 *   attribute has no value and `ne null` when it has one.
 * - `pr` holds for a value that is not null, "", [] or an object of such.
 * - gt/ge/lt/le compare numbers numerically, dateTimes chronologically, other strings by code
 *   unit after case folding. Mismatched types never match.
 * - `attr[filter]` holds when one element of attr matches the inner filter, whose attribute
 *   names are relative to the element.
 */
import type { AttrRef } from './attr-path.ts';
import { type CompValue, type FilterAst, parseFilter } from './filter-parser.ts';
import { getCi, isEmpty, isObject, type JsonObject, type ScimResource } from './objects.ts';

import { type AttrDef, containerDefs, findDef } from './schema-defs.ts';

/** Definitions in scope: the top level (undefined) or an element's sub-attributes. */
interface Scope {
  top: boolean;
  defs: readonly AttrDef[] | undefined;
}

const TOP: Scope = { top: true, defs: undefined };

export function matchesFilter(ast: FilterAst, resource: ScimResource): boolean {
  return evaluate(ast, resource, TOP);
}

/** Whether one element of a multi-valued attribute (with sub-attribute `defs`) matches a value filter. */
export function matchesElement(
  ast: FilterAst,
  element: JsonObject,
  defs: readonly AttrDef[] | undefined,
): boolean {
  return evaluate(ast, element, { top: false, defs });
}

/** parseFilter + matchesFilter, for tests and one-off checks. */
export function matches(filter: string, resource: ScimResource): boolean {
  return matchesFilter(parseFilter(filter), resource);
}

function evaluate(ast: FilterAst, obj: JsonObject, scope: Scope): boolean {
  switch (ast.op) {
    case 'and':
      return ast.filters.every((f) => evaluate(f, obj, scope));
    case 'or':
      return ast.filters.some((f) => evaluate(f, obj, scope));
    case 'not':
      return !evaluate(ast.filter, obj, scope);
    case 'valuePath': {
      const { raw, def } = lookup(obj, ast.attr, scope);
      const inner: Scope = { top: false, defs: def?.subAttributes };
      return flat(raw).some((el) => isObject(el) && evaluate(ast.filter, el, inner));
    }
    case 'pr':
      return flat(lookup(obj, ast.attr, scope).raw).some((v) => !isEmpty(v));
    case 'ne':
      return !compareAny(obj, ast.attr, 'eq', ast.value, scope);
    default:
      return compareAny(obj, ast.attr, ast.op, ast.value, scope);
  }
}

function compareAny(obj: JsonObject, ref: AttrRef, op: string, target: CompValue, scope: Scope): boolean {
  const { raw, def } = lookup(obj, ref, scope);
  let values = flat(raw);
  let valueDef = def;
  if (values.some(isObject)) {
    // A complex value compared without a sub-attribute: compare its `value` (emails eq "a@b").
    valueDef = findDef(def?.subAttributes, 'value');
    values = values.map((v) => (isObject(v) ? getCi(v, 'value') : v));
  }
  values = values.filter((v) => v !== undefined && v !== null);
  if (target === null) return op === 'eq' && values.length === 0;
  const caseExact = valueDef?.caseExact ?? false;
  const dateTime = valueDef?.type === 'dateTime';
  return values.some((v) => compare(v, op, target, caseExact, dateTime));
}

/** The value at `ref` in `obj` (through arrays for sub-attributes) and its definition. */
function lookup(obj: JsonObject, ref: AttrRef, scope: Scope): { raw: unknown; def: AttrDef | undefined } {
  let container: unknown = obj;
  let defs = scope.defs;
  if (ref.uri !== undefined) container = getCi(obj, ref.uri);
  if (scope.top) defs = containerDefs(undefined, ref.uri);
  if (!isObject(container)) return { raw: undefined, def: undefined };
  const def = findDef(defs, ref.name);
  const raw = getCi(container, ref.name);
  if (ref.sub === undefined) return { raw, def };
  const sub = ref.sub;
  const values = flat(raw)
    .filter(isObject)
    .map((el) => getCi(el, sub));
  return { raw: values, def: findDef(def?.subAttributes, sub) };
}

function flat(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.flat() : [value];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function compare(
  v: unknown,
  op: string,
  target: Exclude<CompValue, null>,
  caseExact: boolean,
  dateTime: boolean,
): boolean {
  if (typeof v === 'string' && typeof target === 'string') {
    if (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') {
      if (dateTime || (ISO_DATE.test(v) && ISO_DATE.test(target))) {
        const a = Date.parse(v);
        const b = Date.parse(target);
        if (Number.isFinite(a) && Number.isFinite(b)) return order(a, b, op);
      }
    }
    const a = caseExact ? v : v.toLowerCase();
    const b = caseExact ? target : target.toLowerCase();
    switch (op) {
      case 'eq':
        return a === b;
      case 'co':
        return a.includes(b);
      case 'sw':
        return a.startsWith(b);
      case 'ew':
        return a.endsWith(b);
      default:
        return order(a, b, op);
    }
  }
  if (typeof v === 'number' && typeof target === 'number')
    return op === 'eq' ? v === target : order(v, target, op);
  if (typeof v === 'boolean' && typeof target === 'boolean') return op === 'eq' && v === target;
  return false;
}

function order<T extends string | number>(a: T, b: T, op: string): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}
