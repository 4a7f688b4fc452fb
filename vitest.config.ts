import { defineConfig } from 'vitest/config';

// Projects:
// - unit: pure code (the SAML and SCIM packages, the error catalog, dependency pins), run once;
// - sqlite / postgres: every server and SDK test, on embedded SQLite and on the PostgreSQL at
//   127.0.0.1:5432 (PORTICO_TEST_PG_URL overrides);
// - browser-sqlite / browser-postgres: the Chromium flows, on both databases;
// - as-shipped-sqlite / as-shipped-postgres: Portico started with the README's `npm start` in a clean
//   copy of the tree, as a separate process, driven by Chromium, the SDK and the CLI.
const unit = [
  'packages/saml/test/**/*.test.ts',
  'packages/scim/test/**/*.test.ts',
  'apps/server/test/contract/errors-doc.test.ts',
  'apps/server/test/contract/pinned-dependencies.test.ts',
  'apps/server/test/flows/oidc-rp.test.ts',
  'apps/server/test/flows/ssrf.test.ts',
];
const server = ['apps/server/test/**/*.test.ts', 'packages/compat/test/**/*.test.ts'];
const browser = ['packages/compat/test/**/*.browser.test.ts'];
const asShipped = ['apps/server/test/as-shipped/**/*.test.ts'];

const dialects = ['sqlite', 'postgres'] as const;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ['scripts/vitest-build.mjs'],
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      ...dialects.map((d) => ({
        extends: true as const,
        test: {
          name: d,
          include: server,
          exclude: [...unit, ...browser, ...asShipped],
          env: { PORTICO_TEST_DIALECT: d },
        },
      })),
      ...dialects.map((d) => ({
        extends: true as const,
        test: { name: `browser-${d}`, include: browser, env: { PORTICO_TEST_DIALECT: d } },
      })),
      ...dialects.map((d) => ({
        extends: true as const,
        test: {
          name: `as-shipped-${d}`,
          include: asShipped,
          globalSetup: ['apps/server/test/as-shipped/support/global-setup.ts'],
          env: { PORTICO_TEST_DIALECT: d },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      })),
    ],
  },
});
