/**
 * The environment a user's shell would give `npm start`: this process's, without what the test
 * runner adds (VITEST_*, NODE_ENV=test, npm's lifecycle variables from the outer `npm test`) and
 * without any PORTICO_* setting, so the product runs on its defaults unless a test says otherwise.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(VITEST|PORTICO_|npm_|NODE_ENV$|NODE_OPTIONS$|INIT_CWD$|TEST$|FORCE_COLOR$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
