#!/usr/bin/env node
// Makes `npm start` and `npm test` work on a fresh clone: installs npm dependencies when they are
// missing or older than package-lock.json, builds the dashboard and Admin Portal (Vite) when the
// build is missing or older than its sources, and (with --test) Debian's Chromium for browser tests.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
const marker = 'node_modules/.package-lock.json';
const stale =
  !existsSync(marker) ||
  (existsSync('package-lock.json') &&
    statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.log(
    'portico: installing npm dependencies (first run takes a couple of minutes: better-sqlite3 compiles)…',
  );
  run(existsSync('package-lock.json') ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund');
}

// The web apps: rebuilt when any source is newer than the last build (a build takes a second or two).
const web = 'apps/dashboard';
const built = join(web, 'dist', 'index.html');
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const sources = Math.max(
  newest(join(web, 'src')),
  ...['index.html', 'portal.html', 'vite.config.ts', 'package.json'].map(
    (f) => statSync(join(web, f)).mtimeMs,
  ),
);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.log('portico: building the dashboard and Admin Portal…');
  run('npm run --silent build -w apps/dashboard');
}

if (process.argv.includes('--test')) {
  const chromium = process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (root && existsSync('/usr/bin/apt-get')) {
      console.log('portico: installing Debian chromium for the browser tests…');
      run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null');
    } else {
      console.error(
        `portico: browser tests need Chromium at ${chromium}. Install it (sudo apt-get install chromium) or set PORTICO_CHROMIUM.`,
      );
      process.exit(1);
    }
  }
}
