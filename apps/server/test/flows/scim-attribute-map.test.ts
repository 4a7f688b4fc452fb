/**
 * Per-directory attribute mapping, in-process on both databases: mapped custom attributes in the
 * read API and in dsync events, re-mapping without re-provisioning, and settings that refuse bad
 * paths and unknown roles without changing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ACME = 'urn:acme:custom:2.0:User';

let h: Harness;
let dirId: string;
let scimToken: string;

beforeAll(async () => {
  h = await createHarness();
  const org = await json(await h.api('POST', '/organizations', { name: 'Map Corp' }));
  const dir = await json<{ id: string; scim: { bearer_token: string } }>(
    await h.api('POST', '/directories', {
      organization_id: org.id,
      name: 'Map Entra',
      type: 'azure scim v2.0',
      attribute_map: {
        department: `${ENT}:department`,
        cost_center: `${ENT}:costCenter`,
        manager_name: `${ENT}:manager.displayName`,
        work_email: 'emails[type eq "work"].value',
        badge: `${ACME}:badge`,
        nickname: 'nickName',
      },
    }),
  );
  dirId = dir.id;
  scimToken = dir.scim.bearer_token;
});
afterAll(() => h.close());

const provision = (userName: string) =>
  h.portico.app.request(`/scim/v2/${dirId}/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, ACME],
      userName,
      externalId: `ext-${userName}`,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [
        { type: 'home', value: 'ada@home.example' },
        { type: 'work', value: userName, primary: true },
      ],
      title: 'Engineer',
      active: true,
      [ENT]: {
        department: 'R&D',
        costCenter: 'CC-7',
        manager: { value: 'm-1', displayName: 'Grace Hopper' },
      },
      [ACME]: { badge: 42 },
    }),
  });

describe('directory attribute mapping', () => {
  let userId: string;

  it('maps SCIM attributes into custom_attributes in the read API and in dsync.user.created', async () => {
    const res = await provision('ada@map.example');
    expect(res.status).toBe(201);
    userId = String((await json(res)).id);
    const u = await json<{ custom_attributes: Record<string, unknown> }>(
      await h.api('GET', `/directory_users/${userId}`),
    );
    expect(u.custom_attributes).toMatchObject({
      department: 'R&D',
      cost_center: 'CC-7',
      manager_name: 'Grace Hopper',
      work_email: 'ada@map.example',
      badge: 42,
    });
    expect(u.custom_attributes).not.toHaveProperty('nickname'); // not sent: not mapped to null
    const listed = await json<{ data: { id: string; custom_attributes: Record<string, unknown> }[] }>(
      await h.api('GET', `/directory_users?directory=${dirId}`),
    );
    expect(listed.data.find((x) => x.id === userId)!.custom_attributes.cost_center).toBe('CC-7');
    const events = await json<{
      data: { data: { id: string; custom_attributes: Record<string, unknown> } }[];
    }>(await h.api('GET', '/events?events=dsync.user.created'));
    const ev = events.data.find((e) => e.data.id === userId)!;
    expect(ev.data.custom_attributes.manager_name).toBe('Grace Hopper');
  });

  it('re-maps on read after the settings change, without re-provisioning', async () => {
    const res = await h.api('PUT', `/directories/${dirId}/settings`, {
      attribute_map: { division: `${ENT}:department`, job: 'title' },
      group_role_map: { Admins: 'admin' },
      deprovision: 'none',
    });
    expect(res.status).toBe(200);
    const settings = await json(res);
    expect(settings).toEqual({
      object: 'directory_settings',
      directory_id: dirId,
      scim_base_url: `${h.portico.deps.config.publicUrl}/scim/v2/${dirId}`,
      token_hint: expect.stringMatching(/^scim_.+…/),
      deprovision: 'none',
      group_role_map: { Admins: 'admin' },
      attribute_map: { division: `${ENT}:department`, job: 'title' },
    });
    expect(await json(await h.api('GET', `/directories/${dirId}/settings`))).toEqual(settings);
    const u = await json<{ custom_attributes: Record<string, unknown> }>(
      await h.api('GET', `/directory_users/${userId}`),
    );
    expect(u.custom_attributes).toMatchObject({ division: 'R&D', job: 'Engineer' });
    expect(u.custom_attributes).not.toHaveProperty('cost_center');
  });

  it('refuses bad attribute paths and unknown roles field by field, and changes nothing', async () => {
    const before = await json(await h.api('GET', `/directories/${dirId}/settings`));
    const res = await h.api('PUT', `/directories/${dirId}/settings`, {
      name: 'Renamed',
      attribute_map: { broken: 'emails[type eq', whole: ENT },
      group_role_map: { Ops: 'no-such-role' },
    });
    expect(res.status).toBe(422);
    const body = await json<{ code: string; message: string; errors: { field: string; code: string }[] }>(
      res,
    );
    expect(body.code).toBe('invalid_request_parameters');
    expect(body.errors.map((e) => `${e.field}:${e.code}`).sort()).toEqual([
      'attribute_map.broken:invalid_attribute_path',
      'attribute_map.whole:invalid_attribute_path',
      'group_role_map.Ops:role_not_found',
    ]);
    expect(body.message).toContain('group_role_map.Ops');
    expect(body.errors.find((e) => e.field === 'group_role_map.Ops')).toMatchObject({
      message: expect.stringContaining('no-such-role'),
    });
    expect(await json(await h.api('GET', `/directories/${dirId}/settings`))).toEqual(before);
    const dir = await json<{ name: string }>(await h.api('GET', `/directories/${dirId}`));
    expect(dir.name).toBe('Map Entra');
  });

  it('refuses malformed attribute names at creation', async () => {
    const org = await json(await h.api('POST', '/organizations', { name: 'Other' }));
    const res = await h.api('POST', '/directories', {
      organization_id: org.id,
      name: 'x',
      attribute_map: { 'bad name!': 'title' },
    });
    expect(res.status).toBe(422);
    expect((await json<{ errors: { field: string }[] }>(res)).errors[0]!.field).toContain('attribute_map');
  });

  it('another environment cannot read or change the settings', async () => {
    const other = await h.portico.services.environments.createEnvironment('Other env');
    const res = await h.portico.app.request(`/directories/${dirId}/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deprovision: 'deactivate' }),
    });
    expect(res.status).toBe(404);
    const settings = await json<{ deprovision: string }>(
      await h.api('GET', `/directories/${dirId}/settings`),
    );
    expect(settings.deprovision).toBe('none');
  });
});
