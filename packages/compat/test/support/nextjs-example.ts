/**
 * examples/authkit-nextjs for the tests: installed (`npm ci` into the example, its own lockfile)
 * and built (`next build`) when missing or out of date, then started with `next start` on a free
 * port. Install and build happen once per change of the example, not once per run: a stamp (a hash
 * of the lockfile, and of the lockfile plus the sources for the build) says whether they are current.
 * Both browser projects (SQLite, PostgreSQL) may get here at once, so install and build hold a lock
 * (a directory, created atomically). The built app reads Portico's address, the credentials and the
 * redirect URI from the environment when it starts, so one build serves every run and port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'authkit-nextjs');
const LOCK = join(EXAMPLE_DIR, '.portico-setup.lock');
const INSTALL_STAMP = join(EXAMPLE_DIR, 'node_modules', '.portico-install-stamp');
const BUILD_STAMP = join(EXAMPLE_DIR, '.next', 'portico-build-stamp');

/** Thrown when the example cannot be installed because the npm registry cannot be reached. */
export class RegistryUnreachable extends Error {}

const NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|socket hang up/i;

function hash(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(EXAMPLE_DIR, f)))
      .update('\0');
  return h.digest('hex');
}

function sources(dir = EXAMPLE_DIR, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (['node_modules', '.next', 'next-env.d.ts'].includes(e.name) || e.name.startsWith('.portico'))
      continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...sources(join(dir, e.name), rel));
    else if (/\.(tsx?|mjs|json)$/.test(e.name)) out.push(rel);
  }
  return out;
}

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim() : null);

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a process that died is taken over.
      const pid = Number(read(join(LOCK, 'pid')));
      let alive = true;
      try {
        if (pid) process.kill(pid, 0);
      } catch {
        alive = false;
      }
      const age = Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs;
      if ((!alive || (!pid && age > 5_000)) && existsSync(LOCK))
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`examples/authkit-nextjs: ${LOCK} held for 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Runs a command in the example, without blocking this process (vitest's workers must keep
 * answering while `npm ci` or `next build` runs); resolves with its output, or rejects with the
 * last lines of it.
 */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${cmd}: ${err.message}`), { output: out }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise(out);
      const tail = out.trim().split('\n').slice(-25).join('\n');
      reject(
        Object.assign(new Error(`${[cmd, ...args].join(' ')} failed (exit ${code}):\n${tail}`), {
          output: out,
        }),
      );
    });
  });
}

/** Installs and builds the example if needed; returns what was done and how long it took. */
export async function ensureExample(): Promise<{ installed: boolean; built: boolean; ms: number }> {
  const started = Date.now();
  return withLock(async () => {
    let installed = false;
    let built = false;
    const lockHash = hash(['package-lock.json']);
    if (read(INSTALL_STAMP) !== lockHash) {
      try {
        await run('npm', ['ci', '--no-audit', '--no-fund', '--include=dev']);
      } catch (err) {
        const output = String((err as { output?: string }).output ?? '');
        if (NETWORK.test(output)) throw new RegistryUnreachable((err as Error).message);
        throw err;
      }
      writeFileSync(INSTALL_STAMP, `${lockHash}\n`);
      installed = true;
    }
    const buildHash = hash(sources());
    if (installed || read(BUILD_STAMP) !== buildHash || !existsSync(join(EXAMPLE_DIR, '.next', 'BUILD_ID'))) {
      await run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { NODE_ENV: 'production' });
      writeFileSync(BUILD_STAMP, `${buildHash}\n`);
      built = true;
    }
    return { installed, built, ms: Date.now() - started };
  });
}

export interface RunningExample {
  url: string;
  /** What `next start` printed (for failure messages). */
  output(): string;
  close(): Promise<void>;
}

/** `next start` on `port` with the environment the README of the example lists. */
export async function startExample(port: number, env: Record<string, string>): Promise<RunningExample> {
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${out}`);
    try {
      // The favicon is outside the middleware's matcher: it answers without touching Portico.
      const res = await fetch(`${url}/favicon.ico`);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`next start did not answer within 60 s:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    output: () => out,
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
