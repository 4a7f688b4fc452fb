/**
 * A recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2, Figure 1):
 *
 *   filter    = orExp
 *   orExp     = andExp *("or" andExp)
 *   andExp    = unary *("and" unary)
 *   unary     = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath
 *   attrExp   = attrPath "pr" / attrPath compareOp compValue
 *   valuePath = attrPath "[" filter "]"            (not nested)
 *
 * Precedence is not > and > or; keywords and operators are case-insensitive. Leniencies (each
 * documented in the README): `attr[filter].sub op value` means "one element of attr matches
 * filter and has sub op value"; single-quoted strings; `True`/`False`/`NULL` in any case.
 * Every error is a ScimError 400 (invalidFilter, or invalidPath when parsing a PATCH path) whose
 * detail quotes the filter and names the character where it went wrong.
 *
 * scim2-parse-filter (the DESIGN's first choice) was measured and not used: it doubles
 * backslashes in strings (`userName eq "CORP\\jdoe"` never matches), accepts `a eq 1 not b eq 2`,
 * and turns `emails[type eq "work"].value eq "x"` into a condition on two different emails.
 * The tests check that this parser agrees with it on every filter without those constructs.
 */
import { type AttrRef, formatRef, isAttrName, parseAttrRef } from './attr-path.ts';
import { badRequest, type ScimType, show } from './errors.ts';
import { type Token, tokenize } from './filter-lexer.ts';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

export type FilterAst =
  | { op: 'and' | 'or'; filters: FilterAst[] }
  | { op: 'not'; filter: FilterAst }
  | { op: 'pr'; attr: AttrRef }
  | { op: CompareOp; attr: AttrRef; value: CompValue }
  | { op: 'valuePath'; attr: AttrRef; filter: FilterAst };

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const OPS = new Set<string>([...COMPARE_OPS, 'pr']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
export const MAX_FILTER_LENGTH = 10_000;
const MAX_DEPTH = 50;

export class ExprParser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly scimType: ScimType,
    private readonly what: string,
  ) {
    if (source.length > MAX_FILTER_LENGTH) {
      throw badRequest(
        scimType,
        `The ${what} is ${source.length} characters long; at most ${MAX_FILTER_LENGTH}`,
      );
    }
    this.tokens = tokenize(source, scimType, what);
  }

  fail(message: string, token: Token = this.peek()): Error {
    return badRequest(
      this.scimType,
      `Invalid ${this.what} ${show(this.source)}: ${message} at character ${token.pos + 1}`,
    );
  }

  peek(): Token {
    return this.tokens[this.i]!;
  }

  next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'end') this.i++;
    return t;
  }

  isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  expect(kind: Token['kind'], context: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.fail(`expected '${kind}' ${context} but found ${describe(t)}`);
    return this.next();
  }

  expectEnd(context: string): void {
    const t = this.peek();
    if (t.kind !== 'end') throw this.fail(`expected ${context} but found ${describe(t)}`);
  }

  /** filter = orExp. `inValue` is true inside brackets, where value paths cannot nest. */
  parseOr(inValue: boolean): FilterAst {
    const filters = [this.parseAnd(inValue)];
    while (this.isWord('or')) {
      this.next();
      filters.push(this.parseAnd(inValue));
    }
    return filters.length === 1 ? filters[0]! : { op: 'or', filters };
  }

  private parseAnd(inValue: boolean): FilterAst {
    const filters = [this.parseUnary(inValue)];
    while (this.isWord('and')) {
      this.next();
      filters.push(this.parseUnary(inValue));
    }
    return filters.length === 1 ? filters[0]! : { op: 'and', filters };
  }

  private parseUnary(inValue: boolean): FilterAst {
    if (++this.depth > MAX_DEPTH) throw this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    try {
      if (this.isWord('not')) {
        this.next();
        this.expect('(', "after 'not' (the RFC writes not (filter))");
        const filter = this.parseOr(inValue);
        this.expect(')', 'to close not (');
        return { op: 'not', filter };
      }
      if (this.peek().kind === '(') {
        const open = this.next();
        const filter = this.parseOr(inValue);
        if (this.peek().kind !== ')') {
          throw this.fail(
            `expected ')' to close the '(' at character ${open.pos + 1} but found ${describe(this.peek())}`,
          );
        }
        this.next();
        return filter;
      }
      return this.parseAttrExp(inValue);
    } finally {
      this.depth--;
    }
  }

  /** An attribute path token; `relative` paths inside brackets name sub-attributes of the element. */
  parseRef(context: string): AttrRef {
    const t = this.peek();
    if (t.kind !== 'word' || t.text.toLowerCase() === 'and' || t.text.toLowerCase() === 'or') {
      throw this.fail(`expected an attribute name${context} but found ${describe(t)}`);
    }
    const ref = parseAttrRef(t.text);
    if (!ref) {
      throw this.fail(
        `${show(t.text)} is not an attribute path (name, name.subAttribute or urn:…:name; names are letters, digits, - and _)`,
      );
    }
    this.next();
    return ref;
  }

  private parseAttrExp(inValue: boolean): FilterAst {
    const attrToken = this.peek();
    const attr = this.parseRef('');
    if (this.peek().kind === '[') {
      if (inValue) throw this.fail('value filters cannot be nested');
      const inner = this.parseBracket(attr, attrToken);
      const after = this.peek();
      if (after.kind === 'word' && after.text.startsWith('.')) {
        // Lenient: emails[type eq "work"].value eq "x" → emails[type eq "work" and value eq "x"].
        const sub = after.text.slice(1);
        if (!isAttrName(sub)) throw this.fail(`${show(after.text)} is not a sub-attribute`);
        this.next();
        const cond = this.parseComparison({ name: sub });
        return { op: 'valuePath', attr, filter: { op: 'and', filters: [inner, cond] } };
      }
      return { op: 'valuePath', attr, filter: inner };
    }
    return this.parseComparison(attr);
  }

  /** "[" filter "]" after `attr`; returns the inner filter. */
  parseBracket(attr: AttrRef, attrToken: Token): FilterAst {
    if (attr.sub !== undefined) {
      throw this.fail(
        `a value filter follows a multi-valued attribute, not the sub-attribute ${show(formatRef(attr))}`,
        attrToken,
      );
    }
    const open = this.next();
    this.depth++;
    const inner = this.parseOr(true);
    this.depth--;
    if (this.peek().kind !== ']') {
      throw this.fail(
        `expected ']' to close the '[' at character ${open.pos + 1} but found ${describe(this.peek())}`,
      );
    }
    this.next();
    return inner;
  }

  private parseComparison(attr: AttrRef): FilterAst {
    const opToken = this.peek();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (!OPS.has(op)) {
      throw this.fail(
        `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after ${show(formatRef(attr))} but found ${describe(opToken)}`,
      );
    }
    this.next();
    if (op === 'pr') return { op: 'pr', attr };
    const valueToken = this.peek();
    const value = this.parseValue(op);
    const compare = op as CompareOp;
    if (
      (compare === 'gt' || compare === 'ge' || compare === 'lt' || compare === 'le') &&
      (value === null || typeof value === 'boolean')
    ) {
      throw this.fail(`${op} compares strings, numbers or dates, not ${String(value)}`, valueToken);
    }
    if ((compare === 'co' || compare === 'sw' || compare === 'ew') && typeof value !== 'string') {
      throw this.fail(`${op} needs a quoted string, not ${String(value)}`, valueToken);
    }
    return { op: compare, attr, value };
  }

  private parseValue(op: string): CompValue {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.value!;
    }
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      const literal =
        lower === 'true' ? true : lower === 'false' ? false : lower === 'null' ? null : undefined;
      if (literal !== undefined) {
        this.next();
        return literal;
      }
      if (NUMBER.test(t.text)) {
        this.next();
        return Number(t.text);
      }
    }
    throw this.fail(
      `expected a value after ${show(op)} (a "quoted string", a number, true, false or null) but found ${describe(t)}`,
    );
  }
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end';
  return show(t.text, 40);
}

/** Parses a `filter=` query value; throws ScimError 400 invalidFilter with a precise detail. */
export function parseFilter(filter: string): FilterAst {
  if (typeof filter !== 'string' || filter.trim() === '') {
    throw badRequest('invalidFilter', 'The filter is empty; for example: userName eq "jdoe@example.com"');
  }
  const p = new ExprParser(filter, 'invalidFilter', 'filter');
  const ast = p.parseOr(false);
  p.expectEnd("'and', 'or' or the end of the filter");
  return ast;
}
