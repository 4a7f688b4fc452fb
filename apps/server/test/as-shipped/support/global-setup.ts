/**
 * vitest globalSetup of the as-shipped suite: one clean copy of the working tree per project (what a
 * fresh clone plus `npm ci` holds; see scripts/lib/clean-copy.mjs), in which `npm run prestart` —
 * the first half of the README's `npm start` — builds the web apps and the server from nothing,
 * once, before the test files start Portico there with `npm start` in parallel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain .mjs helper shared with scripts/test.mjs
import { cleanCopy } from '../../../../../scripts/lib/clean-copy.mjs';
import { userEnv } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    shippedCopy: string;
    shippedRoot: string;
  }
}

export const ROOT = resolve(import.meta.dirname, '../../../../..');

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-shipped-'));
  const copy = join(dir, 'portico');
  cleanCopy(ROOT, copy, { sqliteBinding: process.env.PORTICO_TEST_SQLITE_BINDING || undefined });
  const r = spawnSync('npm', ['run', '--silent', 'prestart'], {
    cwd: copy,
    env: userEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(join(copy, 'apps/server/dist/portico.js'))) {
    throw new Error(`npm run prestart failed in a clean copy (${copy}):\n${r.stdout}\n${r.stderr}`);
  }
  project.provide('shippedCopy', copy);
  project.provide('shippedRoot', ROOT);
  return () => {
    if (process.env.PORTICO_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
}
