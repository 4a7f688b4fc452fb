#!/usr/bin/env node
// Makes `npm start` and `npm test` work on a fresh clone: installs npm dependencies when they are
// missing or older than package-lock.json, and (with --test) Debian's Chromium for browser tests.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

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
