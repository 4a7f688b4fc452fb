/** /openapi.json is generated from the same route contracts that validate requests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('/openapi.json', () => {
  it('describes every API route with its request and response schemas', async () => {
    const res = await h.portico.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; responses: Record<string, { content?: unknown }> }>
      >;
    }>(res);
    expect(doc.openapi).toBe('3.1.0');
    const post = doc.paths['/organizations']!.post!;
    expect(post.requestBody).toBeDefined();
    expect(post.responses['201']!.content).toBeDefined();
    expect(doc.paths['/user_management/organization_memberships/{id}/deactivate']!.put).toBeDefined();
    expect(doc.paths['/user_management/authenticate']!.post).toBeDefined();
    expect(Object.keys(doc.paths).length).toBe(new Set(h.portico.registry.routes.map((r) => r.path)).size);
  });
});
