/**
 * SSO benchmark (issue 4, "Speed"): SAML ACS handling and OIDC callbacks per second on one core,
 * Portico beside @boxyhq/saml-jackson (bench/peers/, its own npm package) on the same inputs.
 *
 *   npm install --prefix bench/peers        # once: Jackson and its ~430 dependencies
 *   npm run bench:sso                       # appends a section to bench/RESULTS.md
 *   npm run bench:sso -- --no-write --scenarios=saml --duration=5
 *
 * Options: --duration=10 --warmup=3 --connections=16 --users=200 --rounds=2
 * --scenarios=saml,oidc --sign=assertion|response|both --source=head|worktree --no-write
 * --reference-seconds=3 (0 skips the in-process validation reference)
 * --server-cpu=1 --loadgen-cpu=0 --profile (CPU profiles of both servers, summarised over the
 * measured phases; nothing is written to RESULTS.md)
 *
 * What a run does:
 * 1. Starts Portico (`portico start`, a snapshot of HEAD's apps/server and packages/saml, SQLite
 *    in a temporary folder) and the Jackson wrapper (bench/peers/jackson-server.mjs, in-memory
 *    store), each pinned to the server CPU with taskset; this process (autocannon) and the OpenID
 *    Provider are pinned to the other CPU. 127.0.0.1 only.
 * 2. SAML: one organization owning bench.example, an OktaSAML connection with a self-signed IdP
 *    certificate made for the run and IdP-initiated sign-in allowed; Jackson gets a connection
 *    from IdP metadata with the same certificate, and its SAML audience is set to Portico's SP
 *    entity id, so both accept the very same responses. A pool of signed responses (packages/saml
 *    buildSamlResponse, distinct Response and Assertion IDs, Okta-style attributes, `users`
 *    accounts round-robin) is posted to each server once, in the same order, as
 *    `SAMLResponse=…&RelayState=` — a form POST, as a browser does. Each server first sees one
 *    response per account (JIT provisioning for Portico), then a warm-up, then the measured phase.
 * 3. OIDC: oidc-provider 9 in its own process; a GenericOIDC connection at Portico and an OIDC
 *    connection at Jackson with the same discovery URL. Callbacks are minted before each phase by
 *    signing in for real (the RP's authorize endpoint, then the IdP, which redirects back with a
 *    code); the phase replays the callback URLs: state check, code exchange at the IdP's token
 *    endpoint, ID-token validation, userinfo, and the code for the app.
 * 4. Only a 302 whose Location carries `code=` counts. Each phase runs `rounds` times, the order
 *    of the two servers alternating; the ratio uses the mean of each server's rounds.
 *
 * Every phase is bounded by its duration, minting and signing by counts, the run by a watchdog.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForQuiet } from './lib/load.ts';
import { summariseProfile } from './lib/profile.ts';
import { appendResults, machine } from './lib/report.ts';
import { Api, pool } from './lib/seed.ts';
import { freePort, ROOT, type ServerProcess, startServer } from './lib/server.ts';
import { idpMetadataXml, makeIdpKeys } from './lib/sso-keys.ts';
import {
  canPin,
  type Item,
  pin,
  runSsoLoad,
  type Service,
  type SsoLoadResult,
  startService,
} from './lib/sso-load.ts';
import { CallbackMinter } from './lib/sso-oidc.ts';
import { Cursor, ResponsePool } from './lib/sso-responses.ts';
import { ssoSnapshot } from './lib/sso-snapshot.ts';

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

const DURATION = num('duration', 10, 1, 120);
const WARMUP = num('warmup', 3, 0, 60);
const CONNECTIONS = num('connections', 16, 1, 256);
const USERS = num('users', 200, 1, 2000);
const ROUNDS = num('rounds', 2, 1, 5);
const SCENARIOS = new Set(opt('scenarios', 'saml,oidc').split(','));
const SIGN = opt('sign', 'assertion') as 'assertion' | 'response' | 'both';
if (!['assertion', 'response', 'both'].includes(SIGN))
  throw new Error('--sign must be assertion, response or both');
const SOURCE = opt('source', 'head');
if (SOURCE !== 'head' && SOURCE !== 'worktree') throw new Error('--source must be head or worktree');
const PROFILE = flag('profile');
const WRITE = !flag('no-write') && !PROFILE;
const REFERENCE_SECONDS = num('reference-seconds', 3, 0, 60);
const SERVER_CPU = num('server-cpu', 1, 0, 1023);
const LOADGEN_CPU = num('loadgen-cpu', 0, 0, 1023);
const PINNED = canPin() && SERVER_CPU !== LOADGEN_CPU;

const API_KEY = `sk_test_bench${randomBytes(16).toString('hex')}`;
const CLIENT_ID = `client_BENCHSSO${randomBytes(6).toString('hex').toUpperCase()}`;
const REDIRECT_URI = 'http://localhost:3000/callback';
const DOMAIN = 'bench.example';
const IDP_ENTITY_ID = 'https://idp.bench.example/saml/metadata';
const IDP_SSO_URL = 'https://idp.bench.example/saml/sso';
const OIDC_CLIENT = { id: 'portico-bench', secret: randomBytes(24).toString('base64url') };
const JACKSON_OIDC_CLIENT = { id: 'jackson-bench', secret: randomBytes(24).toString('base64url') };
const PEERS = join(ROOT, 'bench', 'peers');

// ── watchdog ────────────────────────────────────────────────────────────────

const services: { stop(): Promise<unknown>; pid: number }[] = [];
const budgetMs = (600 + ROUNDS * 4 * (WARMUP + 2 * DURATION + 120) + USERS * 2) * 1000;
const watchdog = setTimeout(() => {
  console.error(`bench:sso: watchdog fired after ${Math.round(budgetMs / 1000)} s, stopping`);
  for (const s of services) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {}
  }
  process.exit(3);
}, budgetMs);
watchdog.unref();
// Whatever happens (autocannon throws from its parser, for one), no child outlives the run.
process.on('exit', () => {
  for (const s of services) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {}
  }
});

const log = (msg: string) => console.log(`[sso ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ── targets under test ──────────────────────────────────────────────────────

interface Target {
  label: string;
  url: string;
  cpu(): number;
}

interface Row extends SsoLoadResult {
  scenario: 'saml' | 'oidc';
  target: string;
  round: number;
}

const rows: Row[] = [];
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
/** Measured phases per server, for --profile. */
const windows = new Map<string, [number, number][]>();
const notes: string[] = [];
let idp: Service | undefined;

/** Both this process's threads on the load-generator CPU while a phase runs, all CPUs otherwise. */
function loadgenPinned<T>(fn: () => Promise<T>): Promise<T> {
  if (!PINNED) return fn();
  pin(process.pid, String(LOADGEN_CPU));
  return fn().finally(() => pin(process.pid, `0-${Number(execFileSync('nproc', { encoding: 'utf8' })) - 1}`));
}

async function quiet(what: string, own: () => number) {
  const t0 = performance.now();
  const other = await waitForQuiet(own, 0.25, 60);
  const waited = (performance.now() - t0) / 1000;
  if (waited > 1.5) log(`${what}: waited ${waited.toFixed(0)} s for other processes to go quiet`);
  if (other > 0.25) log(`${what}: other processes still use ${other.toFixed(2)} cores`);
}

/** Warm-up (first round only, discarded), then the measured phase; a disturbed phase is run again once. */
async function measure(
  scenario: 'saml' | 'oidc',
  t: Target,
  round: number,
  next: () => Item | null,
  prepare: (seconds: number, lastRate: number) => Promise<void>,
  lastRate: Map<string, number>,
) {
  const key = `${scenario}:${t.label}`;
  const own = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6 + t.cpu() + (idp?.cpuSeconds() ?? 0);
  };
  const run = (seconds: number) =>
    loadgenPinned(() =>
      runSsoLoad({
        name: `${scenario} ${t.label}`,
        url: t.url,
        connections: CONNECTIONS,
        durationSeconds: seconds,
        next,
        serverCpu: t.cpu,
        idpCpu: idp ? () => idp!.cpuSeconds() : undefined,
        serverCore: PINNED ? SERVER_CPU : null,
      }),
    );
  if (round === 1 && WARMUP > 0) {
    await prepare(WARMUP, lastRate.get(key) ?? 0);
    log(`${scenario} ${t.label}: warm-up ${WARMUP} s`);
    const w = await run(WARMUP);
    lastRate.set(key, w.perSecond);
    log(
      `  warm-up: ${w.perSecond}/s (${w.successes}/${w.requests} ok)${w.failures.length ? `; ${w.failures[0]}` : ''}`,
    );
  }
  let best: SsoLoadResult | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    await prepare(DURATION, lastRate.get(key) ?? 0);
    await quiet(`${scenario} ${t.label}`, own);
    log(`${scenario} ${t.label}: round ${round}, measuring ${DURATION} s at ${CONNECTIONS} connections`);
    const w0 = monotonicMicros();
    const r = await run(DURATION);
    windows.set(t.label, [...(windows.get(t.label) ?? []), [w0, monotonicMicros()]]);
    lastRate.set(key, Math.max(lastRate.get(key) ?? 0, r.perSecond));
    log(
      `  ${r.perSecond}/s (${r.successes}/${r.requests} ok), p50 ${r.p50} ms, p99 ${r.p99} ms, server ${r.serverCores} cores, other on its core ${r.otherOnServerCore}, IdP ${r.idpCores}, load-gen ${r.loadgenCores}${r.ranDry ? ', POOL RAN DRY' : ''}`,
    );
    for (const f of r.failures) log(`  failure sample: ${f}`);
    if (!best || r.otherOnServerCore < best.otherOnServerCore) best = r;
    if (!(r.otherOnServerCore > 0.1)) break;
    if (attempt === 1) log('  another process used the server core; measuring again');
  }
  rows.push({ ...best!, scenario, target: t.label, round });
}

// ── validation alone (reference rows) ───────────────────────────────────────

interface ReferenceRow {
  name: string;
  n?: number;
  perSecond?: number;
  msEach?: number;
  cores?: number;
  error?: string;
}

/** bench/lib/sso-validate-ref.ts in its own process on the server CPU; bounded by a timer. */
function validationReference(config: Record<string, unknown>): Promise<ReferenceRow[]> {
  return new Promise((done, fail) => {
    const args = ['--import', 'tsx', join('bench', 'lib', 'sso-validate-ref.ts')];
    const child = PINNED
      ? spawn('taskset', ['-c', String(SERVER_CPU), process.execPath, ...args], {
          cwd: ROOT,
          env: { ...process.env, SSO_BENCH_VALIDATE: JSON.stringify(config) },
          stdio: ['ignore', 'pipe', 'inherit'],
        })
      : spawn(process.execPath, args, {
          cwd: ROOT,
          env: { ...process.env, SSO_BENCH_VALIDATE: JSON.stringify(config) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (REFERENCE_SECONDS * 4 + 90) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReferenceRow & { done?: boolean });
      if (code !== 0 || !lines.some((l) => l.done))
        fail(new Error(`the validation reference failed (exit ${code}): ${out.slice(-500)}`));
      else done(lines.filter((l) => !l.done));
    });
  });
}

// ── main ────────────────────────────────────────────────────────────────────

async function main() {
  if (!existsSync(join(PEERS, 'node_modules', '@boxyhq', 'saml-jackson', 'package.json'))) {
    throw new Error(
      'Jackson is not installed: run `npm install --prefix bench/peers` first (about 2 minutes).',
    );
  }
  const jacksonVersion = (
    JSON.parse(
      readFileSync(join(PEERS, 'node_modules', '@boxyhq', 'saml-jackson', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}`);
  if (PINNED)
    log(`servers pinned to CPU ${SERVER_CPU}; load generator and OpenID Provider to CPU ${LOADGEN_CPU}`);
  else {
    log('taskset unavailable or one CPU only: nothing is pinned');
    notes.push('**Not pinned** (no taskset or a single CPU): figures are not per core.');
  }
  const snapshot = ssoSnapshot(SOURCE as 'head' | 'worktree');
  m.commit = snapshot.label;
  log(`server under test: ${snapshot.label}; Jackson ${jacksonVersion}`);
  const tmp = mkdtempSync(join(tmpdir(), 'portico-bench-sso-'));
  const emails = Array.from({ length: USERS }, (_, i) => `sso-${String(i).padStart(4, '0')}@${DOMAIN}`);
  let server: ServerProcess | undefined;
  let jackson: Service | undefined;
  let signSeconds = 0;
  let signed = 0;
  let minted = { portico: 0, jackson: 0, seconds: 0 };
  const profiles: { label: string; file: string }[] = [];
  let reference: ReferenceRow[] = [];
  try {
    const keys = await makeIdpKeys('idp.bench.example');
    const port = await freePort();
    const jacksonPort = await freePort();
    const idpPort = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const idpIssuer = `http://localhost:${idpPort}`;
    server = await startServer({
      serverSrc: snapshot.src,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        PORTICO_DATABASE_URL: `sqlite:${join(tmp, 'sso.db')}`,
        PORTICO_PUBLIC_URL: publicUrl,
        PORTICO_SECRET: randomBytes(32).toString('base64url'),
        PORTICO_API_KEY: API_KEY,
        PORTICO_CLIENT_ID: CLIENT_ID,
        PORTICO_REDIRECT_URIS: REDIRECT_URI,
        PORTICO_LOG_LEVEL: 'warn',
        PORTICO_RATE_LIMIT_CREDENTIALS: '100000000',
        PORTICO_RATE_LIMIT_API: '100000000',
        // The OpenID Provider is on loopback; IdP requests follow the webhook egress policy.
        PORTICO_WEBHOOK_ALLOW_LOOPBACK: '1',
      },
      nodeFlags: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(tmp, 'prof-portico')}`] : [],
    });
    services.push(server);
    if (PINNED) pin(server.pid, String(SERVER_CPU));
    log(`Portico pid ${server.pid} on ${server.url}`);
    const portico: Target = { label: 'Portico', url: server.url, cpu: server.cpuSeconds };
    const api = new Api(server.url, API_KEY);
    const org = await api.post<{ id: string }>('/organizations', {
      name: 'SSO Bench Org',
      domain_data: [{ domain: DOMAIN, state: 'verified' }],
    });
    const samlConn = await api.post<{
      id: string;
      state: string;
      saml: { sp_entity_id: string; acs_url: string };
    }>('/connections', {
      name: 'Bench Okta',
      organization_id: org.id,
      connection_type: 'OktaSAML',
      saml: {
        idp_entity_id: IDP_ENTITY_ID,
        idp_sso_url: IDP_SSO_URL,
        idp_certificates: [keys.cert],
        allow_idp_initiated: true,
      },
    });
    if (samlConn.state !== 'active') throw new Error(`the SAML connection is ${samlConn.state}`);
    const oidcConn = SCENARIOS.has('oidc')
      ? await api.post<{ id: string; state: string; oidc: { redirect_uri: string } }>('/connections', {
          name: 'Bench OIDC',
          organization_id: org.id,
          connection_type: 'GenericOIDC',
          oidc: { discovery_url: idpIssuer, client_id: OIDC_CLIENT.id, client_secret: OIDC_CLIENT.secret },
        })
      : undefined;
    const jacksonUrl = `http://127.0.0.1:${jacksonPort}`;
    if (oidcConn) {
      idp = await startService({
        name: 'oidc-provider',
        args: ['--import', 'tsx', join('bench', 'lib', 'sso-oidc-idp.ts')],
        cwd: ROOT,
        url: idpIssuer,
        env: {
          SSO_BENCH_IDP: JSON.stringify({
            port: idpPort,
            clients: [
              {
                client_id: OIDC_CLIENT.id,
                client_secret: OIDC_CLIENT.secret,
                redirect_uris: [oidcConn.oidc.redirect_uri],
              },
              {
                client_id: JACKSON_OIDC_CLIENT.id,
                client_secret: JACKSON_OIDC_CLIENT.secret,
                redirect_uris: [`${jacksonUrl}/api/oauth/oidc`],
              },
            ],
            emails,
          }),
        },
      });
      services.push(idp);
      if (PINNED) pin(idp.pid, String(LOADGEN_CPU));
      log(`oidc-provider pid ${idp.pid} at ${idpIssuer}`);
    }
    jackson = await startService({
      name: 'jackson',
      args: [
        ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(tmp, 'prof-jackson')}`] : []),
        join(PEERS, 'jackson-server.mjs'),
      ],
      cwd: PEERS,
      url: jacksonUrl,
      env: {
        DO_NOT_TRACK: '1',
        JACKSON_BENCH: JSON.stringify({
          port: jacksonPort,
          externalUrl: jacksonUrl,
          samlAudience: samlConn.saml.sp_entity_id,
          redirectUrl: REDIRECT_URI,
          saml: {
            metadataXml: idpMetadataXml({ entityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, der: keys.der }),
          },
          ...(oidcConn
            ? {
                oidc: {
                  discoveryUrl: idpIssuer,
                  clientId: JACKSON_OIDC_CLIENT.id,
                  clientSecret: JACKSON_OIDC_CLIENT.secret,
                },
              }
            : {}),
        }),
      },
    });
    services.push(jackson);
    if (PINNED) pin(jackson.pid, String(SERVER_CPU));
    log(`Jackson pid ${jackson.pid} on ${jacksonUrl}`);
    const peer: Target = { label: `Jackson ${jacksonVersion}`, url: jacksonUrl, cpu: jackson.cpuSeconds };
    const targets = [portico, peer];
    const lastRate = new Map<string, number>();

    // ── SAML ACS ──────────────────────────────────────────────────────────────
    if (SCENARIOS.has('saml')) {
      const responses = new ResponsePool({
        samlEntry: snapshot.samlEntry,
        run: randomBytes(3).toString('hex'),
        key: keys.key,
        cert: keys.cert,
        idpEntityId: IDP_ENTITY_ID,
        spEntityId: samlConn.saml.sp_entity_id,
        acsUrl: samlConn.saml.acs_url,
        emails,
        nowMs: Date.now(),
        validityMs: 2 * 3600 * 1000,
        sign: SIGN,
      });
      const paths = new Map<Target, string>([
        [portico, `/sso/saml/${samlConn.id}/acs`],
        [peer, '/api/oauth/saml'],
      ]);
      const cursors = new Map(targets.map((t) => [t, new Cursor(responses)]));
      const nextFor = (t: Target) => (): Item | null => {
        const body = cursors.get(t)!.take();
        return body === null ? null : { method: 'POST', path: paths.get(t)!, body };
      };
      const prepareFor = (t: Target) => async (seconds: number, rate: number) => {
        // Twice the best rate seen (a generous guess before any), never less than 300 a second.
        const need = cursors.get(t)!.next + Math.ceil(Math.max(rate * 2, 300) * seconds) + CONNECTIONS;
        if (responses.items.length < need) {
          const before = responses.items.length;
          await responses.ensure(need);
          log(`signed ${responses.items.length - before} SAML responses (pool ${responses.items.length})`);
        }
      };
      // Each server first sees one response per account (Portico provisions the users just in time).
      await responses.ensure(USERS);
      for (const t of targets) {
        const c = cursors.get(t)!;
        let ok = 0;
        const failed: string[] = [];
        await pool(emails, 4, async () => {
          const body = c.take()!;
          const res = await fetch(`${t.url}${paths.get(t)}`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            redirect: 'manual',
          });
          const text = await res.text();
          const loc = res.headers.get('location') ?? '';
          if (res.status === 302 && /[?&]code=/.test(loc)) ok++;
          else if (failed.length < 3)
            failed.push(`${res.status} ${decodeURIComponent(loc) || text.slice(0, 300)}`);
        });
        log(
          `saml ${t.label}: first sign-in of ${USERS} accounts: ${ok} ok${failed.length ? `; ${failed.join(' | ')}` : ''}`,
        );
        if (ok !== USERS) throw new Error(`${t.label} refused the benchmark's SAML responses: ${failed[0]}`);
      }
      // Replays: is an IdP-initiated response accepted twice?
      for (const t of targets) {
        const res = await fetch(`${t.url}${paths.get(t)}`, {
          method: 'POST',
          body: responses.bodies[0]!,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        });
        await res.arrayBuffer();
        const loc = res.headers.get('location') ?? '';
        const accepted = res.status === 302 && /[?&]code=/.test(loc) && !/[?&]error=/.test(loc);
        log(
          `saml ${t.label}: the same IdP-initiated response posted again is ${accepted ? 'ACCEPTED' : 'refused'}`,
        );
        notes.push(
          `${t.label}: an IdP-initiated SAML response posted a second time (same Response and Assertion ID, still valid) is ${accepted ? '**accepted again** (a new code is issued)' : 'refused'}.`,
        );
      }
      for (let round = 1; round <= ROUNDS; round++) {
        const order = round % 2 === 1 ? targets : [...targets].reverse();
        for (const t of order) await measure('saml', t, round, nextFor(t), prepareFor(t), lastRate);
      }
      signSeconds = responses.signSeconds;
      signed = responses.items.length;
      if (REFERENCE_SECONDS > 0) {
        const file = join(tmp, 'responses.json');
        writeFileSync(file, JSON.stringify(responses.items.slice(0, 500)));
        await quiet('validation reference', () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1e6;
        });
        log(`SAML validation alone, in-process on one CPU: ${REFERENCE_SECONDS} s per row`);
        reference = await validationReference({
          samlEntry: snapshot.samlEntry,
          peers: PEERS,
          responsesFile: file,
          cert: keys.cert,
          idpEntityId: IDP_ENTITY_ID,
          spEntityId: samlConn.saml.sp_entity_id,
          acsUrl: samlConn.saml.acs_url,
          seconds: REFERENCE_SECONDS,
        });
        for (const r of reference)
          log(`  ${r.name}: ${r.error ?? `${r.perSecond}/s (${r.msEach?.toFixed(2)} ms each)`}`);
      }
    }

    // ── OIDC callback ─────────────────────────────────────────────────────────
    if (oidcConn && idp) {
      const porticoStart = async (email: string, n: number) => {
        const u = new URL('/user_management/authorize', server!.url);
        u.search = new URLSearchParams({
          client_id: CLIENT_ID,
          redirect_uri: REDIRECT_URI,
          response_type: 'code',
          connection_id: oidcConn.id,
          login_hint: email,
          state: `bench-${n}`,
        }).toString();
        const res = await fetch(u, { redirect: 'manual' });
        await res.arrayBuffer();
        const loc = res.headers.get('location');
        if (res.status !== 302 || !loc?.startsWith(idpIssuer))
          throw new Error(`Portico authorize answered ${res.status} → ${loc}`);
        return loc;
      };
      const jacksonStart = async (email: string, n: number) => {
        const u = new URL('/api/oauth/authorize', jacksonUrl);
        u.search = new URLSearchParams({
          client_id: String(jackson!.hello.oidcClientId),
          redirect_uri: REDIRECT_URI,
          response_type: 'code',
          login_hint: email,
          state: `bench-${n}`,
        }).toString();
        const res = await fetch(u, { redirect: 'manual' });
        const text = await res.text();
        const loc = res.headers.get('location');
        if (res.status !== 302 || !loc?.startsWith(idpIssuer))
          throw new Error(`Jackson authorize answered ${res.status} → ${loc ?? text.slice(0, 300)}`);
        return loc;
      };
      const minters = new Map<Target, CallbackMinter>([
        [portico, new CallbackMinter(emails, porticoStart, oidcConn.oidc.redirect_uri)],
        [peer, new CallbackMinter(emails, jacksonStart, `${jacksonUrl}/api/oauth/oidc`)],
      ]);
      const cursors = new Map(targets.map((t) => [t, 0]));
      const nextFor = (t: Target) => (): Item | null => {
        const i = cursors.get(t)!;
        const path = minters.get(t)!.items[i];
        if (path === undefined) return null;
        cursors.set(t, i + 1);
        return { method: 'GET', path };
      };
      const prepareFor = (t: Target) => async (seconds: number, rate: number) => {
        const need = cursors.get(t)! + Math.ceil(Math.max(rate * 2.5, 800) * seconds) + CONNECTIONS;
        const mm = minters.get(t)!;
        if (mm.items.length < need) {
          const before = mm.items.length;
          const t0 = performance.now();
          await mm.ensure(need);
          log(
            `oidc ${t.label}: minted ${mm.items.length - before} callbacks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
        }
      };
      // First sign-in of every account at the IdP (login and consent forms), and for Portico the
      // first SSO sign-in (JIT provisioning): replay one callback per account.
      for (const t of targets) {
        const mm = minters.get(t)!;
        const t0 = performance.now();
        await mm.ensure(USERS, 8);
        log(
          `oidc ${t.label}: ${USERS} accounts signed in at the IdP in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
        let ok = 0;
        const failed: string[] = [];
        await pool(emails, 4, async () => {
          const item = nextFor(t)()!;
          const res = await fetch(`${t.url}${item.path}`, { redirect: 'manual' });
          const text = await res.text();
          const loc = res.headers.get('location') ?? '';
          if (res.status === 302 && /[?&]code=/.test(loc)) ok++;
          else if (failed.length < 3)
            failed.push(`${res.status} ${decodeURIComponent(loc) || text.slice(0, 300)}`);
        });
        log(
          `oidc ${t.label}: first callbacks: ${ok}/${USERS} ok${failed.length ? `; ${failed.join(' | ')}` : ''}`,
        );
        if (ok !== USERS) throw new Error(`${t.label} refused the benchmark's OIDC callbacks: ${failed[0]}`);
      }
      for (let round = 1; round <= ROUNDS; round++) {
        const order = round % 2 === 1 ? targets : [...targets].reverse();
        for (const t of order) await measure('oidc', t, round, nextFor(t), prepareFor(t), lastRate);
      }
      minted = {
        portico: minters.get(portico)!.items.length,
        jackson: minters.get(peer)!.items.length,
        seconds: minters.get(portico)!.mintSeconds + minters.get(peer)!.mintSeconds,
      };
    }
    const warnings = server.warnings.length;
    if (warnings) {
      mkdirSync(join(ROOT, 'bench', '.logs'), { recursive: true });
      const f = join(ROOT, 'bench', '.logs', `sso-${Date.now()}.log`);
      writeFileSync(f, server.warnings.join('\n'));
      notes.push(`Portico logged ${warnings} lines at warn level or above (saved under bench/.logs/).`);
    }
  } finally {
    await new Promise((r) => setTimeout(r, 1_000));
    for (const s of [...services].reverse()) await s.stop().catch(() => {});
    if (PROFILE) {
      const out = join(ROOT, 'bench', '.profiles');
      mkdirSync(out, { recursive: true });
      for (const [who, label] of [
        ['portico', 'Portico'],
        ['jackson', `Jackson ${jacksonVersion}`],
      ] as const) {
        const dir = join(tmp, `prof-${who}`);
        const f = existsSync(dir) ? readdirSync(dir).find((x) => x.endsWith('.cpuprofile')) : undefined;
        if (!f) {
          log(`no CPU profile from ${label}`);
          continue;
        }
        const dest = join(out, `sso-${who}-${f}`);
        copyFileSync(join(dir, f), dest);
        profiles.push({ label, file: dest });
        writeFileSync(`${dest}.windows.json`, JSON.stringify(windows.get(label) ?? []));
      }
    }
    rmSync(tmp, { recursive: true, force: true });
    snapshot.cleanup();
  }

  // ── report ────────────────────────────────────────────────────────────────
  const mean = (scenario: string, prefix: string, of: (r: Row) => number = (r) => r.perSecond) => {
    const r = rows.filter((x) => x.scenario === scenario && x.target.startsWith(prefix));
    return r.length ? r.reduce((a, x) => a + of(x), 0) / r.length : Number.NaN;
  };
  const perCpu = (r: Row) => r.perSecond / r.serverCores;
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const f2 = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(2));
  const table = [
    '| Scenario | Server | Round | Conns | Codes issued | **codes/s** | per server CPU-second | p50 ms | p99 ms | failed | server CPU | other on its core | IdP CPU | load-gen CPU |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.scenario === 'saml' ? 'SAML ACS' : 'OIDC callback'} | ${r.target} | ${r.round} | ${r.connections} | ${n(r.successes)} | **${n(r.perSecond)}** | ${n(r.perSecond / r.serverCores)} | ${r.p50} | ${r.p99} | ${n(r.requests - r.successes + r.errors)} | ${f2(r.serverCores)} | ${f2(r.otherOnServerCore)} | ${r.scenario === 'oidc' ? f2(r.idpCores) : '–'} | ${f2(r.loadgenCores)} |`,
    ),
  ];
  const targetLines: string[] = [];
  for (const s of ['saml', 'oidc'] as const) {
    const p = mean(s, 'Portico');
    const j = mean(s, 'Jackson');
    if (Number.isNaN(p) || Number.isNaN(j)) continue;
    const ratio = p / j;
    const cpuRatio = mean(s, 'Portico', perCpu) / mean(s, 'Jackson', perCpu);
    targetLines.push(
      `| ${s === 'saml' ? 'SAML ACS' : 'OIDC callback'}: Portico ≥ 2 × Jackson on one core | ${n(p)}/s vs ${n(j)}/s = **${ratio.toFixed(2)} ×** (per server CPU-second: ${cpuRatio.toFixed(2)} ×) | ${ratio >= 2 ? 'yes' : '**no**'} |`,
    );
  }
  for (const r of rows.filter((x) => x.scenario === 'oidc' && x.idpCores + x.loadgenCores > 0.9))
    notes.push(
      `OIDC ${r.target}, round ${r.round}: the OpenID Provider and the load generator used ${(r.idpCores + r.loadgenCores).toFixed(2)} of their CPU, so that figure may be capped by the IdP side; the per-CPU-second column is the fairer comparison there.`,
    );
  const disturbed = rows.filter((r) => r.otherOnServerCore > 0.1);
  if (disturbed.length)
    notes.push(
      `Other processes on the machine used the server's CPU during ${disturbed.map((r) => `${r.scenario === 'saml' ? 'SAML' : 'OIDC'} ${r.target} round ${r.round} (${r.otherOnServerCore.toFixed(2)})`).join(', ')}, even in the less disturbed of two attempts: those figures are low, the per-CPU-second column less so.`,
    );
  if (rows.some((r) => r.ranDry))
    notes.push('A pool ran dry in at least one phase: that figure is a lower bound.');
  notes.push(
    'Not like for like in two ways, both in Jackson’s favour: its store is in memory (Portico writes a trace row, the JIT user and membership, the code and an event to SQLite per sign-in), and it checks less (no Destination, Recipient or SubjectConfirmation checks; audience by prefix).',
  );
  if (signed)
    notes.push(
      `${n(signed)} SAML responses signed for the run (${SIGN} signed, RSA-SHA256, ${(signSeconds).toFixed(0)} s in worker threads); each server received the same ones in the same order.`,
    );
  if (minted.portico)
    notes.push(
      `${n(minted.portico)} Portico and ${n(minted.jackson)} Jackson OIDC callbacks minted by real sign-ins (${minted.seconds.toFixed(0)} s).`,
    );
  const section = [
    `## ${m.date} — SSO: SAML ACS and OIDC callback, Portico beside Jackson`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server: ${m.commit}; SQLite (temporary file). Peer: @boxyhq/saml-jackson ${jacksonVersion} (bench/peers, in-memory store, HTTP wrapper bench/peers/jackson-server.mjs).`,
    `Command: \`npm run bench:sso${argv.length ? ` -- ${argv.join(' ')}` : ''}\`. ${PINNED ? `Each server pinned to CPU ${SERVER_CPU} (taskset, all threads); autocannon and the OpenID Provider on CPU ${LOADGEN_CPU}.` : 'Not pinned.'} ${CONNECTIONS} connections, ${WARMUP} s warm-up (first round), ${DURATION} s measured, ${ROUNDS} round(s) alternating the order. A success is a 302 whose Location carries \`code=\`; "other on its core" is CPU that anything else used on the server's CPU.`,
    '',
    ...table,
    '',
    ...(reference.length
      ? [
          `SAML validation alone (no HTTP, no database), one process pinned to CPU ${PINNED ? SERVER_CPU : '(none)'}, over the first ${Math.min(500, signed)} of the same responses, ${REFERENCE_SECONDS} s each:`,
          '',
          '| Validation only | responses/s | ms each |',
          '| --- | ---: | ---: |',
          ...reference.map((r) =>
            r.error
              ? `| ${r.name} | failed: ${r.error.slice(0, 120)} | – |`
              : `| ${r.name} | ${n(r.perSecond ?? 0)} | ${r.msEach?.toFixed(2)} |`,
          ),
          '',
        ]
      : []),
    '| Target | Measured (mean of rounds) | Met |',
    '| --- | --- | --- |',
    ...targetLines,
    '',
    ...notes.map((x) => `- ${x}`),
    '',
  ].join('\n');
  console.log(`\n${section}`);
  for (const p of profiles) {
    console.log(`\n### CPU profile: ${p.label} (${p.file}), measured phases only\n`);
    console.log(summariseProfile(p.file, 40, windows.get(p.label) ?? []));
  }
  if (WRITE) {
    appendResults(join(ROOT, 'bench', 'RESULTS.md'), section);
    log('appended to bench/RESULTS.md');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    for (const s of services) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {}
    }
    process.exit(1);
  },
);
