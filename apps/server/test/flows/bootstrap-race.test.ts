/**
 * Bootstrap under concurrency, with real processes: three `portico start` and a `portico worker`
 * launched at the same moment on a fresh database (an SQLite file, or a fresh PostgreSQL
 * database) and a fresh data folder (no PORTICO_SECRET: the development secret is generated
 * there). Exactly one environment, one API key, one Test Organization and one Test OIDC
 * Organization (one connection and one domain each) and one dashboard admin exist afterwards;
 * exactly one process printed the environment's credentials and exactly one the admin's; the
 * printed key works on every server; and every process uses the same development secret (each
 * one can open the Test IdP's sealed signing key).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser } from '../../../../packages/compat/test/support/http-browser.ts';
import { openDatabase } from '../../src/platform/db.ts';
import { dialect, freeDatabaseUrlForCli, freePort } from '../harness.ts';
import { killSurvivors, type PorticoProcess, sleep, spawnPortico } from './support/durability.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await killSurvivors();
  for (const c of cleanups.reverse()) await c();
});

async function healthy(p: PorticoProcess, port: number) {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) break;
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok && p.output().includes('Portico is listening'))
        return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`portico start on ${port} did not become healthy:\n${p.output().slice(-4000)}`);
}

async function workerStarted(p: PorticoProcess) {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (p.output().includes('webhook worker started')) return;
    if (p.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`portico worker did not start:\n${p.output().slice(-4000)}`);
}

async function counts(url: string) {
  const handle = openDatabase(url, { poolSize: 1 });
  try {
    const db = handle.db;
    const count = async (table: 'environments' | 'api_keys' | 'admin_users' | 'roles') =>
      Number(
        (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n,
      );
    return {
      environments: await count('environments'),
      apiKeys: await count('api_keys'),
      admins: await count('admin_users'),
      organizations: (await db.selectFrom('organizations').select('name').orderBy('name').execute()).map(
        (o) => o.name,
      ),
      domains: (await db.selectFrom('organization_domains').select('domain').orderBy('domain').execute()).map(
        (d) => d.domain,
      ),
      testConnections: (
        await db
          .selectFrom('connections')
          .select(['id', 'protocol'])
          .where('test_idp_key_sealed', 'is not', null)
          .orderBy('protocol')
          .execute()
      ).map((c) => c.protocol),
      roles: await count('roles'),
      samlTestConnection: (
        await db
          .selectFrom('connections')
          .select('id')
          .where('protocol', '=', 'saml')
          .where('test_idp_key_sealed', 'is not', null)
          .executeTakeFirstOrThrow()
      ).id,
    };
  } finally {
    await handle.close();
  }
}

describe(`bootstrap on a fresh ${dialect} database with processes starting together`, () => {
  it('creates each bootstrap object once, prints each secret once, and shares one development secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-race-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = await freeDatabaseUrlForCli(dir);
    cleanups.push(db.drop);
    // No PORTICO_SECRET: the development secret is generated into the data folder, by one of them.
    const env = { PORTICO_DATABASE_URL: db.url, PORTICO_LOG_LEVEL: 'info' };
    const ports = [await freePort(), await freePort(), await freePort()];
    // All four at once: they migrate, generate the secret and bootstrap concurrently.
    const servers = ports.map((port) =>
      spawnPortico('start', dir, { ...env, PORT: String(port), HOST: '127.0.0.1' }),
    );
    const worker = spawnPortico('worker', dir, env);
    await Promise.all([...servers.map((s, i) => healthy(s, ports[i]!)), workerStarted(worker)]);

    const c = await counts(db.url);
    expect(c.environments).toBe(1);
    expect(c.apiKeys).toBe(1);
    expect(c.admins).toBe(1);
    expect(c.organizations).toEqual(['Test OIDC Organization', 'Test Organization']);
    expect(c.domains).toEqual(['oidc.portico.test', 'saml.portico.test']);
    expect(c.testConnections).toEqual(['oidc', 'saml']);
    expect(c.roles).toBe(2);

    const outputs = [...servers, worker].map((p) => p.output());
    const withKey = outputs.filter((o) => o.includes('WORKOS_API_KEY='));
    const withAdmin = outputs.filter((o) => /password: {2}[A-Za-z0-9]{24}/.test(o));
    expect(withKey, 'processes that printed the environment credentials').toHaveLength(1);
    expect(withAdmin, 'processes that printed the admin password').toHaveLength(1);
    expect(worker.output()).not.toContain('WORKOS_API_KEY=');
    const apiKey = /WORKOS_API_KEY=(sk_test_[A-Z0-9]+)/.exec(withKey[0]!)![1]!;

    for (const port of ports) {
      // The printed key works on every server…
      const orgs = await fetch(`http://127.0.0.1:${port}/organizations?limit=10`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(orgs.status).toBe(200);
      expect(((await orgs.json()) as { data: unknown[] }).data).toHaveLength(2);
      // …and every server opens the Test IdP's sealed key: they all use the same secret.
      const b = new Browser();
      const chooser = await b.get(`http://127.0.0.1:${port}/test-idp/${c.samlTestConnection}/start`);
      expect(chooser.status).toBe(200);
      const signed = await b.submit(chooser, { email: 'alice@saml.portico.test', scenario: 'ok' });
      expect(signed.status, signed.body.slice(0, 300)).toBe(200);
      expect(signed.body).toContain('SAMLResponse');
    }

    await Promise.all([...servers, worker].map((p) => p.stop()));
  }, 120_000);
});
