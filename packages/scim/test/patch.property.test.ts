/**
 * Property tests for PATCH (issue 5), on random groups, users and operation sequences:
 *
 * - adding a new member and then removing it leaves the members as they were, and reports nothing;
 * - a replace applied twice gives what it gives once;
 * - random member operations (add, filtered remove, Entra's remove-with-value, OneLogin's single
 *   object, replace, path-less add) never throw, keep every member no operation mentions, and
 *   give exactly the members and the added/removed ids of a simple set model;
 * - random user operations on valid paths never throw and keep the resource's invariants;
 * - normaliseResource is idempotent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  ENTERPRISE_USER_SCHEMA,
  normalisePatch,
  normaliseResource,
  type PatchOperation,
  type ScimResource,
  USER_SCHEMA,
} from '../src/index.ts';
import { group, memberValues, patchBody } from './helpers/scim.ts';

const IDS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'M1', 'user "q"'];
const idsArb = fc.uniqueArray(fc.constantFrom(...IDS), { maxLength: 6 });
const groupArb = idsArb.map((ids) => group('g1', ids));

/** A member operation as an IdP sends it, with the ids it mentions and its effect on a set model. */
interface MemberStep {
  body: Record<string, unknown>;
  mentions: string[];
  model: (members: string[]) => string[];
}
const union = (a: string[], b: string[]) => [
  ...a,
  ...b.filter((x, i) => !a.includes(x) && b.indexOf(x) === i),
];
const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

const stepArb: fc.Arbitrary<MemberStep> = fc.oneof(
  idsArb.map((ids) => ({
    body: { op: 'add', path: 'members', value: ids.map((value) => ({ value })) },
    mentions: ids,
    model: (m: string[]) => union(m, ids),
  })),
  fc.constantFrom(...IDS).map((id) => ({
    body: { op: 'Add', path: 'members', value: { value: id, display: `Member ${id}` } },
    mentions: [id],
    model: (m: string[]) => union(m, [id]),
  })),
  fc.constantFrom(...IDS).map((id) => ({
    body: { op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` },
    mentions: [id],
    model: (m: string[]) => minus(m, [id]),
  })),
  idsArb.map((ids) => ({
    body: { op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) },
    mentions: ids,
    model: (m: string[]) => minus(m, ids),
  })),
  idsArb.map((ids) => ({
    body: { op: 'replace', path: 'members', value: ids.map((value) => ({ value })) },
    mentions: ['*'],
    model: () => ids,
  })),
  idsArb.map((ids) => ({
    body: { op: 'add', value: { members: ids.map((value) => ({ value })) } },
    mentions: ids,
    model: (m: string[]) => union(m, ids),
  })),
  fc.constantFrom('Eng', 'Ops').map((displayName) => ({
    body: { op: 'replace', value: { displayName } },
    mentions: [],
    model: (m: string[]) => m,
  })),
);

// Entra's old remove-with-value of no ids at all is not a real request; keep lists non-empty there.
const validStep = (s: MemberStep) => !(s.body.op === 'Remove' && (s.body.value as unknown[]).length === 0);

describe('PATCH properties: groups', () => {
  it('add then remove of a new member leaves members unchanged and reports nothing', () => {
    fc.assert(
      fc.property(groupArb, fc.constantFrom(...IDS), fc.boolean(), (g, id, entraStyle) => {
        fc.pre(!memberValues(g).includes(id));
        const remove = entraStyle
          ? { op: 'Remove', path: 'members', value: [{ value: id }] }
          : { op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` };
        const ops = normalisePatch(
          patchBody({ op: 'add', path: 'members', value: [{ value: id }] }, remove),
          'generic',
        );
        const r = applyPatch(g, ops, 'Group');
        expect(r.resource.members ?? []).toEqual(g.members);
        expect(r).toMatchObject({ membersAdded: [], membersRemoved: [] });
      }),
    );
  });

  it('random member operations match a set model and never lose an unmentioned member', () => {
    fc.assert(
      fc.property(
        groupArb,
        fc.array(stepArb.filter(validStep), { minLength: 1, maxLength: 8 }),
        (g, steps) => {
          const ops = normalisePatch(patchBody(...steps.map((s) => s.body)), 'generic');
          const r = applyPatch(g, ops, 'Group');
          const before = memberValues(g);
          const expected = steps.reduce((m, s) => s.model(m), before);
          const after = memberValues(r.resource);
          expect(after).toEqual(expected);
          expect(r.membersAdded).toEqual(minus(after, before));
          expect(r.membersRemoved).toEqual(minus(before, after));
          const mentioned = steps.flatMap((s) => s.mentions);
          if (!mentioned.includes('*')) {
            for (const id of before) if (!mentioned.includes(id)) expect(after).toContain(id);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---------- users ----------
const ENT = ENTERPRISE_USER_SCHEMA;
const WORDS = ['ada', 'Ada King', 'grace', 'x@y.example', 'y@z.example'];
const TYPES = ['work', 'home', 'other'];
const word = fc.constantFrom(...WORDS);
const userBodyArb = fc
  .record(
    {
      userName: word,
      name: fc.record({ givenName: word, familyName: word, formatted: word }, { requiredKeys: [] }),
      active: fc.constantFrom(true, false, 'True', 'False', 'true'),
      title: word,
      emails: fc.array(
        fc.record(
          { value: word, type: fc.constantFrom(...TYPES), primary: fc.constantFrom(true, false, 'True') },
          { requiredKeys: ['value'] },
        ),
        {
          maxLength: 3,
        },
      ),
      externalId: word,
      department: word,
      'name.middleName': word,
      [`${ENT}:costCenter`]: word,
    },
    { requiredKeys: ['userName'] },
  )
  .map(({ department, ...rest }) => ({
    schemas: [USER_SCHEMA, ENT],
    ...rest,
    ...(department === undefined ? {} : { [ENT]: { department } }),
  }));

const userOpArb: fc.Arbitrary<PatchOperation> = fc.oneof(
  word.map((value) => ({ op: 'replace' as const, path: 'name.givenName', value })),
  fc
    .tuple(fc.constantFrom(...TYPES), word)
    .map(([t, value]) => ({ op: 'add' as const, path: `emails[type eq "${t}"].value`, value })),
  fc
    .tuple(fc.constantFrom(...TYPES), word)
    .map(([t, value]) => ({ op: 'replace' as const, path: `emails[type eq "${t}"].value`, value })),
  fc.constantFrom(...TYPES).map((t) => ({ op: 'remove' as const, path: `emails[type eq "${t}"]` })),
  fc
    .constantFrom(...TYPES)
    .map((t) => ({ op: 'replace' as const, path: `emails[type eq "${t}"].primary`, value: true })),
  fc
    .constantFrom(true, false, 'True', 'False')
    .map((value) => ({ op: 'replace' as const, path: 'active', value })),
  fc.constantFrom(true, false).map((active) => ({ op: 'replace' as const, value: { active } })),
  word.map((value) => ({ op: 'add' as const, path: `${ENT}:department`, value })),
  word.map((value) => ({ op: 'replace' as const, path: `${ENT}:manager`, value })),
  fc.constant({ op: 'remove' as const, path: ENT }),
  fc
    .constantFrom('title', 'name', 'emails', 'nickName', `${ENT}:department`)
    .map((path) => ({ op: 'remove' as const, path })),
  fc.tuple(word, word).map(([title, familyName]) => ({
    op: 'replace' as const,
    value: { title, 'name.familyName': familyName },
  })),
  fc
    .array(fc.record({ value: word, type: fc.constantFrom(...TYPES), primary: fc.boolean() }), {
      maxLength: 3,
    })
    .map((value) => ({
      op: 'replace' as const,
      path: 'emails',
      value,
    })),
);

function checkUser(u: ScimResource) {
  expect(typeof u.userName).toBe('string');
  expect((u.schemas as string[])[0]).toBe(USER_SCHEMA);
  expect((u.schemas as string[]).includes(ENT)).toBe(ENT in u);
  const emails = (u.emails as { primary?: unknown }[] | undefined) ?? [];
  expect(emails.filter((e) => e.primary === true).length).toBeLessThanOrEqual(1);
  if (typeof u.active !== 'undefined') expect(typeof u.active).toBe('boolean');
}

describe('PATCH properties: users', () => {
  it('random operations on valid paths never throw and keep the invariants', () => {
    fc.assert(
      fc.property(userBodyArb, fc.array(userOpArb, { minLength: 1, maxLength: 8 }), (body, ops) => {
        const user = { ...normaliseResource(body, 'User', 'entra'), id: 'u1' };
        const r = applyPatch(user, ops, 'User');
        checkUser(r.resource);
        expect(r.resource.id).toBe('u1');
        expect(r).toMatchObject({ membersAdded: [], membersRemoved: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('replace is idempotent', () => {
    const replaceArb = userOpArb.filter((op) => op.op === 'replace');
    fc.assert(
      fc.property(userBodyArb, replaceArb, (body, op) => {
        const user = { ...normaliseResource(body, 'User', 'generic'), id: 'u1' };
        const once = applyPatch(user, [op], 'User').resource;
        expect(applyPatch(once, [op], 'User').resource).toEqual(once);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(groupArb, idsArb, (g, ids) => {
        const op: PatchOperation = { op: 'replace', path: 'members', value: ids.map((value) => ({ value })) };
        const once = applyPatch(g, [op], 'Group');
        const twice = applyPatch(once.resource, [op], 'Group');
        expect(twice.resource).toEqual(once.resource);
        expect(twice).toMatchObject({ membersAdded: [], membersRemoved: [] });
      }),
    );
  });

  it('normaliseResource is idempotent', () => {
    fc.assert(
      fc.property(userBodyArb, (body) => {
        const once = normaliseResource(body, 'User', 'entra');
        checkUser(once);
        expect(normaliseResource(once, 'User', 'entra')).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});
