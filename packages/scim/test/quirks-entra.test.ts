/**
 * Entra ID's SCIM dialect, old (customappsso-era, before Microsoft's compliance fixes) and
 * current: one test per quirk, each on a corpus body (corpus/entra/). The server calls
 * normaliseResource / normalisePatch with persona 'entra' and then applyPatch.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  ENTERPRISE_USER_SCHEMA,
  normalisePatch,
  normaliseResource,
  type ScimResource,
} from '../src/index.ts';
import { corpus, group, memberValues, stored } from './helpers/scim.ts';

const ext = (r: ScimResource) => r[ENTERPRISE_USER_SCHEMA] as Record<string, unknown>;
const ada = () => stored(corpus('entra/post-user.json'), 'User', 'entra', 'user_ada');
const patchUser = (user: ScimResource, file: string) =>
  applyPatch(user, normalisePatch(corpus(file), 'entra'), 'User').resource;

describe('Entra quirks', () => {
  it('quirk: capitalised op names ("Add", "Replace", "Remove")', () => {
    const ops = normalisePatch(corpus('entra/patch-legacy-capitalised-ops.json'), 'entra');
    expect(ops.map((o) => o.op)).toEqual(['add', 'replace', 'remove']);
    const user = applyPatch(ada(), ops, 'User').resource;
    expect(user).toMatchObject({ nickName: 'Countess', displayName: 'Augusta Ada King' });
    expect(user.title).toBeUndefined();
  });

  it('quirk: "True"/"False" strings for booleans', () => {
    const user = normaliseResource(corpus('entra/post-user-legacy-string-booleans.json'), 'User', 'entra');
    expect(user.active).toBe(true);
    expect(user.emails).toEqual([
      { primary: true, type: 'work', value: 'grace.hopper@contoso.example' },
      { primary: false, type: 'other', value: 'grace@navy.example' },
    ]);
  });

  it('quirk: URN paths containing colons (and the manager sent as a bare id)', () => {
    const user = patchUser(ada(), 'entra/patch-enterprise-urn-paths.json');
    expect(ext(user)).toEqual({
      department: 'Analytical Engines',
      manager: { value: '7d0c5c2e-1b7a-4c55-9a8e-0f2b3c4d5e6f' },
      costCenter: 'CC-42',
    });
    expect(user.schemas).toContain(ENTERPRISE_USER_SCHEMA);
  });

  it('quirk: soft delete by Replace active "False" (old)', () => {
    const user = patchUser(ada(), 'entra/patch-legacy-disable.json');
    expect(user.active).toBe(false);
    expect(user.userName).toBe('Ada.Lovelace@contoso.example');
  });

  it('quirk: soft delete by replace active false, with a path or path-less (current)', () => {
    for (const body of corpus<unknown[]>('entra/patch-disable.json')) {
      const user = applyPatch(ada(), normalisePatch(body, 'entra'), 'User').resource;
      expect(user.active).toBe(false);
    }
  });

  it('quirk: path-less replace whose keys are paths: name.givenName, emails[type eq "work"].value, URN attributes (current)', () => {
    const user = patchUser(ada(), 'entra/patch-replace-path-keys.json');
    expect(user).toMatchObject({
      displayName: 'Ada King',
      name: { givenName: 'Augusta Ada', familyName: 'King', formatted: 'Augusta Ada King' },
      emails: [{ primary: true, type: 'work', value: 'ada.king@contoso.example' }],
    });
    expect(ext(user).employeeNumber).toBe('1816');
    expect(Object.keys(user).sort()).toEqual(
      [
        'schemas',
        'id',
        'externalId',
        'userName',
        'active',
        'displayName',
        'emails',
        'name',
        'title',
        'roles',
        ENTERPRISE_USER_SCHEMA,
      ].sort(),
    );
  });

  it('quirk: add to emails[type eq "work"].value when the user has no work email creates it', () => {
    const grace = stored(
      { schemas: [corpus<{ schemas: string[] }>('entra/post-user.json').schemas[0]], userName: 'grace' },
      'User',
      'entra',
      'u',
    );
    const user = patchUser(grace, 'entra/patch-add-missing-work-email.json');
    expect(user.emails).toEqual([{ type: 'work', value: 'grace.hopper@contoso.example' }]);
    expect(user.addresses).toEqual([{ type: 'work', locality: 'Arlington' }]);
    expect(user.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
  });

  it('quirk: remove members with value [{value}] instead of a filter path (old)', () => {
    const ops = normalisePatch(corpus('entra/patch-legacy-remove-member.json'), 'entra');
    expect(ops).toEqual([
      { op: 'remove', path: 'members[value eq "user_ada"]' },
      { op: 'remove', path: 'members[value eq "user_grace"]' },
    ]);
    const result = applyPatch(group('g1', ['user_ada', 'user_alan', 'user_grace']), ops, 'Group');
    expect(memberValues(result.resource)).toEqual(['user_alan']);
    expect(result.membersRemoved).toEqual(['user_ada', 'user_grace']);
    expect(result.membersAdded).toEqual([]);
  });

  it('quirk: remove members with members[value eq "id"] (current RFC behaviour)', () => {
    const ops = normalisePatch(corpus('entra/patch-remove-member.json'), 'entra');
    const result = applyPatch(group('g1', ['user_ada', 'user_grace']), ops, 'Group');
    expect(memberValues(result.resource)).toEqual(['user_grace', 'user_alan']);
    expect(result).toMatchObject({ membersAdded: ['user_alan'], membersRemoved: ['user_ada'] });
  });
});
