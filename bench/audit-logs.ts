/**
 * Audit log benchmarks (issue 14), against real server processes on 127.0.0.1:
 *
 * 1. Ingest: `POST /audit_logs/events` with the hash chain on, each request with its own
 *    Idempotency-Key as SDK 12 sends it, beside the baseline `GET /health` in the same run; on
 *    SQLite one process, on PostgreSQL one and then two processes on one database (autocannon
 *    against both at once, summed), all into one organization (the worst case: one chain, one
 *    lock).
 * 2. Export: N events (default 1,000,000) written straight into one chain, then the export worker's
 *    pass (count and SHA-256 of the CSV) and the download of the CSV over HTTP, timed, with the
 *    server's resident memory before and after (flat memory means the CSV is streamed).
 *
 *   npm run bench:audit-logs                        # SQLite; appends to bench/RESULTS.md
 *   npm run bench:audit-logs -- --db=postgres       # PostgreSQL: one process, then two
 *   options: --duration=10 --connections=20 --export-events=1000000 --no-write --profile (server CPU profile, no entry)
 *
 * Bounded: each load phase by its duration; the export seed by its count. 127.0.0.1 only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../apps/server/src/app.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { appendToChain } from '../apps/server/src/features/audit-logs/chain.ts';
import { migrate, openDatabase } from '../apps/server/src/platform/db.ts';
import { benchDatabase } from './lib/database.ts';
import { type LoadResult, runLoad } from './lib/load.ts';
import { summariseProfile } from './lib/profile.ts';
import { appendResults, loadTable, machine } from './lib/report.ts';
import { call, freePort, ROOT, type ServerProcess, startServer } from './lib/server.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DB = opt('db', 'sqlite');
const DURATION = Number(opt('duration', '10'));
const CONNECTIONS = Number(opt('connections', '20'));
const EXPORT_EVENTS = Number(opt('export-events', '1000000'));
const PROFILE = argv.includes('--profile');
const WRITE = !argv.includes('--no-write') && !PROFILE;

const API_KEY = `sk_test_bench${randomBytes(12).toString('hex')}`;
const CLIENT_ID = 'client_01BENCHAUDIT00000000000000';
const SECRET = `bench-secret-${randomBytes(16).toString('hex')}`;

const database = (tmp: string) => benchDatabase(DB, tmp, 'portico_bench_audit');

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
};

const event = (n: number) => ({
  action: 'document.viewed',
  occurred_at: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
  actor: { id: `user_${n % 500}`, type: 'user', name: `User ${n % 500}` },
  targets: [{ id: `doc_${n}`, type: 'document' }],
  context: { location: '10.0.0.1', user_agent: 'bench/1.0' },
  metadata: { n },
});

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'portico-bench-audit-'));
  const db = await database(tmp);
  const env = (port: number) => ({
    PORT: String(port),
    PORTICO_DATABASE_URL: db.url,
    PORTICO_SECRET: SECRET,
    PORTICO_API_KEY: API_KEY,
    PORTICO_CLIENT_ID: CLIENT_ID,
    PORTICO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORTICO_LOG_LEVEL: 'warn',
    PORTICO_RATE_LIMIT_API: '100000000',
    NODE_ENV: 'development',
  });
  const serverSrc = join(ROOT, 'apps', 'server', 'src');
  const servers: ServerProcess[] = [];
  const rows: LoadResult[] = [];
  const notes: string[] = [];
  try {
    const a = await startServer({
      env: env(await freePort()),
      serverSrc,
      nodeFlags: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(tmp, 'prof')}`] : [],
    });
    servers.push(a);
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const org = (await (
      await call(`${a.url}/organizations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Bench' }),
      })
    ).json()) as { id: string };
    let n = 0;
    const ingest = {
      method: 'POST' as const,
      path: '/audit_logs/events',
      headers,
      headersFor: () => ({ 'idempotency-key': `workos-node-${randomUUID()}` }),
      body: () => JSON.stringify({ organization_id: org.id, event: event(++n) }),
    };
    const load = (s: ServerProcess, name: string, request: Parameters<typeof runLoad>[0]['request']) =>
      runLoad({
        name,
        url: s.url,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        request,
        serverCpuSeconds: () => s.cpuSeconds(),
      });
    // Warm-up, then baseline and ingest alternately.
    await load(a, 'warm-up', ingest);
    rows.push(await load(a, 'Baseline: GET /health (one process)', { method: 'GET', path: '/health' }));
    rows.push(await load(a, 'POST /audit_logs/events, chain on, one process', ingest));
    const { headersFor: _key, ...noKey } = ingest;
    rows.push(await load(a, 'the same without an Idempotency-Key (a caller other than the SDK)', noKey));
    if (DB === 'postgres') {
      const b = await startServer({ env: env(await freePort()), serverSrc });
      servers.push(b);
      const [ra, rb] = await Promise.all([
        load(a, 'two processes (process 1)', ingest),
        load(b, 'two processes (process 2)', ingest),
      ]);
      rows.push({
        ...ra,
        name: 'POST /audit_logs/events, chain on, two processes (summed)',
        connections: ra.connections + rb.connections,
        requests: ra.requests + rb.requests,
        perSecond: ra.perSecond + rb.perSecond,
        p99: Math.max(ra.p99, rb.p99),
        p50: Math.max(ra.p50, rb.p50),
        non2xx: ra.non2xx + rb.non2xx,
        serverCores: ra.serverCores + rb.serverCores,
      });
    }
    // The chain is whole after the concurrent load.
    const verify = (await (
      await call(`${a.url}/audit_logs/verify?organization_id=${org.id}`, { headers })
    ).json()) as { verified: boolean; events_checked: number; problems: { kind: string; message: string }[] };
    if (!verify.verified) console.error('the chain does not verify:', verify.problems.slice(0, 5));
    notes.push(
      `After the ingest runs the organization's chain verifies: ${verify.verified} (${verify.events_checked.toLocaleString('en-US')} events, one chain written by ${servers.length} process(es)).`,
    );

    // Export: seed straight into a second organization's chain, then the worker pass and the download.
    const config = loadConfig({ ...env(a.port), PORTICO_LOG_LEVEL: 'silent' });
    const handle = openDatabase(db.url, { poolSize: 4 });
    await migrate(handle);
    const local = buildApp({ config, database: handle });
    const envRow = await local.deps.db.selectFrom('environments').select('id').executeTakeFirstOrThrow();
    const exportOrg = (await (
      await call(`${a.url}/organizations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Export' }),
      })
    ).json()) as { id: string };
    const seed0 = performance.now();
    for (let i = 0; i < EXPORT_EVENTS; i += 5000) {
      const batch = Array.from({ length: Math.min(5000, EXPORT_EVENTS - i) }, (_, k) => {
        const e = event(i + k);
        return { ...e, version: null };
      });
      await local.deps.db
        .transaction()
        .execute((tx) => appendToChain(tx, local.deps, envRow.id, exportOrg.id, batch));
    }
    const seedS = (performance.now() - seed0) / 1000;
    const created = (await (
      await call(`${a.url}/audit_logs/exports`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          organization_id: exportOrg.id,
          range_start: '2025-01-01T00:00:00.000Z',
          range_end: '2027-01-01T00:00:00.000Z',
        }),
      })
    ).json()) as { id: string };
    const rss0 = rssMb(a.pid);
    const build0 = performance.now();
    let ready: { state: string; url?: string; event_count?: number } = { state: 'pending' };
    let rssPeak = rss0;
    while (ready.state === 'pending') {
      await new Promise((r) => setTimeout(r, 100));
      rssPeak = Math.max(rssPeak, rssMb(a.pid));
      ready = (await (
        await call(`${a.url}/audit_logs/exports/${created.id}`, { headers })
      ).json()) as typeof ready;
    }
    const buildS = (performance.now() - build0) / 1000;
    const dl0 = performance.now();
    const res = await call(ready.url!);
    let bytes = 0;
    const reader = res.body!.getReader();
    let tick = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (++tick % 50 === 0) rssPeak = Math.max(rssPeak, rssMb(a.pid));
    }
    const dlS = (performance.now() - dl0) / 1000;
    await handle.close();
    const exportLine = `Export of ${EXPORT_EVENTS.toLocaleString('en-US')} events (one organization, seeded in ${seedS.toFixed(1)} s): the worker's pass (read every row, build the CSV, SHA-256) **${buildS.toFixed(1)} s**, the download over HTTP ${dlS.toFixed(1)} s (${(bytes / 1e6).toFixed(0)} MB); server RSS ${rss0} MB before, at most ${rssPeak} MB during both (flat memory: the CSV is streamed in pages of 2,000 rows). Target < 20 s: ${buildS < 20 && dlS < 20 ? 'met' : '**not met**'}.`;
    notes.push(exportLine);
  } finally {
    for (const s of servers) await s.stop();
    if (PROFILE) {
      const dir = join(tmp, 'prof');
      for (const f of readdirSync(dir)) console.log(summariseProfile(join(dir, f), 30));
    }
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  }

  const m = machine();
  const table = loadTable(rows);
  const ingest = rows[1]!.perSecond;
  const section = [
    `## ${m.date} — Audit Logs: ingest with the hash chain, and a ${EXPORT_EVENTS.toLocaleString('en-US')}-event export (issue 14), ${DB === 'sqlite' ? 'SQLite (file, WAL)' : 'PostgreSQL'}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server: ${m.commit} (working tree).`,
    `Command: \`npm run bench:audit-logs${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. autocannon in this process, ${CONNECTIONS} connections per server, ${DURATION} s per scenario after a ${DURATION} s warm-up; every event goes to one organization (one chain) and carries its own Idempotency-Key, as SDK 12 sends.`,
    '',
    table,
    '',
    ...notes.map((x) => `- ${x}`),
    DB === 'sqlite'
      ? `- Target ≥ 3,000 events/s on one SQLite process with the chain on: ${ingest.toLocaleString('en-US')}/s, ${ingest >= 3000 ? 'met' : '**not met**'}.`
      : '- PostgreSQL: one and two processes on one database, as the issue asks (no target).',
    '',
  ].join('\n');
  console.log(section);
  if (WRITE) appendResults(join(ROOT, 'bench', 'RESULTS.md'), section);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
