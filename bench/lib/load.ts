/**
 * One autocannon run against 127.0.0.1, bounded in time, summarised into the figures RESULTS.md
 * reports. Also measures how much CPU the server process and this (load generator) process used
 * during the run, since both share the same cores.
 */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** CPU seconds all cores have spent busy since boot (/proc/stat; NaN when unavailable). */
export function systemBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const v = fields.map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    return (total - idle) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used by the live processes whose command line contains `needle` (the PostgreSQL
 * backends serving the benchmark's database show its name in their process title).
 */
export function processesCpuSeconds(needle: string): number {
  let sum = 0;
  let names: string[] = [];
  try {
    names = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return Number.NaN;
  }
  for (const pid of names) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(rest[11]) + Number(rest[12])) / 100;
    } catch {}
  }
  return sum;
}

/**
 * Waits (bounded) until processes other than ours use less than `maxCores` of CPU, so a
 * concurrent job on the machine does not distort a phase. Returns the last measured figure.
 */
export async function waitForQuiet(ownCpuSeconds: () => number, maxCores = 0.25, maxWaitSeconds = 90) {
  let other = Number.NaN;
  for (let i = 0; i < maxWaitSeconds; i++) {
    const b0 = systemBusySeconds();
    const o0 = ownCpuSeconds();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const wall = (performance.now() - t0) / 1000;
    other = (systemBusySeconds() - b0 - (ownCpuSeconds() - o0)) / wall;
    if (!(other > maxCores)) return other;
  }
  return other;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** Builds the body of each request; returning null stops that connection (the pool ran dry). */
  body?: () => string | null;
  /** Headers built per request (an Idempotency-Key, say), merged over `headers`. */
  headersFor?: () => Record<string, string>;
  /** Called with each response (status, body). */
  onResponse?: (status: number, body: string) => void;
}

export interface LoadResult {
  name: string;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Server CPU time used during the run, as a share of one core (1.0 = one core busy). */
  serverCores: number;
  /** Load-generator CPU time used during the run, as a share of one core. */
  loadgenCores: number;
  /** CPU used by the database server's processes for this run (PostgreSQL; NaN for SQLite). */
  dbCores: number;
  /** CPU used by every other process on the machine during the run (should be ~0). */
  otherCores: number;
  /** The first few non-2xx responses (status and start of the body). */
  failures: string[];
}

export async function runLoad(opts: {
  name: string;
  url: string;
  connections: number;
  durationSeconds: number;
  request: RequestSpec;
  serverCpuSeconds: () => number;
  /** CPU seconds of the database server's processes, when it is a separate server. */
  dbCpuSeconds?: () => number;
}): Promise<LoadResult> {
  const { request } = opts;
  const serverCpu0 = opts.serverCpuSeconds();
  const busy0 = systemBusySeconds();
  const db0 = opts.dbCpuSeconds?.() ?? Number.NaN;
  const selfCpu0 = process.cpuUsage();
  const wall0 = performance.now();

  // autocannon merges request objects with Object.assign, so leave hooks out rather than undefined.
  const spec: Record<string, unknown> = { method: request.method, path: request.path };
  if (request.headers) spec.headers = request.headers;
  if (request.body || request.headersFor) {
    const build = request.body;
    const headersFor = request.headersFor;
    spec.setupRequest = (req: Record<string, unknown>) => {
      const body = build ? build() : undefined;
      if (body === null) return null;
      const out: Record<string, unknown> = { ...req };
      if (body !== undefined) out.body = body;
      if (headersFor) out.headers = { ...(req.headers as Record<string, string>), ...headersFor() };
      return out;
    };
  }
  // Keep a few non-2xx responses so a failing scenario explains itself.
  const failures: string[] = [];
  const seen = request.onResponse;
  spec.onResponse = (status: number, body: string) => {
    if ((status < 200 || status > 299) && failures.length < 3)
      failures.push(`${status} ${body.slice(0, 300)}`);
    seen?.(status, body);
  };

  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.durationSeconds,
    timeout: 10,
    requests: [spec],
  });

  const wall = (performance.now() - wall0) / 1000;
  const self = process.cpuUsage(selfCpu0);
  const serverCpu = opts.serverCpuSeconds() - serverCpu0;
  const selfCpu = (self.user + self.system) / 1e6;
  const dbCpu = (opts.dbCpuSeconds?.() ?? Number.NaN) - db0;
  const otherCpu = systemBusySeconds() - busy0 - serverCpu - selfCpu - (Number.isNaN(dbCpu) ? 0 : dbCpu);
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = (v as { count: number }).count;
  }
  const requests = result.requests.total;
  return {
    name: opts.name,
    connections: opts.connections,
    seconds: result.duration,
    requests,
    perSecond: Math.round(requests / result.duration),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    serverCores: Number((serverCpu / wall).toFixed(2)),
    loadgenCores: Number((selfCpu / wall).toFixed(2)),
    dbCores: Number.isNaN(dbCpu) ? Number.NaN : Number((dbCpu / wall).toFixed(2)),
    otherCores: Number(Math.max(0, otherCpu / wall).toFixed(2)),
    failures,
  };
}
