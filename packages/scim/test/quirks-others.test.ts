/**
 * OneLogin, JumpCloud and Google dialects: one test per quirk on corpus/<idp>/ bodies. These
 * IdPs document their SCIM requests less than Entra and Okta; each normalisation is lenient (an
 * RFC-conformant client is unaffected), and the test names the quirk it covers.
 */
import { describe, expect, it } from 'vitest';
import { applyPatch, matches, normalisePatch, normaliseResource } from '../src/index.ts';
import { corpus, group, memberValues, stored } from './helpers/scim.ts';

describe('OneLogin quirks', () => {
  it('quirk: PATCH members with one object as value instead of an array', () => {
    const ops = normalisePatch(corpus('onelogin/patch-add-member-object.json'), 'onelogin');
    expect(ops).toEqual([
      { op: 'add', path: 'members', value: [{ value: 'user_katherine', display: 'Katherine Johnson' }] },
    ]);
    const result = applyPatch(group('g1', ['user_dorothy']), ops, 'Group');
    expect(memberValues(result.resource)).toEqual(['user_dorothy', 'user_katherine']);
    expect(result.membersAdded).toEqual(['user_katherine']);
  });

  it('quirk: emails without primary: the first becomes primary', () => {
    const user = normaliseResource(corpus('onelogin/post-user-no-primary.json'), 'User', 'onelogin');
    expect(user.emails).toEqual([
      { value: 'katherine.johnson@initech.example', type: 'work', primary: true },
      { value: 'kj@home.example', type: 'home' },
    ]);
  });
});

describe('JumpCloud quirks', () => {
  it('quirk: boolean active sent as the string "true"', () => {
    const user = normaliseResource(corpus('jumpcloud/post-user-string-active.json'), 'User', 'jumpcloud');
    expect(user.active).toBe(true);
  });

  it('quirk: userName is the email and no emails are sent: a primary work email from userName', () => {
    const body = corpus('jumpcloud/post-user-string-active.json');
    expect(normaliseResource(body, 'User', 'jumpcloud').emails).toEqual([
      { value: 'margaret.hamilton@globex.example', type: 'work', primary: true },
    ]);
    // Persona-gated: another client that sends no emails gets none invented.
    expect(normaliseResource(body, 'User', 'generic').emails).toBeUndefined();
  });

  it('quirk: lower-case op names with "false" as a string', () => {
    const user = stored(corpus('jumpcloud/post-user-string-active.json'), 'User', 'jumpcloud', 'u1');
    const ops = normalisePatch(corpus('jumpcloud/patch-lowercase-ops.json'), 'jumpcloud');
    expect(ops.map((o) => o.op)).toEqual(['replace', 'replace']);
    const patched = applyPatch(user, ops, 'User').resource;
    expect(patched).toMatchObject({ title: 'Director of Software Engineering', active: false });
  });
});

describe('Google quirks', () => {
  it('quirk: externalId only, no name.formatted and no displayName: formatted is built, externalId is exact', () => {
    const user = normaliseResource(corpus('google/post-user.json'), 'User', 'google');
    expect(user.name).toEqual({ givenName: 'Radia', familyName: 'Perlman', formatted: 'Radia Perlman' });
    expect(user.displayName).toBeUndefined();
    expect(matches('externalId eq "103847562938475610293"', user)).toBe(true);
    expect(matches('externalId eq "103847562938475610293 "', user)).toBe(false);
  });

  it('quirk: path-less replace with whole objects: name merged (RFC 7644 §3.5.2.3), emails replaced', () => {
    const user = stored(corpus('google/post-user.json'), 'User', 'google', 'u1');
    const ops = normalisePatch(corpus('google/patch-replace-full-objects.json'), 'google');
    const patched = applyPatch(user, ops, 'User').resource;
    expect(patched.name).toEqual({
      givenName: 'Radia J.',
      familyName: 'Perlman',
      formatted: 'Radia J. Perlman',
    });
    expect(patched.emails).toEqual([{ value: 'radia@example.org', type: 'work', primary: true }]);
    expect(patched.externalId).toBe('103847562938475610293');
  });
});
