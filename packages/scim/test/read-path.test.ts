import { describe, expect, it } from 'vitest';
import { checkReadPath, readAttribute, ScimError } from '../src/index.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, 'urn:acme:custom:2.0:User'],
  userName: 'ada@example.com',
  title: 'Engineer',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { value: 'ada@home.example', type: 'home' },
    { value: 'ada@example.com', type: 'work', primary: true },
  ],
  phoneNumbers: [{ value: '+1 555', type: 'mobile' }],
  [ENT]: { department: 'R&D', costCenter: 'CC-7', manager: { value: 'mgr-1', displayName: 'Grace' } },
  'urn:acme:custom:2.0:User': { badge: 42, site: null },
  'urn:okta:custom': { login: 'ada' },
};

describe('readAttribute', () => {
  it.each([
    ['title', 'Engineer'],
    ['TITLE', 'Engineer'],
    ['name.givenName', 'Ada'],
    ['name.givenname', 'Ada'],
    ['emails[type eq "work"].value', 'ada@example.com'],
    ['emails[type eq "home"].value', 'ada@home.example'],
    ['emails.value', 'ada@example.com'],
    ['phoneNumbers.value', '+1 555'],
    [`${ENT}:department`, 'R&D'],
    [`${ENT}:costCenter`, 'CC-7'],
    [`${ENT}:manager.value`, 'mgr-1'],
    [`${ENT}:manager.displayName`, 'Grace'],
    ['urn:acme:custom:2.0:User:badge', 42],
    ['urn:okta:custom:login', 'ada'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName', 'ada@example.com'],
  ])('%s → %j', (path, value) => {
    expect(readAttribute(user, path)).toEqual(value);
  });

  it.each([
    'nickName',
    'name.middleName',
    'emails[type eq "other"].value',
    'urn:acme:custom:2.0:User:site',
    `${ENT}:division`,
    'urn:missing:ext:attr',
  ])('%s is undefined', (path) => {
    expect(readAttribute(user, path)).toBeUndefined();
  });

  it('checkReadPath refuses malformed paths and whole schemas with invalidPath', () => {
    for (const bad of ['', 'emails[type eq', 'a..b', ENT, '1abc']) {
      let err: unknown;
      try {
        checkReadPath(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ScimError);
      expect((err as ScimError).scimType).toBe('invalidPath');
    }
    expect(() => checkReadPath(`${ENT}:manager.value`)).not.toThrow();
  });
});
