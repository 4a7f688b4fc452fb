/**
 * matchesFilter (RFC 7644 §3.4.2.2 semantics): each operator, case rules (caseExact attributes
 * compare exactly, other strings ignore case, attribute names always ignore case), multi-valued
 * and complex attributes, value paths, sub-attributes, extension URNs, dates, and null.
 */
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA, matches, type ScimResource, USER_SCHEMA } from '../src/index.ts';

const ENT = ENTERPRISE_USER_SCHEMA;
const user: ScimResource = {
  schemas: [USER_SCHEMA, ENT],
  id: 'directory_user_01ABC',
  externalId: 'Ext-42',
  userName: 'Ada.Lovelace@Example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  active: true,
  title: '',
  emails: [
    { value: 'ada@work.example', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  meta: { created: '2024-01-15T10:00:00Z', lastModified: '2024-06-01T08:30:00.000Z' },
  [ENT]: { department: 'Engines', manager: { value: 'directory_user_01MGR' } },
  'urn:example:custom:2.0:User': { level: 7 },
};
const yes = (f: string) => expect(matches(f, user), f).toBe(true);
const no = (f: string) => expect(matches(f, user), f).toBe(false);

describe('matchesFilter', () => {
  it('eq and ne ignore case for ordinary strings and attribute names', () => {
    yes('userName eq "ada.lovelace@example.com"');
    yes('USERNAME Eq "ADA.LOVELACE@EXAMPLE.COM"');
    no('userName ne "ada.lovelace@example.com"');
    yes('userName ne "grace@example.com"');
  });

  it('id and externalId are caseExact (RFC 7643 §3.1)', () => {
    yes('id eq "directory_user_01ABC"');
    no('id eq "DIRECTORY_USER_01abc"');
    yes('externalId eq "Ext-42"');
    no('externalId eq "ext-42"');
    yes(`${ENT}:manager.value eq "directory_user_01MGR"`);
    no(`${ENT}:manager.value eq "directory_user_01mgr"`);
  });

  it('co, sw, ew', () => {
    yes('userName co "LOVELACE"');
    yes('userName sw "ada."');
    yes('userName ew "@example.COM"');
    no('userName sw "lovelace"');
  });

  it('gt, ge, lt, le on strings, numbers and dateTimes', () => {
    yes('name.familyName gt "K"');
    no('name.familyName lt "K"');
    yes('name.familyName ge "lovelace"');
    yes('name.familyName le "Lovelace"');
    yes('urn:example:custom:2.0:User:level gt 6');
    yes('urn:example:custom:2.0:User:level le 7');
    no('urn:example:custom:2.0:User:level lt 7');
    no('urn:example:custom:2.0:User:level gt "6"');
    yes('meta.lastModified gt "2024-06-01T09:00:00+02:00"');
    no('meta.lastModified gt "2024-06-01T08:30:00Z"');
    yes('meta.lastModified ge "2024-06-01T08:30:00Z"');
    yes('meta.created lt "2024-01-15T10:00:01Z"');
  });

  it('pr: present and not empty', () => {
    yes('userName pr');
    no('title pr');
    no('nickName pr');
    yes('emails pr');
    yes('name pr');
    yes(`${ENT}:department pr`);
  });

  it('booleans and null', () => {
    yes('active eq true');
    no('active eq false');
    no('active eq "true"');
    yes('nickName eq null');
    no('userName eq null');
    yes('userName ne null');
  });

  it('multi-valued attributes match when any value does; a complex value compares through .value', () => {
    yes('emails.value eq "ada@home.example"');
    yes('emails.type eq "home"');
    yes('emails eq "ADA@WORK.example"');
    no('emails.value eq "nobody@example.com"');
  });

  it('value paths need one element to match the whole inner filter', () => {
    yes('emails[type eq "work" and value co "@work"]');
    no('emails[type eq "home" and value co "@work"]');
    yes('emails[type eq "home" or primary eq true]');
    yes('emails[not (type eq "work")]');
    yes('emails[type eq "work"].value eq "ada@work.example"');
    no('emails[type eq "work"].value eq "ada@home.example"');
    no('name[givenName eq "Ada"] and userName eq "x"');
  });

  it('and, or, not and grouping', () => {
    yes('userName sw "ada" and (active eq false or name.givenName eq "ada")');
    no('not (userName sw "ada")');
    yes('not (title pr) and not (nickName pr)');
  });

  it('URN-qualified attributes look inside the extension; unknown ones never match', () => {
    yes(`${ENT}:department eq "engines"`);
    yes(`${ENT.toUpperCase()}:DEPARTMENT eq "ENGINES"`);
    no('urn:example:other:2.0:User:department eq "engines"');
    yes('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "ada"');
  });

  it('mismatched types never match, and ne of them holds', () => {
    no('name eq "Ada"');
    no('active eq 1');
    yes('active ne 1');
  });

  it("Entra's membership check on a group: id eq … and members[value eq …]", () => {
    const g = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g1',
      displayName: 'Eng',
      members: [{ value: 'u1' }, { value: 'u2' }],
    };
    expect(matches('id eq "g1" and members[value eq "u2"]', g)).toBe(true);
    expect(matches('id eq "g1" and members[value eq "U2"]', g)).toBe(false);
    expect(matches('id eq "g1" and members[value eq "u3"]', g)).toBe(false);
    expect(matches('displayName eq "ENG"', g)).toBe(true);
  });
});
