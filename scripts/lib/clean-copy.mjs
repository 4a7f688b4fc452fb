/**
 * A clean copy of a working tree, as a fresh clone plus `npm ci` would leave it: the files a commit
 * would hold (tracked, and untracked ones that are not ignored), no build output, no data folder,
 * and the installed node_modules linked in (hard links, so copying takes a second; npm's
 * workspace links are relative and so point inside the copy). `npm start` in the copy then does
 * what it does for a new user: it finds the dependencies installed and builds the server and the
 * web apps before serving.
 *
 * The copy lists its files in .clean-copy-files, so a copy (which has no .git) can be copied again.
 *
 * `sqliteBinding` replaces better-sqlite3's compiled addon in the copy (a real copy of the package,
 * not links), so the copy can run under another Node.js ABI (Node 22).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const MANIFEST = '.clean-copy-files';

function listFiles(from) {
  if (!existsSync(join(from, '.git')) && existsSync(join(from, MANIFEST))) {
    return readFileSync(join(from, MANIFEST), 'utf8').split('\n').filter(Boolean);
  }
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${from}: ${listed.stderr}`);
  return listed.stdout.split('\0').filter(Boolean);
}

export function cleanCopy(from, to, { sqliteBinding } = {}) {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  const files = listFiles(from);
  for (const file of files) {
    const src = join(from, file);
    if (!existsSync(src)) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(src, join(to, file));
  }
  writeFileSync(join(to, MANIFEST), files.join('\n'));
  // node_modules of the root and of each workspace (npm nests a workspace's own versions there).
  const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  for (const dir of ['.', ...(pkg.workspaces ?? [])]) {
    const nm = join(from, dir, 'node_modules');
    if (!existsSync(nm)) continue;
    const r = spawnSync('cp', ['-al', nm, join(to, dir, 'node_modules')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`linking ${nm} failed: ${r.stderr}`);
  }
  // `npm ci` leaves its marker newer than the lockfile; the copy's lockfile is new, so give it the
  // marker's time (the marker itself is a shared link and is left alone).
  const marker = join(to, 'node_modules/.package-lock.json');
  if (existsSync(marker)) {
    const t = statSync(marker).mtime;
    utimesSync(join(to, 'package-lock.json'), t, t);
  }
  if (sqliteBinding) {
    const pkgDir = join(to, 'node_modules/better-sqlite3');
    rmSync(pkgDir, { recursive: true, force: true });
    const r = spawnSync('cp', ['-a', join(from, 'node_modules/better-sqlite3'), pkgDir], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`copying better-sqlite3 failed: ${r.stderr}`);
    copyFileSync(sqliteBinding, join(pkgDir, 'build/Release/better_sqlite3.node'));
  }
  return to;
}
