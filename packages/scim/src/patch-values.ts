/**
 * Values of multi-valued attributes for applyPatch: equality of two values (same `value`, no
 * conflicting `type`), appending without duplicates, the value an `eq` filter describes, the
 * fast test for `value eq "id"`, and copy-on-write helpers.
 */
import type { FilterAst } from './filter-parser.ts';
import { deepEqual, deleteCi, getCi, isObject, type JsonObject, setCi } from './objects.ts';
import { type AttrDef, findDef } from './schema-defs.ts';

/** The value a filter of `eq` conditions describes (`type eq "work"` → {type: "work"}), or null. */
export function templateOf(filter: FilterAst): JsonObject | null {
  if (
    filter.op === 'eq' &&
    filter.attr.uri === undefined &&
    filter.attr.sub === undefined &&
    filter.value !== null
  ) {
    return { [filter.attr.name]: filter.value };
  }
  if (filter.op !== 'and') return null;
  const out: JsonObject = {};
  for (const f of filter.filters) {
    const part = templateOf(f);
    if (!part) return null;
    Object.assign(out, part);
  }
  return out;
}

/**
 * Appends each item unless an equal value is there, which it then updates; returns the elements
 * placed. Values are indexed by their `value`, so adding m members to a group of n is O(n + m).
 */
export function addItems(list: unknown[], items: unknown[]): unknown[] {
  const index = new Map<unknown, number[]>();
  const keyOfItem = (x: unknown) => (isObject(x) ? getCi(x, 'value') : x);
  const remember = (x: unknown, i: number) => {
    const k = keyOfItem(x);
    if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') {
      const at = index.get(k);
      if (at) at.push(i);
      else index.set(k, [i]);
    }
  };
  list.forEach(remember);
  return items.map((item) => {
    const k = keyOfItem(item);
    const candidates = index.get(k) ?? (typeof k === 'object' || k === undefined ? list.keys() : []);
    for (const i of candidates) {
      if (!sameItem(list[i], item)) continue;
      if (isObject(list[i]) && isObject(item)) list[i] = { ...list[i], ...item };
      return list[i];
    }
    list.push(item);
    remember(item, list.length - 1);
    return item;
  });
}

/** A fast test for the common `value eq "id"` filter (members, groups), or undefined. */
export function simpleEquality(
  filter: FilterAst,
  defs: readonly AttrDef[] | undefined,
): ((el: JsonObject) => boolean) | undefined {
  if (filter.op !== 'eq' || typeof filter.value !== 'string' || filter.attr.uri || filter.attr.sub)
    return undefined;
  if (!findDef(defs, filter.attr.name)?.caseExact) return undefined;
  const { name } = filter.attr;
  const target = filter.value;
  return (el) => getCi(el, name) === target;
}

export function lastPrimary(values: unknown[]): unknown {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (isObject(v) && getCi(v, 'primary') === true) return v;
  }
  return undefined;
}

/** Same `value` (exactly) and no conflicting `type`; values without `value` compare deeply. */
export function sameItem(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b)) {
    const va = getCi(a, 'value');
    const vb = getCi(b, 'value');
    if (va === undefined || vb === undefined) return deepEqual(a, b);
    const ta = getCi(a, 'type');
    const tb = getCi(b, 'type');
    return deepEqual(va, vb) && (ta === undefined || tb === undefined || ta === tb);
  }
  if (isObject(a)) return deepEqual(getCi(a, 'value'), b);
  return deepEqual(a, b);
}

export function withKey(obj: JsonObject, key: string, value: unknown): JsonObject {
  const out = { ...obj };
  setCi(out, key, value);
  return out;
}

export function withoutKey(obj: JsonObject, key: string): JsonObject {
  const out = { ...obj };
  deleteCi(out, key);
  return out;
}
