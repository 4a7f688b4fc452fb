/**
 * The invariants every resource leaving normaliseResource or applyPatch satisfies:
 *
 * - no attribute named `password` anywhere (writeOnly, returned never; Portico keeps none);
 * - `schemas` comes first and lists the core schema, then one URN per extension object present;
 *   empty extension objects are removed;
 * - at most one value of each multi-valued attribute has `primary: true` (RFC 7643 §2.4: the
 *   value the client marked last wins);
 * - a User has a non-empty string userName, a Group a non-empty string displayName, and every
 *   Group member a non-empty string `value`, members unique by value.
 *
 * - a User's `name.formatted`, when the client sent none, is built from the name's parts, and kept
 *   in step with them while it still equals what was built (Google sends no formatted).
 *
 * Also the member diff the server needs when a Group is replaced (Okta sends membership by PUT).
 */
import { badRequest, show } from './errors.ts';
import {
  deleteCi,
  getCi,
  isEmpty,
  isObject,
  type JsonObject,
  type ScimResource,
  withoutPasswords,
} from './objects.ts';
import { canonicalUrn, coreSchema, isUrn, type ResourceKind } from './urns.ts';

export function finishResource(input: JsonObject, kind: ResourceKind): ScimResource {
  const doc = withoutPasswords(input);
  const extensions: string[] = [];
  for (const key of Object.keys(doc)) {
    if (!isUrn(key)) continue;
    if (!isObject(doc[key]) || isEmpty(doc[key])) delete doc[key];
    else extensions.push(key);
  }
  for (const value of Object.values(doc)) if (Array.isArray(value)) enforceSinglePrimary(value);
  checkRequired(doc, kind);
  deleteCi(doc, 'schemas');
  const core = coreSchema(kind);
  return { schemas: [core, ...extensions.map(canonicalUrn)], ...doc };
}

function checkRequired(doc: JsonObject, kind: ResourceKind): void {
  const required = kind === 'User' ? 'userName' : 'displayName';
  const value = getCi(doc, required);
  if (typeof value !== 'string' || value.trim() === '') {
    throw badRequest('invalidValue', `A ${kind} needs a non-empty string ${required}; got ${show(value)}`);
  }
  if (kind !== 'Group') return;
  const members = getCi(doc, 'members');
  if (members === undefined) return;
  if (!Array.isArray(members))
    throw badRequest('invalidValue', `members must be an array; got ${show(members)}`);
  const seen = new Set<string>();
  const unique = members.filter((m, i) => {
    const id = isObject(m) ? getCi(m, 'value') : undefined;
    if (typeof id !== 'string' || id === '') {
      throw badRequest('invalidValue', `members[${i}] must be {"value": "<member id>", …}; got ${show(m)}`);
    }
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (unique.length !== members.length) {
    const key = Object.keys(doc).find((k) => k.toLowerCase() === 'members')!;
    doc[key] = unique;
  }
}

/**
 * Leaves at most one `primary: true` in `values`: `preferred` if it is primary, else the first.
 * Mutates the elements (callers own them).
 */
export function enforceSinglePrimary(values: unknown[], preferred?: unknown): void {
  const primaries = values.filter((v): v is JsonObject => isObject(v) && getCi(v, 'primary') === true);
  if (primaries.length <= 1) return;
  const keep =
    preferred !== undefined && primaries.includes(preferred as JsonObject) ? preferred : primaries[0];
  for (const v of primaries) {
    if (v === keep) continue;
    const key = Object.keys(v).find((k) => k.toLowerCase() === 'primary')!;
    v[key] = false;
  }
}

/** The member ids of a Group resource, in order. */
export function memberIds(resource: ScimResource): string[] {
  const members = getCi(resource, 'members');
  if (!Array.isArray(members)) return [];
  const ids: string[] = [];
  for (const m of members) {
    const id = isObject(m) ? getCi(m, 'value') : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

export interface MemberDiff {
  membersAdded: string[];
  membersRemoved: string[];
}

/** Members in `after` and not `before`, and the reverse (ids compare exactly). */
export function diffMembers(before: ScimResource, after: ScimResource): MemberDiff {
  const a = memberIds(before);
  const b = memberIds(after);
  const setA = new Set(a);
  const setB = new Set(b);
  return {
    membersAdded: [...new Set(b.filter((id) => !setA.has(id)))],
    membersRemoved: [...new Set(a.filter((id) => !setB.has(id)))],
  };
}

const NAME_PARTS = ['honorificPrefix', 'givenName', 'middleName', 'familyName', 'honorificSuffix'];

/** "Ms. Barbara J Jensen III" from the name's parts, or undefined when it has none. */
export function formattedName(name: unknown): string | undefined {
  if (!isObject(name)) return undefined;
  const parts = NAME_PARTS.map((p) => getCi(name, p)).filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * Keeps `name.formatted` built from the parts when the client gives none. On create
 * (`previous` undefined) it fills an absent formatted. After a PATCH it fills it when neither the
 * old nor the new name has one, and rebuilds it when the old one was the built one and the PATCH
 * left it as it was; a formatted the client set or removed is left alone.
 */
export function syncFormattedName(user: JsonObject, previous?: { name: unknown }): void {
  const name = getCi(user, 'name');
  if (!isObject(name)) return;
  const current = getCi(name, 'formatted');
  const before = previous && isObject(previous.name) ? getCi(previous.name, 'formatted') : undefined;
  const fill =
    current === undefined
      ? before === undefined
      : previous !== undefined &&
        before !== undefined &&
        current === before &&
        before === formattedName(previous.name);
  if (!fill) return;
  const built = formattedName(name);
  if (built === undefined) return;
  deleteCi(name, 'formatted');
  name.formatted = built;
}
