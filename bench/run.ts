/**
 * Portico auth benchmarks: refresh-token exchanges, authorization-code exchanges and password
 * sign-ins against one real server process, with bare jose RS256 signing as the ceiling.
 *
 *   npm run bench                                   # SQLite, writes a section to bench/RESULTS.md
 *   npm run bench -- --db=postgres                  # PostgreSQL (creates and drops its own database)
 *   npm run bench -- --scenarios=refresh --profile  # CPU profile of the server, no RESULTS.md entry
 *
 * Options: --duration=10 --warmup=3 --connections=50 --password-connections=16 --users=200
 * --scenarios=health,refresh,code,password --no-write --profile
 * --source=head|worktree (default head: a snapshot of the committed apps/server, so figures belong
 * to a commit even while someone edits the working tree).
 * --pg-url=postgres://postgres@127.0.0.1:5432/postgres (admin connection for --db=postgres),
 * --pg-synchronous-commit=off (diagnostic: on the benchmark database only).
 *
 * Everything is bounded: each load phase by its duration, seeding by counts, the whole run by a
 * watchdog. The server and the signing ceiling run as child processes of this one; autocannon runs
 * in this process. Only 127.0.0.1 is used.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import {
  type LoadResult,
  processesCpuSeconds,
  type RequestSpec,
  runLoad,
  systemBusySeconds,
  waitForQuiet,
} from './lib/load.ts';
import { summariseProfile } from './lib/profile.ts';
import {
  appendResults,
  type Ceiling,
  machine,
  type Report,
  sectionMarkdown,
  tableMarkdown,
} from './lib/report.ts';
import { Api, makeCodes, openSeedDb, PASSWORD, seedSessions, seedUsers } from './lib/seed.ts';
import { freePort, headSnapshot, ROOT, type ServerProcess, startServer } from './lib/server.ts';

// ── options ─────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const num = (name: string, fallback: number, min: number, max: number) => {
  const v = Number(opt(name, String(fallback)));
  if (!Number.isFinite(v) || v < min || v > max)
    throw new Error(`--${name} must be between ${min} and ${max}`);
  return v;
};

const DB = opt('db', 'sqlite');
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error('--db must be sqlite or postgres');
const DURATION = num('duration', 10, 1, 120);
const WARMUP = num('warmup', 3, 0, 60);
const CONNECTIONS = num('connections', 50, 1, 1000);
const PASSWORD_CONNECTIONS = num('password-connections', 16, 1, 200);
const USERS = num('users', 200, 1, 5000);
const SCENARIOS = new Set(opt('scenarios', 'health,refresh,code,password').split(','));
const PROFILE = flag('profile');
const WRITE = !flag('no-write') && !PROFILE;
/** `head` benchmarks a snapshot of the committed server (git archive HEAD); `worktree` the files as they are. */
const SOURCE = opt('source', 'head');
if (SOURCE !== 'head' && SOURCE !== 'worktree') throw new Error('--source must be head or worktree');
/** Diagnostic for --db=postgres: `off` sets synchronous_commit=off on the benchmark database only. */
const PG_SYNC_COMMIT = opt('pg-synchronous-commit', 'on');
if (!['on', 'off'].includes(PG_SYNC_COMMIT)) throw new Error('--pg-synchronous-commit must be on or off');
const PG_ADMIN_URL = opt(
  'pg-url',
  process.env.PORTICO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);

/** Other processes' CPU above this during a measured phase marks it disturbed, and it is repeated. */
const DISTURBED_CORES = 0.25;
const ATTEMPTS = 3;

const API_KEY = `sk_test_bench${randomBytes(16).toString('hex')}`;
const CLIENT_ID = `client_BENCH${randomBytes(8).toString('hex').toUpperCase()}`;
const REDIRECT_URI = 'http://localhost:3000/callback';
const RATE_LIMIT = '100000000';
const AUTHENTICATE = '/user_management/authenticate';
const JSON_HEADERS = { 'content-type': 'application/json' };

// ── watchdog: the run stops by itself whatever happens ─────────────────────

let server: ServerProcess | undefined;
const budgetMs =
  (300 + 4 * (WARMUP + ATTEMPTS * (DURATION + 95)) + 3 * ATTEMPTS * (DURATION + 100) + USERS * 0.5) * 1000;
const watchdog = setTimeout(() => {
  console.error(`bench: watchdog fired after ${Math.round(budgetMs / 1000)} s, stopping`);
  if (server) process.kill(server.pid, 'SIGKILL');
  process.exit(3);
}, budgetMs);
watchdog.unref();

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ── the signing ceiling, in its own process ─────────────────────────────────

async function signCeiling(concurrency = 50): Promise<Ceiling> {
  let best: Ceiling | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const c = await signCeilingOnce(concurrency);
    if (!best || (c.otherCores ?? 0) < (best.otherCores ?? 0)) best = c;
    if ((c.otherCores ?? 0) <= DISTURBED_CORES) break;
    if (attempt < ATTEMPTS)
      log(`sign ceiling: disturbed by other processes (${c.otherCores} cores), measuring again`);
  }
  return best!;
}

async function signCeilingOnce(concurrency: number): Promise<Ceiling> {
  await quiet('sign ceiling', () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  const busy0 = systemBusySeconds();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const c = await runCeiling(concurrency);
  const self = process.cpuUsage(self0);
  const wall = (performance.now() - t0) / 1000;
  // The child's CPU (start-up and key generation included) is its own; the rest is "other".
  const other = systemBusySeconds() - busy0 - c.cpuSeconds - (self.user + self.system) / 1e6;
  return { ...c, otherCores: Number(Math.max(0, other / wall).toFixed(2)) };
}

async function quiet(what: string, ownCpuSeconds: () => number) {
  const t0 = performance.now();
  const other = await waitForQuiet(ownCpuSeconds);
  const waited = (performance.now() - t0) / 1000;
  if (waited > 1.5) log(`${what}: waited ${waited.toFixed(0)} s for other processes to go quiet`);
  if (other > 0.25)
    log(`${what}: other processes still use ${other.toFixed(2)} cores; figures will be disturbed`);
}

function runCeiling(concurrency: number): Promise<Ceiling> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/sign-ceiling.ts', `--duration=${DURATION}`, `--concurrency=${concurrency}`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (DURATION + 60) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        done(JSON.parse(last) as Ceiling);
      } catch (err) {
        fail(new Error(`sign-ceiling failed (${(err as Error).message}): ${out.slice(-500)}`));
      }
    });
  });
}

// ── the server source under test ────────────────────────────────────────────

function serverSource(): { src: string; label: string; cleanup(): void } {
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (SOURCE === 'worktree') {
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/server'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return {
      src: resolve(ROOT, 'apps', 'server', 'src'),
      label: `working tree at ${sha}${dirty.trim() ? ' with uncommitted changes in apps/server' : ''}`,
      cleanup() {},
    };
  }
  return headSnapshot();
}

// ── database ────────────────────────────────────────────────────────────────

async function freshDatabase(
  tmp: string,
): Promise<{ url: string; name?: string; describe: string; drop(): Promise<void> }> {
  if (DB === 'sqlite') {
    return {
      url: `sqlite:${join(tmp, 'bench.db')}`,
      describe: 'SQLite file in a temporary folder (WAL, synchronous=NORMAL, as the server opens it).',
      drop: async () => {},
    };
  }
  const name = `portico_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  if (PG_SYNC_COMMIT !== 'on') {
    // A diagnostic: on this database only, commits stop waiting for the WAL flush.
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = ${PG_SYNC_COMMIT}`);
  }
  const settings = await admin.query<{ name: string; setting: string }>(
    "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers') ORDER BY name",
  );
  await admin.end();
  const describe = `PostgreSQL on 127.0.0.1, same machine (${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}${PG_SYNC_COMMIT === 'off' ? '; **synchronous_commit=off on the benchmark database (diagnostic run)**' : ''}); the server's pool has 10 connections.`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    describe,
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

// ── scenarios ───────────────────────────────────────────────────────────────

/**
 * Warm-up (discarded), then the measured phase. A phase that another process disturbed is run
 * again (at most ATTEMPTS times in all) and the least disturbed attempt is kept.
 * `beforeMeasure` gets the last observed rate (for seeding single-use credentials).
 */
async function phase(
  name: string,
  connections: number,
  request: RequestSpec,
  beforeMeasure?: (lastRate: number) => Promise<void>,
): Promise<LoadResult> {
  const s = server!;
  let lastRate = 0;
  if (WARMUP > 0) {
    if (beforeMeasure) await beforeMeasure(0);
    log(`${name}: warm-up ${WARMUP} s`);
    const w = await runLoad({
      name,
      url: s.url,
      connections,
      durationSeconds: WARMUP,
      request,
      serverCpuSeconds: s.cpuSeconds,
      dbCpuSeconds,
    });
    lastRate = w.perSecond;
  }
  let best: LoadResult | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (beforeMeasure) await beforeMeasure(lastRate);
    await quiet(name, ownCpu);
    log(
      `${name}: measuring ${DURATION} s at ${connections} connections${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
    );
    const w0 = monotonicMicros();
    const r = await runLoad({
      name,
      url: s.url,
      connections,
      durationSeconds: DURATION,
      request,
      serverCpuSeconds: s.cpuSeconds,
      dbCpuSeconds,
    });
    profileWindows.push([w0, monotonicMicros()]);
    lastRate = r.perSecond;
    log(
      `${name}: ${r.perSecond} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, other processes ${r.otherCores} cores`,
    );
    for (const f of r.failures) log(`${name}: non-2xx sample: ${f}`);
    if (!best || r.otherCores < best.otherCores) best = r;
    if (r.otherCores <= DISTURBED_CORES) break;
    if (attempt < ATTEMPTS) log(`${name}: disturbed by other processes, measuring again`);
  }
  return best!;
}

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
const profileWindows: [number, number][] = [];

/** PostgreSQL backends of this run's database (their process title names it); unset for SQLite. */
let dbCpuSeconds: (() => number) | undefined;

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6 + (server ? server.cpuSeconds() : 0) + (dbCpuSeconds?.() ?? 0);
};

const REFRESH_TOKEN = /"refresh_token":"([^"]+)"/;

async function main() {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, database ${DB}`);
  const ceilings: { label: string; c: Ceiling }[] = [];
  log(`sign ceiling (before the server starts): ${DURATION} s`);
  ceilings.push({ label: 'RS256 sign ceiling: jose, own process, before', c: await signCeiling() });
  log(`  ${ceilings[0]!.c.perSecond} signs/s`);
  log(`sign ceiling with one sign in flight (reference): ${DURATION} s`);
  const serial = await signCeiling(1);
  log(`  ${serial.perSecond} signs/s`);

  const source = serverSource();
  m.commit = source.label;
  log(`server under test: ${source.label}`);
  const tmp = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const database = await freshDatabase(tmp);
  if (database.name) {
    const name = database.name;
    dbCpuSeconds = () => processesCpuSeconds(name);
  }
  const rows: LoadResult[] = [];
  const notes: string[] = [];
  const poolDry = { refresh: 0, code: 0 };
  let profileFile: string | undefined;
  let warnings: string[] = [];
  try {
    const port = await freePort();
    server = await startServer({
      serverSrc: source.src,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        PORTICO_DATABASE_URL: database.url,
        PORTICO_PUBLIC_URL: `http://127.0.0.1:${port}`,
        PORTICO_SECRET: randomBytes(32).toString('base64url'),
        PORTICO_API_KEY: API_KEY,
        PORTICO_CLIENT_ID: CLIENT_ID,
        PORTICO_REDIRECT_URIS: REDIRECT_URI,
        PORTICO_LOG_LEVEL: 'warn',
        PORTICO_RATE_LIMIT_CREDENTIALS: RATE_LIMIT,
        PORTICO_RATE_LIMIT_API: RATE_LIMIT,
      },
      nodeFlags: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(tmp, 'prof')}`] : [],
    });
    log(`server pid ${server.pid} on ${server.url} (${DB})`);

    const api = new Api(server.url, API_KEY);
    const t0 = performance.now();
    const { organizationId, users } = await seedUsers(api, USERS);
    log(
      `seeded ${users.length} users (argon2id) in one organization in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const grant = { client_id: CLIENT_ID, client_secret: API_KEY };

    if (SCENARIOS.has('health')) {
      rows.push(
        await phase('GET /health (HTTP + 1 SELECT, reference)', CONNECTIONS, {
          method: 'GET',
          path: '/health',
        }),
      );
    }

    if (SCENARIOS.has('refresh')) {
      // Each refresh consumes its token and returns the next one of the same session. The pool
      // holds one live token per session: a request takes one, its response puts the successor
      // back, so every session is a chain and no token is ever presented twice. The tokens in
      // flight when a phase stops are lost (the server consumed them, nobody read the answer), so
      // the pool is topped up to two sessions per connection before every phase.
      const tokens: string[] = [];
      const topUp = async () => {
        const missing = CONNECTIONS * 2 - tokens.length;
        if (missing <= 0) return;
        tokens.push(...(await seedSessions(api, CLIENT_ID, API_KEY, users, missing)));
        log(`seeded ${missing} sessions for the refresh pool`);
        poolDry.refresh = 0;
      };
      rows.push(
        await phase(
          'Refresh token exchange',
          CONNECTIONS,
          {
            method: 'POST',
            path: AUTHENTICATE,
            headers: JSON_HEADERS,
            body: () => {
              const t = tokens.shift();
              if (t === undefined) poolDry.refresh++;
              return JSON.stringify({
                grant_type: 'refresh_token',
                ...grant,
                refresh_token: t ?? 'pool-empty',
              });
            },
            onResponse: (status, body) => {
              const next = status === 200 ? REFRESH_TOKEN.exec(body)?.[1] : undefined;
              if (next) tokens.push(next);
            },
          },
          topUp,
        ),
      );
    }

    if (SCENARIOS.has('code')) {
      const seedDb = openSeedDb(database.url);
      const environmentId = await seedDb.environmentId(CLIENT_ID);
      const codes: string[] = [];
      const request: RequestSpec = {
        method: 'POST',
        path: AUTHENTICATE,
        headers: JSON_HEADERS,
        body: () => {
          const code = codes.pop();
          if (code === undefined) poolDry.code++;
          return JSON.stringify({ grant_type: 'authorization_code', ...grant, code: code ?? 'pool-empty' });
        },
      };
      try {
        rows.push(
          await phase('Authorization code exchange', CONNECTIONS, request, async (lastRate) => {
            // Enough fresh codes for twice the last observed rate (a generous guess before any).
            const need = Math.ceil(Math.max(lastRate, 2_000) * Math.max(DURATION, WARMUP) * 2) + 2_000;
            if (codes.length >= need) return;
            const t1 = performance.now();
            const made = makeCodes(need - codes.length, {
              environmentId,
              organizationId,
              users,
              redirectUri: REDIRECT_URI,
            });
            await seedDb.insertCodes(made.rows);
            codes.push(...made.codes);
            log(
              `seeded ${made.codes.length} authorization codes in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
            );
            poolDry.code = 0;
          }),
        );
      } finally {
        await seedDb.close();
      }
    }

    if (SCENARIOS.has('password')) {
      let next = 0;
      rows.push(
        await phase('Password sign-in (argon2id 19 MiB, t=2, p=1)', PASSWORD_CONNECTIONS, {
          method: 'POST',
          path: AUTHENTICATE,
          headers: JSON_HEADERS,
          body: () => {
            const u = users[next++ % users.length]!;
            return JSON.stringify({ grant_type: 'password', ...grant, email: u.email, password: PASSWORD });
          },
        }),
      );
    }
  } finally {
    if (server) {
      // Let requests still running for connections autocannon closed finish before SIGTERM.
      await new Promise((r) => setTimeout(r, 2_000));
      warnings = server.warnings;
      const code = await server.stop();
      log(`server stopped (exit ${code})`);
    }
    if (PROFILE) {
      const dir = join(tmp, 'prof');
      const f = (() => {
        try {
          return readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
        } catch {
          return undefined;
        }
      })();
      if (f) {
        profileFile = resolve(ROOT, 'bench', '.profiles', f);
        mkdirSync(resolve(ROOT, 'bench', '.profiles'), { recursive: true });
        copyFileSync(join(dir, f), profileFile);
      }
    }
    await database.drop().catch((err) => console.error(`could not drop the database: ${err}`));
    rmSync(tmp, { recursive: true, force: true });
    source.cleanup();
  }

  log(`sign ceiling (after the server stopped): ${DURATION} s`);
  ceilings.push({ label: 'RS256 sign ceiling: jose, own process, after', c: await signCeiling() });
  log(`  ${ceilings[1]!.c.perSecond} signs/s`);

  // ── targets ────────────────────────────────────────────────────────────────
  // The mean of the ceiling runs that nothing else disturbed (of both if both were disturbed).
  const clean = ceilings.filter((x) => (x.c.otherCores ?? 0) <= DISTURBED_CORES);
  const used = clean.length ? clean : ceilings;
  const ceiling = Math.round(used.reduce((a, x) => a + x.c.perSecond, 0) / used.length);
  const ceilingWhich =
    used.length === 2
      ? 'mean of both ceiling runs'
      : `${used[0]!.label.split(', ').pop()} run only; the other was disturbed`;
  ceilings.push({ label: 'RS256 sign, one in flight (reference, not the ceiling)', c: serial });
  const refresh = rows.find((r) => r.name.startsWith('Refresh'));
  const code = rows.find((r) => r.name.startsWith('Authorization code'));
  const targets: Report['targets'] = [];
  if (refresh) {
    const ratio = refresh.perSecond / ceiling;
    targets.push(
      {
        name: 'Refreshes ≥ 1,000/s',
        measured: `${refresh.perSecond.toLocaleString('en-US')}/s`,
        met: refresh.perSecond >= 1000,
      },
      {
        name: 'Refreshes ≥ 60 % of the signing ceiling',
        measured: `${(ratio * 100).toFixed(0)} % (${refresh.perSecond} / ${ceiling} signs/s, ${ceilingWhich})`,
        met: ratio >= 0.6,
      },
      {
        name: `Refresh p99 < 20 ms at ${refresh.connections} connections`,
        measured: `${refresh.p99} ms`,
        met: refresh.p99 < 20 && refresh.connections >= 50,
      },
      {
        name: 'Refresh non-2xx = 0',
        measured: String(refresh.non2xx + refresh.errors + refresh.timeouts),
        met: refresh.non2xx + refresh.errors + refresh.timeouts === 0,
      },
    );
  }
  if (code) {
    targets.push({
      name: 'Code exchange non-2xx = 0',
      measured: String(code.non2xx + code.errors + code.timeouts),
      met: code.non2xx + code.errors + code.timeouts === 0,
    });
  }
  if (refresh) {
    notes.push(
      `Refresh / one-sign-in-flight reference = ${((100 * refresh.perSecond) / serial.perSecond).toFixed(0)} % (${refresh.perSecond} / ${serial.perSecond}).`,
      `With ${refresh.connections} connections kept busy, mean latency is connections / throughput (Little's law): ${((1000 * refresh.connections) / refresh.perSecond).toFixed(0)} ms at ${refresh.perSecond}/s; p99 < 20 ms at ${refresh.connections} connections needs more than ${Math.round(refresh.connections / 0.02).toLocaleString('en-US')} requests/s.`,
    );
  }
  if (refresh && code) {
    notes.push(
      `Code exchange / refresh = ${((100 * code.perSecond) / refresh.perSecond).toFixed(0)} %; code exchange / ceiling = ${((100 * code.perSecond) / ceiling).toFixed(0)} %.`,
    );
  }
  if (poolDry.refresh || poolDry.code) {
    notes.push(
      `Token pools ran dry (refresh ${poolDry.refresh}, code ${poolDry.code} requests sent a placeholder): figures are suspect.`,
    );
  }
  const disturbed = [
    ...rows.filter((r) => r.otherCores > DISTURBED_CORES).map((r) => r.name),
    ...ceilings.filter((c) => (c.c.otherCores ?? 0) > DISTURBED_CORES).map((c) => c.label),
  ];
  if (disturbed.length) {
    notes.push(
      `Disturbed by other processes on the machine (other CPU > ${DISTURBED_CORES} cores after ${ATTEMPTS} attempts): ${disturbed.join('; ')}. Treat these rows with caution.`,
    );
  }
  const reuse = warnings.filter((w) => w.includes('reuse') || w.includes('replay')).length;
  notes.push(
    `Server log lines at warn or above: ${warnings.length}${reuse ? ` (${reuse} about token reuse or code replay)` : ''}.`,
  );

  const report: Report = {
    title: `${DB === 'sqlite' ? 'SQLite (WAL)' : 'PostgreSQL'}, one server process`,
    machine: m,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    settings: `${database.describe} ${DURATION} s measured per scenario after ${WARMUP} s warm-up; ${USERS} users; rate limits raised to ${RATE_LIMIT} (PORTICO_RATE_LIMIT_API, PORTICO_RATE_LIMIT_CREDENTIALS) so the limiter does not cap the run.`,
    rows,
    ceilings,
    targets,
    targetsTitle: DB === 'sqlite' ? 'Target' : 'Target (set for SQLite; shown for comparison)',
    notes,
  };
  console.log(`\n${tableMarkdown(report)}\n`);
  for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'}  ${t.name}: ${t.measured}`);
  for (const x of notes) console.log(`note: ${x}`);
  if (warnings.length) {
    const file = resolve(
      ROOT,
      'bench',
      '.logs',
      `server-warnings-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
    );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${warnings.join('\n')}\n`);
    console.log(
      `server warnings (all of them in ${file}):\n${warnings.slice(0, 3).join('\n').slice(0, 3000)}`,
    );
  }
  if (WRITE) {
    appendResults(resolve(ROOT, 'bench', 'RESULTS.md'), sectionMarkdown(report));
    log('appended to bench/RESULTS.md');
  }
  if (profileFile) console.log(`\n${summariseProfile(profileFile, 40, profileWindows)}`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    console.error(err);
    if (server) await server.stop().catch(() => {});
    process.exit(1);
  },
);
