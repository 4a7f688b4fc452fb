/**
 * projectAttributes: the `attributes` and `excludedAttributes` query parameters (RFC 7644
 * §3.4.2.5, §3.9). Each is a comma-separated list of attribute paths — `userName`,
 * `name.givenName`, `emails.value`, `urn:…:enterprise:2.0:User:department`, or a schema URN for a
 * whole extension — matched case-insensitively. `id` and `schemas` are always returned. With
 * `attributes`, only the named attributes (and sub-attributes, inside every value of a
 * multi-valued attribute) are kept; `excludedAttributes` then removes its names. Names that are
 * not paths are ignored, as names of attributes the resource does not have are.
 */
import { isSchemaPath, parseAttrRef } from './attr-path.ts';
import { isObject, isUnsafeKey, type JsonObject, type ScimResource } from './objects.ts';
import { isCoreSchema, isUrn } from './urns.ts';

const ALWAYS = new Set(['id', 'schemas']);

/** A path as lower-cased segments: [attr], [attr, sub], [urn], [urn, attr] or [urn, attr, sub]. */
type Segments = string[];

export function projectAttributes(
  resource: ScimResource,
  attributes?: string,
  excludedAttributes?: string,
): ScimResource {
  const extensions = Object.keys(resource).filter(isUrn);
  let out: JsonObject = resource;
  const include = parseList(attributes, extensions);
  if (include.length > 0) out = pick(out, include, true);
  const exclude = parseList(excludedAttributes, extensions);
  if (exclude.length > 0) out = omit(out, exclude, true);
  return out === resource ? { ...resource } : out;
}

function parseList(list: string | undefined, extensions: string[]): Segments[] {
  if (!list) return [];
  const out: Segments[] = [];
  for (const raw of list.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    if (isSchemaPath(text, extensions)) {
      if (!isCoreSchema(text)) out.push([text.toLowerCase()]);
      continue;
    }
    const ref = parseAttrRef(text);
    if (!ref) continue;
    const segs = [ref.name.toLowerCase()];
    if (ref.sub !== undefined) segs.push(ref.sub.toLowerCase());
    out.push(ref.uri === undefined ? segs : [ref.uri.toLowerCase(), ...segs]);
  }
  return out;
}

function pick(obj: JsonObject, paths: Segments[], top: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (isUnsafeKey(key)) continue;
    const lower = key.toLowerCase();
    if (top && ALWAYS.has(lower)) {
      out[key] = value;
      continue;
    }
    const mine = paths.filter((p) => p[0] === lower);
    if (mine.length === 0) continue;
    if (mine.some((p) => p.length === 1)) {
      out[key] = value;
      continue;
    }
    const rest = mine.map((p) => p.slice(1));
    const picked = mapValue(value, (o) => pick(o, rest, false));
    if (picked !== undefined) out[key] = picked;
  }
  return out;
}

function omit(obj: JsonObject, paths: Segments[], top: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (isUnsafeKey(key)) continue;
    const lower = key.toLowerCase();
    const mine = paths.filter((p) => p[0] === lower);
    if ((top && ALWAYS.has(lower)) || mine.length === 0) {
      out[key] = value;
      continue;
    }
    if (mine.some((p) => p.length === 1)) continue;
    if (!isObject(value) && !Array.isArray(value)) {
      out[key] = value;
      continue;
    }
    const rest = mine.map((p) => p.slice(1));
    const kept = mapValue(value, (o) => omit(o, rest, false));
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** Applies `fn` to an object or to each object in an array; drops what becomes empty. */
function mapValue(value: unknown, fn: (o: JsonObject) => JsonObject): unknown {
  if (isObject(value)) {
    const r = fn(value);
    return Object.keys(r).length > 0 ? r : undefined;
  }
  if (Array.isArray(value)) {
    const r = value
      .filter(isObject)
      .map(fn)
      .filter((o) => Object.keys(o).length > 0);
    return r.length > 0 ? r : undefined;
  }
  return undefined;
}
