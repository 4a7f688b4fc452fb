/**
 * applyPatch (RFC 7644 §3.5.2): add, replace and remove on simple, complex, multi-valued and
 * extension attributes, value-path filters with and without sub-attributes, path-less objects,
 * member diffs, primary uniqueness, readOnly attributes, and the errors.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  ENTERPRISE_USER_SCHEMA,
  type PatchOperation,
  type ScimResource,
  USER_SCHEMA,
} from '../src/index.ts';
import { expectScimError, group, memberValues } from './helpers/scim.ts';

const ENT = ENTERPRISE_USER_SCHEMA;
const base = (): ScimResource => ({
  schemas: [USER_SCHEMA, ENT],
  id: 'u1',
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Countess of Lovelace' },
  title: 'Analyst',
  emails: [
    { value: 'ada@work.example', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  [ENT]: { department: 'Engines' },
  meta: { resourceType: 'User' },
});
const apply = (...ops: PatchOperation[]) => applyPatch(base(), ops, 'User').resource;

describe('applyPatch on Users', () => {
  it('does not modify its input', () => {
    const input = base();
    applyPatch(
      input,
      [
        { op: 'replace', path: 'name.givenName', value: 'A' },
        { op: 'remove', path: 'emails' },
      ],
      'User',
    );
    expect(input).toEqual(base());
  });

  it('add/replace a simple attribute sets it; remove deletes it', () => {
    expect(apply({ op: 'add', path: 'nickName', value: 'Ada' }).nickName).toBe('Ada');
    expect(apply({ op: 'replace', path: 'TITLE', value: 'Countess' }).title).toBe('Countess');
    expect(apply({ op: 'remove', path: 'title' })).not.toHaveProperty('title');
    expect(apply({ op: 'remove', path: 'nickName' })).toEqual(apply());
  });

  it('replace of a complex attribute merges the given sub-attributes (§3.5.2.3)', () => {
    expect(apply({ op: 'replace', path: 'name', value: { givenName: 'Augusta' } }).name).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
      formatted: 'Countess of Lovelace',
    });
    expect(apply({ op: 'replace', path: 'name.familyName', value: 'King' }).name).toMatchObject({
      familyName: 'King',
    });
    expect(apply({ op: 'remove', path: 'name.formatted' }).name).toEqual({
      givenName: 'Ada',
      familyName: 'Lovelace',
    });
  });

  it('add to a multi-valued attribute appends, without duplicates; replace replaces all', () => {
    const added = apply({
      op: 'add',
      path: 'emails',
      value: [
        { value: 'ada@other.example', type: 'other' },
        { value: 'ada@home.example', type: 'home' },
      ],
    });
    expect((added.emails as unknown[]).length).toBe(3);
    const replaced = apply({
      op: 'replace',
      path: 'emails',
      value: [{ value: 'new@example.com', type: 'work' }],
    });
    expect(replaced.emails).toEqual([{ value: 'new@example.com', type: 'work' }]);
    expect(apply({ op: 'replace', path: 'emails', value: [] })).not.toHaveProperty('emails');
  });

  it('a new primary value takes primary from the others', () => {
    const user = apply({
      op: 'add',
      path: 'emails',
      value: [{ value: 'ada@new.example', type: 'other', primary: true }],
    });
    expect((user.emails as { primary?: boolean }[]).map((e) => e.primary)).toEqual([false, undefined, true]);
    const viaFilter = apply({ op: 'replace', path: 'emails[type eq "home"].primary', value: true });
    expect((viaFilter.emails as { primary?: boolean }[]).map((e) => e.primary)).toEqual([false, true]);
  });

  it('value filters: replace a sub-attribute, merge into the element, remove the element or a sub-attribute', () => {
    expect(
      apply({ op: 'replace', path: 'emails[type eq "work"].value', value: 'w@x.example' }).emails,
    ).toEqual([
      { value: 'w@x.example', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ]);
    expect(
      apply({
        op: 'replace',
        path: 'emails[type eq "home"]',
        value: { value: 'h@x.example', display: 'Home' },
      }).emails,
    ).toEqual([
      { value: 'ada@work.example', type: 'work', primary: true },
      { value: 'h@x.example', type: 'home', display: 'Home' },
    ]);
    expect(apply({ op: 'remove', path: 'emails[type eq "home"]' }).emails).toEqual([
      { value: 'ada@work.example', type: 'work', primary: true },
    ]);
    expect(apply({ op: 'remove', path: 'emails[value ew "example"]' })).not.toHaveProperty('emails');
    expect(apply({ op: 'remove', path: 'emails[type eq "work"].primary' }).emails).toEqual([
      { value: 'ada@work.example', type: 'work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
    expect(apply({ op: 'remove', path: 'emails[type eq "nope"]' })).toEqual(apply());
  });

  it('a filter that matches nothing: add/replace create the value when the filter is eq only, else noTarget', () => {
    expect(
      apply({ op: 'replace', path: 'emails[type eq "other" and display eq "Old"].value', value: 'o@x' })
        .emails,
    ).toContainEqual({
      type: 'other',
      display: 'Old',
      value: 'o@x',
    });
    expectScimError(
      () => apply({ op: 'replace', path: 'emails[value co "zzz"].value', value: 'x' }),
      400,
      'noTarget',
      /no value of emails matches/,
    );
  });

  it('sub-attribute without a filter applies to every value of a multi-valued attribute', () => {
    expect(apply({ op: 'replace', path: 'emails.display', value: 'Ada' }).emails).toEqual([
      { value: 'ada@work.example', type: 'work', primary: true, display: 'Ada' },
      { value: 'ada@home.example', type: 'home', display: 'Ada' },
    ]);
  });

  it('extension attributes: URN paths, the whole extension, and schemas kept in step', () => {
    expect(apply({ op: 'replace', path: `${ENT}:department`, value: 'Looms' })[ENT]).toEqual({
      department: 'Looms',
    });
    expect(apply({ op: 'add', path: ENT, value: { division: 'R&D' } })[ENT]).toEqual({
      department: 'Engines',
      division: 'R&D',
    });
    const gone = apply({ op: 'remove', path: `${ENT}:department` });
    expect(gone).not.toHaveProperty(ENT);
    expect(gone.schemas).toEqual([USER_SCHEMA]);
    expect(apply({ op: 'remove', path: ENT }).schemas).toEqual([USER_SCHEMA]);
    const custom = apply({ op: 'add', path: 'urn:example:acme:2.0:User:badge', value: 'B-7' });
    expect(custom['urn:example:acme:2.0:User']).toEqual({ badge: 'B-7' });
    expect(custom.schemas).toEqual([USER_SCHEMA, ENT, 'urn:example:acme:2.0:User']);
  });

  it('path-less add and replace apply each key; schemas and meta keys are ignored; id may repeat itself', () => {
    const user = apply({
      op: 'replace',
      value: {
        id: 'u1',
        schemas: ['x'],
        meta: { version: 'W/1' },
        title: 'Countess',
        name: { givenName: 'A' },
      },
    });
    expect(user).toMatchObject({
      id: 'u1',
      title: 'Countess',
      name: { givenName: 'A', familyName: 'Lovelace' },
      meta: { resourceType: 'User' },
    });
    expect(user.schemas).toEqual([USER_SCHEMA, ENT]);
    expect(
      apply({ op: 'add', value: { emails: [{ value: 'x@y.example', type: 'other' }] } }).emails,
    ).toHaveLength(3);
  });

  it('coerces values to their types and rejects what cannot be', () => {
    expect(apply({ op: 'replace', path: 'active', value: 'False' }).active).toBe(false);
    expect(apply({ op: 'replace', path: `${ENT}:manager`, value: 'm1' })[ENT]).toMatchObject({
      manager: { value: 'm1' },
    });
    expectScimError(
      () => apply({ op: 'replace', path: 'active', value: 'nope' }),
      400,
      'invalidValue',
      /^Operations\[0\] \(path "active"\): value must be true or false; got "nope"$/,
    );
    expectScimError(
      () => apply({ op: 'replace', path: 'name', value: 'Ada' }),
      400,
      'invalidValue',
      /\(path "name"\): value must be an object; got "Ada"/,
    );
    expectScimError(
      () => apply({ op: 'replace', path: 'userName', value: { a: 1 } }),
      400,
      'invalidValue',
      /value must be a string/,
    );
    expectScimError(
      () => apply({ op: 'replace', value: 'x' }),
      400,
      'invalidValue',
      /needs an object of attributes/,
    );
  });

  it('id, meta and groups are readOnly: 400 mutability', () => {
    expectScimError(
      () => apply({ op: 'replace', path: 'id', value: 'u2' }),
      400,
      'mutability',
      /id is readOnly/,
    );
    expectScimError(() => apply({ op: 'replace', value: { id: 'u2' } }), 400, 'mutability', /id is readOnly/);
    expectScimError(() => apply({ op: 'remove', path: 'meta' }), 400, 'mutability');
    expectScimError(
      () => apply({ op: 'add', path: 'groups', value: [{ value: 'g1' }] }),
      400,
      'mutability',
      /through the Group/,
    );
    const removeGroups = [
      { op: 'remove' as const, path: 'groups[value eq "g1"]' },
      { op: 'remove' as const, path: 'groups[value eq "g2"]' },
    ];
    expectScimError(() => apply(...removeGroups), 400, 'mutability', /groups is readOnly/);
  });

  it('userName cannot be removed; remove needs a path; a filter needs a multi-valued attribute', () => {
    expectScimError(
      () => apply({ op: 'remove', path: 'userName' }),
      400,
      'invalidValue',
      /non-empty string userName/,
    );
    expectScimError(() => apply({ op: 'remove' }), 400, 'noTarget');
    expectScimError(
      () => apply({ op: 'add', path: 'title[value eq "x"]', value: 'y' }),
      400,
      'invalidPath',
      /not multi-valued/,
    );
    expectScimError(
      () => apply({ op: 'add', path: 'title.x', value: 'y' }),
      400,
      'invalidPath',
      /title has no sub-attributes/,
    );
    expectScimError(() => apply({ op: 'add', path: 'a b', value: 'y' }), 400, 'invalidPath');
  });
});

describe('applyPatch on Groups', () => {
  const g = () => group('g1', ['a', 'b', 'c']);

  it('adds members (no duplicates) and reports only the new ones', () => {
    const r = applyPatch(
      g(),
      [{ op: 'add', path: 'members', value: [{ value: 'c' }, { value: 'd', display: 'Dee' }] }],
      'Group',
    );
    expect(memberValues(r.resource)).toEqual(['a', 'b', 'c', 'd']);
    expect(r).toMatchObject({ membersAdded: ['d'], membersRemoved: [] });
  });

  it('removes members by filter (or-ed ids too), all members, and nothing when absent', () => {
    const r = applyPatch(g(), [{ op: 'remove', path: 'members[value eq "a" or value eq "c"]' }], 'Group');
    expect(memberValues(r.resource)).toEqual(['b']);
    expect(r.membersRemoved).toEqual(['a', 'c']);
    const all = applyPatch(g(), [{ op: 'remove', path: 'members' }], 'Group');
    expect(all.resource).not.toHaveProperty('members');
    expect(all.membersRemoved).toEqual(['a', 'b', 'c']);
    expect(
      applyPatch(g(), [{ op: 'remove', path: 'members[value eq "zz"]' }], 'Group').membersRemoved,
    ).toEqual([]);
  });

  it('member ids compare exactly', () => {
    const r = applyPatch(g(), [{ op: 'remove', path: 'members[value eq "A"]' }], 'Group');
    expect(memberValues(r.resource)).toEqual(['a', 'b', 'c']);
  });

  it('applies a run of member removals in one pass, with the same result as one by one', () => {
    const ops: PatchOperation[] = ['a', 'zz', 'c', 'a'].map((id) => ({
      op: 'remove',
      path: `members[value eq "${id}"]`,
    }));
    const batched = applyPatch(g(), ops, 'Group');
    const oneByOne = ops.reduce((r, op) => applyPatch(r, [op], 'Group').resource, g());
    expect(batched.resource).toEqual(oneByOne);
    expect(batched).toMatchObject({ membersRemoved: ['a', 'c'], membersAdded: [] });
    const big = group(
      'g2',
      Array.from({ length: 10_000 }, (_, i) => `u${i}`),
    );
    const removals: PatchOperation[] = Array.from({ length: 5_000 }, (_, i) => ({
      op: 'remove',
      path: `members[value eq "u${i * 2}"]`,
    }));
    const started = performance.now();
    expect(applyPatch(big, removals, 'Group').membersRemoved).toHaveLength(5_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports the net change of a whole sequence', () => {
    const r = applyPatch(
      g(),
      [
        { op: 'add', path: 'members', value: [{ value: 'x' }] },
        { op: 'remove', path: 'members[value eq "x"]' },
        { op: 'remove', path: 'members[value eq "a"]' },
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'replace', path: 'displayName', value: 'Renamed' },
      ],
      'Group',
    );
    expect(r).toMatchObject({ membersAdded: [], membersRemoved: [] });
    expect(r.resource.displayName).toBe('Renamed');
  });

  it('rejects members without a value, and a Group without a displayName', () => {
    expectScimError(
      () => applyPatch(g(), [{ op: 'add', path: 'members', value: [{ display: 'x' }] }], 'Group'),
      400,
      'invalidValue',
      /members\[3\]/,
    );
    expectScimError(
      () => applyPatch(g(), [{ op: 'remove', path: 'displayName' }], 'Group'),
      400,
      'invalidValue',
      /displayName/,
    );
  });
});
