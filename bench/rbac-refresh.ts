/**
 * Roles and permissions benchmark (issue 13): the access token's size and the refresh grant per
 * second and p99 for a member holding 50 roles × 50 permissions (2,500 distinct permission slugs,
 * all in the token), against a same-run plain refresh (a `member` with no permissions). Through
 * the server's own HTTP app in-process (`app.request`; no sockets), as bench/magic-auth.ts.
 * Role claims are read from the database at every refresh (no cache), so this is also what that
 * read costs.
 *
 *   npm run bench:rbac-refresh                 # SQLite (memory), appends to bench/RESULTS.md
 *   npm run bench:rbac-refresh -- --db=postgres
 *   npm run bench:rbac-refresh -- --no-write   # print only
 */
const argv = process.argv.slice(2);
const DB = argv.find((a) => a.startsWith('--db='))?.slice(5) ?? 'sqlite';
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error('--db must be sqlite or postgres');
process.env.PORTICO_TEST_DIALECT = DB;
const write = !argv.includes('--no-write');
const RUN_S = Number(argv.find((a) => a.startsWith('--duration='))?.slice(11) ?? 5);
const CONCURRENCY = 4;
const ROLES = 50;
const PER_ROLE = 50;

const { join } = await import('node:path');
const { createHarness } = await import('../apps/server/test/harness.ts');
const { appendResults, machine } = await import('./lib/report.ts');

const h = await createHarness({ clock: 'system', env: { PORTICO_VALIDATE_RESPONSES: '0' } });
async function ok(res: Response, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
const secret = { client_id: h.clientId, client_secret: h.apiKey };
const PASSWORD = 'correct horse battery staple 42';

const plainOrg = (await ok(await h.api('POST', '/organizations', { name: 'Plain' }), 'org')).id as string;
const rbacOrg = (await ok(await h.api('POST', '/organizations', { name: 'RBAC' }), 'org')).id as string;
const slugs: string[] = [];
for (let r = 0; r < ROLES; r++) {
  const slug = `bench-role-${r}`;
  await ok(await h.api('POST', '/authorization/roles', { slug, name: `Role ${r}` }), 'role');
  const perms: string[] = [];
  for (let p = 0; p < PER_ROLE; p++) {
    const perm = `resource-${r}:action-${p}`;
    await ok(await h.api('POST', '/authorization/permissions', { slug: perm, name: perm }), 'permission');
    perms.push(perm);
  }
  await ok(await h.api('PUT', `/authorization/roles/${slug}/permissions`, { permissions: perms }), 'set');
  slugs.push(slug);
}

/** One session chain per worker: a user, a membership, a password grant; returns its refresh token. */
async function session(kind: 'plain' | 'rbac', i: number) {
  const email = `${kind}.${i}@bench.example.com`;
  const user = await ok(
    await h.api('POST', '/user_management/users', { email, password: PASSWORD, email_verified: true }),
    'user',
  );
  await ok(
    await h.api('POST', '/user_management/organization_memberships', {
      user_id: user.id,
      organization_id: kind === 'plain' ? plainOrg : rbacOrg,
      ...(kind === 'rbac' ? { role_slugs: slugs } : {}),
    }),
    'membership',
  );
  const auth = await ok(
    await h.api('POST', '/user_management/authenticate', {
      ...secret,
      grant_type: 'password',
      email,
      password: PASSWORD,
    }),
    'password grant',
  );
  return { refresh: auth.refresh_token as string, size: String(auth.access_token).length };
}

const chains = { plain: [] as string[], rbac: [] as string[] };
const size = { plain: 0, rbac: 0 };
for (const kind of ['plain', 'rbac'] as const)
  for (let i = 0; i < CONCURRENCY; i++) {
    const s = await session(kind, i);
    chains[kind].push(s.refresh);
    size[kind] = s.size;
  }
const claimsOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString());

let lastToken = { plain: '', rbac: '' };
async function load(kind: 'plain' | 'rbac', seconds: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    chains[kind].map(async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r = await ok(
          await h.api('POST', '/user_management/authenticate', {
            ...secret,
            grant_type: 'refresh_token',
            refresh_token: chains[kind][w],
          }),
          'refresh',
        );
        chains[kind][w] = r.refresh_token as string;
        lastToken = { ...lastToken, [kind]: r.access_token as string };
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

const order = ['plain', 'rbac'] as const;
for (const k of order) await load(k, 1);
const runs = {
  plain: [] as { perSecond: number; p99: number }[],
  rbac: [] as { perSecond: number; p99: number }[],
};
for (let round = 0; round < 2; round++) for (const k of order) runs[k].push(await load(k, RUN_S));
const rbacClaims = claimsOf(lastToken.rbac);
if (rbacClaims.permissions.length !== ROLES * PER_ROLE || rbacClaims.role !== 'bench-role-0')
  throw new Error(
    `unexpected RBAC claims: ${rbacClaims.permissions.length} permissions, role ${rbacClaims.role}`,
  );
size.plain = lastToken.plain.length;
size.rbac = lastToken.rbac.length;
await h.close();

const m = machine();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const base = mean(runs.plain.map((r) => r.perSecond));
const baseP99 = mean(runs.plain.map((r) => r.p99));
const LABEL = {
  plain: 'Baseline: refresh, `member` (no permissions)',
  rbac: `Refresh, ${ROLES} roles × ${PER_ROLE} permissions (${ROLES * PER_ROLE} in the token)`,
};
const lines = [
  `## ${m.date} — Roles and permissions: refresh with ${ROLES} roles × ${PER_ROLE} permissions (issue 13), in-process, ${DB === 'sqlite' ? 'SQLite (memory)' : 'PostgreSQL'}`,
  '',
  `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server code: commit ${m.commit} (working tree).`,
  `Command: \`npm run bench:rbac-refresh${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. ${CONCURRENCY} refresh chains in flight through \`app.request\` (no sockets), ${RUN_S} s × 2 per scenario (alternating) after 1 s warm-up each. Role claims are read from the database at every refresh (no cache).`,
  '',
  '| Scenario | access token bytes | size vs baseline | run 1 /s | run 2 /s | mean /s | vs baseline | p99 ms (mean) | p99 vs baseline |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const k of order) {
  const r = runs[k];
  const rate = mean(r.map((x) => x.perSecond));
  const p99 = mean(r.map((x) => x.p99));
  lines.push(
    `| ${LABEL[k]} | ${fmt(size[k])} | ${(size[k] / size.plain).toFixed(1)} × | ${fmt(r[0]!.perSecond)} | ${fmt(r[1]!.perSecond)} | **${fmt(rate)}** | ${(rate / base).toFixed(2)} × | ${p99.toFixed(1)} | ${(p99 / baseP99).toFixed(2)} × |`,
  );
}
lines.push('');
const section = lines.join('\n');
console.log(section);
if (write) appendResults(join(import.meta.dirname, 'RESULTS.md'), section);
process.exit(0);
