/**
 * The `portico` command as a user runs it, for the CLI tests: a scratch folder and a fresh
 * database (SQLite file or PostgreSQL database) per test file, `run` for one-shot commands and
 * `start` for a real `portico start` that resolves once /health answers and the listening banner
 * is out. Registers its own beforeAll/afterAll.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freeDatabaseUrlForCli } from '../../harness.ts';

const execFileP = promisify(execFile);
const MAIN = join(resolve(import.meta.dirname, '../../../../..'), 'apps/server/bin/portico.mjs');

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function porticoCli(prefix: string, secret: string) {
  const ctx = { dir: '', env: {} as Record<string, string> };
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ctx.dir = mkdtempSync(join(tmpdir(), prefix));
    const db = await freeDatabaseUrlForCli(ctx.dir);
    drop = db.drop;
    ctx.env = {
      ...(process.env as Record<string, string>),
      PORTICO_DATABASE_URL: db.url,
      PORTICO_SECRET: secret,
      PORTICO_LOG_LEVEL: 'debug',
    };
  });
  afterAll(async () => {
    await drop();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  return {
    ctx,
    run(args: string[], extra: Record<string, string> = {}) {
      return execFileP(process.execPath, [MAIN, ...args], { cwd: ctx.dir, env: { ...ctx.env, ...extra } });
    },
    async start(port: number): Promise<Started> {
      const child = spawn(process.execPath, [MAIN, 'start'], {
        cwd: ctx.dir,
        env: { ...ctx.env, PORT: String(port), HOST: '127.0.0.1' },
      });
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      child.stderr!.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      for (let i = 0; i < 150; i++) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/health`)).ok && out.includes('Portico is listening')) {
            await new Promise((r) => setTimeout(r, 100));
            return { child, output: () => out, exited };
          }
        } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      throw new Error(`portico start did not become healthy:\n${out}`);
    },
  };
}
