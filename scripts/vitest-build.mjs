// vitest globalSetup: the tests that run `portico` as a process (CLI, durability, as-shipped) run
// the compiled server, so it is rebuilt first when any of its sources changed (a no-op otherwise).
import { spawnSync } from 'node:child_process';

export default function setup() {
  const r = spawnSync(process.execPath, ['scripts/ensure-deps.mjs', '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building Portico before the tests failed (see above)');
}
