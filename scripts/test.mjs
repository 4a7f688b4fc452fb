#!/usr/bin/env node
// Runs the whole suite (SQLite and PostgreSQL projects, SDK compat, browser flow) and ends with
// one plain summary line, "N passed, N failed", that CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

rmSync('test-artifacts/vitest.json', { force: true });
const args = ['vitest', 'run', ...process.argv.slice(2)];
const r = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, PORTICO_LOG_LEVEL: process.env.PORTICO_LOG_LEVEL ?? 'silent' },
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync('test-artifacts/vitest.json')) {
  const report = JSON.parse(readFileSync('test-artifacts/vitest.json', 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A file that fails before its tests run (an import error) counts once.
  if (failed === 0 && (report.numFailedTestSuites ?? 0) > 0) failed = report.numFailedTestSuites;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (passed === 0 && r.status === 0) failed += 1;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
