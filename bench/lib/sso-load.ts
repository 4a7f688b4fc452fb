/**
 * Load, CPU pinning and CPU accounting for bench/sso.ts.
 *
 * - `pin` puts every thread of a process (and the threads it starts later) on one CPU with
 *   `taskset -a -p -c`, so "per second on one core" means what it says: the server under test gets
 *   core 1, the load generator and the OpenID Provider core 0.
 * - `runSsoLoad` is one autocannon run in which every request takes a single-use item (a SAML
 *   response, an OIDC callback) from a source; only a 302 whose Location carries `code=` counts
 *   as a success (the ACS and the callback answer 302 for failures too, with `error=`).
 * - CPU: the server's own (from /proc/<pid>/stat, all threads), the load generator's, the IdP's,
 *   and whatever else ran on the server's core meanwhile (from /proc/stat's per-CPU line).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { systemBusySeconds } from './load.ts';

export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) >= 2;
  } catch {
    return false;
  }
}

/** Every current thread of `pid` on `cpus` (a taskset list such as "1" or "0-1"). */
export function pin(pid: number, cpus: string) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Seconds one CPU has been busy since boot (/proc/stat `cpuN` line). */
export function coreBusySeconds(core: number): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    if (!line) return Number.NaN;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    return (v.reduce((a, b) => a + b, 0) - (v[3] ?? 0) - (v[4] ?? 0)) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface Service {
  pid: number;
  url: string;
  /** The first JSON line the process printed. */
  hello: Record<string, unknown>;
  output: string[];
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts a helper process that prints one JSON line when it is ready. */
export async function startService(o: {
  name: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  url: string;
  readyTimeoutMs?: number;
}): Promise<Service> {
  const child: ChildProcess = spawn(process.execPath, o.args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (output.length < 200) output.push(d.slice(0, 2000));
  });
  const hello = await new Promise<Record<string, unknown>>((done, fail) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${o.name} did not start: ${output.join('').slice(-1500)}`));
    }, o.readyTimeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        done(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      } catch {
        fail(new Error(`${o.name} printed ${buf.slice(0, 300)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${o.name} exited (${code}): ${output.join('').slice(-1500)}`));
    });
  });
  const pid = child.pid!;
  return {
    pid,
    url: o.url,
    hello,
    output,
    cpuSeconds: () => procCpuSeconds(pid),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
    },
  };
}

export interface SsoLoadResult {
  name: string;
  connections: number;
  seconds: number;
  /** Responses received. */
  requests: number;
  /** 302 with `code=` in the Location. */
  successes: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  /** Source ran dry before the end (the figure is then a lower bound). */
  ranDry: boolean;
  statusCodes: Record<string, number>;
  failures: string[];
  serverCores: number;
  loadgenCores: number;
  idpCores: number;
  /** CPU used on the server's core by anything but the server. */
  otherOnServerCore: number;
  /** CPU used on the whole machine by processes that are not part of the run. */
  otherCores: number;
}

export interface Item {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export async function runSsoLoad(o: {
  name: string;
  url: string;
  connections: number;
  durationSeconds: number;
  next: () => Item | null;
  serverCpu: () => number;
  idpCpu?: () => number;
  serverCore: number | null;
}): Promise<SsoLoadResult> {
  let ranDry = false;
  let successes = 0;
  const failures: string[] = [];
  const server0 = o.serverCpu();
  const idp0 = o.idpCpu?.() ?? 0;
  const core0 = o.serverCore === null ? Number.NaN : coreBusySeconds(o.serverCore);
  const busy0 = systemBusySeconds();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    pipelining: 1,
    duration: o.durationSeconds,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        path: '/',
        setupRequest: (req: Record<string, unknown>) => {
          // autocannon stops the whole run (by throwing) when the only request cannot be built, so a
          // dry source sends a cheap request that cannot succeed; ranDry marks the figure.
          let item = o.next();
          if (!item) {
            ranDry = true;
            item = { method: 'GET', path: '/__sso_bench_pool_empty' };
          }
          return item.body === undefined
            ? { ...req, method: item.method, path: item.path }
            : {
                ...req,
                method: item.method,
                path: item.path,
                body: item.body,
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
              };
        },
        onResponse: (status: number, body: string, _ctx: unknown, headers: Record<string, string>) => {
          const location = headers?.location ?? '';
          if (status === 302 && /[?&]code=/.test(location) && !/[?&]error=/.test(location)) successes++;
          else if (failures.length < 3)
            failures.push(
              `${status} ${location ? `→ ${decodeURIComponent(location).slice(0, 300)}` : body.slice(0, 300)}`,
            );
        },
      },
    ],
  } as Parameters<typeof autocannon>[0]);
  const wall = (performance.now() - wall0) / 1000;
  const self = process.cpuUsage(self0);
  const selfCpu = (self.user + self.system) / 1e6;
  const serverCpu = o.serverCpu() - server0;
  const idpCpu = (o.idpCpu?.() ?? 0) - idp0;
  const coreCpu = o.serverCore === null ? Number.NaN : coreBusySeconds(o.serverCore) - core0;
  const other = systemBusySeconds() - busy0 - serverCpu - selfCpu - idpCpu;
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = (v as { count: number }).count;
  const r2 = (v: number) => Number(v.toFixed(2));
  return {
    name: o.name,
    connections: o.connections,
    seconds: result.duration,
    requests: result.requests.total,
    successes,
    perSecond: Math.round(successes / result.duration),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    ranDry,
    statusCodes,
    failures,
    serverCores: r2(serverCpu / wall),
    loadgenCores: r2(selfCpu / wall),
    idpCores: r2(idpCpu / wall),
    otherOnServerCore: Number.isNaN(coreCpu) ? Number.NaN : r2(Math.max(0, coreCpu - serverCpu) / wall),
    otherCores: r2(Math.max(0, other) / wall),
  };
}
