/**
 * The `portico` commands a user runs (`npm run portico -- …`, README "Command line"), each from the
 * clean copy against the database of a Portico that `npm start` is serving, and each checked by
 * what the running server does next: a created API key works and a revoked one stops working, an
 * allowed redirect URI is accepted at authorize and a removed one refused, a rotated signing key is
 * published in the server's JWKS, a new dashboard admin can sign in, a webhook endpoint created on
 * the command line receives the server's events. The CLI runs without the server's PORT, as a user
 * in a second terminal would, and the server's SSO still works afterwards.
 *
 * The server caches keys, redirect URIs and the JWKS for a few seconds per process, so a revocation
 * or a new signing key made by another process is awaited (polled); a redirect URI just added
 * works at once (an unknown URI is looked up again before it is refused).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shipped, startShipped } from './support/shipped.ts';

let p: Shipped;
beforeAll(async () => {
  p = await startShipped();
});
afterAll(() => p?.stop());

async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000) {
  const until = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const api = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${p.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
  });

describe('the portico command against a running server', () => {
  it('help lists every command and an unknown command exits 2 with the help', async () => {
    const help = await p.cli(['help']);
    expect(help.code).toBe(0);
    for (const cmd of [
      'start',
      'migrate',
      'api-keys create',
      'redirect-uris add',
      'admin create',
      'keys rotate',
    ])
      expect(help.out).toContain(`portico ${cmd}`);
    const unknown = await p.cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain("Unknown command 'frobnicate'");
  });

  it('migrate says the database is up to date', async () => {
    const r = await p.cli(['migrate']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Database is up to date.');
  });

  it('api-keys create prints a key the server accepts; revoke makes the server refuse it', async () => {
    const created = await p.cli(['api-keys', 'create', 'backend']);
    expect(created.code, created.out).toBe(0);
    const key = /\n\s+(sk_test_\w+)\s*\n/.exec(created.out)?.[1];
    const id = /Created (\S+)\./.exec(created.out)?.[1];
    expect(key, created.out).toBeDefined();
    expect((await api(key!, '/organizations')).status).toBe(200);

    const listed = await p.cli(['api-keys', 'list']);
    expect(listed.out).toContain(id);
    expect(listed.out).toContain('backend');
    expect(listed.out).not.toContain(key);

    const revoked = await p.cli(['api-keys', 'revoke', id!]);
    expect(revoked.code, revoked.out).toBe(0);
    const refused = await eventually(
      'the revoked key to be refused',
      () => api(key!, '/organizations'),
      (r) => r.status === 401,
    );
    expect(((await refused.json()) as { code: string }).code).toBeTruthy();
    expect((await p.cli(['api-keys', 'revoke', id!])).code).toBe(1);
  });

  it('redirect-uris add lets authorize accept the URI; remove makes it refuse it', async () => {
    const uri = 'http://127.0.0.1:3999/callback';
    const authorize = () =>
      fetch(
        `${p.url}/user_management/authorize?${new URLSearchParams({ client_id: p.clientId, provider: 'authkit', redirect_uri: uri, response_type: 'code' })}`,
        { redirect: 'manual' },
      );
    expect((await authorize()).status).toBe(400);
    const added = await p.cli(['redirect-uris', 'add', uri]);
    expect(added.out).toContain(`Allowed ${uri}`);
    // At once: the user who met the refusal page, ran the command and reloads gets in.
    const accepted = await authorize();
    expect(accepted.status).toBe(302);
    expect(new URL(accepted.headers.get('location')!, p.url).pathname).toBe('/authkit/sign-in');
    expect((await p.cli(['redirect-uris', 'list'])).out.split('\n')).toContain(uri);
    const removed = await p.cli(['redirect-uris', 'remove', uri]);
    expect(removed.out).toContain(`Removed ${uri}`);
    await eventually('authorize to refuse the URI again', authorize, (r) => r.status === 400);
  });

  it('keys rotate publishes a second key in the running server’s JWKS', async () => {
    const jwks = async () =>
      ((await (await fetch(`${p.url}/sso/jwks/${p.clientId}`)).json()) as { keys: { kid: string }[] }).keys;
    const before = await jwks();
    const r = await p.cli(['keys', 'rotate']);
    expect(r.code, r.out).toBe(0);
    const kid = /Published signing key (\S+);/.exec(r.out)?.[1];
    const after = await eventually('the new key in the JWKS', jwks, (k) => k.some((x) => x.kid === kid));
    expect(after).toHaveLength(before.length + 1);
  });

  it('admin create makes a dashboard admin who can sign in; running it again sets a new password', async () => {
    const created = await p.cli(['admin', 'create', '--email', 'Colleague@Example.com']);
    expect(created.code, created.out).toBe(0);
    expect(created.out).toContain('Created dashboard admin colleague@example.com');
    const password = /shown:\n\n\s+(\S+)/.exec(created.out)?.[1];
    const signIn = (pw: string) =>
      fetch(`${p.url}/_admin/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: p.url },
        body: JSON.stringify({ email: 'colleague@example.com', password: pw }),
      });
    expect((await signIn(password!)).status).toBe(201);
    const reset = await p.cli(['admin', 'create', '--email', 'colleague@example.com']);
    expect(reset.out).toContain('Set a new password for colleague@example.com');
    const next = /shown:\n\n\s+(\S+)/.exec(reset.out)?.[1];
    expect(next).not.toBe(password);
    expect((await signIn(password!)).status).toBe(401);
    expect((await signIn(next!)).status).toBe(201);
  });

  it('webhooks create subscribes an endpoint that receives the server’s events', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => {
        b += d;
      });
      req.on('end', () => {
        received.push(b);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    try {
      const r = await p.cli(['webhooks', 'create', url, 'organization.created']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/Signing secret \(shown once\): whsec_\S+/);
      expect((await p.cli(['webhooks', 'list'])).out).toContain(url);
      const org = (await (
        await api(p.apiKey, '/organizations', { method: 'POST', body: JSON.stringify({ name: 'Hooked Co' }) })
      ).json()) as { id: string };
      await eventually(
        'the organization.created delivery',
        async () => received.find((b) => b.includes(org.id)),
        (b) => b !== undefined,
      );
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });

  it('connections list and setup show the bootstrapped Test IdP connection; SSO still works on the server', async () => {
    const list = await p.cli(['connections', 'list']);
    expect(list.code, list.out).toBe(0);
    const line = list.out.split('\n').find((l) => l.includes('Test IdP (SAML)'));
    expect(line, list.out).toBeDefined();
    const id = line!.split(/\s+/)[0]!;
    // URLs the CLI prints come from its own configuration: on a port other than 8080 the user gives
    // it the server's PORTICO_PUBLIC_URL (or PORT), as the README says.
    const setup = await p.cli(['connections', 'setup', id], { PORTICO_PUBLIC_URL: p.url });
    expect(setup.out).toContain(`${p.url}/sso/saml/${id}/acs`);

    // Every command above ran without the server's PORT; the server's Test IdP must still be its own.
    const uri = 'http://127.0.0.1:3998/callback';
    await p.cli(['redirect-uris', 'add', uri]);
    const authorize = await eventually(
      'authorize by connection to redirect to the Test IdP',
      () =>
        fetch(
          `${p.url}/user_management/authorize?${new URLSearchParams({ client_id: p.clientId, connection_id: id, redirect_uri: uri, response_type: 'code' })}`,
          { redirect: 'manual' },
        ),
      (r) => r.status === 302,
    );
    const idp = new URL(authorize.headers.get('location')!);
    expect(idp.origin).toBe(p.url);
    expect(idp.pathname).toBe(`/test-idp/${id}/sso`);
    expect((await fetch(idp)).status).toBe(200);
  });
});
