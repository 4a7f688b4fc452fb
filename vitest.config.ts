import { defineConfig } from 'vitest/config';

// Every server and SDK test runs twice: on embedded SQLite and on the PostgreSQL at
// 127.0.0.1:5432 (PORTICO_TEST_PG_URL overrides). Browser tests run once, on SQLite.
const shared = [
  'apps/server/test/**/*.test.ts',
  'packages/compat/test/**/*.test.ts',
  'packages/saml/test/**/*.test.ts',
  'packages/scim/test/**/*.test.ts',
];
const browser = ['packages/compat/test/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    projects: [
      { extends: true, test: { name: 'sqlite', include: shared, env: { PORTICO_TEST_DIALECT: 'sqlite' } } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: shared,
          exclude: browser,
          env: { PORTICO_TEST_DIALECT: 'postgres' },
        },
      },
    ],
  },
});
