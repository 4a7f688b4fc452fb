/** GET /events: filters, ranges, both orders and durable cursors (reference §5.6). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
type Page = {
  data: { id: string; event: string; created_at: string; data: { id: string } }[];
  list_metadata: { after: string | null };
};
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('GET /events', () => {
  it('pages through a stable order with after cursors, in both orders, with filters and ranges', async () => {
    const orgs: string[] = [];
    for (let i = 0; i < 5; i++) {
      orgs.push(String((await json(await h.api('POST', '/organizations', { name: `E${i}` }))).id));
      h.testClock!.advance(1000);
    }
    const userId = String(
      (await json(await h.api('POST', '/user_management/users', { email: 'events@example.com' }))).id,
    );
    const asc1 = await json<Page>(
      await h.api('GET', '/events?events=organization.created&order=asc&limit=2'),
    );
    expect(asc1.data.map((e) => e.data.id)).toEqual(orgs.slice(0, 2));
    expect(asc1.list_metadata.after).toBe(asc1.data[1]!.id);
    const asc2 = await json<Page>(
      await h.api(
        'GET',
        `/events?events=organization.created&order=asc&limit=2&after=${asc1.list_metadata.after}`,
      ),
    );
    expect(asc2.data.map((e) => e.data.id)).toEqual(orgs.slice(2, 4));
    const asc3 = await json<Page>(
      await h.api(
        'GET',
        `/events?events=organization.created&order=asc&limit=2&after=${asc2.list_metadata.after}`,
      ),
    );
    expect(asc3.data.map((e) => e.data.id)).toEqual(orgs.slice(4));
    expect(asc3.list_metadata.after).toBeNull();
    // A cursor stays valid: events written later appear after it.
    const late = String((await json(await h.api('POST', '/organizations', { name: 'Late' }))).id);
    const resumed = await json<Page>(
      await h.api('GET', `/events?events=organization.created&order=asc&after=${asc3.data[0]!.id}`),
    );
    expect(resumed.data.map((e) => e.data.id)).toEqual([late]);

    const desc = await json<Page>(await h.api('GET', '/events?events=organization.created&limit=3'));
    expect(desc.data.map((e) => e.data.id)).toEqual([late, orgs[4], orgs[3]]);

    const both = await json<Page>(
      await h.api('GET', '/events?events=organization.created,user.created&order=asc&limit=100'),
    );
    expect(both.data.map((e) => [e.event, e.data.id])).toEqual([
      ...orgs.map((id) => ['organization.created', id]),
      ['user.created', userId],
      ['organization.created', late],
    ]);
    const repeated = await json<Page>(
      await h.api('GET', '/events?events=organization.created&events=user.created&order=asc&limit=100'),
    );
    expect(repeated.data.map((e) => e.id)).toEqual(both.data.map((e) => e.id));

    const start = asc1.data[1]!.created_at;
    const end = asc3.data[0]!.created_at;
    const ranged = await json<Page>(
      await h.api(
        'GET',
        `/events?events=organization.created&order=asc&range_start=${start}&range_end=${end}`,
      ),
    );
    expect(ranged.data.map((e) => e.data.id)).toEqual(orgs.slice(1, 4));

    const byOrg = await json<Page>(await h.api('GET', `/events?organization_id=${orgs[2]}`));
    expect(byOrg.data.map((e) => e.data.id)).toEqual([orgs[2]]);
    // Without filters: every event of the environment, newest first.
    const all = await json<Page>(await h.api('GET', '/events?limit=100'));
    expect(all.data.map((e) => e.id)).toEqual(both.data.map((e) => e.id).reverse());
  });

  it('refuses an unknown cursor and a malformed range with 422', async () => {
    const bad = await h.api('GET', '/events?after=event_01NOTHERE00000000000000000');
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ code: 'invalid_request_parameters' });
    expect((await h.api('GET', '/events?range_start=yesterday')).status).toBe(422);
    expect((await h.api('GET', '/events?limit=1000')).status).toBe(422);
  });

  it('drops events past the retention period', async () => {
    await h.api('POST', '/organizations', { name: 'Old' });
    h.testClock!.advance(31 * 86_400_000);
    await h.api('POST', '/organizations', { name: 'New' });
    await h.portico.services.events.sweep();
    const page = await json<Page>(await h.api('GET', '/events?limit=100'));
    expect(page.data.map((e) => e.event)).toEqual(['organization.created']);
  });
});
