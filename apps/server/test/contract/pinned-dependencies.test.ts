/**
 * Dependencies that cannot move under the lockfile. Every spec in every package.json of the
 * repository is an exact version (or an npm alias to one): no dist-tag (`latest`, `next`), no `*`,
 * no range. A range would still install from the lockfile, but the packed server (`npx portico`)
 * installs without it, and a dist-tag breaks `npm ci` the day the registry moves it. The official
 * SDK matrix is the newest 7.x, 8.x, 11.x and 12.x, each under its own alias; changing it is a
 * deliberate commit that edits this list.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../../..');
const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const SDK_MATRIX = {
  'workos-node-7': 'npm:@workos-inc/node@7.82.0',
  'workos-node-8': 'npm:@workos-inc/node@8.13.0',
  'workos-node-11': 'npm:@workos-inc/node@11.0.0',
  'workos-node-12': 'npm:@workos-inc/node@12.3.0',
};

const manifests = execFileSync('git', ['ls-files', '*package.json'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('package.json') && !f.includes('node_modules'));
type Manifest = Record<string, Record<string, string> | undefined>;
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as Manifest;
const KINDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

describe('dependency specs', () => {
  it('finds the workspace manifests', () => {
    expect(manifests).toEqual(expect.arrayContaining(['package.json', 'apps/server/package.json']));
  });

  it.each(manifests)('%s pins every dependency to an exact version', (file) => {
    const moving: string[] = [];
    const m = read(file);
    for (const kind of KINDS) {
      for (const [name, spec] of Object.entries(m[kind] ?? {})) {
        const version = spec.replace(/^npm:(@?[^@]+)@/, '');
        // Peer dependencies state compatibility, not what is installed: a range is their point.
        if (kind === 'peerDependencies') continue;
        if (!EXACT.test(version)) moving.push(`${kind}.${name} = "${spec}"`);
      }
    }
    expect(moving, `pin these to the version in package-lock.json (npm install --save-exact)`).toEqual([]);
  });

  it('installs exactly the SDK matrix 7, 8, 11 and 12, each at its pinned version', () => {
    const compat = read('packages/compat/package.json').devDependencies ?? {};
    const aliases = Object.fromEntries(Object.entries(compat).filter(([n]) => n.startsWith('workos-node-')));
    expect(aliases).toEqual(SDK_MATRIX);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { name?: string; version?: string }>;
    };
    for (const [alias, spec] of Object.entries(SDK_MATRIX)) {
      const entry = lock.packages[`node_modules/${alias}`];
      expect(entry, `${alias} in package-lock.json`).toMatchObject({
        name: '@workos-inc/node',
        version: spec.split('@').at(-1),
      });
    }
  });

  it('locks the version each manifest pins', () => {
    type Lock = { packages: Record<string, { version?: string }> };
    const drift: string[] = [];
    for (const file of manifests) {
      // A manifest with its own lockfile (bench/peers) is a separate install; workspaces share the root's.
      const dir = dirname(file) === '.' ? '' : `${dirname(file)}/`;
      const own = existsSync(join(ROOT, dir, 'package-lock.json'));
      const lock = JSON.parse(readFileSync(join(ROOT, own ? dir : '', 'package-lock.json'), 'utf8')) as Lock;
      const m = read(file);
      for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies']) {
        for (const [name, spec] of Object.entries(m[kind] ?? {})) {
          const want = spec.replace(/^npm:(@?[^@]+)@/, '');
          const got = own
            ? lock.packages[`node_modules/${name}`]?.version
            : (lock.packages[`${dir}node_modules/${name}`]?.version ??
              lock.packages[`node_modules/${name}`]?.version);
          if (got !== want) drift.push(`${file}: ${name} pins ${want}, its package-lock.json has ${got}`);
        }
      }
    }
    expect(drift, 'run npm install to bring package-lock.json in line').toEqual([]);
  });
});
