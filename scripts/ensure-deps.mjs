#!/usr/bin/env node
// Makes `npm start` and `npm test` work on a fresh clone, in this order:
//   1. a supported Node.js (20 or 22);
//   2. npm dependencies, installed with `npm ci` when missing or older than package-lock.json; when
//      that fails, the cause in one line and what to do, not npm's usage text;
//   3. the dashboard and Admin Portal (Vite), built when missing or older than their sources;
//   4. the server (esbuild, apps/server/build.mjs), built when missing or older than its sources;
//   5. with --test, Debian's Chromium for the browser tests.
// --quiet prints nothing when there is nothing to do (the `portico` script runs it before each command).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainInstallFailure } from './lib/install-failure.mjs';

// Paths below are the repository's, whichever folder npm runs this from (a workspace's prepack).
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const quiet = process.argv.includes('--quiet');
const say = (msg) => console.log(`portico: ${msg}`);
const fail = (lines) => {
  console.error(lines.map((l, i) => (i === 0 ? `portico: ${l}` : `  ${l}`)).join('\n'));
  process.exit(1);
};

// 1. Node.js
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  fail([
    `Node.js ${process.versions.node} is too old: Portico needs Node.js 20 or 22.`,
    'what to do: install Node.js 22 (or 20) and run the command again.',
  ]);
}

// 2. npm dependencies
const marker = 'node_modules/.package-lock.json';
const stale =
  !existsSync(marker) ||
  (existsSync('package-lock.json') &&
    statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  say('installing npm dependencies (the first run takes a couple of minutes: better-sqlite3 compiles)…');
  const cmd = existsSync('package-lock.json') ? ['ci'] : ['install'];
  const r = spawnSync('npm', [...cmd, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const log = '.portico/npm-install.log';
    mkdirSync('.portico', { recursive: true });
    writeFileSync(log, r.stderr ?? '');
    fail(explainInstallFailure(`npm ${cmd[0]}`, r.stderr ?? String(r.error ?? ''), log));
  }
}

// 3. The web apps: rebuilt when any source is newer than the last build (a second or two).
const web = 'apps/dashboard';
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const webBuilt = join(web, 'dist', 'index.html');
const webSources = Math.max(
  newest(join(web, 'src')),
  ...['index.html', 'portal.html', 'vite.config.ts', 'package.json'].map(
    (f) => statSync(join(web, f)).mtimeMs,
  ),
);
if (!existsSync(webBuilt) || statSync(webBuilt).mtimeMs < webSources) {
  if (!quiet) say('building the dashboard and Admin Portal…');
  const r = spawnSync('npm', ['run', '--silent', 'build', '-w', web], { stdio: 'inherit' });
  if (r.status !== 0)
    fail(['building the dashboard failed (npm run build -w apps/dashboard): see the output above.']);
}

// 4. The server: compiled JavaScript, so `portico start` runs no TypeScript loader.
const { isStale, buildServer } = await import('../apps/server/build.mjs');
if (isStale()) {
  if (!quiet) say('building the server…');
  try {
    await buildServer();
  } catch (err) {
    fail([`building the server failed: ${err.message}`]);
  }
}

// 5. Chromium for the browser tests.
if (process.argv.includes('--test')) {
  const chromium = process.env.PORTICO_TEST_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (root && existsSync('/usr/bin/apt-get')) {
      say('installing Debian chromium for the browser tests…');
      const r = spawnSync(
        'sh',
        [
          '-c',
          'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null',
        ],
        { stdio: 'inherit' },
      );
      if (r.status !== 0) fail(['installing chromium with apt-get failed: see the output above.']);
    } else {
      fail([
        `browser tests need Chromium at ${chromium}.`,
        'what to do: install it (sudo apt-get install chromium) or set PORTICO_TEST_CHROMIUM to its path.',
      ]);
    }
  }
}
