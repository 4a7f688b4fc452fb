/**
 * The CLI next to a running server, with real processes: on a fresh database the database
 * commands and `portico worker` create nothing (the commands refuse: run `portico start` first),
 * so the first `portico start` still prints the credentials; then, while it runs, every database
 * command run without PORT or with another PORT and PORTICO_PUBLIC_URL leaves the Test IdP's and
 * the OIDC Test Provider's URLs alone, and SSO through both still works on the running server.
 * An OIDC connection created by the CLI with an unreachable discovery URL comes back from the
 * running server's authorize endpoints as `error=oidc_discovery_failed`, not a 500.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Browser } from '../../../../packages/compat/test/support/http-browser.ts';
import { openDatabase } from '../../src/platform/db.ts';
import { dialect, freePort } from '../harness.ts';
import { porticoCli } from './support/cli.ts';
import { PORTICO_BIN, sleep, spawnPortico } from './support/durability.ts';

const execFileP = promisify(execFile);
const cli = porticoCli('portico-beside-', 'beside-secret-beside-secret-beside-0000');
const APP = 'http://localhost:3000/callback';

/** `portico <args>` with the test's environment, minus PORT unless `extra` sets it. */
function run(args: string[], extra: Record<string, string> = {}) {
  const { PORT: _port, PORTICO_PUBLIC_URL: _url, ...env } = cli.ctx.env;
  return execFileP(process.execPath, [PORTICO_BIN, ...args], { cwd: cli.ctx.dir, env: { ...env, ...extra } });
}

async function testConnections() {
  const handle = openDatabase(cli.ctx.env.PORTICO_DATABASE_URL!, { poolSize: 1 });
  try {
    return await handle.db
      .selectFrom('connections')
      .select([
        'id',
        'protocol',
        'organization_id',
        'saml_idp_entity_id',
        'saml_idp_sso_url',
        'oidc_discovery_url',
      ])
      .where('test_idp_key_sealed', 'is not', null)
      .orderBy('protocol')
      .execute();
  } finally {
    await handle.close();
  }
}

async function exchange(base: string, apiKey: string, clientId: string, appUrl: string) {
  const code = new URL(appUrl).searchParams.get('code');
  expect(code, appUrl).toBeTruthy();
  const res = await fetch(`${base}/sso/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: clientId,
      client_secret: apiKey,
      grant_type: 'authorization_code',
      code: code!,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { profile: { email: string; connection_id: string } }).profile;
}

describe(`the CLI beside a running server on ${dialect}`, () => {
  it('creates nothing before the first start, and changes nothing a running server relies on', async () => {
    // 1. A fresh database: the database commands refuse, the worker runs, neither creates anything.
    const refused = run(['redirect-uris', 'add', APP]);
    await expect(refused).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Run `portico start` (npm start) first'),
    });
    await expect(run(['api-keys', 'list'])).rejects.toMatchObject({ code: 1 });
    const worker = spawnPortico('worker', cli.ctx.dir, { ...cli.ctx.env, PORTICO_LOG_LEVEL: 'info' });
    for (let i = 0; i < 300 && !worker.output().includes('webhook worker started'); i++) await sleep(50);
    expect(worker.output()).toContain('webhook worker started');
    await worker.stop();
    expect(worker.output()).not.toContain('WORKOS_API_KEY=');
    expect(worker.output()).not.toMatch(/password: /);

    // 2. The first start creates the environment and prints its credentials (nobody did before).
    const port = await freePort();
    const server = await cli.start(port);
    const base = `http://127.0.0.1:${port}`;
    const apiKey = /WORKOS_API_KEY=(sk_test_[A-Z0-9]+)/.exec(server.output())?.[1];
    const clientId = /WORKOS_CLIENT_ID=(client_[A-Z0-9]+)/.exec(server.output())?.[1];
    expect(apiKey).toBeDefined();
    expect(clientId).toBeDefined();
    expect(server.output()).toMatch(/password: {2}[A-Za-z0-9]{24}/);
    const before = await testConnections();
    expect(before.map((c) => c.protocol)).toEqual(['oidc', 'saml']);
    for (const c of before)
      expect(c.saml_idp_sso_url ?? c.oidc_discovery_url).toContain(`http://localhost:${port}/`);

    try {
      // 3. Every database command, without PORT and with another PORT and public URL.
      const other = String(await freePort());
      const elsewhere = { PORT: other, PORTICO_PUBLIC_URL: `http://localhost:${other}` };
      const org = (await (
        await fetch(`${base}/organizations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Broken IdP Co' }),
        })
      ).json()) as { id: string };
      const dead = `http://127.0.0.1:${await freePort()}/.well-known/openid-configuration`;
      await run(['redirect-uris', 'add', APP]);
      expect((await run(['redirect-uris', 'list'])).stdout).toContain(APP);
      expect((await run(['api-keys', 'list'])).stdout).toContain('Default key');
      expect((await run(['keys', 'rotate'])).stdout).toContain('Published signing key');
      await run(['webhooks', 'list']);
      expect((await run(['migrate'])).stdout).toContain('up to date');
      for (const extra of [{}, elsewhere]) {
        expect((await run(['api-keys', 'create', 'cli'], extra)).stdout).toMatch(/sk_test_[A-Z0-9]{30}/);
        expect((await run(['admin', 'create', '--email', 'ops@example.com'], extra)).stdout).toContain(
          'only time the password is shown',
        );
        expect((await run(['connections', 'list'], extra)).stdout).toContain('Test IdP (SAML)');
        await run(['redirect-uris', 'add', 'http://localhost:4000/callback'], extra);
      }
      const created = await run([
        'connections',
        'create-oidc',
        'Broken IdP',
        '--org',
        org.id,
        '--discovery-url',
        dead,
        '--client-id',
        'portico',
        '--client-secret',
        'secret',
      ]);
      const brokenId = /^(conn_[0-9A-Z]{26}) \(active\)/.exec(created.stdout)?.[1];
      expect(brokenId, created.stdout).toBeDefined();

      // 4. The test providers' URLs are the running server's, unchanged.
      expect(await testConnections()).toEqual(before);
      const saml = before.find((c) => c.protocol === 'saml')!;
      const oidc = before.find((c) => c.protocol === 'oidc')!;

      // 5. SSO through the Test IdP (SAML) on the running server.
      const q = (p: Record<string, string>) =>
        new URLSearchParams({ client_id: clientId!, redirect_uri: APP, response_type: 'code', ...p });
      const b = new Browser();
      let res = await b.get(
        `${base}/sso/authorize?${q({ organization: saml.organization_id!, state: 's1' })}`,
      );
      expect(res.status).toBe(302);
      expect(res.location).toContain(`http://localhost:${port}/test-idp/${saml.id}/sso`);
      res = await b.get(res.location!);
      expect(res.status).toBe(200);
      const posted = await b.submit(res, { email: 'alice@saml.portico.test', scenario: 'ok' });
      expect(posted.status).toBe(200);
      const acs = await b.submit(posted, {});
      expect(acs.status).toBe(302);
      expect(acs.location!.startsWith(`${APP}?`)).toBe(true);
      expect(new URL(acs.location!).searchParams.get('state')).toBe('s1');
      expect(await exchange(base, apiKey!, clientId!, acs.location!)).toMatchObject({
        email: 'alice@saml.portico.test',
        connection_id: saml.id,
      });

      // 6. SSO through the OIDC Test Provider (discovery, token, userinfo) on the running server.
      const o = new Browser();
      res = await o.get(`${base}/sso/authorize?${q({ organization: oidc.organization_id!, state: 's2' })}`);
      expect(res.status, res.body.slice(0, 300)).toBe(302);
      expect(res.location).toContain(`http://localhost:${port}/test-oidc/${oidc.id}/authorize`);
      res = await o.get(res.location!);
      expect(res.status).toBe(200);
      const callback = await o.submit(res, { sub: 'carol' });
      expect(callback.status).toBe(302);
      const back = await o.get(callback.location!);
      expect(back.status, back.body.slice(0, 300)).toBe(302);
      expect(new URL(back.location!).searchParams.get('state')).toBe('s2');
      expect(await exchange(base, apiKey!, clientId!, back.location!)).toMatchObject({
        email: 'carol@oidc.portico.test',
        connection_id: oidc.id,
      });

      // 7. The CLI-made connection with a dead discovery URL: an error redirect, never a 500.
      for (const path of [
        `/sso/authorize?${q({ connection: brokenId!, state: 's3' })}`,
        `/user_management/authorize?${q({ organization_id: org.id, state: 's3' })}`,
      ]) {
        const r = await fetch(`${base}${path}`, { redirect: 'manual' });
        expect(r.status).toBe(302);
        const to = new URL(r.headers.get('location')!);
        expect(`${to.origin}${to.pathname}`).toBe(APP);
        expect(to.searchParams.get('error')).toBe('oidc_discovery_failed');
        expect(to.searchParams.get('state')).toBe('s3');
        expect(to.searchParams.get('error_description')).toContain(dead);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 150_000);
});
