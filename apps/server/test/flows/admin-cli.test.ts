/**
 * The first dashboard admin as an operator meets it: a real `portico start` on a fresh database
 * prints the admin's email and generated password once (never into the log), the password signs
 * in to the dashboard, a second start prints nothing, and `portico admin create` resets a lost
 * password (printed once) so the old one stops working.
 */
import { describe, expect, it } from 'vitest';
import { dialect, freePort } from '../harness.ts';
import { porticoCli, type Started } from './support/cli.ts';

const cli = porticoCli('portico-admin-cli-', 'admin-cli-secret-admin-cli-secret-0000');
const start = cli.start;

async function stop(s: Started) {
  s.child.kill('SIGTERM');
  await s.exited;
}

function signIn(port: number, email: string, password: string) {
  return fetch(`http://127.0.0.1:${port}/_admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: `http://localhost:${port}` },
    body: JSON.stringify({ email, password }),
  });
}

describe(`the first dashboard admin on ${dialect}`, () => {
  it('is printed once at first start, signs in, and `admin create` resets a lost password', async () => {
    const port = await freePort();
    const first = await start(port);
    const banner = first.output();
    expect(banner).toContain(`Dashboard:  http://localhost:${port}/`);
    expect(banner).toMatch(/email: {5}admin@localhost/);
    const password = /password: {2}([A-Za-z0-9]{24})/.exec(banner)?.[1];
    expect(password).toBeDefined();
    expect((await signIn(port, 'admin@localhost', password!)).status).toBe(201);
    expect((await signIn(port, 'admin@localhost', 'wrong password here')).status).toBe(401);
    await stop(first);
    // The password appears exactly once: in the banner, never in a log line.
    expect(first.output().split(password!).length - 1).toBe(1);

    const second = await start(port);
    expect(second.output()).not.toMatch(/password: /);
    await stop(second);

    const reset = await cli.run(['admin', 'create', '--email', 'admin@localhost']);
    const fresh = /only time the password is shown:\s+([A-Za-z0-9]{24})/.exec(reset.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(reset.stdout).toContain('Set a new password for admin@localhost');
    await expect(cli.run(['admin', 'create'])).rejects.toMatchObject({
      code: 2,
    });

    const third = await start(port);
    expect((await signIn(port, 'admin@localhost', password!)).status).toBe(401);
    expect((await signIn(port, 'admin@localhost', fresh!)).status).toBe(201);
    await stop(third);
  });
});
