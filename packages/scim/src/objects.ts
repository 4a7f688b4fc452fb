/**
 * Small helpers over JSON values. SCIM attribute names are case-insensitive (RFC 7643 §2.1), so
 * every lookup into a resource goes through `keyOf`, which finds the key as the resource spells
 * it. Nothing here mutates its inputs except the explicitly named setters.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of `obj` equal to `name` ignoring case (the exact spelling first), or undefined. */
export function keyOf(obj: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return key;
  return undefined;
}

export function getCi(obj: JsonObject, name: string): unknown {
  const key = keyOf(obj, name);
  return key === undefined ? undefined : obj[key];
}

/**
 * `__proto__` as a received attribute name: assigning it would replace the object's prototype
 * (and drop the value), so it is never written; every input key is written through setCi.
 */
export function isUnsafeKey(name: string): boolean {
  return name === '__proto__';
}

/** Sets `obj[name]`, replacing any key that differs only in case, under the spelling `name`. */
export function setCi(obj: JsonObject, name: string, value: unknown): void {
  if (isUnsafeKey(name)) return;
  const key = keyOf(obj, name);
  if (key !== undefined && key !== name) delete obj[key];
  obj[name] = value;
}

export function deleteCi(obj: JsonObject, name: string): boolean {
  const key = keyOf(obj, name);
  if (key === undefined) return false;
  delete obj[key];
  return true;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Empty per RFC 7644 §3.4.2.2 `pr`: undefined, null, "", [] or an object with only empty values. */
export function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.every(isEmpty);
  if (isObject(value)) return Object.values(value).every(isEmpty);
  return false;
}

/**
 * RFC 7643 §4.1.1: `password` is writeOnly and returned never. Portico keeps no copy of a synced
 * password, not even hashed (docs/directory-sync.md says why), so every attribute named
 * `password` (any case, at any depth: core, under a schema URN, inside an extension) is removed.
 */
export function isPasswordKey(name: string): boolean {
  return name.toLowerCase() === 'password';
}

/** `value` without any `password` key at any depth (a copy; the input is not changed). */
export function withoutPasswords<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPasswords) as T;
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!isPasswordKey(k)) out[k] = withoutPasswords(v);
  return out as T;
}

/** A full SCIM User or Group as JSON (schemas, id, userName, name, emails, members, extensions…). */
export type ScimResource = Record<string, unknown>;
