import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('organizations', () => {
  it('creates with domains[] (SDK 7) and domain_data[] (SDK 8+), and reads it back', async () => {
    const res = await h.api('POST', '/organizations', {
      name: 'Acme',
      domains: ['acme.com'],
      domain_data: [{ domain: 'acme.io', state: 'verified' }],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const org = await json(res);
    expect(org).toMatchObject({
      object: 'organization',
      name: 'Acme',
      allow_profiles_outside_organization: false,
      external_id: null,
      metadata: {},
    });
    expect(String(org.id)).toMatch(/^org_[0-9A-Z]{26}$/);
    const domains = (org.domains as { domain: string; state: string }[])
      .map((d) => [d.domain, d.state])
      .sort();
    expect(domains).toEqual([
      ['acme.com', 'pending'],
      ['acme.io', 'verified'],
    ]);
    const got = await json(await h.api('GET', `/organizations/${org.id}`));
    expect(got).toEqual(org);
  });

  it('gets by external id, updates and deletes, writing an event for each change', async () => {
    const org = await json(
      await h.api('POST', '/organizations', {
        name: 'Ext',
        external_id: 'ext-1',
        metadata: { tier: 'gold' },
      }),
    );
    expect((await json(await h.api('GET', '/organizations/external_id/ext-1'))).id).toBe(org.id);
    const updated = await json(
      await h.api('PUT', `/organizations/${org.id}`, {
        name: 'Ext 2',
        metadata: { tier: null, region: 'eu' },
      }),
    );
    expect(updated).toMatchObject({ name: 'Ext 2', metadata: { region: 'eu' } });
    expect((await h.api('DELETE', `/organizations/${org.id}`)).status).toBe(202);
    expect((await h.api('GET', `/organizations/${org.id}`)).status).toBe(404);
    const events = await h.portico.deps.db
      .selectFrom('events')
      .select(['event', 'data'])
      .where('organization_id', '=', String(org.id))
      .orderBy('seq')
      .execute();
    expect(events.map((e) => e.event)).toEqual([
      'organization.created',
      'organization.updated',
      'organization.deleted',
    ]);
  });

  it('refuses a duplicate external_id and a domain owned by another organization, changing nothing', async () => {
    await h.api('POST', '/organizations', { name: 'A', external_id: 'dup', domains: ['taken.com'] });
    const before = await h.portico.deps.db.selectFrom('organizations').select('id').execute();
    const r1 = await h.api('POST', '/organizations', { name: 'B', external_id: 'dup' });
    expect(r1.status).toBe(400);
    expect(await json(r1)).toMatchObject({ code: 'external_id_already_used' });
    const r2 = await h.api('POST', '/organizations', { name: 'C', domains: ['taken.com'] });
    expect(r2.status).toBe(409);
    expect((await json(r2)).code).toBe('organization_domain_already_used');
    const after = await h.portico.deps.db.selectFrom('organizations').select('id').execute();
    expect(after.length).toBe(before.length);
  });

  it('lists with cursor pagination in both orders and filters by domain', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        String(
          (
            await json(
              await h.api('POST', '/organizations', { name: `Page ${i}`, domains: [`page${i}.example`] }),
            )
          ).id,
        ),
      );
    const page1 = await json<{
      data: { id: string }[];
      list_metadata: { after: string | null; before: string | null };
    }>(await h.api('GET', '/organizations?limit=2&order=desc'));
    expect(page1.data.map((o) => o.id)).toEqual([ids[4], ids[3]]);
    expect(page1.list_metadata.after).toBe(ids[3]);
    const page2 = await json<{
      data: { id: string }[];
      list_metadata: { after: string | null; before: string | null };
    }>(await h.api('GET', `/organizations?limit=2&order=desc&after=${page1.list_metadata.after}`));
    expect(page2.data.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    expect(page2.list_metadata.before).toBe(ids[2]);
    const back = await json<{ data: { id: string }[] }>(
      await h.api('GET', `/organizations?limit=2&order=desc&before=${ids[2]}`),
    );
    expect(back.data.map((o) => o.id)).toEqual([ids[4], ids[3]]);
    const filtered = await json<{ data: { id: string }[] }>(
      await h.api('GET', '/organizations?domains=page1.example%2Cpage3.example'),
    );
    expect(filtered.data.map((o) => o.id).sort()).toEqual([ids[1], ids[3]].sort());
  });

  it('manages organization domains', async () => {
    const org = await json(await h.api('POST', '/organizations', { name: 'Dom' }));
    const d = await json(
      await h.api('POST', '/organization_domains', { organization_id: org.id, domain: 'Dom.Example' }),
    );
    expect(d).toMatchObject({
      object: 'organization_domain',
      domain: 'dom.example',
      state: 'pending',
      verification_strategy: 'dns',
    });
    expect(typeof d.verification_token).toBe('string');
    expect((await json(await h.api('GET', `/organization_domains/${d.id}`))).id).toBe(d.id);
    expect((await h.api('DELETE', `/organization_domains/${d.id}`)).status).toBe(202);
    expect((await h.api('GET', `/organization_domains/${d.id}`)).status).toBe(404);
  });
});

describe('deleting an organization with a directory', () => {
  it('deletes its directories (users and groups with them) and writes dsync.deleted beside organization.deleted', async () => {
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Leaving Co' }));
    const dir = await json<{ id: string; scim: { bearer_token: string } }>(
      await h.api('POST', '/directories', { organization_id: org.id, name: 'Okta', type: 'okta scim v2.0' }),
    );
    const scim = await h.portico.app.request(`/scim/v2/${dir.id}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dir.scim.bearer_token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'leaver@leaving.example',
        name: { givenName: 'Lee', familyName: 'Ver' },
        emails: [{ value: 'leaver@leaving.example', primary: true, type: 'work' }],
        active: true,
      }),
    });
    expect(scim.status).toBe(201);

    const deleted = await h.api('DELETE', `/organizations/${org.id}`);
    expect(deleted.status).toBe(202);
    expect((await h.api('GET', `/directories/${dir.id}`)).status).toBe(404);
    expect(
      await h.portico.deps.db
        .selectFrom('directory_users')
        .select('id')
        .where('directory_id', '=', dir.id)
        .execute(),
    ).toEqual([]);
    // The SCIM token of the deleted directory no longer opens anything.
    const after = await h.portico.app.request(`/scim/v2/${dir.id}/Users`, {
      headers: { authorization: `Bearer ${dir.scim.bearer_token}` },
    });
    expect(after.status).toBe(401);
    const events = await json<{ data: { event: string; data: { id: string } }[] }>(
      await h.api('GET', '/events?events=dsync.deleted,organization.deleted&order=asc&limit=100'),
    );
    expect(
      events.data.filter((e) => e.data.id === dir.id || e.data.id === org.id).map((e) => e.event),
    ).toEqual(['dsync.deleted', 'organization.deleted']);
  });
});
