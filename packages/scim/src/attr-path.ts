/**
 * Attribute paths (RFC 7644 §3.10): `[URI ":"] ATTRNAME ["." subAttr]`. Schema URNs contain
 * colons and dots (`urn:…:enterprise:2.0:User:manager.value`), so the URN is everything before
 * the last colon and the dot is looked for only after it. An attribute qualified with the core
 * User or Group schema is the same as the unqualified one. A path that is a schema URN alone
 * (`urn:…:enterprise:2.0:User`) names a whole extension object.
 */
import { isCoreSchema, isKnownSchema, isUrn } from './urns.ts';

export interface AttrRef {
  /** The schema URN of an extension attribute; absent for core attributes. */
  uri?: string;
  name: string;
  sub?: string;
}

/** RFC 7643 §2.1 ATTRNAME (ALPHA *(nameChar)), plus `$ref`. */
const NAME = /^(?:[A-Za-z][\w-]*|\$ref)$/;

export function isAttrName(text: string): boolean {
  return NAME.test(text);
}

/** Parses `name`, `name.sub`, `urn:…:name` or `urn:…:name.sub`; null when it is not a valid path. */
export function parseAttrRef(text: string): AttrRef | null {
  let uri: string | undefined;
  let rest = text;
  if (isUrn(text)) {
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (uri.length <= 4) return null;
  }
  const dot = rest.indexOf('.');
  const name = dot === -1 ? rest : rest.slice(0, dot);
  const sub = dot === -1 ? undefined : rest.slice(dot + 1);
  if (!isAttrName(name) || (sub !== undefined && !isAttrName(sub))) return null;
  const ref: AttrRef = { name };
  if (uri !== undefined && !isCoreSchema(uri)) ref.uri = uri;
  if (sub !== undefined) ref.sub = sub;
  return ref;
}

/**
 * Whether `text` names a schema rather than an attribute in one: a known schema URN, one of
 * `extraSchemas` (the resource's `schemas` and extension keys), or a URN ending in `:User` or
 * `:Group` (the convention of extension schema ids, e.g. `urn:…:extension:acme:2.0:User`).
 */
export function isSchemaPath(text: string, extraSchemas: readonly string[] = []): boolean {
  if (!isUrn(text)) return false;
  if (isKnownSchema(text)) return true;
  const lower = text.toLowerCase();
  if (extraSchemas.some((s) => s.toLowerCase() === lower)) return true;
  return /:(user|group)$/i.test(text);
}

export function formatRef(ref: AttrRef): string {
  const base = ref.sub === undefined ? ref.name : `${ref.name}.${ref.sub}`;
  return ref.uri === undefined ? base : `${ref.uri}:${base}`;
}
