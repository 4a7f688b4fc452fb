/**
 * Batching for applyPatch: consecutive `remove attr[value eq "…"]` operations on one
 * multi-valued attribute whose `value` is caseExact and writable (a Group's members) are applied
 * in one pass over the values. Okta sends one such operation per removed member, and Entra's old
 * remove-with-value becomes one per member after normalisePatch; one by one they would cost
 * O(members × removals). The result is the same as applying them in order.
 */
import { deleteCi, getCi, isObject, type JsonObject, setCi } from './objects.ts';
import type { PatchOperation } from './patch-normalise.ts';
import { type PatchPath, parsePatchPath } from './patch-path.ts';
import { containerDefs, findDef } from './schema-defs.ts';
import type { ResourceKind } from './urns.ts';

/**
 * Consecutive `remove attr[value eq "…"]` on one multi-valued attribute with a caseExact value
 * (how Okta and Entra remove members, one operation per member) are applied in one pass over
 * the values instead of one pass each. Returns how many operations it applied (0: none).
 */
export function removeRun(doc: JsonObject, ops: PatchOperation[], start: number, kind: ResourceKind): number {
  const ids = new Set<string>();
  let name: string | undefined;
  let end = start;
  for (; end < ops.length; end++) {
    const target = simpleRemoval(ops[end]!, kind);
    if (!target || (name !== undefined && target.name.toLowerCase() !== name.toLowerCase())) break;
    name ??= target.name;
    ids.add(target.id);
  }
  if (end - start < 2 || name === undefined) return 0;
  const existing = getCi(doc, name);
  if (existing !== undefined && !Array.isArray(existing)) return 0;
  if (existing === undefined) return end - start;
  const kept = existing.filter((el) => !(isObject(el) && ids.has(getCi(el, 'value') as string)));
  if (kept.length === 0) deleteCi(doc, name);
  else setCi(doc, name, kept);
  return end - start;
}

function simpleRemoval(op: PatchOperation, kind: ResourceKind): { name: string; id: string } | undefined {
  if (op.op !== 'remove' || op.value !== undefined || typeof op.path !== 'string' || !op.path.includes('['))
    return undefined;
  let path: PatchPath;
  try {
    path = parsePatchPath(op.path);
  } catch {
    return undefined;
  }
  const f = path.filter;
  if (!f || path.uri !== undefined || path.sub !== undefined || path.name === undefined) return undefined;
  if (
    f.op !== 'eq' ||
    typeof f.value !== 'string' ||
    f.attr.uri ||
    f.attr.sub ||
    f.attr.name.toLowerCase() !== 'value'
  ) {
    return undefined;
  }
  const def = findDef(containerDefs(kind, undefined), path.name);
  if (!def?.multiValued || def.mutability === 'readOnly' || !findDef(def.subAttributes, 'value')?.caseExact)
    return undefined;
  return { name: def.name, id: f.value };
}
