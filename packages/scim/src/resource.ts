/**
 * normaliseResource: validates and normalises a User or Group body of POST or PUT (RFC 7643 §4,
 * RFC 7644 §3.3, §3.5.1) into the form Portico stores and returns.
 *
 * Validation: a JSON object (else 400 invalidSyntax) whose `schemas` is an array of strings
 * (invalidSyntax) that includes the core schema of the resource type (invalidValue); values of
 * known attributes of the right type (invalidValue, see coerce.ts); a User's userName, a Group's
 * displayName, every member's value (invalidValue).
 *
 * Normalisation:
 * - known attribute names take the schema's spelling (`username` → `userName`); unknown
 *   attributes and unknown schema extensions are kept as received (custom attributes);
 * - read-only and write-only input is dropped: id, meta, schemas (recomputed), and a User's
 *   groups (Okta sends `groups: []`); null means unassigned and is dropped;
 * - `password` is dropped before it is even type-checked, in every spelling (`Password`,
 *   `urn:…:core:2.0:User:password`, under the core schema URN, inside an extension): Portico keeps
 *   no synced password (RFC 7643 §4.1.1: writeOnly, returned never);
 * - extension attributes sent flat (`"urn:…:enterprise:2.0:User:department": "x"`) and dotted
 *   keys (`"name.givenName": "x"`) are nested;
 * - `members` is kept whole: a Group PUT is Okta's way to send membership (diffMembers);
 * - `active: false` is kept (Okta deactivates by PUT); "True"/"False" become booleans;
 * - emails without any `primary` (OneLogin): the first becomes primary;
 * - name without `formatted` (Google): formatted is built from the parts;
 * - persona 'jumpcloud' only: no emails and an email-shaped userName → a primary work email
 *   from userName (JumpCloud identifies users by email in userName).
 */
import { isAttrName, isSchemaPath, parseAttrRef } from './attr-path.ts';
import { coerceValue } from './coerce.ts';
import { badRequest, show } from './errors.ts';
import {
  clone,
  getCi,
  isObject,
  isPasswordKey,
  type JsonObject,
  type ScimResource,
  setCi,
} from './objects.ts';
import type { Persona } from './persona.ts';
import { finishResource, syncFormattedName } from './resource-shape.ts';
import { type AttrDef, containerDefs, findDef } from './schema-defs.ts';
import { canonicalUrn, coreSchema, isCoreSchema, isUrn, type ResourceKind } from './urns.ts';

const DROPPED = new Set(['schemas', 'id', 'meta', 'password']);

export function normaliseResource(body: unknown, kind: ResourceKind, persona: Persona): ScimResource {
  if (!isObject(body)) {
    throw badRequest('invalidSyntax', `A ${kind} must be a JSON object; got ${show(body)}`);
  }
  const core = coreSchema(kind);
  const schemas = getCi(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw badRequest(
      'invalidSyntax',
      `schemas must be an array of schema URNs including "${core}"; got ${show(schemas)}`,
    );
  }
  if (!schemas.some((s) => s.toLowerCase() === core.toLowerCase())) {
    throw badRequest(
      'invalidValue',
      `schemas must include "${core}" for a ${kind}; got ${show(schemas, 200)}`,
    );
  }
  const extensions = schemas as string[];
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) place(out, key, value, kind, extensions);
  if (kind === 'User') fillUser(out, persona);
  return finishResource(out, kind);
}

function place(out: JsonObject, key: string, value: unknown, kind: ResourceKind, extensions: string[]): void {
  const lower = key.toLowerCase();
  if (value === null || value === undefined || DROPPED.has(lower) || (kind === 'User' && lower === 'groups'))
    return;
  if (!isUrn(key)) {
    setNested(out, containerDefs(kind, undefined), key, value, key);
    return;
  }
  if (isSchemaPath(key, extensions)) {
    if (!isObject(value))
      throw badRequest('invalidValue', `${key} must be an object of attributes; got ${show(value)}`);
    if (isCoreSchema(key)) {
      // Core attributes nested under the core schema URN: lift them to the top level.
      for (const [k, v] of Object.entries(value)) place(out, k, v, kind, extensions);
      return;
    }
    const target = objectAt(out, canonicalUrn(key));
    const defs = containerDefs(kind, key);
    for (const [k, v] of Object.entries(value)) if (v !== null) setNested(target, defs, k, v, `${key}.${k}`);
    return;
  }
  const ref = parseAttrRef(key);
  // `urn:…:core:2.0:User:password` is the core password: dropped like the unqualified one.
  if (ref && ref.uri === undefined && isPasswordKey(ref.name)) return;
  if (!ref) {
    setCi(out, key, clone(value));
    return;
  }
  const target = ref.uri === undefined ? out : objectAt(out, canonicalUrn(ref.uri));
  const name = ref.sub === undefined ? ref.name : `${ref.name}.${ref.sub}`;
  setNested(target, containerDefs(kind, ref.uri), name, value, key);
}

/** Sets `key` (an attribute, or a dotted `attr.sub`) in `target`, coerced to its definition. */
function setNested(
  target: JsonObject,
  defs: AttrDef[] | undefined,
  key: string,
  value: unknown,
  where: string,
): void {
  const dot = key.indexOf('.');
  if (dot > 0 && isAttrName(key.slice(0, dot)) && isAttrName(key.slice(dot + 1))) {
    const def = findDef(defs, key.slice(0, dot));
    const parent = objectAt(target, def?.name ?? key.slice(0, dot));
    const subDef = findDef(def?.subAttributes, key.slice(dot + 1));
    setCi(parent, subDef?.name ?? key.slice(dot + 1), coerceValue(subDef, value, where));
    return;
  }
  const def = findDef(defs, key);
  const name = def?.name ?? key;
  const coerced = coerceValue(def, value, where);
  const existing = getCi(target, name);
  if (isObject(existing) && isObject(coerced)) setCi(target, name, { ...existing, ...coerced });
  else setCi(target, name, coerced);
}

/** The object at `target[name]`, created (or replacing a non-object) when needed. */
function objectAt(target: JsonObject, name: string): JsonObject {
  const existing = getCi(target, name);
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  setCi(target, name, created);
  return created;
}

function fillUser(user: JsonObject, persona: Persona): void {
  syncFormattedName(user);
  const emails = getCi(user, 'emails');
  if (Array.isArray(emails) && emails.length > 0 && !emails.some((e) => isObject(e) && e.primary === true)) {
    const first = emails.find(isObject);
    if (first) first.primary = true;
  }
  const userName = getCi(user, 'userName');
  if (
    persona === 'jumpcloud' &&
    emails === undefined &&
    typeof userName === 'string' &&
    /^[^@\s]+@[^@\s]+$/.test(userName)
  ) {
    user.emails = [{ value: userName, type: 'work', primary: true }];
  }
}
