/**
 * Magic Auth benchmark (issue 12): createMagicAuth + the magic-auth grant per second and their p99,
 * against a same-run baseline of the password grant (argon2id verification included), through the
 * server's own HTTP app in-process (`app.request`, the routes, zod contracts and services the SDK
 * reaches; no sockets). createMagicAuth is rate limited to 3 a minute per email, so every
 * iteration uses a new email (a new email signs up on its first code, as WorkOS does).
 * Also: argon2id verifications per second on one core (features/users/passwords.ts at the OWASP
 * parameters, one at a time), which the issue requires to be ≥ 30/s per core.
 *
 * Built on the test harness (apps/server/test/harness.ts): SQLite in memory, or PostgreSQL at
 * 127.0.0.1:5432 (own database, dropped after) with PORTICO_TEST_DIALECT=postgres.
 *
 *   npm run bench:magic-auth                 # SQLite, appends to bench/RESULTS.md
 *   npm run bench:magic-auth -- --db=postgres
 *   npm run bench:magic-auth -- --no-write   # print only
 */
const argv = process.argv.slice(2);
const DB = argv.find((a) => a.startsWith('--db='))?.slice(5) ?? 'sqlite';
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error('--db must be sqlite or postgres');
process.env.PORTICO_TEST_DIALECT = DB;
const write = !argv.includes('--no-write');
const RUN_S = Number(argv.find((a) => a.startsWith('--duration='))?.slice(11) ?? 5);
const CONCURRENCY = 4;

const { join } = await import('node:path');
const { createHarness } = await import('../apps/server/test/harness.ts');
const { hashPassword, verifyPassword } = await import('../apps/server/src/features/users/passwords.ts');
const { appendResults, machine } = await import('./lib/report.ts');

const PASSWORD = 'correct horse battery staple 42';
const h = await createHarness({ clock: 'system', env: { PORTICO_VALIDATE_RESPONSES: '0' } });

async function ok(res: Response, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

let n = 0;
const runId = Date.now().toString(36);
const secret = { client_id: h.clientId, client_secret: h.apiKey };

const scenarios = {
  /** Baseline: the password grant of an existing user (argon2id verify + code-less session). */
  password: async () => {
    await ok(
      await h.api('POST', '/user_management/authenticate', {
        ...secret,
        grant_type: 'password',
        email: `pw.${runId}.${n++ % 50}@example.com`,
        password: PASSWORD,
      }),
      'password grant',
    );
  },
  /** createMagicAuth (code hashed + sealed, event, email queued) then the magic-auth grant. */
  magic: async () => {
    const email = `magic.${runId}.${n++}@example.com`;
    const created = await ok(
      await h.api('POST', '/user_management/magic_auth', { email }),
      'createMagicAuth',
    );
    await ok(
      await h.api('POST', '/user_management/authenticate', {
        ...secret,
        grant_type: 'urn:workos:oauth:grant-type:magic-auth:code',
        code: created.code,
        email,
      }),
      'magic-auth grant',
    );
  },
};
type Scenario = keyof typeof scenarios;
const LABEL: Record<Scenario, string> = {
  password: 'Baseline: password grant (argon2id verify, session, tokens)',
  magic: 'createMagicAuth + magic-auth grant (a new email each: sign-up)',
};

for (let i = 0; i < 50; i++) {
  await ok(
    await h.api('POST', '/user_management/users', {
      email: `pw.${runId}.${i}@example.com`,
      password: PASSWORD,
      email_verified: true,
    }),
    'seed user',
  );
}

async function load(s: Scenario, seconds: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await scenarios[s]();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / ((performance.now() - start) / 1000),
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
  };
}

const order: Scenario[] = ['password', 'magic'];
for (const s of order) await load(s, 1); // warm-up
const runs: Record<Scenario, { perSecond: number; p99: number }[]> = { password: [], magic: [] };
for (let round = 0; round < 2; round++) for (const s of order) runs[s].push(await load(s, RUN_S));

// argon2id, one verification at a time (one core's worth of work).
const stored = await hashPassword(PASSWORD);
for (let i = 0; i < 5; i++) await verifyPassword(stored, PASSWORD);
let verifies = 0;
const vStart = performance.now();
while (performance.now() - vStart < RUN_S * 1000) {
  if (!(await verifyPassword(stored, PASSWORD)).ok) throw new Error('argon2 verify failed');
  verifies++;
}
const verifyPerSecond = verifies / ((performance.now() - vStart) / 1000);

await h.close();

const m = machine();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const base = mean(runs.password.map((r) => r.perSecond));
const baseP99 = mean(runs.password.map((r) => r.p99));
const lines = [
  `## ${m.date} — Magic Auth and password verification (issue 12), in-process, ${DB === 'sqlite' ? 'SQLite (memory)' : 'PostgreSQL'}`,
  '',
  `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server code: commit ${m.commit} (working tree).`,
  `Command: \`npm run bench:magic-auth${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. ${CONCURRENCY} requests in flight through \`app.request\` (no sockets), ${RUN_S} s × 2 per scenario (alternating) after 1 s warm-up each; one iteration of the Magic Auth row is two requests (create, authenticate).`,
  '',
  '| Scenario | run 1 /s | run 2 /s | mean /s | vs baseline | p99 ms (mean) | p99 vs baseline |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const s of order) {
  const r = runs[s];
  const rate = mean(r.map((x) => x.perSecond));
  const p99 = mean(r.map((x) => x.p99));
  lines.push(
    `| ${LABEL[s]} | ${fmt(r[0]!.perSecond)} | ${fmt(r[1]!.perSecond)} | **${fmt(rate)}** | ${(rate / base).toFixed(2)} × | ${p99.toFixed(1)} | ${(p99 / baseP99).toFixed(2)} × |`,
  );
}
lines.push(
  '',
  `- argon2id verification (memoryCost 19456 KiB, timeCost 2, parallelism 1), one at a time: **${verifyPerSecond.toFixed(1)}/s on one core** (issue 12 requires ≥ 30/s per core: ${verifyPerSecond >= 30 ? 'met' : 'NOT met'}).`,
  '',
);
const section = lines.join('\n');
console.log(section);
if (write) appendResults(join(import.meta.dirname, 'RESULTS.md'), section);
process.exit(0);
