/**
 * Email enqueue benchmark (issue 12): how many AuthKit emails per second the outbox takes, each
 * queued in its own transaction the way a feature queues one (render both bodies with the
 * environment's branding, seal them, insert), against a same-run baseline: the same transaction
 * shape writing one event with `appendEvent` (the outbox write every state change already pays).
 * A third row does both in one transaction (what Magic Auth does: its event and its email).
 *
 * In-process on the server's own code (no HTTP), one transaction at a time, SQLite (a WAL file in
 * a temporary folder, as the server opens it) and PostgreSQL at 127.0.0.1:5432 (own database,
 * dropped after). Each scenario runs 2 × 5 s, alternating with the others so drift hits all alike;
 * the figure is the mean of its two runs. No SMTP: the worker is not running.
 *
 *   node --import tsx bench/email.ts            # appends to bench/RESULTS.md
 *   node --import tsx bench/email.ts --no-write # print only
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../apps/server/src/app.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { appendEvent } from '../apps/server/src/features/events/outbox.ts';
import { migrate, openDatabase } from '../apps/server/src/platform/db.ts';
import { appendResults, machine } from './lib/report.ts';

const RUN_S = 5;
const write = !process.argv.includes('--no-write');
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

async function freshPg() {
  const name = `portico_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

type Scenario = 'event' | 'email' | 'both';
const LABEL: Record<Scenario, string> = {
  event: 'Baseline: appendEvent (one event) per transaction',
  email: 'enqueue (magic_auth: render, seal ×2, insert) per transaction',
  both: 'appendEvent + enqueue in one transaction',
};

async function measure(dialect: 'sqlite' | 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-email-'));
  const db = dialect === 'sqlite' ? { url: `sqlite:${dir}/bench.db`, drop: async () => {} } : await freshPg();
  const database = openDatabase(db.url, { poolSize: 4 });
  try {
    await migrate(database);
    const config = loadConfig({
      PORTICO_DATABASE_URL: db.url,
      PORTICO_SECRET: 'bench-secret-bench-secret-bench-secret-00',
      PORTICO_SMTP_URL: 'smtp://127.0.0.1:2525',
      PORTICO_LOG_LEVEL: 'silent',
    });
    const portico = buildApp({ config, database });
    const { environmentId } = await portico.services.environments.bootstrap();
    const { deps } = portico;
    let n = 0;
    const one: Record<Scenario, () => Promise<unknown>> = {
      event: () =>
        deps.db.transaction().execute((tx) =>
          appendEvent(tx, deps, {
            environmentId,
            event: 'magic_auth.created',
            data: { object: 'magic_auth', id: `magic_auth_${n++}`, email: 'bench@example.com' },
          }),
        ),
      email: () =>
        deps.db.transaction().execute((tx) =>
          portico.services.emails.enqueue(tx, {
            environmentId,
            template: 'magic_auth',
            to: 'bench@example.com',
            data: { code: String(100000 + (n++ % 900000)), email: 'bench@example.com' },
          }),
        ),
      both: () =>
        deps.db.transaction().execute(async (tx) => {
          await appendEvent(tx, deps, {
            environmentId,
            event: 'magic_auth.created',
            data: { object: 'magic_auth', id: `magic_auth_${n}`, email: 'bench@example.com' },
          });
          return portico.services.emails.enqueue(tx, {
            environmentId,
            template: 'magic_auth',
            to: 'bench@example.com',
            data: { code: String(100000 + (n++ % 900000)), email: 'bench@example.com' },
          });
        }),
    };
    const runs: Record<Scenario, number[]> = { event: [], email: [], both: [] };
    // Warm-up: 1 s of each.
    for (const s of ['event', 'email', 'both'] as Scenario[]) {
      const end = performance.now() + 1000;
      while (performance.now() < end) await one[s]();
    }
    for (let round = 0; round < 2; round++) {
      for (const s of ['event', 'email', 'both'] as Scenario[]) {
        let count = 0;
        const start = performance.now();
        const end = start + RUN_S * 1000;
        while (performance.now() < end) {
          await one[s]();
          count++;
        }
        runs[s].push(count / ((performance.now() - start) / 1000));
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      dialect,
      runs,
      mean: { event: mean(runs.event), email: mean(runs.email), both: mean(runs.both) },
    };
  } finally {
    await database.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const m = machine();
const results = [await measure('sqlite'), await measure('postgres')];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const lines = [
  `## ${m.date} — Email enqueue (issue 12), in-process`,
  '',
  `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server code: commit ${m.commit} (working tree).`,
  `Command: \`node --import tsx bench/email.ts\`. One transaction at a time, ${RUN_S} s × 2 per scenario (alternating), after 1 s warm-up each; SQLite file (WAL, synchronous=NORMAL) in a temporary folder; PostgreSQL 127.0.0.1:5432, own database.`,
  '',
  '| Database | Scenario | run 1 /s | run 2 /s | mean /s | vs baseline |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
];
for (const r of results) {
  for (const s of ['event', 'email', 'both'] as Scenario[]) {
    lines.push(
      `| ${r.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${LABEL[s]} | ${fmt(r.runs[s][0]!)} | ${fmt(r.runs[s][1]!)} | **${fmt(r.mean[s])}** | ${(r.mean[s] / r.mean.event).toFixed(2)} × |`,
    );
  }
}
lines.push('');
const section = lines.join('\n');
console.log(section);
if (write) appendResults(join(import.meta.dirname, 'RESULTS.md'), section);
process.exit(0);
