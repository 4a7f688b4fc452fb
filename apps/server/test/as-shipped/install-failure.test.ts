/**
 * When installing fails, `npm start` says why in one line and what to do — not npm's usage text.
 * The December failure, reproduced in a clean copy: an SDK alias whose spec the lockfile does not
 * satisfy (as `@latest` did when the registry moved it), with the install marker gone so `npm start`
 * must install. `npm ci` refuses before touching the network; the copy's node_modules are links,
 * so nothing of the real install is touched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper shared with scripts/test.mjs
import { cleanCopy } from '../../../../scripts/lib/clean-copy.mjs';
import { userEnv } from './support/env.ts';
import { dialect, run } from './support/shipped.ts';

describe.runIf(dialect === 'sqlite')('a failed install', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-badlock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the cause line and the fix, exits non-zero and serves nothing', async () => {
    const copy = cleanCopy(inject('shippedCopy'), join(dir, 'portico'));
    const manifest = join(copy, 'packages/compat/package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    pkg.devDependencies['workos-node-12'] = 'npm:@workos-inc/node@11.0.0';
    writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
    rmSync(join(copy, 'node_modules/.package-lock.json'));

    const r = await run('npm', ['start'], { cwd: copy, env: userEnv({ PORT: '1' }), timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('portico: installing dependencies failed (npm ci).');
    expect(r.out).toMatch(/\n {2}cause: (Invalid|Missing): \S*workos-node-12@\S+/);
    expect(r.out).toContain('what to do: package.json and package-lock.json disagree.');
    expect(r.out).toContain('.portico/npm-install.log');
    // npm's usage text stays in the log file, out of the user's way.
    expect(r.out).not.toContain('Usage:');
    expect(r.out).not.toContain('Portico is listening');
    expect(readFileSync(join(copy, '.portico/npm-install.log'), 'utf8')).toContain('EUSAGE');
  });
});
