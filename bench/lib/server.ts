/**
 * Starts the real server (`portico start`) as a child process on 127.0.0.1 and a free port, waits for
 * GET /health, and stops it with SIGTERM (SIGKILL after a bounded wait). Also samples the child's
 * CPU time from /proc so each scenario can report how busy the server was.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Log lines the server printed at warn level or above (reuse detection, errors). */
  warnings: string[];
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Absolute path of the `apps/server/src` folder to run (a snapshot of HEAD or the working tree). */
  serverSrc: string;
  /** Extra node flags for the child (after `--import tsx`), for example --cpu-prof or a preload. */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
}

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat reports utime and stime in these ticks.

function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return (utime + stime) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const port = Number(opts.env.PORT);
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', ...(opts.nodeFlags ?? []), join(opts.serverSrc, 'main.ts'), 'start'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...opts.env,
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tail: string[] = [];
  const warnings: string[] = [];
  const onLine = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    // pino: 40 = warn, 50 = error, 60 = fatal. Plain (non-JSON) stderr counts too.
    const level = /"level":(\d+)/.exec(line)?.[1];
    if ((level && Number(level) >= 40) || (!level && !line.startsWith('{') && line.includes('rror'))) {
      if (warnings.length < 1000) warnings.push(line.slice(0, 4000));
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      done(exitCode);
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let ready = false;
  for (
    let attempt = 0;
    attempt < 1000 && !ready && exitCode === undefined && Date.now() < deadline;
    attempt++
  ) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      ready = res.ok;
    } catch {}
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) {
    if (exitCode === undefined) child.kill('SIGKILL');
    throw new Error(`the server did not become healthy:\n${tail.join('\n')}`);
  }

  const pid = child.pid!;
  return {
    url,
    port,
    pid,
    warnings,
    cpuSeconds: () => procCpuSeconds(pid),
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * A snapshot of the committed server (`git archive HEAD apps/server`) inside bench/.snapshot, so
 * node_modules resolves as for apps/server and the figures belong to a commit even while the
 * working tree is being edited.
 */
export function headSnapshot(): { src: string; label: string; cleanup(): void } {
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = resolve(ROOT, 'bench', '.snapshot', `${sha}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD', 'apps/server'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return {
    src: join(dir, 'apps', 'server', 'src'),
    label: `commit ${sha} (snapshot of HEAD)`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** fetch, again (up to 3 times) if the server closed idle kept-alive sockets while the bench was busy (seeding). */
export async function call(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}
