/**
 * MFA benchmark: TOTP verifications per second — `challengeFactor` + `verifyChallenge` with the
 * current code of a TOTP factor (secret unsealed, HMAC over the ±1 step window, the step recorded
 * for replay protection, the challenge consumed, `authentication.mfa_succeeded` appended) —
 * against a same-run baseline of a plain refresh (`grant_type=refresh_token`: rotation, session
 * check, a signed access token), through the server's own HTTP app in-process (`app.request`: the
 * routes, zod contracts and services the SDK reaches; no sockets). Also the pure TOTP check
 * (`matchTotp`) per second on one core.
 *
 * A TOTP code works once per factor and 30-second step, so every verification uses a fresh
 * factor from a pool enrolled before the measured phase: each round is a bounded loop of
 * POOL / ROUNDS verifications, not a fixed duration.
 *
 *   npm run bench:mfa-totp                   # SQLite (memory), appends to bench/RESULTS.md
 *   npm run bench:mfa-totp -- --db=postgres  # PostgreSQL at 127.0.0.1:5432 (own database, dropped after)
 *   npm run bench:mfa-totp -- --no-write     # print only
 */
const argv = process.argv.slice(2);
const DB = argv.find((a) => a.startsWith('--db='))?.slice(5) ?? 'sqlite';
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error('--db must be sqlite or postgres');
process.env.PORTICO_TEST_DIALECT = DB;
const write = !argv.includes('--no-write');
const PER_ROUND = Number(argv.find((a) => a.startsWith('--per-round='))?.slice(12) ?? 300);
const ROUNDS = 2;
const CONCURRENCY = 4;

const { join } = await import('node:path');
const { createHarness } = await import('../apps/server/test/harness.ts');
const { totpAt } = await import('../apps/server/test/support/totp.ts');
const { matchTotp, newTotpSecret } = await import('../apps/server/src/features/mfa/totp.ts');
const { appendResults, machine } = await import('./lib/report.ts');

const h = await createHarness({
  clock: 'system',
  env: {
    PORTICO_VALIDATE_RESPONSES: '0',
    PORTICO_RATE_LIMIT_API: '100000000',
    PORTICO_RATE_LIMIT_CREDENTIALS: '100000000',
  },
});
const secretBody = { client_id: h.clientId, client_secret: h.apiKey };

async function ok(res: Response, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

// ── seeding ────────────────────────────────────────────────────────────────
const PASSWORD = 'correct horse battery staple 42';
await ok(
  await h.api('POST', '/user_management/users', { email: 'bench-mfa@example.com', password: PASSWORD }),
  'seed user',
);
const refreshTokens: string[] = [];
for (let i = 0; i < CONCURRENCY; i++) {
  const s = await ok(
    await h.api('POST', '/user_management/authenticate', {
      ...secretBody,
      grant_type: 'password',
      email: 'bench-mfa@example.com',
      password: PASSWORD,
    }),
    'password grant',
  );
  refreshTokens.push(String(s.refresh_token));
}
const pool: { id: string; secret: string }[] = [];
for (let i = 0; i < PER_ROUND * ROUNDS + CONCURRENCY * 10; i++) {
  const f = await ok(
    await h.api('POST', '/auth/factors/enroll', { type: 'totp', totp_issuer: 'Bench', totp_user: `u${i}` }),
    'enroll',
  );
  pool.push({ id: String(f.id), secret: String((f.totp as { secret: string }).secret) });
}

// ── scenarios ──────────────────────────────────────────────────────────────
const scenarios = {
  /** Baseline: one refresh of the worker's session (rotation, session check, RS256 access token). */
  refresh: async (worker: number) => {
    const r = await ok(
      await h.api('POST', '/user_management/authenticate', {
        ...secretBody,
        grant_type: 'refresh_token',
        refresh_token: refreshTokens[worker],
      }),
      'refresh',
    );
    refreshTokens[worker] = String(r.refresh_token);
  },
  /** challengeFactor + verifyChallenge with the current code of a fresh TOTP factor. */
  totp: async () => {
    const f = pool.pop();
    if (!f) throw new Error('factor pool exhausted');
    const c = await ok(await h.api('POST', `/auth/factors/${f.id}/challenge`, {}), 'challenge');
    const v = await ok(
      await h.api('POST', `/auth/challenges/${c.id}/verify`, { code: totpAt(f.secret, Date.now()) }),
      'verify',
    );
    if (v.valid !== true) throw new Error('a fresh TOTP code was refused');
  },
};
type Scenario = keyof typeof scenarios;
const LABEL: Record<Scenario, string> = {
  refresh: 'Baseline: refresh grant (rotation, RS256 access token)',
  totp: 'TOTP: challengeFactor + verifyChallenge (fresh factor, current code)',
};

async function load(s: Scenario, count: number) {
  const latencies: number[] = [];
  let left = count;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (left > 0) {
        left--;
        const t0 = performance.now();
        await scenarios[s](worker);
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

const order: Scenario[] = ['refresh', 'totp'];
for (const s of order) await load(s, CONCURRENCY * 5); // warm-up
const runs: Record<Scenario, { perSecond: number; p99: number }[]> = { refresh: [], totp: [] };
for (let round = 0; round < ROUNDS; round++) for (const s of order) runs[s].push(await load(s, PER_ROUND));

// The TOTP check alone (one core): a matching code at the edge of the window.
const secret = newTotpSecret(new Uint8Array(20).fill(7));
let checks = 0;
const cStart = performance.now();
while (performance.now() - cStart < 2000) {
  const now = new Date();
  if (matchTotp(secret, totpAt(secret, now.getTime() + 30_000), now) === null) throw new Error('matchTotp');
  checks++;
}
const checksPerSecond = checks / ((performance.now() - cStart) / 1000);

await h.close();

const m = machine();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const base = mean(runs.refresh.map((r) => r.perSecond));
const baseP99 = mean(runs.refresh.map((r) => r.p99));
const lines = [
  `## ${m.date} — MFA: TOTP verification vs refresh, in-process, ${DB === 'sqlite' ? 'SQLite (memory)' : 'PostgreSQL'}`,
  '',
  `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server code: commit ${m.commit} (working tree).`,
  `Command: \`npm run bench:mfa-totp${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. ${CONCURRENCY} requests in flight through \`app.request\` (no sockets), ${ROUNDS} rounds × ${PER_ROUND} iterations per scenario (alternating) after a warm-up; one TOTP iteration is two requests (challenge, verify).`,
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
  `- The TOTP check alone (\`matchTotp\`: three HMAC-SHA1 steps at most, via otpauth), one at a time: **${fmt(checksPerSecond)}/s on one core**.`,
  '',
);
const section = lines.join('\n');
console.log(section);
if (write) appendResults(join(import.meta.dirname, 'RESULTS.md'), section);
process.exit(0);
