/**
 * Directory Sync through the official SDK (7, 8, 11, 12) against a listening Portico: data
 * provisioned over SCIM is read back with `directorySync.*`, including the integration guide's
 * `listUsers({ directory })`, and every response is checked against WorkOS's OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkClass } from './support/sdks.ts';

let p: Running;
let directoryId: string;
let groupId: string;
let userIds: string[] = [];

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
    const one = await workos.directorySync.getUser(veda.id);
    expect(one.id).toBe(veda.id);
    const { data: groups } = await workos.directorySync.listGroups({ directory: directoryId });
    expect(groups.map((g: { id: string }) => g.id)).toEqual([groupId]);
    const byUser = await workos.directorySync.listGroups({ user: veda.id });
    expect(byUser.data.map((g: { id: string }) => g.id)).toEqual([groupId]);
    const inGroup = await workos.directorySync.listUsers({ group: groupId });
    expect(inGroup.data).toHaveLength(2);
    expect((await workos.directorySync.getGroup(groupId)).name).toBe('Engineering');
    const dirs = await workos.directorySync.listDirectories();
    expect(dirs.data.map((d: { id: string }) => d.id)).toContain(directoryId);
    const dir = await workos.directorySync.getDirectory(directoryId);
    expect(dir).toMatchObject({
      id: directoryId,
      type: 'azure scim v2.0',
      state: major === '7' ? expect.any(String) : 'active',
    });
    await expect(
      workos.directorySync.getUser('directory_user_01NOTHERE000000000000000'),
    ).rejects.toMatchObject({ status: 404 });
  });
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
