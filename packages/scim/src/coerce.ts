/**
 * Coerces one received attribute value to its schema type (RFC 7643 §2.3), leniently where an IdP
 * is known to send another JSON type for the same meaning, strictly otherwise:
 *
 * - boolean: true/false, or the strings "True"/"False"/"true"/"false" (Entra, JumpCloud);
 * - string, reference, dateTime, binary: a string only — `"userName": 12345` is refused, not
 *   turned into "12345" (RFC 7644 §3.12 invalidValue; no IdP we know sends numbers there);
 * - integer, decimal: a number or a numeric string;
 * - complex: an object (sub-attributes coerced, names in the schema's spelling, nulls dropped),
 *   or a bare string where the complex type has a `value` (Entra's manager "id" → {value: "id"},
 *   and the elements of a list of ids, `members: ["id"]`);
 * - multi-valued: an array, or a single object wrapped into one (OneLogin's members object); a
 *   bare scalar for a multi-valued complex attribute (`"emails": "x"`) is refused: it is not a
 *   list, and wrapping it would store an email nobody sent in that shape.
 *
 * Anything else is a ScimError 400 invalidValue that names the attribute and the received value.
 * Attributes without a definition are kept as received (deep-copied).
 */
import { badRequest, show } from './errors.ts';
import { clone, isObject, type JsonObject, setCi } from './objects.ts';
import { type AttrDef, findDef } from './schema-defs.ts';

export function coerceValue(def: AttrDef | undefined, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return value;
  if (!def) return clone(value);
  if (def.multiValued) {
    if (!Array.isArray(value) && def.type === 'complex' && !isObject(value))
      throw badRequest(
        'invalidValue',
        `${where} must be an array of objects such as [{"value": …}]; got ${show(value)}`,
      );
    const items = Array.isArray(value) ? value : [value];
    return items.filter((v) => v !== null).map((v, i) => coerceSingle(def, v, `${where}[${i}]`));
  }
  if (Array.isArray(value)) {
    if (value.length === 1) return coerceSingle(def, value[0], where);
    throw badRequest('invalidValue', `${where} is single-valued; got an array ${show(value)}`);
  }
  return coerceSingle(def, value, where);
}

/** One value of `def` (one element when `def` is multi-valued). */
export function coerceSingle(def: AttrDef, value: unknown, where: string): unknown {
  switch (def.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
        return value.trim().toLowerCase() === 'true';
      }
      throw badRequest('invalidValue', `${where} must be true or false; got ${show(value)}`);
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n) && (def.type === 'decimal' || Number.isInteger(n)))
        return n;
      throw badRequest(
        'invalidValue',
        `${where} must be ${def.type === 'integer' ? 'an integer' : 'a number'}; got ${show(value)}`,
      );
    }
    case 'complex':
      if (isObject(value)) return coerceComplex(def.subAttributes, value, where);
      if (typeof value === 'string' && findDef(def.subAttributes, 'value')) {
        return coerceComplex(def.subAttributes, { value }, where);
      }
      throw badRequest('invalidValue', `${where} must be an object; got ${show(value)}`);
    default:
      if (typeof value === 'string') return value;
      throw badRequest('invalidValue', `${where} must be a string; got ${show(value)}`);
  }
}

/** The sub-attributes of a complex value, each coerced; unknown ones kept; nulls dropped. */
export function coerceComplex(
  defs: readonly AttrDef[] | undefined,
  obj: JsonObject,
  where: string,
): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    const d = findDef(defs, key);
    const name = d?.name ?? key;
    setCi(out, name, d ? coerceValue(d, v, `${where}.${name}`) : clone(v));
  }
  return out;
}
