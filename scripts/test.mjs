#!/usr/bin/env node
// `npm test`: every test, in two passes, ending with one plain summary line CI reads:
// "N passed, N failed, N skipped".
//
// 1. This Node.js (20): every vitest project — unit, sqlite, postgres, browser-*, as-shipped-*.
// 2. Node.js 22 (fetched from the npm registry's `node` package into .cache/, with better-sqlite3
//    compiled for it once): in a clean copy of the tree, the SDK 12 compatibility suite (SDK 12
//    requires Node >= 22.11) and the as-shipped suite, on both databases.
//
// Arguments go to vitest (`npm test -- apps/server/test/flows/cli.test.ts`); with arguments the
// second pass is skipped unless PORTICO_TEST_NODE22=1. PORTICO_TEST_NODE22=0 always skips it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanCopy } from './lib/clean-copy.mjs';
import { ensureNode22, sqliteBindingFor } from './lib/node22.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const env = { ...process.env, PORTICO_LOG_LEVEL: process.env.PORTICO_LOG_LEVEL ?? 'silent' };
const totals = { passed: 0, failed: 0, skipped: 0 };

function vitest(node, cwd, vitestArgs, extraEnv = {}) {
  const report = join(cwd, 'test-artifacts/vitest.json');
  rmSync(report, { force: true });
  const r = spawnSync(node, [join(cwd, 'node_modules/vitest/vitest.mjs'), 'run', ...vitestArgs], {
    cwd,
    stdio: 'inherit',
    env: { ...env, ...extraEnv },
  });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed = j.numPassedTests ?? 0;
    failed = j.numFailedTests ?? 0;
    // A file that fails before its tests run (an import error) counts once.
    if (failed === 0 && (j.numFailedTestSuites ?? 0) > 0) failed = j.numFailedTestSuites;
    skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  }
  if (r.status !== 0 && failed === 0) failed = 1;
  if (passed === 0 && r.status === 0) failed += 1;
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  return { ok: r.status === 0 && failed === 0, passed, failed, skipped };
}

const first = vitest(process.execPath, ROOT, args);
console.log(
  `\n::: Node ${process.versions.node}: ${first.passed} passed, ${first.failed} failed, ${first.skipped} skipped`,
);

const major = Number(process.versions.node.split('.')[0]);
const wanted = process.env.PORTICO_TEST_NODE22 ?? (args.length ? '0' : '1');
if (major >= 22) {
  console.log('::: second pass skipped: this is already Node.js 22');
} else if (wanted === '0') {
  console.log('::: Node.js 22 pass skipped (arguments given or PORTICO_TEST_NODE22=0)');
} else {
  try {
    const n22 = ensureNode22(ROOT);
    const binding = sqliteBindingFor(ROOT, n22);
    const dir = mkdtempSync(join(tmpdir(), 'portico-node22-'));
    const copy = cleanCopy(ROOT, join(dir, 'portico'), { sqliteBinding: binding });
    console.log(
      `\n::: Node ${n22.version}: the SDK 12 compatibility suite and the as-shipped suite, in ${copy}`,
    );
    const second = vitest(
      n22.node,
      copy,
      [
        ...['sqlite', 'postgres', 'as-shipped-sqlite', 'as-shipped-postgres'].flatMap((p) => [
          '--project',
          p,
        ]),
        'packages/compat/test',
        'apps/server/test/as-shipped',
      ],
      {
        PATH: `${n22.binDir}:${process.env.PATH}`,
        PORTICO_TEST_SDK_MAJORS: '12',
        PORTICO_TEST_SQLITE_BINDING: binding,
      },
    );
    console.log(
      `\n::: Node ${n22.version}: ${second.passed} passed, ${second.failed} failed, ${second.skipped} skipped`,
    );
    if (existsSync(join(copy, 'test-artifacts'))) {
      cpSync(join(copy, 'test-artifacts'), join(ROOT, 'test-artifacts/node22'), { recursive: true });
    }
    if (process.env.PORTICO_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    console.error(`::: the Node.js 22 pass could not run: ${err.message}`);
    totals.failed += 1;
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 ? 0 : 1);
