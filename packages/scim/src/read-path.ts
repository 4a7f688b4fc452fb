/**
 * Reads one value out of a SCIM resource by attribute path, for attribute mapping: `title`,
 * `name.givenName`, `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager.value` or
 * any custom extension's `urn:…:attr`. Attribute names match case-insensitively (RFC 7643 §2.1).
 * A filter on a multi-valued attribute picks the first matching element; a multi-valued attribute
 * without a filter yields its primary element (or the first). Missing values are `undefined`.
 */
import { badRequest } from './errors.ts';
import { matchesElement } from './filter-match.ts';
import type { ScimResource } from './objects.ts';
import { parsePatchPath } from './patch-path.ts';

type Json = unknown;

function get(obj: Json, name: string): Json {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, Json>;
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function pick(list: Json[]): Json {
  const primary = list.find((e) => {
    const p = get(e, 'primary');
    return p === true || p === 'true' || p === 'True';
  });
  return primary ?? list[0];
}

/** Checks that `path` is a readable attribute path; throws ScimError 400 invalidPath otherwise. */
export function checkReadPath(path: string): void {
  const p = parsePatchPath(path);
  if (p.name === undefined)
    throw badRequest('invalidPath', `${path} names a whole schema; name an attribute in it`);
}

export function readAttribute(resource: ScimResource, path: string): Json {
  const extensions = Object.keys(resource).filter((k) => k.startsWith('urn:'));
  const p = parsePatchPath(path, extensions);
  if (p.name === undefined) return undefined;
  let container: Json = resource;
  if (p.uri !== undefined) container = get(resource, p.uri);
  let value = get(container, p.name);
  if (Array.isArray(value)) {
    if (p.filter) {
      const filter = p.filter;
      value = value.find(
        (el) => el && typeof el === 'object' && matchesElement(filter, el as never, undefined),
      );
    } else {
      value = pick(value);
    }
  } else if (p.filter) {
    value =
      value && typeof value === 'object' && matchesElement(p.filter, value as never, undefined)
        ? value
        : undefined;
  }
  if (p.sub !== undefined) value = get(value, p.sub);
  return value === null ? undefined : value;
}
