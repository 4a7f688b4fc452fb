/**
 * applyPatch: RFC 7644 §3.5.2 PATCH, applied in memory to a copy of the resource. Pure.
 *
 * - No path: `value` is an object of attributes; each key is applied as if it were the path, so
 *   Entra's `{"name.givenName": …, "emails[type eq \"work\"].value": …, "urn:…:User:department": …}`
 *   works like separate operations. `schemas` and `meta` keys are ignored; an `id` equal to the
 *   resource's is ignored, any other is 400 mutability.
 * - add: a multi-valued attribute gets the new values appended (an equal value — same `value`
 *   and no conflicting `type` — is updated in place, never duplicated); a complex attribute gets
 *   the given sub-attributes merged; a simple attribute is set.
 * - replace: a multi-valued attribute is replaced whole (Okta's `replace` of `members`); a
 *   complex attribute gets the given sub-attributes merged (§3.5.2.3: others are unchanged); a
 *   simple attribute is set.
 * - remove: the attribute, the matching values (`members[value eq "id"]`), or a sub-attribute.
 *   Removing what is not there is a no-op, so retried removals succeed.
 * - `attr[filter]` and `attr[filter].sub` apply to every matching value. When none match, add
 *   and replace create the value if the filter is `eq` conditions only (Entra's
 *   `emails[type eq "work"].value` on a user with no work email), else 400 noTarget.
 * - Values are coerced to their schema type ("False" → false, a manager id → {value}).
 * - id, meta and a User's groups are readOnly: 400 mutability.
 * - password (writeOnly) is accepted and discarded: Portico keeps none, so it is never stored,
 *   returned, emitted or quoted in an error.
 *
 * For a Group, `membersAdded`/`membersRemoved` is the net diff of member ids before and after all
 * operations, so add-then-remove of one member reports nothing and `replace` of members reports
 * exactly who came and went.
 */
import { coerceComplex, coerceSingle, coerceValue } from './coerce.ts';
import { badRequest, show } from './errors.ts';
import { matchesElement } from './filter-match.ts';
import type { FilterAst } from './filter-parser.ts';
import {
  clone,
  deleteCi,
  getCi,
  isEmpty,
  isObject,
  isPasswordKey,
  type JsonObject,
  keyOf,
  type ScimResource,
  setCi,
} from './objects.ts';
import { removeRun } from './patch-batch.ts';
import type { PatchOperation } from './patch-normalise.ts';
import { type PatchPath, parsePatchPath } from './patch-path.ts';
import {
  addItems,
  lastPrimary,
  sameItem,
  simpleEquality,
  templateOf,
  withKey,
  withoutKey,
} from './patch-values.ts';
import { diffMembers, enforceSinglePrimary, finishResource, syncFormattedName } from './resource-shape.ts';
import { type AttrDef, containerDefs, findDef } from './schema-defs.ts';
import { canonicalUrn, isUrn, type ResourceKind } from './urns.ts';

export interface PatchResult {
  resource: ScimResource;
  membersAdded: string[];
  membersRemoved: string[];
}

type Op = PatchOperation['op'];

export function applyPatch(resource: ScimResource, ops: PatchOperation[], kind: ResourceKind): PatchResult {
  const doc = clone(resource);
  for (let i = 0; i < ops.length; ) {
    const batched = removeRun(doc, ops, i, kind);
    if (batched > 0) {
      i += batched;
      continue;
    }
    applyOperation(doc, ops[i]!, kind, `Operations[${i}]`);
    i++;
  }
  if (kind === 'User') syncFormattedName(doc, { name: getCi(resource, 'name') });
  const result = finishResource(doc, kind);
  const diff = kind === 'Group' ? diffMembers(resource, result) : { membersAdded: [], membersRemoved: [] };
  return { resource: result, ...diff };
}

function applyOperation(
  doc: JsonObject,
  { op, path, value }: PatchOperation,
  kind: ResourceKind,
  where: string,
): void {
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw badRequest('invalidSyntax', `${where}.op must be add, replace or remove; got ${show(op)}`);
  }
  if (path === undefined || path.trim() === '') {
    applyObject(doc, op, value, kind, where);
    return;
  }
  applyAt(doc, op, parsePatchPath(path, extensionUris(doc)), value, kind, `${where} (path ${show(path)})`);
}

/** A path-less operation, or a path naming the resource itself: each key of `value` as a path. */
function applyObject(doc: JsonObject, op: Op, value: unknown, kind: ResourceKind, where: string): void {
  if (op === 'remove') throw badRequest('noTarget', `${where}: remove needs a path naming what to remove`);
  if (!isObject(value)) {
    throw badRequest(
      'invalidValue',
      `${where}: ${op} without a path needs an object of attributes; got ${show(value)}`,
    );
  }
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas' || lower === 'meta') continue;
    if (lower === 'id') {
      if (v !== getCi(doc, 'id')) throw badRequest('mutability', `${where}: id is readOnly; got ${show(v)}`);
      continue;
    }
    let path: PatchPath;
    try {
      path = parsePatchPath(key, extensionUris(doc));
    } catch {
      path = { name: key }; // an unusual attribute name is kept as it is
    }
    applyAt(doc, op, path, v, kind, `${where} (value key ${show(key)})`);
  }
}

function applyAt(
  doc: JsonObject,
  op: Op,
  path: PatchPath,
  value: unknown,
  kind: ResourceKind,
  where: string,
): void {
  if (path.name === undefined) {
    if (path.uri === undefined) applyObject(doc, op, value, kind, where);
    else applyExtension(doc, op, path.uri, value, kind, where);
    return;
  }
  if (path.uri === undefined) {
    const lower = path.name.toLowerCase();
    // The core password (any form: path, URN-qualified path, a key of a path-less value) is
    // accepted and discarded before it is coerced: Portico keeps no synced password, and an
    // IdP that syncs passwords (Okta's "Sync password") must not be refused for it.
    if (lower === 'schemas' || isPasswordKey(lower)) return;
    if (lower === 'id' || lower === 'meta' || (kind === 'User' && lower === 'groups')) {
      const why = lower === 'groups' ? '; change membership through the Group' : '';
      throw badRequest('mutability', `${where}: ${path.name} is readOnly${why}`);
    }
  }
  let container = doc;
  if (path.uri !== undefined) {
    const key = keyOf(doc, path.uri);
    if (key === undefined || !isObject(doc[key])) {
      if (op === 'remove') return;
      if (key !== undefined) delete doc[key];
      doc[canonicalUrn(path.uri)] = {};
    }
    container = doc[keyOf(doc, path.uri)!] as JsonObject;
  }
  const def = findDef(containerDefs(kind, path.uri), path.name);
  const name = def?.name ?? keyOf(container, path.name) ?? path.name;
  if (path.filter) applyFiltered(container, op, name, def, path.filter, path.sub, value, where);
  else if (path.sub !== undefined) applySub(container, op, name, def, path.sub, value, where);
  else applyAttr(container, op, name, def, value, where);
}

/** A path that is an extension schema URN alone: each key of `value` is an attribute in it. */
function applyExtension(
  doc: JsonObject,
  op: Op,
  uri: string,
  value: unknown,
  kind: ResourceKind,
  where: string,
): void {
  if (op === 'remove') {
    deleteCi(doc, uri);
    return;
  }
  if (!isObject(value))
    throw badRequest('invalidValue', `${where}: ${uri} needs an object of attributes; got ${show(value)}`);
  for (const key of Object.keys(value)) {
    applyAt(doc, op, { uri, name: key }, value[key], kind, `${where}, key ${show(key)}`);
  }
}

function applyAttr(
  container: JsonObject,
  op: Op,
  name: string,
  def: AttrDef | undefined,
  value: unknown,
  where: string,
) {
  const existing = getCi(container, name);
  if (op === 'remove') {
    if (value !== undefined && Array.isArray(existing)) {
      // remove with a value on a multi-valued attribute: drop the equal values.
      const gone = (Array.isArray(value) ? value : [value]).map((v) => coerceItem(def, v, `${where}: value`));
      const kept = existing.filter((el) => !gone.some((g) => sameItem(el, g)));
      if (kept.length === 0) deleteCi(container, name);
      else setCi(container, name, kept);
      return;
    }
    deleteCi(container, name);
    return;
  }
  if (value === null) {
    deleteCi(container, name);
    return;
  }
  const v = coerceValue(def, value, `${where}: value`);
  const multi = def ? def.multiValued : Array.isArray(existing) || Array.isArray(v);
  if (multi) {
    const incoming = Array.isArray(v) ? v : [v];
    const result: unknown[] =
      op === 'replace'
        ? []
        : Array.isArray(existing)
          ? [...existing]
          : existing === undefined
            ? []
            : [existing];
    const placed = addItems(result, incoming);
    enforceSinglePrimary(result, lastPrimary(placed));
    if (result.length === 0) deleteCi(container, name);
    else setCi(container, name, result);
    return;
  }
  if (isObject(v) && (def?.type === 'complex' || (!def && isObject(existing)))) {
    const merged: JsonObject = isObject(existing) ? { ...existing } : {};
    for (const [k, x] of Object.entries(v)) setCi(merged, k, x);
    if (isEmpty(merged)) deleteCi(container, name);
    else setCi(container, name, merged);
    return;
  }
  setCi(container, name, v);
}

/** `name.sub`: a sub-attribute of a complex attribute, or of every value of a multi-valued one. */
function applySub(
  container: JsonObject,
  op: Op,
  name: string,
  def: AttrDef | undefined,
  sub: string,
  value: unknown,
  where: string,
) {
  const subDef = findDef(def?.subAttributes, sub);
  const subName = subDef?.name ?? sub;
  const existing = getCi(container, name);
  if (def && def.type !== 'complex')
    throw badRequest('invalidPath', `${where}: ${name} has no sub-attributes`);
  if (op === 'remove' || value === null) {
    if (Array.isArray(existing)) {
      setCi(
        container,
        name,
        existing.map((el) => (isObject(el) ? withoutKey(el, subName) : el)),
      );
    } else if (isObject(existing)) {
      const rest = withoutKey(existing, subName);
      if (isEmpty(rest)) deleteCi(container, name);
      else setCi(container, name, rest);
    }
    return;
  }
  const v = subDef ? coerceValue(subDef, value, `${where}: value`) : clone(value);
  if (Array.isArray(existing) || (existing === undefined && def?.multiValued)) {
    const list = Array.isArray(existing) ? existing : [];
    const next =
      list.length === 0
        ? [{ [subName]: v }]
        : list.map((el) => (isObject(el) ? withKey(el, subName, v) : el));
    setCi(container, name, next);
    return;
  }
  if (existing !== undefined && !isObject(existing))
    throw badRequest('invalidPath', `${where}: ${name} has no sub-attributes`);
  setCi(container, name, withKey(isObject(existing) ? existing : {}, subName, v));
}

function applyFiltered(
  container: JsonObject,
  op: Op,
  name: string,
  def: AttrDef | undefined,
  filter: FilterAst,
  sub: string | undefined,
  value: unknown,
  where: string,
) {
  const existing = getCi(container, name);
  if (existing !== undefined && !Array.isArray(existing)) {
    throw badRequest('invalidPath', `${where}: ${name} is not multi-valued, so it takes no [filter]`);
  }
  const defs = def?.subAttributes;
  const list: unknown[] = existing ?? [];
  const test = simpleEquality(filter, defs) ?? ((el: JsonObject) => matchesElement(filter, el, defs));
  const hits: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const el = list[i];
    if (isObject(el) && test(el)) hits.push(i);
  }
  const subDef = sub === undefined ? undefined : findDef(defs, sub);
  const subName = subDef?.name ?? sub;
  if (op === 'remove' || value === null) {
    if (hits.length === 0) return;
    const hit = new Set(hits);
    const next =
      subName === undefined
        ? list.filter((_, i) => !hit.has(i))
        : list.map((el, i) => (hit.has(i) ? withoutKey(el as JsonObject, subName) : el));
    if (next.length === 0) deleteCi(container, name);
    else setCi(container, name, next);
    return;
  }
  const update = (el: JsonObject): JsonObject => {
    if (subName !== undefined)
      return withKey(el, subName, subDef ? coerceValue(subDef, value, `${where}: value`) : clone(value));
    if (!isObject(value))
      throw badRequest('invalidValue', `${where}: needs an object of sub-attributes; got ${show(value)}`);
    return { ...el, ...coerceComplex(defs, value, `${where}: value`) };
  };
  let preferred: unknown;
  if (hits.length === 0) {
    const template = templateOf(filter);
    if (!template) throw badRequest('noTarget', `${where}: no value of ${name} matches the filter`);
    preferred = update(coerceComplex(defs, template, `${where}: value`));
    list.push(preferred);
  } else {
    for (const i of hits) list[i] = update(list[i] as JsonObject);
    preferred = lastPrimary(hits.map((i) => list[i]));
  }
  enforceSinglePrimary(list, preferred);
  setCi(container, def?.name ?? name, list);
}

function coerceItem(def: AttrDef | undefined, value: unknown, where: string): unknown {
  return def ? coerceSingle(def, value, where) : value;
}

/** The URNs that name this resource's extensions: its `schemas` and its URN keys. */
function extensionUris(doc: JsonObject): string[] {
  const schemas = getCi(doc, 'schemas');
  const listed = Array.isArray(schemas) ? schemas.filter((s): s is string => typeof s === 'string') : [];
  return [...listed, ...Object.keys(doc).filter(isUrn)];
}
