/**
 * Property tests for filters (issue 5): on random users and random filters,
 *
 * - matchesFilter(parseFilter(text)) agrees with a naive evaluator written here from the RFC,
 *   independently of src/ (it walks the generated filter, not the parsed one);
 * - `not (f)` is the negation of f; `a and b` holds iff both do; `a or b` iff either does;
 * - the parser agrees with scim2-parse-filter (the DESIGN's first choice) wherever that parser
 *   is correct (no backslashes, no `].sub`, no negative numbers);
 * - any string either parses or fails with ScimError 400 invalidFilter, nothing else.
 */
import fc from 'fast-check';
import { parse as oracleParse } from 'scim2-parse-filter';
import { describe, expect, it } from 'vitest';
import {
  type FilterAst,
  matchesFilter,
  parseFilter,
  ScimError,
  type ScimResource,
  USER_SCHEMA,
} from '../src/index.ts';

const EXT = 'urn:example:custom:2.0:User';
const WORDS = ['ada', 'Ada', 'ADA', 'adam', 'bob', 'grace', 'a', '', 'x@y.com', 'X@Y.com', 'work', 'home'];
const TYPES = ['work', 'home', 'other'];

// ---------- random users ----------
const email = fc.record(
  { value: fc.constantFrom(...WORDS), type: fc.constantFrom(...TYPES), primary: fc.boolean() },
  { requiredKeys: ['value'] },
);
const userArb: fc.Arbitrary<ScimResource> = fc
  .record(
    {
      id: fc.constantFrom('u1', 'U1', 'u2'),
      externalId: fc.constantFrom('E1', 'e1', 'E2'),
      userName: fc.constantFrom(...WORDS.filter((w) => w !== '')),
      name: fc.record(
        { givenName: fc.constantFrom(...WORDS), familyName: fc.constantFrom(...WORDS) },
        { requiredKeys: [] },
      ),
      active: fc.boolean(),
      title: fc.constantFrom(...WORDS),
      emails: fc.array(email, { maxLength: 3 }),
      level: fc.integer({ min: 0, max: 5 }),
    },
    { requiredKeys: ['id', 'userName'] },
  )
  .map(({ level, ...u }) => ({
    schemas: [USER_SCHEMA],
    ...u,
    ...(level === undefined ? {} : { [EXT]: { level } }),
  }));

// ---------- random filters (the test's own AST) ----------
type Kind = 'string' | 'exact' | 'boolean' | 'number';
interface Path {
  text: string;
  kind: Kind;
  get: (u: unknown) => unknown[];
}
const one = (v: unknown) => (v === undefined || v === null ? [] : [v]);
const field = (o: unknown, k: string): unknown =>
  o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
const list = (o: unknown, k: string): unknown[] => {
  const v = field(o, k);
  return Array.isArray(v) ? v : [];
};
const TOP_PATHS: Path[] = [
  { text: 'userName', kind: 'string', get: (u) => one(field(u, 'userName')) },
  { text: 'id', kind: 'exact', get: (u) => one(field(u, 'id')) },
  { text: 'externalId', kind: 'exact', get: (u) => one(field(u, 'externalId')) },
  { text: 'name.givenName', kind: 'string', get: (u) => one(field(field(u, 'name'), 'givenName')) },
  { text: 'name.familyName', kind: 'string', get: (u) => one(field(field(u, 'name'), 'familyName')) },
  { text: 'title', kind: 'string', get: (u) => one(field(u, 'title')) },
  { text: 'active', kind: 'boolean', get: (u) => one(field(u, 'active')) },
  {
    text: 'emails.value',
    kind: 'string',
    get: (u) => list(u, 'emails').flatMap((e) => one(field(e, 'value'))),
  },
  {
    text: 'emails.type',
    kind: 'string',
    get: (u) => list(u, 'emails').flatMap((e) => one(field(e, 'type'))),
  },
  { text: `${EXT}:level`, kind: 'number', get: (u) => one(field(field(u, EXT), 'level')) },
];
const EMAIL_PATHS: Path[] = [
  { text: 'value', kind: 'string', get: (e) => one(field(e, 'value')) },
  { text: 'type', kind: 'string', get: (e) => one(field(e, 'type')) },
  { text: 'primary', kind: 'boolean', get: (e) => one(field(e, 'primary')) },
];

type T =
  | { t: 'cmp'; path: Path; op: string; value: string | number | boolean | null }
  | { t: 'pr'; path: Path }
  | { t: 'vp'; inner: T }
  | { t: 'and' | 'or'; a: T; b: T }
  | { t: 'not'; f: T };

function leaf(paths: Path[]): fc.Arbitrary<T> {
  return fc.constantFrom(...paths).chain((path): fc.Arbitrary<T> => {
    const pr = fc.constant<T>({ t: 'pr', path });
    const nul = fc.constantFrom('eq', 'ne').map((op): T => ({ t: 'cmp', path, op, value: null }));
    let cmp: fc.Arbitrary<T>;
    if (path.kind === 'boolean') {
      cmp = fc
        .tuple(fc.constantFrom('eq', 'ne'), fc.boolean())
        .map(([op, value]) => ({ t: 'cmp', path, op, value }));
    } else if (path.kind === 'number') {
      cmp = fc
        .tuple(fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), fc.integer({ min: -1, max: 6 }))
        .map(([op, value]) => ({ t: 'cmp', path, op, value }));
    } else {
      const values = path.kind === 'exact' ? ['u1', 'U1', 'E1', 'e1', 'E2'] : WORDS;
      cmp = fc
        .tuple(
          fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'),
          fc.constantFrom(...values),
        )
        .map(([op, value]) => ({ t: 'cmp', path, op, value }));
    }
    return fc.oneof(
      { arbitrary: cmp, weight: 6 },
      { arbitrary: pr, weight: 1 },
      { arbitrary: nul, weight: 1 },
    );
  });
}

function tree(leaves: fc.Arbitrary<T>, withValuePath: boolean): fc.Arbitrary<T> {
  return fc.letrec<{ f: T }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: leaves, weight: 4 },
      ...(withValuePath
        ? [{ arbitrary: tree(leaf(EMAIL_PATHS), false).map((inner): T => ({ t: 'vp', inner })), weight: 1 }]
        : []),
      { arbitrary: fc.tuple(tie('f'), tie('f')).map(([a, b]): T => ({ t: 'and', a, b })), weight: 1 },
      { arbitrary: fc.tuple(tie('f'), tie('f')).map(([a, b]): T => ({ t: 'or', a, b })), weight: 1 },
      { arbitrary: tie('f').map((f): T => ({ t: 'not', f })), weight: 1 },
    ),
  })).f;
}
const filterArb = tree(leaf(TOP_PATHS), true);

/** Text of a generated filter; `shout` upper-cases keywords and attribute names (case-insensitive). */
function text(f: T, shout: boolean): string {
  const k = (w: string) => (shout ? w.toUpperCase() : w);
  const name = (p: Path) => (shout && !p.text.startsWith('urn:') ? p.text.toUpperCase() : p.text);
  switch (f.t) {
    case 'cmp':
      return `${name(f.path)} ${k(f.op)} ${JSON.stringify(f.value)}`;
    case 'pr':
      return `${name(f.path)} ${k('pr')}`;
    case 'vp':
      return `${k('emails')}[${text(f.inner, shout)}]`;
    case 'and':
    case 'or':
      return `(${text(f.a, shout)}) ${k(f.t)} (${text(f.b, shout)})`;
    case 'not':
      return `${k('not')} (${text(f.f, shout)})`;
  }
}

// ---------- the naive evaluator ----------
function naive(f: T, obj: unknown): boolean {
  switch (f.t) {
    case 'and':
      return naive(f.a, obj) && naive(f.b, obj);
    case 'or':
      return naive(f.a, obj) || naive(f.b, obj);
    case 'not':
      return !naive(f.f, obj);
    case 'vp':
      return list(obj, 'emails').some((e) => naive(f.inner, e));
    case 'pr':
      return f.path.get(obj).some((v) => v !== '');
    case 'cmp': {
      const values = f.path.get(obj);
      if (f.op === 'ne') return !naive({ ...f, op: 'eq' }, obj);
      if (f.value === null) return values.length === 0;
      return values.some((v) => cmp(v, f.op, f.value as string | number | boolean, f.path.kind === 'exact'));
    }
  }
}

function cmp(v: unknown, op: string, target: string | number | boolean, exact: boolean): boolean {
  if (typeof v !== typeof target) return false;
  if (typeof v === 'boolean') return op === 'eq' && v === target;
  let a = v as string | number;
  let b = target as string | number;
  if (typeof a === 'string' && !exact) [a, b] = [a.toLowerCase(), (b as string).toLowerCase()];
  const s = (x: string | number) => String(x);
  return {
    eq: a === b,
    co: s(a).includes(s(b)),
    sw: s(a).startsWith(s(b)),
    ew: s(a).endsWith(s(b)),
    gt: a > b,
    ge: a >= b,
    lt: a < b,
    le: a <= b,
  }[op] as boolean;
}

const matchText = (f: string, u: ScimResource) => matchesFilter(parseFilter(f), u);

describe('filter properties', () => {
  it('matchesFilter agrees with the naive evaluator (keywords and names in any case)', () => {
    fc.assert(
      fc.property(filterArb, userArb, fc.boolean(), (f, u, shout) => {
        expect(matchText(text(f, shout), u)).toBe(naive(f, u));
      }),
      { numRuns: 1000 },
    );
  });

  it('not (f) is the negation of f', () => {
    fc.assert(
      fc.property(filterArb, userArb, (f, u) => {
        const s = text(f, false);
        expect(matchText(`not (${s})`, u)).toBe(!matchText(s, u));
      }),
    );
  });

  it('a and b holds iff both hold; a or b iff either does', () => {
    fc.assert(
      fc.property(filterArb, filterArb, userArb, (a, b, u) => {
        const [sa, sb] = [text(a, false), text(b, false)];
        const [ma, mb] = [matchText(sa, u), matchText(sb, u)];
        const both = matchText(`${sa.startsWith('(') ? `(${sa})` : sa} and (${sb})`, u);
        if (both) expect(ma && mb).toBe(true);
        expect(both).toBe(ma && mb);
        expect(matchText(`(${sa}) or (${sb})`, u)).toBe(ma || mb);
      }),
    );
  });

  it('parses every generated filter as scim2-parse-filter does', () => {
    fc.assert(
      fc.property(filterArb, fc.boolean(), (f, shout) => {
        const s = text(f, shout);
        fc.pre(!/ -\d/.test(s)); // its tokenizer rejects a negative number followed by a space or ')'
        expect(canonical(fromOurs(parseFilter(s)))).toEqual(canonical(oracleParse(s) as OracleNode));
      }),
      { numRuns: 300 },
    );
  });

  it('any string parses or fails with ScimError 400 invalidFilter, and what parses evaluates', () => {
    const alphabet = fc.constantFrom(...'abcdeEQNTnotandor prgtlesw()[]"\'\\.:-_$1 0'.split(''));
    const tokens = fc.constantFrom(
      'userName',
      'eq',
      'ne',
      'co',
      'pr',
      'and',
      'or',
      'not',
      '(',
      ')',
      '[',
      ']',
      '"x"',
      '1',
      'true',
      'emails',
      '.value',
      ' ',
    );
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: alphabet }),
      fc.array(tokens).map((t) => t.join(' ')),
    );
    fc.assert(
      fc.property(input, userArb, (s, u) => {
        let ast: FilterAst;
        try {
          ast = parseFilter(s);
        } catch (e) {
          expect(e).toBeInstanceOf(ScimError);
          expect((e as ScimError).scimType).toBe('invalidFilter');
          return;
        }
        expect(typeof matchesFilter(ast, u)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------- both parsers' ASTs in one shape ----------
type Canon = { op: string; path?: string; value?: unknown; children?: Canon[] };

function fromOurs(ast: FilterAst): OracleNode {
  const path = (a: { uri?: string; name: string; sub?: string }) =>
    `${a.uri ? `${a.uri}:` : ''}${a.name}${a.sub ? `.${a.sub}` : ''}`;
  switch (ast.op) {
    case 'and':
    case 'or':
      return { op: ast.op, filters: ast.filters.map(fromOurs) };
    case 'not':
      return { op: 'not', filter: fromOurs(ast.filter) };
    case 'valuePath':
      return { op: '[]', attrPath: path(ast.attr), valFilter: fromOurs(ast.filter) };
    case 'pr':
      return { op: 'pr', attrPath: path(ast.attr) };
    default:
      return { op: ast.op, attrPath: path(ast.attr), compValue: ast.value };
  }
}

interface OracleNode {
  op: string;
  attrPath?: string;
  compValue?: unknown;
  filters?: OracleNode[];
  filter?: OracleNode;
  valFilter?: OracleNode;
}

/** Flattens nested and/or of the same kind, lower-cases attribute paths. */
function canonical(node: OracleNode): Canon {
  if (node.op === 'and' || node.op === 'or') {
    const children = node.filters!.map(canonical).flatMap((c) => (c.op === node.op ? c.children! : [c]));
    return { op: node.op, children };
  }
  if (node.op === 'not') return { op: 'not', children: [canonical(node.filter!)] };
  const path = node.attrPath!.toLowerCase();
  if (node.op === '[]') return { op: '[]', path, children: [canonical(node.valFilter!)] };
  return { op: node.op, path, value: node.compValue };
}
