/**
 * Directory Sync through SCIM 2.0, in-process on both databases: provisioning, filters, PATCH and
 * PUT, group membership (with concurrent PATCHes), deprovisioning into AuthKit, the WorkOS read
 * API, events, the request log, and bad input that persists nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let dirId: string;
let scimToken: string;
let orgId: string;

beforeAll(async () => {
  h = await createHarness();
  const org = await json(
    await h.api('POST', '/organizations', {
      name: 'Foo Corp',
      domain_data: [{ domain: 'foo-corp.com', state: 'verified' }],
    }),
  );
  orgId = String(org.id);
  const dir = await json<{ id: string; scim: { base_url: string; bearer_token: string } }>(
    await h.api('POST', '/directories', { organization_id: orgId, name: 'Foo Okta', type: 'okta scim v2.0' }),
  );
  dirId = dir.id;
  scimToken = dir.scim.bearer_token;
  expect(dir.scim.base_url).toBe(`${h.portico.deps.config.publicUrl}/scim/v2/${dirId}`);
});
afterAll(() => h.close());

function scim(
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; dir?: string; ua?: string; raw?: string } = {},
) {
  return h.portico.app.request(`/scim/v2/${opts.dir ?? dirId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${opts.token ?? scimToken}`,
      'content-type': 'application/scim+json',
      'user-agent': opts.ua ?? 'Okta SCIM Client 1.0.0',
    },
    body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
}

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  externalId: `ext-${userName}`,
  name: { givenName: userName.split('@')[0], familyName: 'Torp' },
  emails: [{ primary: true, type: 'work', value: userName }],
  active: true,
  ...extra,
});

const count = async (table: 'directory_users' | 'directory_groups' | 'events') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('SCIM users', () => {
  it('creates a user, answers application/scim+json, and writes dsync.user.created in the guide’s shape', async () => {
    const res = await scim('POST', '/Users', user('veda@foo-corp.com'));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    const created = await json<{ id: string; userName: string; meta: { resourceType: string } }>(res);
    expect(created.id).toMatch(/^directory_user_/);
    expect(created.meta.resourceType).toBe('User');
    const events = await json<{ data: { event: string; data: Record<string, unknown> }[] }>(
      await h.api('GET', '/events?events=dsync.user.created'),
    );
    const data = events.data[0]!.data as {
      emails: { value: string }[];
      first_name: string;
      last_name: string;
      directory_id: string;
    };
    expect(data.emails[0]!.value).toBe('veda@foo-corp.com');
    expect(`${data.first_name} ${data.last_name}`).toBe('veda Torp');
    expect(data.directory_id).toBe(dirId);
  });

  it('finds users by filter and pages them', async () => {
    await scim('POST', '/Users', user('ada@foo-corp.com'));
    await scim('POST', '/Users', user('grace@foo-corp.com'));
    const eq = await json<{ totalResults: number; Resources: { userName: string }[] }>(
      await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@foo-corp.com"')}`),
    );
    expect(eq.totalResults).toBe(1);
    expect(eq.Resources[0]!.userName).toBe('ada@foo-corp.com');
    const co = await json<{ totalResults: number }>(
      await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('emails[type eq "work" and value co "foo-corp"]')}`,
      ),
    );
    expect(co.totalResults).toBe(3);
    const page = await json<{
      totalResults: number;
      itemsPerPage: number;
      startIndex: number;
      Resources: unknown[];
    }>(await scim('GET', '/Users?startIndex=2&count=1'));
    expect(page).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 2 });
    const bad = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ scimType: 'invalidFilter' });
  });

  it('refuses a duplicate userName with 409 uniqueness and writes nothing', async () => {
    const before = await count('directory_users');
    const res = await scim('POST', '/Users', user('ada@foo-corp.com', { externalId: 'other' }));
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      scimType: 'uniqueness',
      status: '409',
    });
    expect(await count('directory_users')).toBe(before);
  });

  it('bad input gets a SCIM error and persists nothing', async () => {
    const users = await count('directory_users');
    const events = await count('events');
    expect((await scim('POST', '/Users', undefined, { raw: '{"userName": ' })).status).toBe(400);
    expect(
      (await scim('POST', '/Users', { schemas: ['urn:example:not-scim'], userName: 'x@foo-corp.com' }))
        .status,
    ).toBe(400);
    // Numbers are accepted as strings (IdPs send employee numbers as numbers); a non-boolean `active` is not.
    const wrongType = await scim('POST', '/Users', user('typo@foo-corp.com', { active: 'maybe' }));
    expect(wrongType.status).toBe(400);
    expect(await json(wrongType)).toMatchObject({ scimType: 'invalidValue' });
    expect(
      (await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })).status,
    ).toBe(400);
    expect(
      (await scim('POST', '/Users', user('huge@foo-corp.com', { title: 'x'.repeat(1_100_000) }))).status,
    ).toBe(413);
    const other = await json<{ id: string; scim: { bearer_token: string } }>(
      await h.api('POST', '/directories', { organization_id: orgId, name: 'Other' }),
    );
    const cross = await scim('GET', '/Users', undefined, { token: other.scim.bearer_token });
    expect(cross.status).toBe(401);
    expect(await json(cross)).toMatchObject({ status: '401' });
    expect(await count('directory_users')).toBe(users);
    expect(await count('events')).toBe(events + 1); // only the other directory's dsync.activated
  });
});

describe('SCIM groups', () => {
  it('creates a group with members, PATCHes members in and out, and writes membership events', async () => {
    const list = await json<{ Resources: { id: string; userName: string }[] }>(await scim('GET', '/Users'));
    const [a, b, c] = list.Resources;
    const g = await json<{ id: string; members: { value: string }[] }>(
      await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Engineering',
        externalId: 'eng',
        members: [{ value: a!.id }],
      }),
    );
    expect(g.members.map((m) => m.value)).toEqual([a!.id]);
    const patched = await json<{ members: { value: string }[] }>(
      await scim('PATCH', `/Groups/${g.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: b!.id }, { value: c!.id }] },
          { op: 'remove', path: `members[value eq "${a!.id}"]` },
        ],
      }),
    );
    expect(patched.members.map((m) => m.value).sort()).toEqual([b!.id, c!.id].sort());
    const groupsOfB = await json<{ data: { id: string }[] }>(
      await h.api('GET', `/directory_groups?user=${b!.id}`),
    );
    expect(groupsOfB.data.map((x) => x.id)).toEqual([g.id]);
    const events = await json<{ data: { event: string }[] }>(
      await h.api(
        'GET',
        '/events?events=dsync.group.user_added,dsync.group.user_removed&order=asc&limit=100',
      ),
    );
    expect(events.data.map((e) => e.event)).toEqual([
      'dsync.group.user_added',
      'dsync.group.user_added',
      'dsync.group.user_added',
      'dsync.group.user_removed',
    ]);
  });

  it('concurrent PATCHes adding different members to one group lose no member', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(String((await json(await scim('POST', '/Users', user(`c${i}@foo-corp.com`)))).id));
    const g = await json<{ id: string }>(
      await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Race',
      }),
    );
    const results = await Promise.all(
      ids.map((id) =>
        scim('PATCH', `/Groups/${g.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = await json<{ members: { value: string }[] }>(await scim('GET', `/Groups/${g.id}`));
    expect(final.members.map((m) => m.value).sort()).toEqual([...ids].sort());
  });

  it('Okta: membership by PUT replaces the member list', async () => {
    const list = await json<{ Resources: { id: string }[] }>(await scim('GET', '/Users?count=3'));
    const g = await json<{ id: string }>(
      await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Put',
      }),
    );
    const put = await json<{ members: { value: string }[] }>(
      await scim('PUT', `/Groups/${g.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Put 2',
        members: list.Resources.slice(0, 2).map((u) => ({ value: u.id })),
      }),
    );
    expect(put.members).toHaveLength(2);
    const again = await json<{ displayName: string; members: { value: string }[] }>(
      await scim('PUT', `/Groups/${g.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Put 2',
        members: [{ value: list.Resources[2]!.id }],
      }),
    );
    expect(again.members.map((m) => m.value)).toEqual([list.Resources[2]!.id]);
  });
});

describe('deprovisioning', () => {
  it('deactivating a directory user deactivates the AuthKit membership and revokes sessions', async () => {
    const u = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'leaver@foo-corp.com',
        password: 'leaver password 1',
      }),
    );
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: orgId,
      user_id: u.id,
    });
    const login = await json<{ refresh_token: string }>(
      await h.portico.app.request('/user_management/authenticate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: h.clientId,
          client_secret: h.apiKey,
          grant_type: 'password',
          email: 'leaver@foo-corp.com',
          password: 'leaver password 1',
        }),
      }),
    );
    const du = await json<{ id: string }>(await scim('POST', '/Users', user('leaver@foo-corp.com')));
    const res = await scim('PATCH', `/Users/${du.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(res.status).toBe(200);
    expect((await json(res)).active).toBe(false);
    const memberships = await json<{ data: { status: string }[] }>(
      await h.api(
        'GET',
        `/user_management/organization_memberships?user_id=${u.id}&statuses=active,inactive`,
      ),
    );
    expect(memberships.data.map((m) => m.status)).toEqual(['inactive']);
    const refresh = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: h.clientId,
        client_secret: h.apiKey,
        grant_type: 'refresh_token',
        refresh_token: login.refresh_token,
      }),
    });
    expect(refresh.status).toBe(400);
    const revoked = await json<{
      data: { data: { user_id: string; status: string }; context: { reason: string } }[];
    }>(await h.api('GET', '/events?events=session.revoked'));
    expect(revoked.data[0]).toMatchObject({
      data: { user_id: u.id, status: 'revoked' },
      context: { reason: 'directory_deprovisioned' },
    });
    const wire = await json<{ state: string; groups: unknown[] }>(
      await h.api('GET', `/directory_users/${du.id}`),
    );
    expect(wire.state).toBe('inactive');
    expect(Array.isArray(wire.groups)).toBe(true);
    expect((await scim('DELETE', `/Users/${du.id}`)).status).toBe(204);
    const deleted = await json<{ data: { event: string; data: { id: string } }[] }>(
      await h.api('GET', '/events?events=dsync.user.deleted'),
    );
    expect(deleted.data[0]!.data.id).toBe(du.id);
  });
});

describe('read API, discovery and the request log', () => {
  it('serves the WorkOS read API, ServiceProviderConfig, and logs every SCIM request with secrets redacted', async () => {
    const dirs = await json<{ data: { id: string; state: string }[] }>(
      await h.api('GET', `/directories?organization_id=${orgId}`),
    );
    expect(dirs.data.map((d) => d.id)).toContain(dirId);
    expect((await scim('POST', '/Users', user('reader@foo-corp.com'))).status).toBe(201);
    const users = await json<{
      data: {
        email: string;
        emails: unknown[];
        groups: unknown[];
        state: string;
        raw_attributes: unknown;
        custom_attributes: unknown;
      }[];
    }>(await h.api('GET', `/directory_users?directory=${dirId}&limit=100`));
    const stored = await h.portico.deps.db
      .selectFrom('directory_users')
      .select('email')
      .where('directory_id', '=', dirId)
      .execute();
    // Every provisioned user of the directory is listed, the one just provisioned among them.
    expect(users.data.map((u) => u.email).sort()).toEqual(stored.map((u) => u.email).sort());
    expect(users.data.map((u) => u.email)).toContain('reader@foo-corp.com');
    for (const u of users.data) {
      expect(Array.isArray(u.groups)).toBe(true);
      expect(Array.isArray(u.emails)).toBe(true);
      expect(u.raw_attributes).toBeTypeOf('object');
    }
    const spc = await json<{ patch: { supported: boolean } }>(await scim('GET', '/ServiceProviderConfig'));
    expect(spc.patch.supported).toBe(true);

    // The request log, on a directory of its own so every entry is known: one row per request,
    // newest first, each with its method, path, status and user agent; passwords redacted.
    const own = await json<{ id: string; scim: { bearer_token: string } }>(
      await h.api('POST', '/directories', { organization_id: orgId, name: 'Logged', type: 'okta scim v2.0' }),
    );
    const call = (method: string, path: string, body?: unknown) =>
      scim(method, path, body, { dir: own.id, token: own.scim.bearer_token });
    expect((await call('GET', '/ServiceProviderConfig')).status).toBe(200);
    const secret = user('secret@foo-corp.com', { password: 'hunter2-hunter2' });
    expect((await call('POST', '/Users', secret)).status).toBe(201);
    expect((await call('POST', '/Users', secret)).status).toBe(409);
    expect((await call('GET', '/Users/directory_user_01NOPE0000000000000000000')).status).toBe(404);
    const log = await json<{
      data: {
        method: string;
        path: string;
        status: number;
        request_body: unknown;
        error: string | null;
        user_agent: string;
      }[];
    }>(await h.api('GET', `/directories/${own.id}/scim_requests?limit=200`));
    const base = `/scim/v2/${own.id}`;
    expect(log.data.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', `${base}/Users/directory_user_01NOPE0000000000000000000`, 404],
      ['POST', `${base}/Users`, 409],
      ['POST', `${base}/Users`, 201],
      ['GET', `${base}/ServiceProviderConfig`, 200],
    ]);
    expect(new Set(log.data.map((r) => r.user_agent))).toEqual(new Set(['Okta SCIM Client 1.0.0']));
    const logged = { ...secret, password: '[redacted]' };
    expect(log.data[1]!.request_body).toEqual(logged);
    expect(log.data[2]!.request_body).toEqual(logged);
    expect(log.data[3]!.request_body).toBeNull();
    expect(log.data[1]!.error).toMatch(/userName/);
    expect(log.data[2]!.error).toBeNull();
    expect(JSON.stringify(log.data)).not.toContain('hunter2');
  });
});

describe('group → role mapping', () => {
  it('gives the linked AuthKit membership the role mapped from the directory group', async () => {
    const org = await json(await h.api('POST', '/organizations', { name: 'Mapped Co' }));
    const dir = await json<{ id: string; scim: { bearer_token: string } }>(
      await h.api('POST', '/directories', {
        organization_id: org.id,
        name: 'Mapped',
        group_role_map: { Admins: 'admin' },
      }),
    );
    const u = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'boss@mapped.example' }),
    );
    const m = await json<{ id: string }>(
      await h.api('POST', '/user_management/organization_memberships', {
        organization_id: org.id,
        user_id: u.id,
      }),
    );
    const opts = { token: dir.scim.bearer_token, dir: dir.id };
    const du = await json<{ id: string }>(await scim('POST', '/Users', user('boss@mapped.example'), opts));
    const g = await json<{ id: string }>(
      await scim(
        'POST',
        '/Groups',
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Admins',
          members: [{ value: du.id }],
        },
        opts,
      ),
    );
    expect(
      await json<{ role: { slug: string }; directory_managed: boolean }>(
        await h.api('GET', `/user_management/organization_memberships/${m.id}`),
      ),
    ).toMatchObject({ role: { slug: 'admin' }, directory_managed: true });
    await scim(
      'PATCH',
      `/Groups/${g.id}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: `members[value eq "${du.id}"]` }],
      },
      opts,
    );
    expect(
      (
        await json<{ role: { slug: string } }>(
          await h.api('GET', `/user_management/organization_memberships/${m.id}`),
        )
      ).role.slug,
    ).toBe('member');
  });
});
