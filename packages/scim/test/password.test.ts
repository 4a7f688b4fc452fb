/**
 * password is writeOnly and returned never (RFC 7643 §4.1.1), and Portico keeps none: every form
 * an IdP sends it in — POST/PUT bodies, PATCH with and without a path, URN-qualified, in any
 * case, inside a value object of several attributes, wrongly typed — leaves no trace in the
 * resource, is never quoted in an error detail, and cannot be filtered on.
 */
import { describe, expect, it } from 'vitest';
import { show } from '../src/errors.ts';
import {
  applyPatch,
  assertFilterable,
  ENTERPRISE_USER_SCHEMA,
  normalisePatch,
  normaliseResource,
  type PatchOperation,
  parseFilter,
  type ScimResource,
  USER_SCHEMA,
} from '../src/index.ts';
import { expectScimError } from './helpers/scim.ts';

const SECRET = 'Zq8-unit-password';
const base = (): ScimResource => ({ schemas: [USER_SCHEMA], id: 'u1', userName: 'ada@example.com' });
const patched = (...ops: PatchOperation[]) => applyPatch(base(), ops, 'User').resource;

describe('password', () => {
  it('is dropped from POST/PUT bodies in every spelling', () => {
    for (const extra of [
      { password: SECRET },
      { PassWord: SECRET },
      { [USER_SCHEMA]: { password: SECRET } },
      { [`${USER_SCHEMA}:password`]: SECRET },
      { [`${USER_SCHEMA}:password`]: { not: 'a string', x: SECRET } },
      { [ENTERPRISE_USER_SCHEMA]: { department: 'D', password: SECRET } },
      { 'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { password: SECRET } },
    ]) {
      const r = normaliseResource(
        { schemas: [USER_SCHEMA], userName: 'ada@example.com', ...extra },
        'User',
        'okta',
      );
      expect(JSON.stringify(r), JSON.stringify(extra)).not.toContain(SECRET);
    }
  });

  it('is accepted and discarded by PATCH in every form, before any type check', () => {
    const forms: PatchOperation[][] = [
      [{ op: 'replace', path: 'password', value: SECRET }],
      [{ op: 'add', path: 'Password', value: SECRET }],
      [{ op: 'replace', path: `${USER_SCHEMA}:password`, value: SECRET }],
      [{ op: 'replace', value: { password: SECRET } }],
      [{ op: 'replace', value: { 'name.givenName': 'A', password: SECRET, active: true } }],
      [{ op: 'replace', value: { [`${USER_SCHEMA}:password`]: SECRET } }],
      [{ op: 'replace', path: USER_SCHEMA, value: { password: SECRET, title: 'T' } }],
      [{ op: 'add', path: ENTERPRISE_USER_SCHEMA, value: { password: SECRET, department: 'D' } }],
      [{ op: 'replace', path: 'password', value: { wrong: 'type', x: SECRET } }],
      [{ op: 'remove', path: 'password' }],
    ];
    for (const ops of forms)
      expect(JSON.stringify(patched(...ops)), JSON.stringify(ops)).not.toContain(SECRET);
    expect(patched({ op: 'replace', value: { 'name.givenName': 'A', password: SECRET } }).name).toEqual({
      givenName: 'A',
      formatted: 'A',
    });
  });

  it('is never quoted in an error detail', () => {
    expect(show({ userName: 12, password: SECRET })).not.toContain(SECRET);
    expect(show({ a: { clientSecret: SECRET, token: SECRET } })).not.toContain(SECRET);
    expect(show({ op: 'replace', Path: `${USER_SCHEMA}:password`, value: SECRET })).not.toContain(SECRET);
    expect(show({ op: 'replace', path: 'title', value: 'T' })).toContain('"T"');
    // An Operations object instead of an array: the detail quotes it, without the password.
    try {
      normalisePatch(
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: { op: 'replace', path: 'password', value: SECRET },
        },
        'generic',
      );
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/Operations/);
      expect((err as Error).message).not.toContain(SECRET);
    }
    try {
      normaliseResource({ schemas: [USER_SCHEMA], userName: { password: SECRET } }, 'User', 'generic');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
    }
  });

  it('cannot be filtered on: 400 invalidFilter, in any position of the filter', () => {
    for (const f of [
      'password pr',
      'PASSWORD eq "x"',
      `${USER_SCHEMA}:password pr`,
      'userName eq "a" and not (password pr)',
      'userName eq "a" or password sw "a"',
    ])
      expectScimError(() => assertFilterable(parseFilter(f), 'User'), 400, 'invalidFilter', /password/);
    expect(() => assertFilterable(parseFilter('userName eq "a" and active eq true'), 'User')).not.toThrow();
  });
});
