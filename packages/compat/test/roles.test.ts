/**
 * Roles and permissions through the official SDK (7, 8, 11 and 12) against a listening Portico:
 * all 19 roles-and-permissions methods of `authorization` (8, 11, 12), SDK 7/8's
 * `organizations.listOrganizationRoles`, the errors the SDK maps (bad slugs, duplicates, a role
 * in use, another organization's role), the access token's `role`, `roles` and `permissions`
 * following a change at the next refresh, and every JSON response against WorkOS's OpenAPI document.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkFor } from './support/sdks.ts';

/** The error's status and WorkOS code: SDK 9+ keep the code on the exception, 7 and 8 in rawData. */
const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { status: number; code?: string; message: string; rawData?: { code?: string; message?: string } };
  return {
    status: err.status,
    code: err.code ?? err.rawData?.code,
    message: err.rawData?.message ?? err.message,
  };
};

describe.each(MAJORS)('roles and permissions with SDK %s', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  let orgId: string;
  let otherOrgId: string;
  const hasAuthorization = major !== '7';
  /** SDK 8's ConflictException keeps only the message; 11 and 12 keep the code too. */
  const conflict = async (call: Promise<unknown>, code: string, text: string) => {
    const f = await failure(call);
    expect(f.status).toBe(409);
    expect(f.message).toContain(text);
    if (major !== '8') expect(f.code).toBe(code);
  };

  beforeAll(async () => {
    p = await startPortico();
    workos = await sdkFor(major, p);
    orgId = (await workos.organizations.createOrganization({ name: `Roles ${major}` })).id;
    otherOrgId = (await workos.organizations.createOrganization({ name: `Other ${major}` })).id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it.runIf(hasAuthorization)('permissions: create, get, list (paginated), update, delete', async () => {
    const a = workos.authorization;
    const created = await a.createPermission({
      slug: 'posts:read',
      name: 'Read posts',
      description: 'Reads',
    });
    expect(created).toMatchObject({
      object: 'permission',
      slug: 'posts:read',
      name: 'Read posts',
      description: 'Reads',
      resourceTypeSlug: 'organization',
      system: false,
    });
    expect(created.id).toMatch(/^perm_/);
    expect(Number.isNaN(new Date(created.createdAt).getTime())).toBe(false);
    await a.createPermission({ slug: 'posts:write', name: 'Write posts' });
    await a.createPermission({ slug: 'billing.*', name: 'Billing' });
    expect(await a.getPermission('posts:read')).toEqual(created);
    const updated = await a.updatePermission('posts:read', { name: 'Read all posts' });
    expect(updated).toMatchObject({ slug: 'posts:read', name: 'Read all posts', description: 'Reads' });

    const page = await a.listPermissions({ limit: 2 });
    expect(page.data).toHaveLength(2);
    const first = await a.listPermissions();
    // SDK 8 returns a plain list; 11 and 12 an AutoPaginatable.
    const all = typeof first.autoPagination === 'function' ? await first.autoPagination() : first.data;
    expect(all.map((x: { slug: string }) => x.slug).sort()).toEqual([
      'billing.*',
      'directory:manage',
      'members:manage',
      'organization:manage',
      'posts:read',
      'posts:write',
      'sso:manage',
    ]);
    expect(all.find((x: { slug: string }) => x.slug === 'sso:manage').system).toBe(true);

    await a.deletePermission('billing.*');
    expect(await failure(a.getPermission('billing.*'))).toMatchObject({
      status: 404,
      code: 'entity_not_found',
    });

    expect(await failure(a.createPermission({ slug: 'Posts Read', name: 'x' }))).toMatchObject({
      status: 422,
      code: 'invalid_permission_slug',
    });
    await conflict(
      a.createPermission({ slug: 'posts:read', name: 'again' }),
      'permission_slug_conflict',
      'already exists',
    );
    await conflict(
      a.deletePermission('sso:manage'),
      'system_permission_cannot_be_deleted',
      'cannot be deleted',
    );
  });

  it.runIf(hasAuthorization)(
    'environment roles: create, list in priority order, get, update, set and add permissions',
    async () => {
      const a = workos.authorization;
      const listed = await a.listEnvironmentRoles();
      expect(listed.data.map((r: { slug: string }) => r.slug)).toEqual(['admin', 'member']);
      const editor = await a.createEnvironmentRole({ slug: 'editor', name: 'Editor', description: 'Edits' });
      expect(editor).toMatchObject({
        object: 'role',
        slug: 'editor',
        name: 'Editor',
        description: 'Edits',
        permissions: [],
        type: 'EnvironmentRole',
        resourceTypeSlug: 'organization',
      });
      expect((await a.listEnvironmentRoles()).data.map((r: { slug: string }) => r.slug)).toEqual([
        'admin',
        'member',
        'editor',
      ]);
      expect(await a.getEnvironmentRole('editor')).toEqual(editor);
      expect(await a.updateEnvironmentRole('editor', { name: 'Chief editor' })).toMatchObject({
        name: 'Chief editor',
        description: 'Edits',
      });
      expect(
        await a.setEnvironmentRolePermissions('editor', {
          permissions: ['posts:read', 'posts:write', 'posts:read'],
        }),
      ).toMatchObject({ permissions: ['posts:read', 'posts:write'] });
      await a.setEnvironmentRolePermissions('editor', { permissions: ['posts:read'] });
      const added = await a.addEnvironmentRolePermission('editor', { permissionSlug: 'posts:write' });
      expect(added.permissions).toEqual(['posts:read', 'posts:write']);
      // Adding again changes nothing.
      expect(
        (await a.addEnvironmentRolePermission('editor', { permissionSlug: 'posts:write' })).permissions,
      ).toEqual(['posts:read', 'posts:write']);

      await conflict(
        a.createEnvironmentRole({ slug: 'editor', name: 'Again' }),
        'role_slug_conflict',
        'An environment role',
      );
      expect(await failure(a.createEnvironmentRole({ slug: 'org-nope', name: 'Nope' }))).toMatchObject({
        status: 422,
        code: 'invalid_role_slug',
      });
      expect(
        await failure(a.setEnvironmentRolePermissions('editor', { permissions: ['ghost:do'] })),
      ).toMatchObject({
        status: 422,
        code: 'permission_not_found',
      });
      expect(await failure(a.getEnvironmentRole('nobody'))).toMatchObject({
        status: 404,
        code: 'entity_not_found',
      });
      // The refused calls changed nothing.
      expect((await a.getEnvironmentRole('editor')).permissions).toEqual(['posts:read', 'posts:write']);
    },
  );

  it.runIf(hasAuthorization)(
    'organization roles: create (slug given or generated), list with environment roles, get, update, permissions, delete',
    async () => {
      const a = workos.authorization;
      const billing = await a.createOrganizationRole(orgId, {
        slug: 'org-billing',
        name: 'Billing',
        description: 'Pays',
      });
      expect(billing).toMatchObject({
        object: 'role',
        slug: 'org-billing',
        type: 'OrganizationRole',
        permissions: [],
      });
      const generated = await a.createOrganizationRole(orgId, { name: 'Support Team' });
      expect(generated.slug).toMatch(/^org-support-team-[0-9a-f]{8}$/);

      const list = await a.listOrganizationRoles(orgId);
      const slugs = list.data.map((r: { slug: string }) => r.slug);
      expect(slugs.slice(0, 2)).toEqual(['admin', 'member']);
      expect(slugs.slice(-2)).toEqual(['org-billing', generated.slug]);
      expect(list.data.find((r: { slug: string }) => r.slug === 'org-billing').type).toBe('OrganizationRole');
      expect(list.data.find((r: { slug: string }) => r.slug === 'admin').type).toBe('EnvironmentRole');

      expect(await a.getOrganizationRole(orgId, 'org-billing')).toMatchObject({ id: billing.id });
      expect(await a.getOrganizationRole(orgId, 'admin')).toMatchObject({ type: 'EnvironmentRole' });
      expect(
        await a.updateOrganizationRole(orgId, 'org-billing', { description: 'Pays invoices' }),
      ).toMatchObject({
        name: 'Billing',
        description: 'Pays invoices',
      });
      await a.setOrganizationRolePermissions(orgId, 'org-billing', { permissions: ['posts:read'] });
      expect(
        (await a.addOrganizationRolePermission(orgId, 'org-billing', { permissionSlug: 'posts:write' }))
          .permissions,
      ).toEqual(['posts:read', 'posts:write']);
      await a.removeOrganizationRolePermission(orgId, 'org-billing', { permissionSlug: 'posts:read' });
      expect((await a.getOrganizationRole(orgId, 'org-billing')).permissions).toEqual(['posts:write']);

      // Another organization's roles are not found, and its list does not show them.
      expect(await failure(a.getOrganizationRole(otherOrgId, 'org-billing'))).toMatchObject({
        status: 404,
        code: 'entity_not_found',
      });
      expect(
        (await a.listOrganizationRoles(otherOrgId)).data.map((r: { slug: string }) => r.slug),
      ).not.toContain('org-billing');
      expect(
        await failure(a.createOrganizationRole(orgId, { slug: 'billing', name: 'No prefix' })),
      ).toMatchObject({ status: 422, code: 'invalid_role_slug' });
      await conflict(
        a.createOrganizationRole(orgId, { slug: 'org-billing', name: 'Dup' }),
        'organization_role_slug_conflict',
        'This organization already has a role',
      );
      expect(await failure(a.listOrganizationRoles('org_01HZZZZZZZZZZZZZZZZZZZZZZZ'))).toMatchObject({
        status: 404,
      });

      await a.deleteOrganizationRole(orgId, generated.slug);
      expect(await failure(a.getOrganizationRole(orgId, generated.slug))).toMatchObject({ status: 404 });
    },
  );

  it('organizations.listOrganizationRoles (SDK 7/8) and a membership with an organization role', async () => {
    if (typeof workos.organizations.listOrganizationRoles === 'function') {
      const list = await workos.organizations.listOrganizationRoles({ organizationId: orgId });
      expect(list.object).toBe('list');
      expect(list.data.map((r: { slug: string }) => r.slug).slice(0, 2)).toEqual(['admin', 'member']);
      expect(list.data[0]).toMatchObject({ object: 'role', name: 'Admin', type: 'EnvironmentRole' });
    }
    if (!hasAuthorization) return;
    const user = await workos.userManagement.createUser({ email: `billing-${major}@roles.example.com` });
    const m = await workos.userManagement.createOrganizationMembership({
      organizationId: orgId,
      userId: user.id,
      roleSlug: 'org-billing',
    });
    expect(m.role).toEqual({ slug: 'org-billing' });
    // Another organization's role cannot be given.
    const other = await workos.userManagement.createUser({ email: `other-${major}@roles.example.com` });
    expect(
      await failure(
        workos.userManagement.createOrganizationMembership({
          organizationId: otherOrgId,
          userId: other.id,
          roleSlug: 'org-billing',
        }),
      ),
    ).toMatchObject({ status: 422, code: 'invalid_role' });
    // A role in use is not deleted: the error says how many memberships have it.
    await conflict(
      workos.authorization.deleteOrganizationRole(orgId, 'org-billing'),
      'role_has_assignments',
      'is assigned to 1 organization membership',
    );
    expect((await workos.authorization.getOrganizationRole(orgId, 'org-billing')).slug).toBe('org-billing');
  });

  it.runIf(hasAuthorization)(
    'the access token’s role, roles and permissions follow a change at the next refresh',
    async () => {
      const a = workos.authorization;
      await a.createEnvironmentRole({ slug: 'viewer', name: 'Viewer' });
      await a.setEnvironmentRolePermissions('viewer', { permissions: ['posts:read'] });
      const email = `token-${major}@roles.example.com`;
      const user = await workos.userManagement.createUser({ email, password: 'roles and claims 1' });
      const m = await workos.userManagement.createOrganizationMembership({
        organizationId: orgId,
        userId: user.id,
        roleSlug: 'viewer',
      });
      const auth = await workos.userManagement.authenticateWithPassword({
        email,
        password: 'roles and claims 1',
        clientId: p.h.clientId,
      });
      expect(decodeJwt(auth.accessToken)).toMatchObject({
        org_id: orgId,
        role: 'viewer',
        roles: ['viewer'],
        permissions: ['posts:read'],
      });

      await a.addEnvironmentRolePermission('viewer', { permissionSlug: 'posts:write' });
      const r1 = await workos.userManagement.authenticateWithRefreshToken({
        refreshToken: auth.refreshToken,
        clientId: p.h.clientId,
      });
      expect(decodeJwt(r1.accessToken).permissions).toEqual(['posts:read', 'posts:write']);

      // Several roles: the highest-priority one (editor, created before viewer) is `role`.
      await workos.userManagement.updateOrganizationMembership(m.id, { roleSlugs: ['viewer', 'editor'] });
      const r2 = await workos.userManagement.authenticateWithRefreshToken({
        refreshToken: r1.refreshToken,
        clientId: p.h.clientId,
      });
      const claims = decodeJwt(r2.accessToken);
      expect(claims.role).toBe('editor');
      expect(claims.roles).toEqual(['editor', 'viewer']);
      expect([...(claims.permissions as string[])].sort()).toEqual(['posts:read', 'posts:write']);

      // A deleted permission leaves every role and the next token.
      await a.deletePermission('posts:write');
      const r3 = await workos.userManagement.authenticateWithRefreshToken({
        refreshToken: r2.refreshToken,
        clientId: p.h.clientId,
      });
      expect(decodeJwt(r3.accessToken).permissions).toEqual(['posts:read']);
    },
  );

  it.runIf(hasAuthorization)('every JSON response matches WorkOS’s OpenAPI document', () => {
    const verdicts = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) }));
    const checked = verdicts.filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures.join('\n')).toEqual('');
    expect(checked.filter((x) => x.r.path.startsWith('/authorization')).length).toBeGreaterThan(10);
  });
});
