/**
 * SCIM conformance as provisioning clients and validator suites check it, in-process on both
 * databases: userName unique and filtered ignoring case (RFC 7643 §4.1.1 caseExact false),
 * externalId's uniqueness as /Schemas declares it, single schemas and resource types by id, SCIM
 * errors for every unknown path under the SCIM base, Location on 201, and wrong JSON types
 * refused with invalidValue rather than coerced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, dialect, type Harness, json } from '../harness.ts';

let h: Harness;
let dirId: string;
let token: string;
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = ['urn:ietf:params:scim:api:messages:2.0:PatchOp'];

beforeAll(async () => {
  h = await createHarness();
  const org = await json(await h.api('POST', '/organizations', { name: 'Conformance Corp' }));
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await h.api('POST', '/directories', { organization_id: org.id, name: 'Entra', type: 'azure scim v2.0' }),
  );
  dirId = dir.id;
  token = dir.scim.bearer_token;
});
afterAll(() => h.close());

function scim(method: string, path: string, body?: unknown, ua = 'Azure AD SCIM Client') {
  return h.portico.app.request(`/scim/v2/${dirId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/scim+json',
      'user-agent': ua,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [CORE],
  userName,
  externalId: `ext-${userName}`,
  active: true,
  ...extra,
});
const usersNamed = async (filter: string) =>
  (
    await json<{ Resources: { userName: string }[] }>(
      await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`),
    )
  ).Resources.map((r) => r.userName);
const userCount = async () =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom('directory_users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('directory_id', '=', dirId)
        .executeTakeFirstOrThrow()
    ).n,
  );

async function expectScimError(res: Response, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/scim+json');
  const body = await json<Record<string, unknown>>(res);
  expect(body).toMatchObject({ schemas: [ERROR], status: String(status) });
  expect(typeof body.detail).toBe('string');
  if (scimType) expect(body.scimType).toBe(scimType);
  else expect(body).not.toHaveProperty('scimType');
  return body;
}

describe(`SCIM conformance on ${dialect}`, () => {
  it('userName is unique ignoring case: 409 uniqueness on POST, PUT and PATCH, nothing written', async () => {
    const jane = await scim('POST', '/Users', user('jane@x.test'));
    expect(jane.status).toBe(201);
    const janeId = (await json<{ id: string }>(jane)).id;
    const before = await userCount();
    const dup = await expectScimError(
      await scim('POST', '/Users', user('JANE@X.TEST', { externalId: 'other' })),
      409,
      'uniqueness',
    );
    expect(dup.detail).toMatch(/jane@x\.test.*ignoring case/);
    expect(await userCount()).toBe(before);

    const bob = await json<{ id: string }>(await scim('POST', '/Users', user('bob@x.test')));
    await expectScimError(
      await scim('PUT', `/Users/${bob.id}`, user('Jane@X.test', { externalId: 'ext-bob@x.test' })),
      409,
      'uniqueness',
    );
    await expectScimError(
      await scim('PATCH', `/Users/${bob.id}`, {
        schemas: PATCH,
        Operations: [{ op: 'replace', path: 'userName', value: 'jAnE@x.TeSt' }],
      }),
      409,
      'uniqueness',
    );
    // A user may change the case of their own userName.
    const recased = await scim('PATCH', `/Users/${janeId}`, {
      schemas: PATCH,
      Operations: [{ op: 'replace', path: 'userName', value: 'Jane@X.test' }],
    });
    expect(recased.status).toBe(200);
    expect((await json(recased)).userName).toBe('Jane@X.test');
  });

  it('filters on userName match ignoring case, with every operator', async () => {
    await scim('POST', '/Users', user('Mixed.Case@Y.test'));
    for (const f of [
      'userName eq "mixed.case@y.test"',
      'userName eq "MIXED.CASE@Y.TEST"',
      'userName sw "MIXED"',
      'userName co "CASE@y"',
      'userName ew "@Y.TEST"',
      'userName ne "x" and userName sw "mixed.c"',
    ])
      expect(await usersNamed(f), f).toEqual(['Mixed.Case@Y.test']);
    // Beyond ASCII too (SQLite's lower() folds ASCII only; the key is lower-cased by the server).
    await scim('POST', '/Users', user('Émile.Ørsted@Y.test'));
    expect(await usersNamed('userName eq "émile.ørsted@y.test"')).toEqual(['Émile.Ørsted@Y.test']);
    await expectScimError(
      await scim('POST', '/Users', user('ÉMILE.ØRSTED@y.test', { externalId: 'emile-2' })),
      409,
      'uniqueness',
    );
    // externalId is caseExact: case matters there.
    expect(await usersNamed('externalId eq "ext-Mixed.Case@Y.test"')).toEqual(['Mixed.Case@Y.test']);
    expect(await usersNamed('externalId eq "EXT-MIXED.CASE@Y.TEST"')).toEqual([]);
  });

  it('externalId: /Schemas declares uniqueness server, and a duplicate is refused 409 uniqueness', async () => {
    const list = await json<{
      Resources: { id: string; attributes: { name: string; uniqueness: string }[] }[];
    }>(await scim('GET', '/Schemas'));
    for (const id of [CORE, GROUP]) {
      const attrs = list.Resources.find((s) => s.id === id)!.attributes;
      expect(attrs.find((a) => a.name === 'externalId')).toMatchObject({
        uniqueness: 'server',
        caseExact: true,
      });
      const single = await json<{ attributes: { name: string; uniqueness: string }[] }>(
        await scim('GET', `/Schemas/${id}`),
      );
      expect(single.attributes.find((a) => a.name === 'externalId')!.uniqueness).toBe('server');
    }
    await scim('POST', '/Users', user('ext1@x.test', { externalId: 'shared-ext' }));
    await expectScimError(
      await scim('POST', '/Users', user('ext2@x.test', { externalId: 'shared-ext' })),
      409,
      'uniqueness',
    );
    const g = { schemas: [GROUP], displayName: 'G1', externalId: 'shared-group-ext' };
    expect((await scim('POST', '/Groups', g)).status).toBe(201);
    await expectScimError(await scim('POST', '/Groups', { ...g, displayName: 'G2' }), 409, 'uniqueness');
  });

  it('GET /Schemas/{urn} and /ResourceTypes/{name} return the one resource; unknown ones are SCIM 404s', async () => {
    for (const id of [CORE, GROUP, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']) {
      const res = await scim('GET', `/Schemas/${id}`);
      expect(res.status, id).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/scim+json');
      const body = await json<{ id: string; schemas: string[]; meta: { location: string } }>(res);
      expect(body.id).toBe(id);
      expect(body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(body.meta.location).toBe(`${h.portico.deps.config.publicUrl}/scim/v2/${dirId}/Schemas/${id}`);
    }
    expect((await json(await scim('GET', `/Schemas/${CORE.toLowerCase()}`))).id).toBe(CORE);
    await expectScimError(await scim('GET', '/Schemas/urn:example:nope'), 404);
    for (const name of ['User', 'Group']) {
      const rt = await json<{ id: string; endpoint: string }>(await scim('GET', `/ResourceTypes/${name}`));
      expect(rt).toMatchObject({ id: name, endpoint: `/${name}s` });
    }
    await expectScimError(await scim('GET', '/ResourceTypes/Device'), 404);
  });

  it('every unknown path under the SCIM base is a SCIM error, not the WorkOS JSON 404', async () => {
    for (const [method, path, status] of [
      ['GET', '/Devices', 404],
      ['GET', '/users', 404],
      ['GET', '/Users/x/y', 404],
      ['GET', '', 404],
      ['POST', '/Bulk', 501],
      ['GET', '/Me', 501],
      ['DELETE', '/Schemas', 405],
      ['POST', '/ServiceProviderConfig', 405],
      ['POST', '/Users/x', 405],
    ] as const) {
      const body = await expectScimError(await scim(method, path, method === 'GET' ? undefined : {}), status);
      expect(body).not.toHaveProperty('code');
    }
    // Without the token, still a SCIM error (401); the base without a directory id, a SCIM 404.
    await expectScimError(await h.portico.app.request(`/scim/v2/${dirId}/Nope`), 401);
    const bare = await expectScimError(await h.portico.app.request('/scim/v2', { method: 'POST' }), 404);
    expect(bare.detail).toMatch(/directory id/);
  });

  it('201 Created carries Location equal to meta.location, for Users and Groups', async () => {
    const u = await scim('POST', '/Users', user('located@x.test'));
    expect(u.status).toBe(201);
    const ub = await json<{ id: string; meta: { location: string } }>(u);
    expect(ub.meta.location).toBe(`${h.portico.deps.config.publicUrl}/scim/v2/${dirId}/Users/${ub.id}`);
    expect(u.headers.get('location')).toBe(ub.meta.location);
    const g = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Located' });
    expect(g.status).toBe(201);
    const gb = await json<{ meta: { location: string } }>(g);
    expect(g.headers.get('location')).toBe(gb.meta.location);
  });

  it('wrong JSON types are 400 invalidValue, not coerced; Entra "True" strings still work', async () => {
    const before = await userCount();
    for (const extra of [
      { userName: 12345 },
      { emails: 'x' },
      { emails: 42 },
      { externalId: 99 },
      { active: 'yes' },
      { displayName: false },
    ]) {
      const body = await expectScimError(
        await scim('POST', '/Users', user('typed@x.test', extra)),
        400,
        'invalidValue',
      );
      expect(body.detail, JSON.stringify(extra)).toMatch(new RegExp(Object.keys(extra)[0]!));
    }
    expect(await userCount()).toBe(before);
    const entra = await scim('POST', '/Users', user('entra@x.test', { active: 'True' }));
    expect(entra.status).toBe(201);
    const e = await json<{ id: string; active: boolean }>(entra);
    expect(e.active).toBe(true);
    await expectScimError(
      await scim('PATCH', `/Users/${e.id}`, {
        schemas: PATCH,
        Operations: [{ op: 'replace', path: 'userName', value: 12345 }],
      }),
      400,
      'invalidValue',
    );
    const off = await scim('PATCH', `/Users/${e.id}`, {
      schemas: PATCH,
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(off.status).toBe(200);
    expect((await json(off)).active).toBe(false);
  });
});
