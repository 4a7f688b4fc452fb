/**
 * `npx portico` without a clone: the server package packed with `npm pack` (its prepack builds the
 * compiled server and the web apps), installed into an empty folder from the tarball as a user
 * installs it from the registry, then `npx portico start` serves on embedded SQLite with the
 * dashboard, the hosted sign-in page and the API. The tarball holds the build, never sources or
 * tests. Runs once (SQLite, the Node.js of the first pass): the install compiles better-sqlite3.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from '../../../../packages/compat/test/support/browser.ts';
import { userEnv } from './support/env.ts';
import { copyDir, dialect, freePort, parseBanner, run } from './support/shipped.ts';

const node = Number(process.versions.node.split('.')[0]);

describe.runIf(dialect === 'sqlite' && node === 20)('npx portico from the packed package', () => {
  let dir: string;
  let tarball: string;
  let stop = async () => {};
  let url = '';
  let out = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-npx-'));
    const packed = await run('npm', ['pack', '-w', 'apps/server', '--pack-destination', dir], {
      cwd: copyDir(),
      env: userEnv(),
    });
    expect(packed.code, packed.out).toBe(0);
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  }, 120_000);
  afterAll(async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs the build and nothing else', async () => {
    const listed = await run('tar', ['tzf', tarball], { cwd: dir, env: userEnv() });
    const files = listed.out.split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/bin/portico.mjs',
        'package/dist/portico.js',
        'package/dist/web/index.html',
        'package/dist/web/portal.html',
      ]),
    );
    expect(files.filter((f) => /\/(src|test|migrations)\/|\.ts$/.test(f))).toEqual([]);
  });

  it('installs into an empty folder and `npx portico start` serves the dashboard and the hosted pages', async () => {
    const app = join(dir, 'app');
    rmSync(app, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(app);
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: app,
      env: userEnv(),
      timeoutMs: 480_000,
    });
    expect(installed.code, installed.out).toBe(0);

    const help = await run('npx', ['portico', 'help'], { cwd: app, env: userEnv() });
    expect(help.code, help.out).toBe(0);
    expect(help.out).toContain('portico start');

    const port = await freePort();
    const child = spawn('npx', ['portico', 'start'], {
      cwd: app,
      env: userEnv({ PORT: String(port) }),
      detached: true,
    });
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const closed = new Promise((r) => child.on('close', r));
    stop = async () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {}
      await closed;
    };
    url = `http://localhost:${port}`;
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok && out.includes('Portico is listening'))
          break;
      } catch {}
      if (Date.now() > until) throw new Error(`npx portico start did not become healthy:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < 20 && !/password:/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const banner = parseBanner(out);
    expect(banner.apiKey).toMatch(/^sk_test_/);
    // The embedded SQLite file lives in the folder it was started from.
    expect(readdirSync(join(app, '.portico'))).toContain('portico.db');

    const authorize = await fetch(
      `${url}/user_management/authorize?${new URLSearchParams({ client_id: banner.clientId!, provider: 'authkit', redirect_uri: 'http://127.0.0.1:9/nowhere', response_type: 'code' })}`,
    );
    // An unlisted redirect URI is refused with a page, not a 500 and not JSON.
    expect(authorize.status).toBe(400);
    expect(authorize.headers.get('content-type')).toContain('text/html');

    const browser = await launchChromium();
    try {
      const { page, problems } = await openPage(browser);
      await page.goto(`${url}/`);
      await page.getByLabel('Email').fill(banner.adminEmail!);
      await page.getByLabel('Password').fill(banner.adminPassword!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Organizations' }).waitFor();
      await page.getByText('Test Organization').first().waitFor();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 600_000);
});
