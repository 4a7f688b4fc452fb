/**
 * The first dashboard admin as an operator meets it: a real `portico start` on a fresh database
 * prints the admin's email and generated password once (never into the log), the password signs
 * in to the dashboard, a second start prints nothing, and `portico admin create` resets a lost
 * password (printed once) so the old one stops working.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect, freeDatabaseUrlForCli, freePort } from '../harness.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../../..');
const MAIN = join(ROOT, 'apps/server/bin/portico.mjs');

let dir: string;
let env: Record<string, string>;
let drop: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-admin-cli-'));
  const db = await freeDatabaseUrlForCli(dir);
  drop = db.drop;
  env = {
    ...(process.env as Record<string, string>),
    PORTICO_DATABASE_URL: db.url,
    PORTICO_SECRET: 'admin-cli-secret-admin-cli-secret-0000',
    PORTICO_LOG_LEVEL: 'debug',
  };
});
afterAll(async () => {
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  port: number,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    cwd: dir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok && out.includes('Portico is listening')) {
        await new Promise((r) => setTimeout(r, 100));
        return { child, output: () => out, exited };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`portico start did not become healthy:\n${out}`);
}

async function stop(s: { child: ChildProcess; exited: Promise<unknown> }) {
  s.child.kill('SIGTERM');
  await s.exited;
}

function signIn(port: number, email: string, password: string) {
  return fetch(`http://127.0.0.1:${port}/_admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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

    const reset = await run(process.execPath, [MAIN, 'admin', 'create', '--email', 'admin@localhost'], {
      cwd: dir,
      env,
    });
    const fresh = /only time the password is shown:\s+([A-Za-z0-9]{24})/.exec(reset.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(reset.stdout).toContain('Set a new password for admin@localhost');
    await expect(run(process.execPath, [MAIN, 'admin', 'create'], { cwd: dir, env })).rejects.toMatchObject({
      code: 2,
    });

    const third = await start(port);
    expect((await signIn(port, 'admin@localhost', password!)).status).toBe(401);
    expect((await signIn(port, 'admin@localhost', fresh!)).status).toBe(201);
    await stop(third);
  });
});
