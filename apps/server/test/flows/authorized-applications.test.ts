/**
 * `GET/DELETE /user_management/users/{id}/authorized_applications[/{application_id}]` (SDK 12):
 * Portico has no WorkOS Connect, so a user of the environment has an empty list, a delete finds
 * nothing (404 `authorized_application_not_found`), another environment's or an unknown user is a
 * 404 `entity_not_found`, bad pagination is a 422, and nothing is written. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let userId: string;
let foreignUserId: string;
beforeAll(async () => {
  h = await createHarness();
  userId = (
    await json<{ id: string }>(await h.api('POST', '/user_management/users', { email: 'aa@example.com' }))
  ).id;
  const other = await h.portico.services.environments.createEnvironment('Apps elsewhere');
  const res = await h.portico.app.request('/user_management/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'theirs@example.com' }),
  });
  foreignUserId = (await json<{ id: string }>(res)).id;
});
afterAll(() => h.close());

const events = async () =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('authorized applications', () => {
  it('lists none for a user of the environment, 404 for any other user, 422 for bad paging', async () => {
    const res = await h.api('GET', `/user_management/users/${userId}/authorized_applications?limit=5`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      object: 'list',
      data: [],
      list_metadata: { before: null, after: null },
    });
    for (const id of [foreignUserId, 'user_01NOPE00000000000000000000']) {
      const miss = await h.api('GET', `/user_management/users/${id}/authorized_applications`);
      expect(miss.status).toBe(404);
      expect(await json(miss)).toMatchObject({ code: 'entity_not_found' });
    }
    const bad = await h.api('GET', `/user_management/users/${userId}/authorized_applications?limit=0`);
    expect(bad.status).toBe(422);
    expect((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field)).toContain('limit');
  });

  it('deletes nothing: 404 authorized_application_not_found saying why, and no event', async () => {
    const before = await events();
    const res = await h.api(
      'DELETE',
      `/user_management/users/${userId}/authorized_applications/conn_app_01X`,
    );
    expect(res.status).toBe(404);
    const body = await json<{ code: string; message: string }>(res);
    expect(body.code).toBe('authorized_application_not_found');
    expect(body.message).toContain('WorkOS Connect');
    const foreign = await h.api(
      'DELETE',
      `/user_management/users/${foreignUserId}/authorized_applications/conn_app_01X`,
    );
    expect([foreign.status, (await json(foreign)).code]).toEqual([404, 'entity_not_found']);
    expect(await events()).toBe(before);
  });

  it('is in /openapi.json', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await h.portico.app.request('/openapi.json'),
    );
    expect(doc.paths['/user_management/users/{id}/authorized_applications']?.get).toBeDefined();
    expect(
      doc.paths['/user_management/users/{id}/authorized_applications/{application_id}']?.delete,
    ).toBeDefined();
  });
});
