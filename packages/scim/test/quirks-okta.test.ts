/**
 * Okta's SCIM 2.0 dialect: one test per quirk on corpus/okta/ bodies. Okta sends membership by a
 * full Group PUT (the server diffs with diffMembers), replaces `members` whole by PATCH, and
 * deactivates users either by PATCH or by PUT with `active: false`.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  diffMembers,
  normalisePatch,
  normaliseResource,
  type ScimResource,
} from '../src/index.ts';
import { corpus, group, memberValues, stored } from './helpers/scim.ts';

const GROUP_ID = 'directory_group_01J0000000000000000000000';

describe('Okta quirks', () => {
  it('quirk: create carries readOnly groups: [] and a writeOnly password, both dropped', () => {
    const user = normaliseResource(corpus('okta/post-user.json'), 'User', 'okta');
    expect(user).not.toHaveProperty('groups');
    expect(user).not.toHaveProperty('password');
    expect(user).toMatchObject({
      userName: 'barbara.liskov@acme.example',
      externalId: '00u1ab2cd3EF4gh5i6j7',
      active: true,
    });
  });

  it('quirk: group membership sent by PUT: members kept whole, the diff is who came and went', () => {
    const before = group(GROUP_ID, ['user_barbara', 'user_tony']);
    const after: ScimResource = {
      ...normaliseResource(corpus('okta/put-group-members.json'), 'Group', 'okta'),
      id: GROUP_ID,
    };
    expect(after.members).toEqual([
      { value: 'user_barbara', display: 'barbara.liskov@acme.example' },
      { value: 'user_edsger', display: 'edsger.dijkstra@acme.example' },
    ]);
    expect(diffMembers(before, after)).toEqual({
      membersAdded: ['user_edsger'],
      membersRemoved: ['user_tony'],
    });
  });

  it('quirk: replace on members is a full replacement, reported as added and removed', () => {
    const ops = normalisePatch(corpus('okta/patch-replace-members.json'), 'okta');
    const result = applyPatch(group(GROUP_ID, ['user_barbara', 'user_edsger']), ops, 'Group');
    expect(memberValues(result.resource)).toEqual(['user_barbara', 'user_tony']);
    expect(result.membersAdded).toEqual(['user_tony']);
    expect(result.membersRemoved).toEqual(['user_edsger']);
  });

  it('quirk: deactivation by PATCH {op: "replace", value: {active: false}}', () => {
    const user = stored(corpus('okta/post-user.json'), 'User', 'okta', 'user_barbara');
    const ops = normalisePatch(corpus('okta/patch-deactivate.json'), 'okta');
    expect(applyPatch(user, ops, 'User').resource.active).toBe(false);
  });

  it('quirk: deactivation by PUT with active: false (id and meta in the body ignored)', () => {
    const user = normaliseResource(corpus('okta/put-user-deactivate.json'), 'User', 'okta');
    expect(user.active).toBe(false);
    expect(user).not.toHaveProperty('id');
    expect(user).not.toHaveProperty('meta');
  });

  it("quirk: group rename by path-less replace that repeats the group's own id", () => {
    const ops = normalisePatch(corpus('okta/patch-rename-group.json'), 'okta');
    const result = applyPatch(group(GROUP_ID, ['user_barbara']), ops, 'Group');
    expect(result.resource).toMatchObject({ id: GROUP_ID, displayName: 'Platform Engineering' });
    expect(memberValues(result.resource)).toEqual(['user_barbara']);
    expect(result).toMatchObject({ membersAdded: [], membersRemoved: [] });
  });
});
