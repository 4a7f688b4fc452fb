/**
 * Roles and permissions on the API, below the SDK (packages/compat/test/roles.test.ts covers the
 * SDK methods): the events each change emits in its transaction, deletions that are refused (the
 * default role, a role in use, a role a directory mapping names, a seeded permission) and change
 * nothing, a no-op change that emits nothing, directory group → organization role mapping, and
 * another environment's roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

type Ev = { event: string; data: Record<string, unknown> };
describe('roles and permissions', () => {
  let h: Harness;
  let orgId: string;
  const events = async (names: string) =>
    (await json<{ data: Ev[] }>(await h.api('GET', `/events?events=${names}&order=asc&limit=100`))).data;
  const refused = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    const body = await json<{ code: string; message: string }>(res);
    expect(body.code).toBe(code);
    return body.message;
  };

  beforeAll(async () => {
    h = await createHarness();
    orgId = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Roles Inc' }))).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('emits role.*, organization_role.* and permission.* with WorkOS’s shapes; a no-op emits nothing', async () => {
    expect(
      (await h.api('POST', '/authorization/permissions', { slug: 'docs:read', name: 'Read' })).status,
    ).toBe(201);
    expect((await h.api('POST', '/authorization/roles', { slug: 'reader', name: 'Reader' })).status).toBe(
      201,
    );
    expect(
      (await h.api('PUT', '/authorization/roles/reader/permissions', { permissions: ['docs:read'] })).status,
    ).toBe(200);
    expect(
      (await h.api('PUT', '/authorization/roles/reader/permissions', { permissions: ['docs:read'] })).status,
    ).toBe(200);
    expect(
      (await h.api('POST', `/authorization/organizations/${orgId}/roles`, { slug: 'org-ops', name: 'Ops' }))
        .status,
    ).toBe(201);
    const roleEvents = await events('role.created,role.updated');
    expect(roleEvents.map((e) => e.event)).toEqual(['role.created', 'role.updated']);
    expect(roleEvents[1]!.data).toEqual({
      object: 'role',
      slug: 'reader',
      resource_type_slug: 'organization',
      permissions: ['docs:read'],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const [orgEvent] = await events('organization_role.created');
    expect(orgEvent!.data).toMatchObject({
      object: 'organization_role',
      organization_id: orgId,
      slug: 'org-ops',
      name: 'Ops',
      permissions: [],
    });
    const [perm] = await events('permission.created');
    expect(perm!.data).toMatchObject({ object: 'permission', slug: 'docs:read', system: false });
  });

  it('refuses to delete the default role, a role in use, a mapped role and a seeded permission, changing nothing', async () => {
    await refused(
      await h.api('DELETE', '/authorization/roles/member'),
      409,
      'default_role_cannot_be_deleted',
    );
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'r@roles.example.com' }),
    );
    const m = await json<{ id: string }>(
      await h.api('POST', '/user_management/organization_memberships', {
        user_id: user.id,
        organization_id: orgId,
        role_slugs: ['reader', 'org-ops'],
      }),
    );
    const msg = await refused(
      await h.api('DELETE', '/authorization/roles/reader'),
      409,
      'role_has_assignments',
    );
    expect(msg).toContain('assigned to 1 organization membership');
    expect(msg).toContain('PUT /user_management/organization_memberships/{id}');
    await refused(
      await h.api('DELETE', '/authorization/permissions/sso:manage'),
      409,
      'system_permission_cannot_be_deleted',
    );

    const dir = await json<{ id: string }>(
      await h.api('POST', '/directories', { organization_id: orgId, name: 'Dir' }),
    );
    expect(
      (
        await h.api('PUT', `/directories/${dir.id}/settings`, {
          group_role_map: { Ops: 'org-ops', Nope: 'org-nope' },
        })
      ).status,
    ).toBe(422);
    expect(
      (await h.api('PUT', `/directories/${dir.id}/settings`, { group_role_map: { Ops: 'org-ops' } })).status,
    ).toBe(200);
    await h.api('PUT', `/user_management/organization_memberships/${m.id}`, { role_slug: 'member' });
    const mapped = await refused(
      await h.api('DELETE', `/authorization/organizations/${orgId}/roles/org-ops`),
      409,
      'role_has_group_role_mappings',
    );
    expect(mapped).toContain(dir.id);
    // Nothing was deleted.
    expect((await h.api('GET', '/authorization/roles/member')).status).toBe(200);
    expect((await h.api('GET', `/authorization/organizations/${orgId}/roles/org-ops`)).status).toBe(200);
    expect((await events('role.deleted,organization_role.deleted,permission.deleted')).length).toBe(0);

    // Once free, the role goes, with its event.
    expect((await h.api('DELETE', '/authorization/roles/reader')).status).toBe(204);
    expect((await h.api('GET', '/authorization/roles/reader')).status).toBe(404);
    expect((await events('role.deleted')).map((e) => e.data.slug)).toEqual(['reader']);
    // The default moves, then the old default can go.
    expect((await h.api('POST', '/authorization/roles/admin/make_default', {})).status).toBe(200);
    expect((await h.api('DELETE', '/authorization/roles/member')).status).toBe(409); // still assigned
  });

  it('another environment’s roles and permissions are not found', async () => {
    const other = await h.portico.services.environments.createEnvironment('Other');
    const as = (method: string, path: string, body?: unknown) =>
      h.portico.app.request(path, {
        method,
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await as('GET', '/authorization/permissions/docs:read')).status).toBe(404);
    expect((await as('GET', `/authorization/organizations/${orgId}/roles`)).status).toBe(404);
    expect(
      (await as('PUT', '/authorization/roles/admin/permissions', { permissions: ['docs:read'] })).status,
    ).toBe(422);
  });
});
