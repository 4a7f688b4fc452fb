/**
 * SSO group → role mapping: an organization's GenericOIDC connection to a real oidc-provider whose
 * account releases `groups`, with the connection's `group_role_map` set through the API. The
 * membership an SSO sign-in reaches follows the IdP's groups at every sign-in (roles that exist,
 * highest priority first, the default role when none map), the access token carries them, and a
 * map naming a role that does not exist, or deleting a mapped role, is refused with nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';
import type { TestAccount, TestIdp } from '../support/oidc-idp.ts';
import { oidcOrganization, redeemCode } from './support.ts';

let h: Harness;
let idp: TestIdp;
let orgId: string;
let connId: string;
const alice: TestAccount = {
  claims: { sub: 'alice', email: 'alice@groups.test', email_verified: true, given_name: 'Alice' },
  userinfoOnly: { groups: ['Engineering', 'Admins'] },
};

beforeAll(async () => {
  h = await createHarness({ clock: 'system' });
  ({ orgId, connId, idp } = await oidcOrganization(h, {
    name: 'Groups Co',
    domain: 'groups.test',
    accounts: { alice },
  }));
  expect((await h.api('POST', '/authorization/roles', { slug: 'engineer', name: 'Engineer' })).status).toBe(
    201,
  );
  expect(
    (
      await h.api('POST', `/authorization/organizations/${orgId}/roles`, {
        slug: 'org-billing',
        name: 'Billing',
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await idp?.close();
  await h?.close();
});

/** A whole AuthKit sign-in by organization through the IdP; returns the access token's claims. */
async function signIn() {
  const start = await h.portico.app.request(
    `/user_management/authorize?client_id=${h.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&organization_id=${orgId}`,
  );
  expect(start.status).toBe(302);
  const callback = await idp.signIn(start.headers.get('location')!, { login: 'alice' });
  const res = await h.portico.app.request(`${callback.pathname}${callback.search}`);
  expect(res.status).toBe(302);
  const tokens = (await redeemCode(h, new URL(res.headers.get('location')!).searchParams.get('code'))) as {
    access_token: string;
    user: { id: string };
  };
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
  return { claims, userId: tokens.user.id };
}

async function membership(userId: string) {
  const list = await json<{ data: { id: string; role: { slug: string }; roles?: { slug: string }[] }[] }>(
    await h.api(
      'GET',
      `/user_management/organization_memberships?user_id=${userId}&organization_id=${orgId}`,
    ),
  );
  expect(list.data).toHaveLength(1);
  return list.data[0]!;
}

async function membershipUpdates() {
  const events = await json<{ data: { event: string; data: { user_id: string } }[] }>(
    await h.api('GET', '/events?events=organization_membership.updated&limit=100'),
  );
  return events.data.length;
}

describe('SSO group → role mapping', () => {
  it('refuses a map naming a role that does not exist, each miss named, and saves nothing', async () => {
    const res = await h.api('PATCH', `/connections/${connId}`, {
      group_role_map: { Engineering: 'engineer', Sales: 'seller', Ops: 'org-ops' },
    });
    expect(res.status).toBe(422);
    const body = await json<{ code: string; message: string; errors: { field: string; code: string }[] }>(
      res,
    );
    expect(body.code).toBe('invalid_request_parameters');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['group_role_map.Ops', 'group_role_map.Sales']);
    expect(body.errors.every((e) => e.code === 'role_not_found')).toBe(true);
    expect(body.message).toContain('2 groups');
    const setup = await json<{ group_role_map: Record<string, string> }>(
      await h.api('GET', `/connections/${connId}/setup`),
    );
    expect(setup.group_role_map).toEqual({});
  });

  it('without a map, SSO JIT gives the default role and a later manual role is kept at sign-in', async () => {
    const first = await signIn();
    expect(first.claims.role).toBe('member');
    const m = await membership(first.userId);
    expect(
      (await h.api('PUT', `/user_management/organization_memberships/${m.id}`, { role_slug: 'engineer' }))
        .status,
    ).toBe(200);
    const again = await signIn();
    expect(again.claims.role).toBe('engineer');
  });

  it('with a map, the membership follows the IdP’s groups at each sign-in, highest priority first', async () => {
    const saved = await h.api('PATCH', `/connections/${connId}`, {
      group_role_map: { Engineering: 'engineer', Admins: 'admin', Billing: 'org-billing' },
    });
    expect(saved.status).toBe(200);
    expect((await json<{ group_role_map: Record<string, string> }>(saved)).group_role_map).toEqual({
      Engineering: 'engineer',
      Admins: 'admin',
      Billing: 'org-billing',
    });

    alice.userinfoOnly = { groups: ['Engineering', 'Admins', 'Unmapped'] };
    const before = await membershipUpdates();
    const a = await signIn();
    expect(a.claims.role).toBe('admin');
    expect(a.claims.roles).toEqual(['admin', 'engineer']);
    expect((await membership(a.userId)).role.slug).toBe('admin');
    expect(await membershipUpdates()).toBe(before + 1);

    // The same groups again: nothing changes, no event.
    await signIn();
    expect(await membershipUpdates()).toBe(before + 1);

    // The organization's own role maps too.
    alice.userinfoOnly = { groups: ['Billing'] };
    const b = await signIn();
    expect(b.claims.roles).toEqual(['org-billing']);

    // No mapped group: the default role.
    alice.userinfoOnly = { groups: ['Marketing'] };
    const c = await signIn();
    expect(c.claims.role).toBe('member');
    expect(c.claims.roles).toEqual(['member']);
    expect(await membershipUpdates()).toBe(before + 3);
  });

  it('refuses to delete a role an SSO connection maps a group to, naming the connection', async () => {
    for (const path of [
      '/authorization/roles/engineer',
      `/authorization/organizations/${orgId}/roles/org-billing`,
    ]) {
      const res = await h.api('DELETE', path);
      expect(res.status).toBe(409);
      const body = await json<{ code: string; message: string }>(res);
      expect(body.code).toBe('role_has_group_role_mappings');
      expect(body.message).toContain(connId);
    }
    const roles = await json<{ data: { slug: string }[] }>(await h.api('GET', '/authorization/roles'));
    expect(roles.data.map((r) => r.slug)).toContain('engineer');
  });
});
