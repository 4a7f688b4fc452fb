/**
 * PATCH paths (RFC 7644 §3.5.2): `attrPath`, `attrPath[valFilter]`, `attrPath[valFilter].subAttr`,
 * each optionally URN-qualified (`urn:…:enterprise:2.0:User:manager`), or a schema URN alone for
 * a whole extension object. Parsed with the filter parser, so errors point at the character;
 * they are ScimError 400 invalidPath.
 */
import { type AttrRef, isAttrName, isSchemaPath } from './attr-path.ts';
import { badRequest, show } from './errors.ts';
import { ExprParser, type FilterAst } from './filter-parser.ts';
import { isCoreSchema } from './urns.ts';

export interface PatchPath {
  /** The extension schema URN, or undefined for core attributes. */
  uri?: string;
  /** The attribute; undefined when the path is a schema URN alone (the whole extension, or the resource). */
  name?: string;
  filter?: FilterAst;
  sub?: string;
}

/** `extraSchemas`: URNs that name extensions of this resource (its `schemas` and extension keys). */
export function parsePatchPath(path: string, extraSchemas: readonly string[] = []): PatchPath {
  const text = path.trim();
  if (text === '') throw badRequest('invalidPath', 'The path is empty; omit it to target the whole resource');
  if (isSchemaPath(text, extraSchemas)) return isCoreSchema(text) ? {} : { uri: text };
  const p = new ExprParser(text, 'invalidPath', 'path');
  const first = p.peek();
  const ref: AttrRef = p.parseRef('');
  const out: PatchPath = { name: ref.name };
  if (ref.uri !== undefined) out.uri = ref.uri;
  if (ref.sub !== undefined) out.sub = ref.sub;
  if (p.peek().kind === '[') {
    out.filter = p.parseBracket(ref, first);
    const after = p.peek();
    if (after.kind === 'word' && after.text.startsWith('.')) {
      const sub = after.text.slice(1);
      if (!isAttrName(sub)) throw p.fail(`${show(after.text)} is not a sub-attribute`);
      out.sub = sub;
      p.next();
    }
  }
  p.expectEnd('the end of the path (attr, attr.sub, attr[filter] or attr[filter].sub)');
  return out;
}
