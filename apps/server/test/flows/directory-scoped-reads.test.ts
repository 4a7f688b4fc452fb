/**
 * The directory-scoped reads SDK 12 calls (`GET /directories/{id}/users[/{user_id}]`,
 * `GET /directories/{id}/groups[/{group_id}]`), in-process on both databases: the same objects and
 * pagination as `/directory_users` and `/directory_groups`, the `group` / `email` / `idp_id` and
 * `user` filters, and tenancy — another directory's (or environment's) ids answer 404 with a
 * message that says what to pass, bad input answers 422, and neither changes anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
interface Dir {
  id: string;
  token: string;
  users: Record<string, string>;
  group: string;
}
let one: Dir;
let two: Dir;
let foreign: Dir;
let otherKey: string;

async function provision(apiKey: string, name: string, people: string[]): Promise<Dir> {
  const call = (path: string, body: unknown) =>
    h.portico.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const org = await json<{ id: string }>(await call('/organizations', { name }));
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await call('/directories', { organization_id: org.id, name: `${name} SCIM` }),
  );
  const scim = (path: string, body: unknown) =>
    h.portico.app.request(`/scim/v2/${dir.id}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dir.scim.bearer_token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
  const users: Record<string, string> = {};
  for (const [i, person] of people.entries()) {
    const res = await scim('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `${person}@${name.toLowerCase()}.example`,
      // The first person has no externalId: their idp_id is their userName.
      ...(i === 0 ? {} : { externalId: `${name}-${person}` }),
      name: { givenName: person, familyName: name },
      emails: [{ primary: true, type: 'work', value: `${person}@${name.toLowerCase()}.example` }],
      active: true,
    });
    expect(res.status).toBe(201);
    users[person] = (await json<{ id: string }>(res)).id;
  }
  const group = await scim('/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: `${name} Engineering`,
    members: [{ value: users[people[1]!] }],
  });
  return { id: dir.id, token: dir.scim.bearer_token, users, group: (await json<{ id: string }>(group)).id };
}

beforeAll(async () => {
  h = await createHarness();
  one = await provision(h.apiKey, 'One', ['ada', 'bob', 'cy']);
  two = await provision(h.apiKey, 'Two', ['dee', 'eve']);
  const other = await h.portico.services.environments.createEnvironment('Elsewhere');
  otherKey = other.apiKey;
  foreign = await provision(otherKey, 'Far', ['fay', 'gus']);
});
afterAll(() => h.close());

const get = async <T = Record<string, unknown>>(path: string) => {
  const res = await h.api('GET', path);
  return { status: res.status, body: await json<T>(res) };
};
type List = { object: string; data: { id: string; email: string; name?: string }[]; list_metadata: unknown };

describe('GET /directories/{id}/users', () => {
  it('lists the directory’s users in the /directory_users shape, paged the same way', async () => {
    const scoped = await get<List>(`/directories/${one.id}/users?limit=100`);
    expect(scoped.status).toBe(200);
    const legacy = await get<List>(`/directory_users?directory=${one.id}&limit=100`);
    expect(scoped.body).toEqual(legacy.body);
    expect(scoped.body.data.map((u) => u.email).sort()).toEqual([
      'ada@one.example',
      'bob@one.example',
      'cy@one.example',
    ]);
    const p1 = await get<List & { list_metadata: { after: string | null } }>(
      `/directories/${one.id}/users?limit=2&order=asc`,
    );
    expect(p1.body.data.map((u) => u.id)).toEqual([one.users.ada, one.users.bob]);
    const p2 = await get<List & { list_metadata: { after: string | null; before: string | null } }>(
      `/directories/${one.id}/users?limit=2&order=asc&after=${p1.body.list_metadata.after}`,
    );
    expect(p2.body.data.map((u) => u.id)).toEqual([one.users.cy]);
    expect(p2.body.list_metadata).toEqual({ before: one.users.cy, after: null });
  });

  it('filters by group, email (any case) and idp_id (externalId, else userName)', async () => {
    const ids = async (q: string) =>
      (await get<List>(`/directories/${one.id}/users?${q}`)).body.data.map((u) => u.id);
    expect(await ids(`group=${one.group}`)).toEqual([one.users.bob]);
    expect(await ids('email=CY@One.Example')).toEqual([one.users.cy]);
    expect(await ids('idp_id=One-bob')).toEqual([one.users.bob]);
    expect(await ids('idp_id=ada@one.example')).toEqual([one.users.ada]);
    expect(await ids('email=nobody@one.example')).toEqual([]);
    // Another directory's people are never in this one's list, whatever the filter.
    expect(await ids('email=dee@two.example')).toEqual([]);
  });

  it('gets one user of the directory; another directory’s or environment’s user is a 404', async () => {
    const ok = await get<{ id: string; directory_id: string; groups: { id: string }[] }>(
      `/directories/${one.id}/users/${one.users.bob}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual((await get(`/directory_users/${one.users.bob}`)).body);
    expect(ok.body.groups.map((g) => g.id)).toEqual([one.group]);
    for (const [path, what] of [
      [`/directories/${one.id}/users/${two.users.dee}`, `not found in directory '${one.id}'`],
      [`/directories/${one.id}/users/${foreign.users.fay}`, `not found in directory '${one.id}'`],
      [`/directories/${one.id}/users/directory_user_01NOPE000000000000000000`, 'not found'],
      [`/directories/${foreign.id}/users/${foreign.users.fay}`, 'Directory not found'],
      [`/directories/${foreign.id}/users`, 'Directory not found'],
      [`/directories/directory_01NOPE0000000000000000000/users`, 'GET /directories lists them'],
      [`/directories/${one.id}/users?group=${two.group}`, `not found in directory '${one.id}'`],
      [`/directories/${one.id}/users?group=${foreign.group}`, `not found in directory '${one.id}'`],
    ] as const) {
      const res = await get<{ code: string; message: string }>(path);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'entity_not_found']);
      expect(res.body.message).toContain(what);
    }
  });
});

describe('GET /directories/{id}/groups', () => {
  it('lists and gets the directory’s groups, filtered by one of its users', async () => {
    const listed = await get<List>(`/directories/${one.id}/groups`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual((await get(`/directory_groups?directory=${one.id}`)).body);
    expect(listed.body.data.map((g) => g.id)).toEqual([one.group]);
    const ofBob = await get<List>(`/directories/${one.id}/groups?user=${one.users.bob}`);
    expect(ofBob.body.data.map((g) => g.id)).toEqual([one.group]);
    expect((await get<List>(`/directories/${one.id}/groups?user=${one.users.ada}`)).body.data).toEqual([]);
    const g = await get<{ id: string; name: string; directory_id: string }>(
      `/directories/${one.id}/groups/${one.group}`,
    );
    expect(g.body).toMatchObject({ id: one.group, name: 'One Engineering', directory_id: one.id });
    expect(g.body).toEqual((await get(`/directory_groups/${one.group}`)).body);
  });

  it('answers 404 for another directory’s or environment’s group or user', async () => {
    for (const path of [
      `/directories/${one.id}/groups/${two.group}`,
      `/directories/${one.id}/groups/${foreign.group}`,
      `/directories/${two.id}/groups?user=${one.users.bob}`,
      `/directories/${foreign.id}/groups`,
    ]) {
      const res = await get<{ code: string; message: string }>(path);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'entity_not_found']);
      expect(res.body.message.length).toBeGreaterThan(30);
    }
  });
});

describe('bad input on the directory-scoped reads', () => {
  it('answers 422 with the field named, 401 without a key, and writes nothing', async () => {
    const rows = async () =>
      JSON.stringify(
        await Promise.all([
          h.portico.deps.db.selectFrom('directory_users').selectAll().orderBy('id').execute(),
          h.portico.deps.db.selectFrom('directory_groups').selectAll().orderBy('id').execute(),
          h.portico.deps.db.selectFrom('events').select('id').orderBy('id').execute(),
        ]),
      );
    const before = await rows();
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=101', 'limit'],
      ['order=sideways', 'order'],
      ['email=', null],
    ] as const) {
      const res = await get<{ code: string; errors?: { field: string }[] }>(
        `/directories/${one.id}/users?${query}`,
      );
      if (field === null) {
        expect(res.status).toBe(200); // an empty value counts as absent (reference §2.3)
        continue;
      }
      expect([query, res.status, res.body.code]).toEqual([query, 422, 'invalid_request_parameters']);
      expect(res.body.errors?.map((e) => e.field)).toContain(field);
    }
    const long = await get<{ code: string }>(`/directories/${one.id}/users/${'x'.repeat(200)}`);
    expect([long.status, long.body.code]).toEqual([422, 'invalid_request_parameters']);
    const anon = await h.portico.app.request(`/directories/${one.id}/users`);
    expect(anon.status).toBe(401);
    // The other environment's key sees its own directory only.
    const theirs = await h.portico.app.request(`/directories/${one.id}/users`, {
      headers: { authorization: `Bearer ${otherKey}` },
    });
    expect(theirs.status).toBe(404);
    expect(await rows()).toBe(before);
  });

  it('appears in /openapi.json with its parameters and response schema', async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: object }>>;
    }>(await h.portico.app.request('/openapi.json'));
    for (const p of [
      '/directories/{id}/users',
      '/directories/{id}/users/{user_id}',
      '/directories/{id}/groups',
      '/directories/{id}/groups/{group_id}',
    ])
      expect(doc.paths[p]?.get, p).toBeDefined();
    const names = doc.paths['/directories/{id}/users']!.get!.parameters!.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'limit', 'after', 'group', 'email', 'idp_id']));
    expect(JSON.stringify(doc.paths['/directories/{id}/users/{user_id}']!.get!.responses)).toContain(
      'directory_user',
    );
  });
});
