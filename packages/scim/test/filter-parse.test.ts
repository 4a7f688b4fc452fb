/**
 * parseFilter (RFC 7644 §3.4.2.2): the grammar, precedence, literals and escapes, URN-qualified
 * paths, the documented leniencies, and a precise invalidFilter detail for each kind of mistake.
 */
import { describe, expect, it } from 'vitest';
import { type FilterAst, MAX_FILTER_LENGTH, parseFilter, simpleEqualityLookup } from '../src/index.ts';
import { expectScimError } from './helpers/scim.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const eq = (name: string, value: unknown, extra: object = {}) => ({
  op: 'eq',
  attr: { name, ...extra },
  value,
});

describe('parseFilter: valid filters', () => {
  it('reads every comparison operator and pr, case-insensitively', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) {
      expect(parseFilter(`title ${op.toUpperCase()} "x"`)).toEqual({
        op,
        attr: { name: 'title' },
        value: 'x',
      });
    }
    expect(parseFilter('title PR')).toEqual({ op: 'pr', attr: { name: 'title' } });
  });

  it('gives not > and > or precedence, and groups with parentheses', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual({
      op: 'or',
      filters: [eq('a', 1), { op: 'and', filters: [eq('b', 2), eq('c', 3)] }],
    });
    expect(parseFilter('(a eq 1 or b eq 2) and not (c eq 3)')).toEqual({
      op: 'and',
      filters: [
        { op: 'or', filters: [eq('a', 1), eq('b', 2)] },
        { op: 'not', filter: eq('c', 3) },
      ],
    });
    expect(parseFilter('a eq 1 and b eq 2 and c eq 3')).toMatchObject({ op: 'and', filters: { length: 3 } });
  });

  it('reads literals: strings with JSON escapes, numbers, true, false, null', () => {
    expect(parseFilter('userName eq "CORP\\\\jdoe"')).toEqual(eq('userName', 'CORP\\jdoe'));
    expect(parseFilter('displayName eq "say \\"hi\\" \\u00e9"')).toEqual(eq('displayName', 'say "hi" é'));
    expect(parseFilter('displayName eq "a b) or (c"')).toEqual(eq('displayName', 'a b) or (c'));
    expect(parseFilter('x eq -1.5e2')).toEqual(eq('x', -150));
    expect(parseFilter('active eq true')).toEqual(eq('active', true));
    expect(parseFilter('active eq False')).toEqual(eq('active', false));
    expect(parseFilter('title eq null')).toEqual(eq('title', null));
  });

  it('reads sub-attributes and URN-qualified names; the core schema URN is the same as none', () => {
    expect(parseFilter('name.givenName sw "A"')).toEqual({
      op: 'sw',
      attr: { name: 'name', sub: 'givenName' },
      value: 'A',
    });
    expect(parseFilter(`${ENT}:manager.value eq "m1"`)).toEqual(
      eq('manager', 'm1', { uri: ENT, sub: 'value' }),
    );
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"')).toEqual(
      eq('userName', 'a'),
    );
  });

  it('reads value paths, and emails[…].value eq "x" as one element matching both (lenient)', () => {
    const inner: FilterAst = {
      op: 'and',
      filters: [eq('type', 'work') as FilterAst, { op: 'co', attr: { name: 'value' }, value: '@x' }],
    };
    expect(parseFilter('emails[type eq "work" and value co "@x"]')).toEqual({
      op: 'valuePath',
      attr: { name: 'emails' },
      filter: inner,
    });
    expect(parseFilter('emails[type eq "work"].value eq "a@x"')).toEqual({
      op: 'valuePath',
      attr: { name: 'emails' },
      filter: { op: 'and', filters: [eq('type', 'work'), eq('value', 'a@x')] },
    });
  });

  it("accepts single-quoted strings (lenient: some clients send emails[type eq 'work'])", () => {
    expect(parseFilter("type eq 'wo\\'rk'")).toEqual(eq('type', "wo'rk"));
  });
});

describe('parseFilter: errors are 400 invalidFilter naming the place', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['userName', /expected an operator .* but found the end at character 9/],
    ['userName xx "a"', /expected an operator .*after "userName" but found "xx" at character 10/],
    ['userName eq', /expected a value after "eq".* at character 12/],
    ['userName eq jdoe', /expected a value .* found "jdoe"/],
    ['userName eq 01', /expected a value/],
    ['userName eq "open', /string starting with " is not closed at character 13/],
    ['userName eq "bad \\x escape"', /bad escape/],
    ['(a eq 1', /expected '\)' to close the '\(' at character 1 but found the end/],
    ['a eq 1)', /expected 'and', 'or' or the end of the filter but found "\)" at character 7/],
    ['a eq 1 b eq 2', /but found "b" at character 8/],
    ['a eq 1 and', /expected an attribute name but found the end/],
    ['a eq 1 not b eq 2', /found "not"/],
    ['not a eq 1', /expected '\(' after 'not'/],
    ['emails[type eq "work"', /expected '\]' to close the '\[' at character 7/],
    ['emails[type[x eq 1]]', /value filters cannot be nested/],
    ['name.givenName[x eq 1]', /not the sub-attribute "name.givenName"/],
    ['a$b eq 1', /"a\$b" is not an attribute path/],
    ['active gt true', /gt compares strings, numbers or dates, not true/],
    ['title co 1', /co needs a quoted string/],
    ['title sw null', /sw needs a quoted string/],
  ];
  for (const [filter, detail] of cases) {
    it(`rejects ${JSON.stringify(filter)}`, () => {
      expectScimError(() => parseFilter(filter), 400, 'invalidFilter', detail);
    });
  }

  it('rejects filters longer than MAX_FILTER_LENGTH and nesting deeper than 50', () => {
    expectScimError(
      () => parseFilter(`a eq "${'x'.repeat(MAX_FILTER_LENGTH)}"`),
      400,
      'invalidFilter',
      /at most/,
    );
    expectScimError(
      () => parseFilter(`${'('.repeat(60)}a eq 1${')'.repeat(60)}`),
      400,
      'invalidFilter',
      /nested more than 50/,
    );
  });
});

describe('simpleEqualityLookup', () => {
  it("recognises the IdPs' lookups by userName, externalId, displayName and id", () => {
    expect(simpleEqualityLookup(parseFilter('userName eq "Ada@X.example"'))).toEqual({
      attribute: 'userName',
      value: 'Ada@X.example',
      caseExact: false,
    });
    expect(simpleEqualityLookup(parseFilter('EXTERNALID eq "00u1"'))).toEqual({
      attribute: 'externalId',
      value: '00u1',
      caseExact: true,
    });
    expect(simpleEqualityLookup(parseFilter('displayName eq "Eng"'))).toMatchObject({
      attribute: 'displayName',
    });
    expect(
      simpleEqualityLookup(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:id eq "u1"')),
    ).toMatchObject({
      attribute: 'id',
      caseExact: true,
    });
  });

  it('returns null for anything else', () => {
    for (const f of [
      'userName ne "a"',
      'userName eq 1',
      'title eq "a"',
      'userName eq "a" and active eq true',
      'name.givenName eq "a"',
      `${ENT}:department eq "x"`,
    ]) {
      expect(simpleEqualityLookup(parseFilter(f)), f).toBeNull();
    }
  });
});
