/**
 * The Audit Logs viewer's filtered query at scale (issue 14: "a filtered query by organization and
 * time p99 < 50 ms at 10,000,000 stored events"), against a real server process on 127.0.0.1.
 *
 * Seeds N events (default 10,000,000) straight into `audit_log_events` with one SQL statement per
 * organization (SQLite: a recursive CTE; PostgreSQL: generate_series), spread over 100
 * organizations and one year — the rows and indexes the API's own writes leave, minus a valid hash
 * chain, which no read here checks. Then, through the Admin Portal's `audit_logs` session (a link
 * generated with the API and launched like a browser does), autocannon runs each viewer query of
 * one organization beside the baseline `GET /health` in the same run.
 *
 *   npm run bench:audit-log-query                   # SQLite; appends to bench/RESULTS.md
 *   npm run bench:audit-log-query -- --db=postgres
 *   options: --events=10000000 --duration=10 --connections=10 --no-write
 *
 * Bounded: the seed by its count, each load phase by its duration. 127.0.0.1 only. Not in CI.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/platform/db.ts';
import { benchDatabase } from './lib/database.ts';
import { type LoadResult, runLoad } from './lib/load.ts';
import { appendResults, loadTable, machine } from './lib/report.ts';
import { call, freePort, ROOT, startServer } from './lib/server.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DB = opt('db', 'sqlite');
const EVENTS = Number(opt('events', '10000000'));
const DURATION = Number(opt('duration', '10'));
const CONNECTIONS = Number(opt('connections', '10'));
const WRITE = !argv.includes('--no-write');
const ORGS = 100;
/** Portal sessions the load rotates over (each may make 600 requests a minute). */
const SESSIONS = Number(opt('sessions', '1500'));
const API_KEY = `sk_test_bench${randomBytes(12).toString('hex')}`;
const CLIENT_ID = 'client_01BENCHAUDITQUERY00000000';
const SECRET = `bench-secret-${randomBytes(16).toString('hex')}`;
/** 2026-01-01T00:00:00Z; each organization's events are spread evenly over the year. */
const EPOCH_S = 1_767_225_600;
const PER_ORG = Math.floor(EVENTS / ORGS);
const STEP_S = Math.max(1, Math.floor((365 * 86_400) / PER_ORG));

const database = (tmp: string) => benchDatabase(DB, tmp, 'portico_bench_auditq');

/** One organization's `count` events in one statement: actions, actors and targets vary with n. */
function seedStatement(env: string, org: string, count: number) {
  if (DB === 'sqlite')
    return sql`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count}),
      e as (
        select i,
          ${`${org}_ev`} || i as id,
          case i % 4 when 0 then 'document.viewed' when 1 then 'document.edited' when 2 then 'user.signed_in' else 'report.exported' end as action,
          strftime('%Y-%m-%dT%H:%M:%S.000Z', ${EPOCH_S} + i * ${STEP_S}, 'unixepoch') as at,
          'user_' || (i % 500) as actor
        from n
      )
      insert into audit_log_events (id, environment_id, organization_id, seq, action, occurred_at, actor_id, actor_name, target_types, body, prev_hash, hash)
      select id, ${env}, ${org}, i, action, at, actor, 'User ' || (i % 500), ',document,',
        json_object('id', id, 'organization_id', ${org}, 'seq', i, 'action', action, 'version', null, 'occurred_at', at,
          'actor', json_object('id', actor, 'type', 'user', 'name', 'User ' || (i % 500)),
          'targets', json_array(json_object('id', 'doc_' || i, 'type', 'document', 'name', 'Quarterly report ' || i)),
          'context', json_object('location', '10.0.' || (i % 250) || '.1', 'user_agent', 'Mozilla/5.0 (bench)'),
          'metadata', json_object('n', i), 'received_at', at),
        'p', 'h'
      from e`;
  return sql`
    insert into audit_log_events (id, environment_id, organization_id, seq, action, occurred_at, actor_id, actor_name, target_types, body, prev_hash, hash)
    select ${`${org}_ev`} || i, ${env}, ${org}, i, a.action, a.at, 'user_' || (i % 500), 'User ' || (i % 500), ',document,',
      json_build_object('id', ${`${org}_ev`} || i, 'organization_id', ${org}, 'seq', i, 'action', a.action, 'version', null,
        'occurred_at', a.at, 'actor', json_build_object('id', 'user_' || (i % 500), 'type', 'user', 'name', 'User ' || (i % 500)),
        'targets', json_build_array(json_build_object('id', 'doc_' || i, 'type', 'document', 'name', 'Quarterly report ' || i)),
        'context', json_build_object('location', '10.0.' || (i % 250) || '.1', 'user_agent', 'Mozilla/5.0 (bench)'),
        'metadata', json_build_object('n', i), 'received_at', a.at)::text,
      'p', 'h'
    from generate_series(1, ${count}::int) as i,
      lateral (select
        (array['document.viewed', 'document.edited', 'user.signed_in', 'report.exported'])[i % 4 + 1] as action,
        to_char(to_timestamp(${EPOCH_S} + i * ${STEP_S}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') as at) a`;
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'portico-bench-auditq-'));
  const db = await database(tmp);
  const port = await freePort();
  const server = await startServer({
    env: {
      PORT: String(port),
      PORTICO_DATABASE_URL: db.url,
      PORTICO_SECRET: SECRET,
      PORTICO_API_KEY: API_KEY,
      PORTICO_CLIENT_ID: CLIENT_ID,
      PORTICO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORTICO_LOG_LEVEL: 'warn',
      PORTICO_RATE_LIMIT_API: '100000000',
      NODE_ENV: 'development',
    },
    serverSrc: join(ROOT, 'apps', 'server', 'src'),
  });
  const rows: LoadResult[] = [];
  const notes: string[] = [];
  try {
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const orgs: string[] = [];
    for (let k = 0; k < ORGS; k++) {
      const res = await call(`${server.url}/organizations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `Tenant ${k}` }),
      });
      orgs.push(((await res.json()) as { id: string }).id);
    }
    const handle = openDatabase(db.url, { poolSize: 2 });
    const env = (await handle.db.selectFrom('environments').select('id').executeTakeFirstOrThrow()).id;
    const perOrg = PER_ORG;
    const seed0 = performance.now();
    for (const [k, org] of orgs.entries()) {
      await seedStatement(env, org, perOrg).execute(handle.db);
      if (k % 10 === 9) console.log(`seeded ${((k + 1) * perOrg).toLocaleString('en-US')} events`);
    }
    if (DB === 'postgres') await sql`analyze audit_log_events`.execute(handle.db);
    const seedS = (performance.now() - seed0) / 1000;
    const stored = Number(
      (
        await handle.db
          .selectFrom('audit_log_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    await handle.close();
    notes.push(
      `Seeded ${stored.toLocaleString('en-US')} events (${ORGS} organizations × ${perOrg.toLocaleString('en-US')}, one year each) in ${seedS.toFixed(0)} s; the queries read one organization.`,
    );

    // Admin Portal sessions of one organization, as the IT admin's browser gets them. A session
    // may make 600 requests a minute (portal-api.ts), so the load rotates over many.
    const target = orgs[ORGS / 2]!;
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const link = (await (
        await call(`${server.url}/portal/generate_link`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ organization: target, intent: 'audit_logs' }),
        })
      ).json()) as { link: string };
      const launched = await call(link.link, { redirect: 'manual' });
      const cookie = (launched.headers.get('set-cookie') ?? '').split(';')[0]!;
      if (!cookie) throw new Error(`the portal link did not launch: ${launched.status}`);
      cookies.push(cookie);
    }
    let turn = 0;
    const rotate = () => ({ cookie: cookies[turn++ % cookies.length]! });
    const portal = { cookie: cookies[0]! };
    const list = '/portal/api/audit_logs/events';
    const deepCursor = String(Math.floor(perOrg / 2));
    const scenarios: [string, string][] = [
      ['Viewer: newest 50 events, no filter', `${list}?limit=50`],
      [
        'Viewer: one week (range_start/range_end), 50 events',
        `${list}?limit=50&range_start=2026-06-01T00:00:00.000Z&range_end=2026-06-08T00:00:00.000Z`,
      ],
      [
        'Viewer: one month + one action',
        `${list}?limit=50&range_start=2026-06-01T00:00:00.000Z&range_end=2026-07-01T00:00:00.000Z&actions=document.edited`,
      ],
      [
        'Viewer: one week + one actor',
        `${list}?limit=50&range_start=2026-06-01T00:00:00.000Z&range_end=2026-06-08T00:00:00.000Z&actor=user_42`,
      ],
      [`Viewer: a deep page (after=${deepCursor}), 50 events`, `${list}?limit=50&after=${deepCursor}`],
    ];
    const check = await call(`${server.url}${scenarios[1]![1]}`, { headers: portal });
    const sample = (await check.json()) as { data: unknown[] };
    if (check.status !== 200 || sample.data.length === 0)
      throw new Error(`the viewer query answered ${check.status} with ${sample.data?.length} events`);
    const load = (name: string, path: string, sessions: boolean) =>
      runLoad({
        name,
        url: server.url,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        request: { method: 'GET', path, ...(sessions ? { headersFor: rotate } : {}) },
        serverCpuSeconds: () => server.cpuSeconds(),
      });
    await load('warm-up', scenarios[1]![1], true);
    rows.push(await load('Baseline: GET /health', '/health', false));
    for (const [name, path] of scenarios) rows.push(await load(name, path, true));
    for (const r of rows) if (r.non2xx) console.error(`${r.name}: ${r.non2xx} non-2xx, such as`, r.failures);
  } finally {
    await server.stop();
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  }

  const m = machine();
  const table = loadTable(rows);
  const worst = Math.max(...rows.slice(1).map((r) => r.p99));
  const section = [
    `## ${m.date} — Audit Logs viewer: filtered queries at ${EVENTS.toLocaleString('en-US')} stored events (issue 14), ${DB === 'sqlite' ? 'SQLite (file, WAL)' : 'PostgreSQL'}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server: ${m.commit} (working tree).`,
    `Command: \`npm run bench:audit-log-query${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. autocannon in this process, ${CONNECTIONS} connections, ${DURATION} s per scenario after a warm-up, through the Admin Portal's \`audit_logs\` session.`,
    '',
    table,
    '',
    ...notes.map((x) => `- ${x}`),
    `- Target: a filtered query by organization and time, p99 < 50 ms at 10,000,000 stored events: worst p99 here ${worst} ms, ${worst < 50 && EVENTS >= 10_000_000 ? 'met' : '**not met**'}.`,
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
