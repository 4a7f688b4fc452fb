/**
 * Webhook delivery benchmark (issue 3): produce events at a fixed rate into a local receiver and
 * measure throughput and event-to-delivery latency (the receiver's arrival time minus the event's
 * created_at, both from this machine's clock).
 *
 * Scenarios: SQLite at 500/s and 1,000/s with the in-process worker; PostgreSQL at 1,000/s with the
 * in-process worker alone, then with a second `portico worker` process. Events are produced by
 * `POST /organizations` (one organization.created each), so the API, the outbox, the fan-out and
 * the delivery all count. Bounded: 10 s of production per scenario, then at most 20 s to drain.
 * 127.0.0.1 only.
 *
 *   node --import tsx bench/events.ts            # all scenarios, appends to bench/RESULTS.md
 *   node --import tsx bench/events.ts --no-write # print only
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { appendResults, machine } from './lib/report.ts';
import { freePort, headSnapshot, ROOT, startServer } from './lib/server.ts';

const API_KEY = `sk_test_bench${randomBytes(12).toString('hex')}`;
const CLIENT_ID = 'client_01BENCHEVENTS000000000000';
const PRODUCE_S = 10;
const DRAIN_S = 20;

interface Result {
  label: string;
  target: number;
  produced: number;
  delivered: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
}

function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function receiver() {
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const now = Date.now();
      try {
        const e = JSON.parse(body) as { id: string; created_at: string };
        if (!arrivals.has(e.id)) arrivals.set(e.id, now - Date.parse(e.created_at));
      } catch {}
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, close: () => new Promise((r) => server.close(r)) };
}

async function freshPg() {
  const name = `portico_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const a = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function scenario(
  label: string,
  databaseUrl: string,
  rate: number,
  secondWorker: boolean,
): Promise<Result> {
  const port = await freePort();
  const env = {
    PORT: String(port),
    PORTICO_DATABASE_URL: databaseUrl,
    PORTICO_SECRET: 'bench-secret-bench-secret-bench-secret',
    PORTICO_API_KEY: API_KEY,
    PORTICO_CLIENT_ID: CLIENT_ID,
    PORTICO_LOG_LEVEL: 'warn',
    PORTICO_RATE_LIMIT_API: '100000000',
    PORTICO_WEBHOOK_CONCURRENCY: '32',
  };
  const server = await startServer({ env, serverSrc: snapshot.src });
  let worker: ChildProcess | null = null;
  const recv = await receiver();
  try {
    const create = await fetch(`${server.url}/webhook_endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint_url: recv.url, events: ['organization.created'] }),
    });
    if (create.status !== 201) throw new Error(`endpoint: ${create.status} ${await create.text()}`);
    if (secondWorker) {
      worker = spawn(process.execPath, ['--import', 'tsx', join(snapshot.src, 'main.ts'), 'worker'], {
        cwd: ROOT,
        env: { ...process.env, ...env, PORT: '0' },
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 1500));
    }
    // Produce at a fixed rate: a batch every 20 ms, bounded in time.
    let produced = 0;
    let failed = 0;
    const inflight = new Set<Promise<void>>();
    const started = Date.now();
    const perTick = rate / 50;
    let owed = 0;
    while (Date.now() - started < PRODUCE_S * 1000) {
      owed += perTick;
      while (owed >= 1) {
        owed -= 1;
        const p = fetch(`${server.url}/organizations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Bench ${produced}` }),
        })
          .then((r) => {
            if (r.status === 201) produced++;
            else failed++;
            return r.arrayBuffer();
          })
          .then(
            () => {},
            () => {
              failed++;
            },
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(inflight);
    const produceSeconds = (Date.now() - started) / 1000;
    const drainUntil = Date.now() + DRAIN_S * 1000;
    while (recv.arrivals.size < produced && Date.now() < drainUntil)
      await new Promise((r) => setTimeout(r, 50));
    const latencies = [...recv.arrivals.values()].sort((a, b) => a - b);
    if (failed) console.warn(`${label}: ${failed} create requests failed`);
    return {
      label,
      target: rate,
      produced,
      delivered: recv.arrivals.size,
      throughput: Math.round(recv.arrivals.size / produceSeconds),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      lost: Math.max(0, produced - recv.arrivals.size),
    };
  } finally {
    worker?.kill('SIGTERM');
    await server.stop();
    await recv.close();
  }
}

const snapshot = headSnapshot();

async function main() {
  const write = !process.argv.includes('--no-write');
  const results: Result[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-events-'));
  try {
    for (const rate of [500, 1000]) {
      results.push(
        await scenario(
          `SQLite, in-process worker, ${rate}/s`,
          `sqlite:${join(dir, `e${rate}.db`)}`,
          rate,
          false,
        ),
      );
    }
    for (const second of [false, true]) {
      const db = await freshPg();
      try {
        results.push(
          await scenario(
            `PostgreSQL, ${second ? 'in-process + 1 `portico worker`' : 'in-process worker'}, 1000/s`,
            db.url,
            1000,
            second,
          ),
        );
      } finally {
        await db.drop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    snapshot.cleanup();
  }
  const m = machine();
  const lines = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — webhook delivery (events → local receiver)`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}. Server: ${snapshot.label}. Command: \`node --import tsx bench/events.ts\`. Events are produced by \`POST /organizations\` at a fixed rate for ${PRODUCE_S} s; latency is receiver arrival − event created_at. Poll interval 50 ms (default), worker concurrency 32.`,
    '',
    '| Scenario | Target/s | Produced | Delivered | Delivered/s | p50 ms | p99 ms | max ms | Lost |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.target} | ${r.produced} | ${r.delivered} | ${r.throughput} | ${r.p50} | ${r.p99} | ${r.max} | ${r.lost} |`,
    ),
    '',
    `Target: p99 under 250 ms at 500 events/s on SQLite — ${results[0] && results[0].p99 < 250 ? 'met' : '**not met**'} (${results[0]?.p99} ms).`,
    '',
  ];
  console.log(lines.join('\n'));
  if (write) appendResults(join(ROOT, 'bench', 'RESULTS.md'), lines.join('\n'));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
