/**
 * Portico as its users run it: `npm start` from the root of a clean copy of the repository, as a
 * separate OS process group, on a fresh SQLite file or a fresh PostgreSQL database
 * (PORTICO_TEST_DIALECT picks). Nothing is configured but the port and the database; the API key,
 * client id and first dashboard admin are read from the banner the user reads. `cli` runs
 * `npm run portico -- …` in the same copy against the same database, as the README says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createPgDatabase } from '../../support/pg-database.ts';
import { userEnv } from './env.ts';

export const dialect = (process.env.PORTICO_TEST_DIALECT ?? 'sqlite') as 'sqlite' | 'postgres';

export const copyDir = () => inject('shippedCopy');

export interface Shipped {
  url: string;
  port: number;
  apiKey: string;
  clientId: string;
  admin: { email: string; password: string };
  databaseUrl: string;
  env: Record<string, string>;
  output(): string;
  /** `npm run portico -- <args>` in the same copy, with the same database and no PORT. */
  cli(args: string[], extra?: Record<string, string>): Promise<{ code: number | null; out: string }>;
  /** SIGTERM to the process group; resolves with Portico's exit code once the group is gone. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
    s.on('error', reject);
  });
}

/** A database nobody has used: a file in a scratch folder, or a new PostgreSQL database. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'portico-shipped-db-'));
    return {
      url: `sqlite:${join(dir, 'portico.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  return createPgDatabase('portico_shipped');
}

/** Runs a command in its own process group and collects its output. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      out += `\n[killed after ${opts.timeoutMs ?? 120_000} ms]`;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {}
}

/** The banner's credentials, read the way a user reads them. */
export function parseBanner(out: string) {
  const get = (re: RegExp) => re.exec(out)?.[1];
  return {
    apiKey: get(/WORKOS_API_KEY=(sk_test_\w+)/),
    clientId: get(/WORKOS_CLIENT_ID=(client_\w+)/),
    adminEmail: get(/email:\s+(\S+@\S+)/),
    adminPassword: get(/password:\s+(\S+)/),
  };
}

/**
 * `npm start` in the clean copy. `database: 'default'` leaves PORTICO_DATABASE_URL unset (the
 * README's embedded SQLite file in .portico/); only one test may do that per copy.
 */
export async function startShipped(
  opts: { env?: Record<string, string>; database?: 'fresh' | 'default'; cwd?: string } = {},
): Promise<Shipped> {
  const cwd = opts.cwd ?? copyDir();
  const port = await freePort();
  const db = opts.database === 'default' ? null : await freshDatabase();
  const env = userEnv({
    PORT: String(port),
    ...(db ? { PORTICO_DATABASE_URL: db.url } : {}),
    ...opts.env,
  });
  const child = spawn('npm', ['start'], { cwd, env, detached: true });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`npm start exited (${exitCode}) before serving:\n${out}`);
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error(`npm start did not answer /health within 90 s:\n${out}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok && out.includes('Portico is listening')) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 150));
  }
  // The banners follow the listening line on the same tick; give the pipe a moment.
  for (let i = 0; i < 20 && !/password:/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  const banner = parseBanner(out);
  if (!banner.apiKey && !opts.env?.PORTICO_API_KEY) throw new Error(`no API key in the banner:\n${out}`);
  return {
    url,
    port,
    apiKey: opts.env?.PORTICO_API_KEY ?? banner.apiKey!,
    clientId: banner.clientId ?? opts.env?.PORTICO_CLIENT_ID ?? '',
    admin: {
      email: banner.adminEmail ?? '',
      password: banner.adminPassword ?? opts.env?.PORTICO_ADMIN_PASSWORD ?? '',
    },
    databaseUrl: db?.url ?? 'sqlite:./.portico/portico.db',
    env,
    output: () => out,
    cli: (args, extra = {}) => {
      const { PORT: _port, ...rest } = env;
      return run('npm', ['run', '--silent', 'portico', '--', ...args], { cwd, env: { ...rest, ...extra } });
    },
    async stop() {
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      await db?.drop();
    },
  };
}
