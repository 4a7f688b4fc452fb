/**
 * The `portico` command as a user runs it: a real process on a fresh database (SQLite file or a
 * fresh PostgreSQL database), first-run credentials printed once, /health, the CLI helpers,
 * graceful shutdown on SIGTERM, and logs that never carry a secret.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialect, freePort } from '../harness.ts';
import { porticoCli } from './support/cli.ts';

const cli = porticoCli('portico-cli-', 'cli-test-secret-cli-test-secret-0000');
const portico = cli.run;
const startServer = cli.start;

describe(`portico CLI on ${dialect}`, () => {
  it('starts, prints the first credentials once, serves the SDK, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const first = await startServer(port);
    const banner = first.output();
    const apiKey = /WORKOS_API_KEY=(sk_test_[A-Z0-9]+)/.exec(banner)?.[1];
    const clientId = /WORKOS_CLIENT_ID=(client_[A-Z0-9]+)/.exec(banner)?.[1];
    expect(apiKey).toBeDefined();
    expect(clientId).toBeDefined();
    expect(banner).toContain("apiHostname: 'localhost'");
    expect(banner).toContain(`/sso/jwks/${clientId}`);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok' });

    // The printed key works; a user signs in with a password over HTTP.
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const created = await fetch(`http://127.0.0.1:${port}/user_management/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'cli@example.com', password: 'cli secret password 9' }),
    });
    expect(created.status).toBe(201);
    const auth = await fetch(`http://127.0.0.1:${port}/user_management/authenticate`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        grant_type: 'password',
        client_id: clientId,
        client_secret: apiKey,
        email: 'cli@example.com',
        password: 'cli secret password 9',
      }),
    });
    expect(auth.status).toBe(200);
    const tokens = (await auth.json()) as { refresh_token: string; access_token: string };

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const log = first.output();
    expect(log).toContain('stopped');
    // Secrets never reach the log (the banner prints the key once, by design, before logging starts).
    const afterBanner = log.slice(log.indexOf('Portico is listening'));
    for (const secret of ['cli secret password 9', tokens.refresh_token, tokens.access_token, apiKey!]) {
      expect(afterBanner).not.toContain(secret);
    }

    const second = await startServer(port);
    expect(second.output()).not.toContain('WORKOS_API_KEY=');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('manages API keys and redirect URIs, and migrates idempotently', async () => {
    const created = await portico(['api-keys', 'create', 'backend']);
    expect(created.stdout).toMatch(/sk_test_[A-Z0-9]{30}/);
    const listed = await portico(['api-keys', 'list']);
    expect(listed.stdout).toContain('backend');
    expect(listed.stdout).not.toMatch(/sk_test_[A-Z0-9]{30}/);
    await portico(['redirect-uris', 'add', 'http://localhost:4000/callback']);
    expect((await portico(['redirect-uris', 'list'])).stdout).toContain('http://localhost:4000/callback');
    await expect(portico(['redirect-uris', 'add', 'http://evil.example/cb'])).rejects.toMatchObject({
      code: 1,
    });
    expect((await portico(['migrate'])).stdout).toContain('up to date');
  });

  it('creates, lists, deactivates and explains SSO connections', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { selfSignedCertificate } = await import('../../src/platform/x509.ts');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = await selfSignedCertificate(privateKey, publicKey, {
      commonName: 'cli idp',
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      serial: '03',
    });
    const certFile = join(cli.ctx.dir, 'idp.pem');
    writeFileSync(certFile, `-----BEGIN CERTIFICATE-----\n${cert.x5c}\n-----END CERTIFICATE-----\n`);
    const created = await portico([
      'connections',
      'create-saml',
      'Acme Okta',
      '--type',
      'OktaSAML',
      '--entity-id',
      'http://www.okta.com/exk1',
      '--sso-url',
      'https://acme.okta.com/sso',
      '--cert-file',
      certFile,
    ]);
    const id = /^(conn_[0-9A-Z]{26}) \(active\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain(`/sso/saml/${id}/acs`);
    expect((await portico(['connections', 'list'])).stdout).toContain(id);
    expect((await portico(['connections', 'deactivate', id!])).stdout).toContain('inactive');
    await expect(
      portico(['connections', 'create-saml', 'Broken', '--metadata-url', 'http://169.254.169.254/x']),
    ).rejects.toMatchObject({ code: 1 });
  });

  it('refuses bad configuration with a message that names the variable', async () => {
    await expect(portico(['migrate'], { PORTICO_DATABASE_URL: 'mysql://nope' })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('PORTICO_DATABASE_URL'),
    });
    await expect(portico(['migrate'], { NODE_ENV: 'production', PORTICO_SECRET: '' })).rejects.toMatchObject({
      code: 2,
    });
  });
});
