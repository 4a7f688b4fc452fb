/**
 * Directory Sync through the official SDK (7, 8, 11, 12) against a listening Portico: data
 * provisioned over SCIM is read back with `directorySync.*`, including the integration guide's
 * `listUsers({ directory })` and, on SDK 12, the directory-scoped `listDirectoryUsers` /
 * `getDirectoryUser` / `listDirectoryGroups` / `getDirectoryGroup`; every response is checked
 * against WorkOS's OpenAPI document (which does not list the directory-scoped paths yet).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkClass } from './support/sdks.ts';

let p: Running;
let directoryId: string;
let groupId: string;
let userIds: string[] = [];
/** A second directory (another organization) whose ids must not resolve inside the first. */
let otherDirectoryId: string;
let otherUserId: string;
let otherGroupId: string;

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': path.startsWith('/scim') ? 'application/scim+json' : 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

beforeAll(async () => {
  p = await startPortico();
  const org = await call('POST', '/organizations', p.h.apiKey, {
    name: 'Foo Corp',
    domain_data: [{ domain: 'foo-corp.com', state: 'verified' }],
  });
  const dir = await call('POST', '/directories', p.h.apiKey, {
    organization_id: org.body.id,
    name: 'Foo Entra',
    type: 'azure scim v2.0',
  });
  directoryId = String(dir.body.id);
  const token = (dir.body.scim as { bearer_token: string }).bearer_token;
  userIds = [];
  for (const name of ['veda', 'ada']) {
    const u = await call('POST', `/scim/v2/${directoryId}/Users`, token, {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      userName: `${name}@foo-corp.com`,
      externalId: `${name}-1`,
      name: { givenName: name[0]!.toUpperCase() + name.slice(1), familyName: 'Torp' },
      emails: [{ primary: true, type: 'work', value: `${name}@foo-corp.com` }],
      title: 'Engineer',
      active: true,
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Engineering' },
    });
    expect(u.status).toBe(201);
    userIds.push(String(u.body.id));
  }
  const g = await call('POST', `/scim/v2/${directoryId}/Groups`, token, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Engineering',
    members: userIds.map((value) => ({ value })),
  });
  groupId = String(g.body.id);

  const otherOrg = await call('POST', '/organizations', p.h.apiKey, { name: 'Bar Corp' });
  const other = await call('POST', '/directories', p.h.apiKey, {
    organization_id: otherOrg.body.id,
    name: 'Bar Okta',
  });
  otherDirectoryId = String(other.body.id);
  const otherToken = (other.body.scim as { bearer_token: string }).bearer_token;
  const ou = await call('POST', `/scim/v2/${otherDirectoryId}/Users`, otherToken, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'zed@bar-corp.com',
    emails: [{ primary: true, type: 'work', value: 'zed@bar-corp.com' }],
    active: true,
  });
  otherUserId = String(ou.body.id);
  const og = await call('POST', `/scim/v2/${otherDirectoryId}/Groups`, otherToken, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Bar Admins',
    members: [{ value: otherUserId }],
  });
  otherGroupId = String(og.body.id);
});
afterAll(() => p?.close());

describe.each(MAJORS)('directorySync through the official SDK %s', (major) => {
  let workos: AnyWorkOS;
  beforeAll(async () => {
    const WorkOS = await sdkClass(major);
    workos = new WorkOS(p.h.apiKey, {
      apiHostname: '127.0.0.1',
      port: p.port,
      https: false,
      clientId: p.h.clientId,
    });
  });

  // SDK 12 takes `{ id }` where 7–11 take the id itself (getDirectory, getUser, getGroup).
  const byId = (id: string) => (major === '12' ? { id } : id);

  it('reads directories, users (the guide’s listUsers({ directory })), groups and memberships', async () => {
    const { data: directoryUsers } = await workos.directorySync.listUsers({ directory: directoryId });
    expect(directoryUsers.map((u: { email: string }) => u.email).sort()).toEqual([
      'ada@foo-corp.com',
      'veda@foo-corp.com',
    ]);
    const veda = directoryUsers.find((u: { email: string }) => u.email === 'veda@foo-corp.com');
    expect(veda).toMatchObject({ firstName: 'Veda', lastName: 'Torp', state: 'active', directoryId });
    expect(veda.customAttributes).toMatchObject({ department: 'Engineering' });
    expect(veda.groups.map((g: { name: string }) => g.name)).toEqual(['Engineering']);
    const one = await workos.directorySync.getUser(byId(veda.id));
    expect(one.id).toBe(veda.id);
    const { data: groups } = await workos.directorySync.listGroups({ directory: directoryId });
    expect(groups.map((g: { id: string }) => g.id)).toEqual([groupId]);
    const byUser = await workos.directorySync.listGroups({ user: veda.id });
    expect(byUser.data.map((g: { id: string }) => g.id)).toEqual([groupId]);
    const inGroup = await workos.directorySync.listUsers({ group: groupId });
    expect(inGroup.data).toHaveLength(2);
    expect((await workos.directorySync.getGroup(byId(groupId))).name).toBe('Engineering');
    const dirs = await workos.directorySync.listDirectories();
    expect(dirs.data.map((d: { id: string }) => d.id)).toContain(directoryId);
    const dir = await workos.directorySync.getDirectory(byId(directoryId));
    expect(dir).toMatchObject({
      id: directoryId,
      type: 'azure scim v2.0',
      state: major === '7' ? expect.any(String) : 'active',
    });
    await expect(
      workos.directorySync.getUser(byId('directory_user_01NOTHERE000000000000000')),
    ).rejects.toMatchObject({ status: 404 });
  });

  // SDK 12 adds directory-scoped reads; 7, 8 and 11 have no such methods.
  it.runIf(major === '12')(
    'SDK 12: listDirectoryUsers / getDirectoryUser / listDirectoryGroups / getDirectoryGroup',
    async () => {
      const ds = workos.directorySync;
      const { data: users } = await ds.listDirectoryUsers({ directoryId });
      expect(users.map((u: { email: string }) => u.email).sort()).toEqual([
        'ada@foo-corp.com',
        'veda@foo-corp.com',
      ]);
      const veda = users.find((u: { email: string }) => u.email === 'veda@foo-corp.com');
      expect(veda).toMatchObject({
        firstName: 'Veda',
        lastName: 'Torp',
        state: 'active',
        directoryId,
        idpId: 'veda-1',
      });
      expect(veda.customAttributes).toMatchObject({ department: 'Engineering' });
      // Filters SDK 12 sends: group, email, idp_id.
      const byGroup = await ds.listDirectoryUsers({ directoryId, group: groupId });
      expect(byGroup.data.map((u: { id: string }) => u.id).sort()).toEqual([...userIds].sort());
      const byEmail = await ds.listDirectoryUsers({ directoryId, email: 'ADA@foo-corp.com' });
      expect(byEmail.data.map((u: { email: string }) => u.email)).toEqual(['ada@foo-corp.com']);
      const byIdp = await ds.listDirectoryUsers({ directoryId, idpId: 'veda-1' });
      expect(byIdp.data.map((u: { id: string }) => u.id)).toEqual([veda.id]);
      // Cursor pagination, one user a page (autoPagination() returns only the first page once a
      // limit is given, so the cursor is followed by hand).
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await ds.listDirectoryUsers({ directoryId, limit: 1, after });
        expect(page.data.length).toBeLessThanOrEqual(1);
        seen.push(...page.data.map((u: { id: string }) => u.id));
        after = page.listMetadata.after ?? undefined;
      } while (after);
      expect(seen.sort()).toEqual(users.map((u: { id: string }) => u.id).sort());

      const one = await ds.getDirectoryUser({ directoryId, userId: veda.id });
      expect(one).toMatchObject({ id: veda.id, email: 'veda@foo-corp.com', directoryId });
      const { data: groups } = await ds.listDirectoryGroups({ directoryId });
      expect(groups.map((g: { id: string }) => g.id)).toEqual([groupId]);
      const ofVeda = await ds.listDirectoryGroups({ directoryId, user: veda.id });
      expect(ofVeda.data.map((g: { name: string }) => g.name)).toEqual(['Engineering']);
      expect(await ds.getDirectoryGroup({ directoryId, groupId })).toMatchObject({
        id: groupId,
        name: 'Engineering',
        directoryId,
      });

      // Another directory's ids do not resolve here, in the path or in a filter.
      for (const attempt of [
        () => ds.getDirectoryUser({ directoryId, userId: otherUserId }),
        () => ds.getDirectoryGroup({ directoryId, groupId: otherGroupId }),
        () => ds.listDirectoryUsers({ directoryId, group: otherGroupId }),
        () => ds.listDirectoryGroups({ directoryId, user: otherUserId }),
        () => ds.listDirectoryUsers({ directoryId: 'directory_01NOTHERE0000000000000000' }),
      ])
        await expect(attempt()).rejects.toMatchObject({ status: 404 });
      // …while in their own directory they do.
      expect((await ds.getDirectoryUser({ directoryId: otherDirectoryId, userId: otherUserId })).email).toBe(
        'zed@bar-corp.com',
      );
      await expect(ds.listDirectoryUsers({ directoryId, limit: 1000 })).rejects.toMatchObject({
        status: 422,
      });
    },
  );
});

describe('directory responses', () => {
  it('match WorkOS’s OpenAPI schemas', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    const templates = new Set(checked.map((x) => `${x.r.method} ${x.v.template}`));
    for (const t of [
      'GET /directory_users',
      'GET /directory_groups',
      'GET /directories',
      'GET /directories/{id}',
    ])
      expect(templates).toContain(t);
  });
});
