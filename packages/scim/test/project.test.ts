/**
 * projectAttributes (RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`), as Entra and Okta
 * use it (`excludedAttributes=members` on group lookups).
 */
import { describe, expect, it } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  projectAttributes,
  type ScimResource,
  USER_SCHEMA,
} from '../src/index.ts';

const ENT = ENTERPRISE_USER_SCHEMA;
const user: ScimResource = {
  schemas: [USER_SCHEMA, ENT],
  id: 'u1',
  userName: 'ada',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { value: 'a@w', type: 'work' },
    { value: 'a@h', type: 'home' },
  ],
  active: true,
  [ENT]: { department: 'Engines', costCenter: 'CC' },
  meta: { resourceType: 'User' },
};

describe('projectAttributes', () => {
  it('returns everything, as a copy, without parameters', () => {
    const r = projectAttributes(user);
    expect(r).toEqual(user);
    expect(r).not.toBe(user);
  });

  it('attributes= keeps only the named ones, plus id and schemas', () => {
    expect(projectAttributes(user, 'userName')).toEqual({ schemas: user.schemas, id: 'u1', userName: 'ada' });
    expect(projectAttributes(user, ' USERNAME , name.givenName,emails.value,nope')).toEqual({
      schemas: user.schemas,
      id: 'u1',
      userName: 'ada',
      name: { givenName: 'Ada' },
      emails: [{ value: 'a@w' }, { value: 'a@h' }],
    });
    expect(projectAttributes(user, `${ENT}:department`)).toEqual({
      schemas: user.schemas,
      id: 'u1',
      [ENT]: { department: 'Engines' },
    });
    expect(projectAttributes(user, ENT)).toMatchObject({
      [ENT]: { department: 'Engines', costCenter: 'CC' },
    });
    expect(projectAttributes(user, `urn:ietf:params:scim:schemas:core:2.0:User:userName`)).toEqual({
      schemas: user.schemas,
      id: 'u1',
      userName: 'ada',
    });
  });

  it('excludedAttributes= removes the named ones, never id or schemas', () => {
    const r = projectAttributes(user, undefined, `emails,name.familyName,id,schemas,${ENT}:costCenter`);
    expect(r).toEqual({
      schemas: user.schemas,
      id: 'u1',
      userName: 'ada',
      name: { givenName: 'Ada' },
      active: true,
      [ENT]: { department: 'Engines' },
      meta: { resourceType: 'User' },
    });
    expect(projectAttributes(user, undefined, ENT)).not.toHaveProperty(ENT);
    expect(projectAttributes(user, undefined, 'userName.x')).toEqual(user);
  });

  it('excludedAttributes=members on a group (Entra, Okta)', () => {
    const g = { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'Eng', members: [{ value: 'u1' }] };
    expect(projectAttributes(g, undefined, 'members')).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g1',
      displayName: 'Eng',
    });
  });
});
