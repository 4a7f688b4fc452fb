/**
 * Invitations through the official SDK (7, 8, 11 and 12) against a listening Portico: send, get,
 * find by token, list (filters and auto-pagination), resend, revoke, accept (the SDK sends no
 * body), the errors the SDK maps, and a sign-up through the accept link with
 * `authenticateWithCode`. Every JSON response is checked against WorkOS's OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkFor } from './support/sdks.ts';

/** The error's WorkOS code: SDK 9+ keep it on the exception, 7 and 8 only in rawData. */
const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { status: number; code?: string; rawData?: { code?: string } };
  return { status: err.status, code: err.code ?? err.rawData?.code };
};

describe.each(MAJORS)('invitations with SDK %s', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  let orgId: string;
  const email = (s: string) => `${s}-${major}@invite.example.com`;

  beforeAll(async () => {
    p = await startPortico();
    workos = await sdkFor(major, p);
    orgId = (await workos.organizations.createOrganization({ name: `Invited ${major}` })).id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('sends, reads, finds by token, lists, resends and revokes', async () => {
    const inviter = await workos.userManagement.createUser({ email: email('inviter'), firstName: 'Ina' });
    const inv = await workos.userManagement.sendInvitation({
      email: email('Ada'),
      organizationId: orgId,
      inviterUserId: inviter.id,
      roleSlug: 'admin',
      expiresInDays: 5,
    });
    expect(inv).toMatchObject({
      object: 'invitation',
      email: email('ada'),
      state: 'pending',
      acceptedAt: null,
      revokedAt: null,
      organizationId: orgId,
      inviterUserId: inviter.id,
    });
    expect(inv.id).toMatch(/^invitation_/);
    expect(inv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inv.acceptInvitationUrl).toBe(`${p.url}/authkit/invite?invitation_token=${inv.token}`);
    expect(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)).toBe(5 * 24 * 3600 * 1000);

    expect(await workos.userManagement.getInvitation(inv.id)).toEqual(inv);
    expect(await workos.userManagement.findInvitationByToken(inv.token)).toEqual(inv);

    const second = await workos.userManagement.sendInvitation({ email: email('bob'), organizationId: orgId });
    const listed = await workos.userManagement.listInvitations({ organizationId: orgId, limit: 1 });
    expect(listed.data.map((i: { id: string }) => i.id)).toEqual([second.id]);
    // autoPagination returns only the page when a limit was given, so start without one.
    const all = await (
      await workos.userManagement.listInvitations({ organizationId: orgId })
    ).autoPagination();
    expect(all.map((i: { id: string }) => i.id).sort()).toEqual([inv.id, second.id].sort());
    const byEmail = await workos.userManagement.listInvitations({ email: email('ada') });
    expect(byEmail.data.map((i: { id: string }) => i.id)).toEqual([inv.id]);

    if (typeof workos.userManagement.resendInvitation === 'function') {
      const resent = await workos.userManagement.resendInvitation(inv.id);
      expect(resent).toMatchObject({ id: inv.id, state: 'pending', token: inv.token });
    }
    const revoked = await workos.userManagement.revokeInvitation(second.id);
    expect(revoked).toMatchObject({ id: second.id, state: 'revoked' });
    expect(revoked.revokedAt).toBeTruthy();
  });

  it('maps the errors: 404 for unknown ids, 400 for a duplicate and a used invitation, 422 for a bad role', async () => {
    await expect(
      workos.userManagement.getInvitation('invitation_01NOPE000000000000000000'),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(workos.userManagement.findInvitationByToken('not-a-token')).rejects.toMatchObject({
      status: 404,
    });
    const inv = await workos.userManagement.sendInvitation({ email: email('dup'), organizationId: orgId });
    expect(
      await failure(workos.userManagement.sendInvitation({ email: email('dup'), organizationId: orgId })),
    ).toEqual({ status: 400, code: 'email_already_invited_to_organization' });
    expect(
      await failure(
        workos.userManagement.sendInvitation({
          email: email('role'),
          organizationId: orgId,
          roleSlug: 'nope',
        }),
      ),
    ).toEqual({ status: 400, code: 'invalid_role' });
    expect(
      await failure(workos.userManagement.sendInvitation({ email: email('days'), expiresInDays: 31 })),
    ).toEqual({ status: 400, code: 'expires_in_days_too_long' });
    await workos.userManagement.revokeInvitation(inv.id);
    expect(await failure(workos.userManagement.revokeInvitation(inv.id))).toEqual({
      status: 400,
      code: 'invite_not_pending',
    });
    if (typeof workos.userManagement.resendInvitation === 'function')
      expect(await failure(workos.userManagement.resendInvitation(inv.id))).toEqual({
        status: 400,
        code: 'invite_revoked',
      });
  });

  it('accepts through the API (no body) for an existing user: the membership has the role', async () => {
    const user = await workos.userManagement.createUser({ email: email('cat') });
    const inv = await workos.userManagement.sendInvitation({
      email: email('cat'),
      organizationId: orgId,
      roleSlug: 'admin',
    });
    const accepted = await workos.userManagement.acceptInvitation(inv.id);
    expect(accepted).toMatchObject({ id: inv.id, state: 'accepted' });
    expect(accepted.acceptedAt).toBeTruthy();
    const { data } = await workos.userManagement.listOrganizationMemberships({ userId: user.id });
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ organizationId: orgId, role: { slug: 'admin' } });
    expect(await failure(workos.userManagement.acceptInvitation(inv.id))).toEqual({
      status: 400,
      code: 'invite_not_pending',
    });
  });

  it('signs up through the accept link: the code carries the organization and the user is a member', async () => {
    const inv = await workos.userManagement.sendInvitation({ email: email('dan'), organizationId: orgId });
    const page = await fetch(inv.acceptInvitationUrl);
    const html = await page.text();
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
      (m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')] as [string, string],
    );
    // The page continues with the SDK's own authorize parameters (invitation_token included).
    const authorize = await fetch(`${p.url}/user_management/authorize?${new URLSearchParams(fields)}`, {
      redirect: 'manual',
    });
    const signUp = await fetch(new URL(authorize.headers.get('location')!, p.url));
    const cookie = (signUp.headers.get('set-cookie') ?? '').split(';')[0]!;
    const form = await signUp.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)![1]!;
    const action = /<form method="post" action="([^"]+)"/.exec(form)![1]!.replace(/&amp;/g, '&');
    const done = await fetch(new URL(action, p.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, email: email('dan'), password: 'correct horse battery' }),
    });
    expect(done.status).toBe(302);
    const code = new URL(done.headers.get('location')!).searchParams.get('code')!;
    const auth = await workos.userManagement.authenticateWithCode({ code, clientId: p.h.clientId });
    expect(auth.user.email).toBe(email('dan'));
    expect(auth.organizationId).toBe(orgId);
    expect((await workos.userManagement.getInvitation(inv.id)).state).toBe('accepted');
  });

  it('every JSON response matches WorkOS’s OpenAPI document', () => {
    const verdicts = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) }));
    const checked = verdicts.filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures.join('\n')).toEqual('');
    expect(checked.filter((x) => x.r.path.includes('/invitations')).length).toBeGreaterThan(8);
  });
});
