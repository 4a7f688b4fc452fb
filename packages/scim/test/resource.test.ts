/**
 * normaliseResource: bad input gets a precise SCIM 400 (garbage, wrong schemas, wrong types,
 * missing required attributes); good input is normalised (canonical names, extensions nested,
 * unknown extensions and attributes kept, readOnly and writeOnly input dropped).
 */
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  normaliseResource,
  USER_SCHEMA,
} from '../src/index.ts';
import { expectScimError } from './helpers/scim.ts';

const ENT = ENTERPRISE_USER_SCHEMA;
const user = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName: 'ada@example.com',
  ...extra,
});

describe('normaliseResource: bad input', () => {
  it('garbage bodies are invalidSyntax', () => {
    for (const body of [null, 'x', 42, [user()], undefined]) {
      expectScimError(
        () => normaliseResource(body, 'User', 'generic'),
        400,
        'invalidSyntax',
        /must be a JSON object/,
      );
    }
  });

  it('missing or malformed schemas are invalidSyntax; the wrong resource schema is invalidValue', () => {
    expectScimError(
      () => normaliseResource({ userName: 'a' }, 'User', 'generic'),
      400,
      'invalidSyntax',
      /schemas must be an array/,
    );
    expectScimError(
      () => normaliseResource({ schemas: USER_SCHEMA, userName: 'a' }, 'User', 'generic'),
      400,
      'invalidSyntax',
    );
    expectScimError(
      () => normaliseResource({ schemas: [1], userName: 'a' }, 'User', 'generic'),
      400,
      'invalidSyntax',
    );
    expectScimError(
      () => normaliseResource({ schemas: [GROUP_SCHEMA], displayName: 'x' }, 'User', 'generic'),
      400,
      'invalidValue',
      /schemas must include "urn:ietf:params:scim:schemas:core:2.0:User" for a User; got \["urn:ietf:params:scim:schemas:core:2.0:Group"\]/,
    );
    expectScimError(() => normaliseResource(user(), 'Group', 'generic'), 400, 'invalidValue', /for a Group/);
  });

  it('missing required attributes are invalidValue', () => {
    expectScimError(
      () => normaliseResource({ schemas: [USER_SCHEMA] }, 'User', 'generic'),
      400,
      'invalidValue',
      /non-empty string userName; got undefined/,
    );
    expectScimError(
      () => normaliseResource(user({ userName: '  ' }), 'User', 'generic'),
      400,
      'invalidValue',
      /userName/,
    );
    expectScimError(
      () => normaliseResource({ schemas: [GROUP_SCHEMA] }, 'Group', 'generic'),
      400,
      'invalidValue',
      /displayName/,
    );
    expectScimError(
      () =>
        normaliseResource(
          { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'a' }, { display: 'b' }] },
          'Group',
          'generic',
        ),
      400,
      'invalidValue',
      /members\[1\] must be \{"value": "<member id>", …\}; got \{"display":"b"\}/,
    );
  });

  it('wrong types are invalidValue naming the attribute', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ userName: { first: 'a' } }, /^userName must be a string; got \{"first":"a"\}$/],
      [{ active: 'yes' }, /^active must be true or false; got "yes"$/],
      [{ name: 'Ada Lovelace' }, /^name must be an object; got "Ada Lovelace"$/],
      [{ name: { givenName: ['a', 'b'] } }, /^name\.givenName is single-valued/],
      [{ emails: [{ value: 'a@b', primary: 'sometimes' }] }, /^emails\[0\]\.primary must be true or false/],
      [{ emails: [['a@b']] }, /^emails\[0\] must be an object/],
      [{ [ENT]: 'Engines' }, /must be an object of attributes/],
      [{ [ENT]: { manager: [1, 2] } }, /manager is single-valued/],
    ];
    for (const [extra, detail] of cases) {
      expectScimError(() => normaliseResource(user(extra), 'User', 'generic'), 400, 'invalidValue', detail);
    }
  });
});

describe('normaliseResource: normalisation', () => {
  it('puts known names in the schema spelling and keeps unknown attributes as received', () => {
    const r = normaliseResource(
      {
        SCHEMAS: [USER_SCHEMA.toLowerCase()],
        USERNAME: 'a',
        Name: { GIVENNAME: 'Ada', nickname: 'x' },
        customThing: { a: [1] },
        EMAILS: [{ VALUE: 'a@b' }],
      },
      'User',
      'generic',
    );
    expect(r).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'a',
      name: { givenName: 'Ada', nickname: 'x', formatted: 'Ada' },
      customThing: { a: [1] },
      emails: [{ value: 'a@b', primary: true }],
    });
  });

  it("drops id, meta, password, a User's groups and nulls; keeps a Group's members", () => {
    const r = normaliseResource(
      user({ id: 'x', meta: {}, password: 'p', groups: [{ value: 'g' }], title: null, nickName: 'A' }),
      'User',
      'okta',
    );
    expect(r).toEqual({ schemas: [USER_SCHEMA], userName: 'ada@example.com', nickName: 'A' });
    const g = normaliseResource(
      { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'a', type: 'User' }, { value: 'a' }] },
      'Group',
      'generic',
    );
    expect(g).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'a', type: 'User' }] });
  });

  it('nests flat extension attributes and dotted names; lists every extension present in schemas', () => {
    const r = normaliseResource(
      user({
        [`${ENT}:department`]: 'Engines',
        [ENT]: { costCenter: 'CC' },
        [`${ENT}:manager.value`]: 'm1',
        'name.givenName': 'Ada',
        'urn:ietf:params:scim:schemas:core:2.0:User:title': 'Analyst',
      }),
      'User',
      'generic',
    );
    expect(r).toEqual({
      schemas: [USER_SCHEMA, ENT],
      userName: 'ada@example.com',
      [ENT]: { department: 'Engines', costCenter: 'CC', manager: { value: 'm1' } },
      name: { givenName: 'Ada', formatted: 'Ada' },
      title: 'Analyst',
    });
  });

  it('keeps unknown schema extensions as custom attributes', () => {
    const acme = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    const listed = 'urn:example:okta:custom';
    const r = normaliseResource(
      {
        schemas: [USER_SCHEMA, acme, listed],
        userName: 'a',
        [acme]: { badge: 7, tags: ['x'] },
        [listed]: { shoeSize: '42' },
      },
      'User',
      'generic',
    );
    expect(r[acme]).toEqual({ badge: 7, tags: ['x'] });
    expect(r[listed]).toEqual({ shoeSize: '42' });
    expect(r.schemas).toEqual([USER_SCHEMA, acme, listed]);
  });

  it('drops empty extensions and unlisted schema URNs from schemas', () => {
    const r = normaliseResource(
      { schemas: [USER_SCHEMA, ENT, 'urn:x:y'], userName: 'a', [ENT]: {} },
      'User',
      'generic',
    );
    expect(r).toEqual({ schemas: [USER_SCHEMA], userName: 'a' });
  });

  it('coerces lenient shapes: a bare manager id, one email object, a list of member ids', () => {
    const r = normaliseResource(
      user({
        externalId: '1234',
        [ENT]: { employeeNumber: '7', manager: 'm9' },
        emails: { value: 'a@b', type: 'work' },
      }),
      'User',
      'generic',
    );
    expect(r).toMatchObject({
      externalId: '1234',
      [ENT]: { employeeNumber: '7', manager: { value: 'm9' } },
      emails: [{ value: 'a@b', type: 'work', primary: true }],
    });
    expect(
      normaliseResource({ schemas: [GROUP_SCHEMA], displayName: 'G', members: ['u1'] }, 'Group', 'generic')
        .members,
    ).toEqual([{ value: 'u1' }]);
  });

  it('does not coerce wrong JSON types: numbers for strings, a scalar for a list (400 invalidValue)', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ userName: 12345 }, /^userName must be a string; got 12345$/],
      [{ externalId: 1234 }, /^externalId must be a string; got 1234$/],
      [{ title: true }, /^title must be a string; got true$/],
      [{ [ENT]: { employeeNumber: 7 } }, /employeeNumber must be a string; got 7$/],
      [{ [ENT]: { manager: 9 } }, /manager must be an object; got 9$/],
      [{ emails: 'x' }, /^emails must be an array of objects such as \[\{"value": …\}\]; got "x"$/],
      [{ phoneNumbers: 5551234 }, /^phoneNumbers must be an array of objects/],
      [{ active: 'yes' }, /^active must be true or false; got "yes"$/],
    ];
    for (const [extra, detail] of cases)
      expectScimError(() => normaliseResource(user(extra), 'User', 'generic'), 400, 'invalidValue', detail);
    // Entra's "True"/"False" strings stay accepted.
    expect(normaliseResource(user({ active: 'True' }), 'User', 'generic').active).toBe(true);
  });

  it('keeps the one primary the client marked, the first when it marked several', () => {
    const r = normaliseResource(
      user({
        emails: [
          { value: 'a', primary: false },
          { value: 'b', primary: true },
          { value: 'c', primary: true },
        ],
      }),
      'User',
      'generic',
    );
    expect(r.emails).toEqual([
      { value: 'a', primary: false },
      { value: 'b', primary: true },
      { value: 'c', primary: false },
    ]);
  });
});

describe('normaliseResource and applyPatch: hostile keys', () => {
  it('never write __proto__, in a body, a sub-object, a path-less PATCH value or a path', () => {
    const body = JSON.parse(
      `{"schemas":["${USER_SCHEMA}"],"userName":"a","__proto__":{"polluted":1},"name":{"__proto__":{"polluted":1}},"custom":{"__proto__":{"x":1}}}`,
    );
    const r = normaliseResource(body, 'User', 'generic');
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(r.name)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['schemas', 'userName', 'name', 'custom']);
    const patched = applyPatch(
      r,
      [{ op: 'add', value: JSON.parse('{"__proto__":{"polluted":1}}') }],
      'User',
    ).resource;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectScimError(
      () => applyPatch(r, [{ op: 'add', path: '__proto__', value: 1 }], 'User'),
      400,
      'invalidPath',
    );
  });
});
