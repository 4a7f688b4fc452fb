/**
 * The README's quickstart, literally: `npm start` in a clean copy with nothing configured but the
 * port. It builds, migrates the embedded SQLite file in .portico/, prints the first environment's
 * credentials and the first dashboard admin once, and serves the hosted sign-in page, the
 * dashboard and the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect, type Shipped, startShipped } from './support/shipped.ts';

describe.runIf(dialect === 'sqlite')('npm start on a fresh machine', () => {
  let p: Shipped;
  beforeAll(async () => {
    p = await startShipped({ database: 'default' });
  });
  afterAll(() => p?.stop());

  it('prints the credentials once and serves what the banner promises', async () => {
    expect(p.apiKey).toMatch(/^sk_test_/);
    expect(p.clientId).toMatch(/^client_/);
    expect(p.admin.email).toBe('admin@localhost');
    expect(p.admin.password.length).toBeGreaterThanOrEqual(20);
    const health = await fetch(`${p.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const orgs = await fetch(`${p.url}/organizations`, { headers: { authorization: `Bearer ${p.apiKey}` } });
    expect(orgs.status).toBe(200);
    const jwks = await fetch(`${p.url}/sso/jwks/${p.clientId}`);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBe(1);
  });
});
