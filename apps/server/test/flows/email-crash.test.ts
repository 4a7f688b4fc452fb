/**
 * Email delivery across crashes, with real `portico worker` processes (the built CLI) and a real
 * SMTP server, on SQLite (a shared file) and PostgreSQL:
 * - a worker killed (SIGKILL) during the SMTP transaction, before the server accepted the message:
 *   the email stays `sending` under its lease, a second worker sends it once the lease lapses,
 *   and the server holds exactly one copy;
 * - a worker killed once the server stored the message, before its 250 reached the worker (the
 *   documented window): the second worker
 *   sends it again, with the same Message-ID, so the copy is recognisable as the same message.
 * `portico start` with PORTICO_SMTP_URL sends from its in-process worker and stops cleanly.
 * Then `portico mail list` prints the emails (with the body in development only).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Portico } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/platform/db.ts';
import { dialect, freePort } from '../harness.ts';
import { porticoCli } from './support/cli.ts';
import { type Sink, startSmtpSink } from './support/smtp.ts';

const MAIN = join(resolve(import.meta.dirname, '../../../..'), 'apps/server/bin/portico.mjs');
const cli = porticoCli('portico-email-', 'email-test-secret-email-test-secret-00');

let sink: Sink;
let database: DatabaseHandle;
let portico: Portico;
let envId: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  const config = loadConfig({ ...cli.ctx.env, PORTICO_SMTP_URL: sink.url, PORTICO_LOG_LEVEL: 'silent' });
  database = openDatabase(config.databaseUrl, { poolSize: 3 });
  await migrate(database);
  portico = buildApp({ config, database });
  envId = (await portico.services.environments.bootstrap()).environmentId;
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await database.close();
  await sink.close();
});

function startWorker() {
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    cwd: cli.ctx.dir,
    env: {
      ...cli.ctx.env,
      PORTICO_SMTP_URL: sink.url,
      PORTICO_EMAIL_TIMEOUT: '1s',
      PORTICO_LOG_LEVEL: 'info',
    },
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    child.on('exit', (code, signal) => r(signal ?? code)),
  );
  return { child, exited, output: () => out };
}

const enqueue = (to: string, code: string) =>
  portico.services.emails.enqueue(portico.deps.db, {
    environmentId: envId,
    template: 'magic_auth',
    to,
    data: { code, email: to },
  });
const row = (id: string) =>
  portico.deps.db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
async function until(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`email delivery across worker crashes on ${dialect}`, () => {
  it('a worker killed before the server accepted: the next one sends it once, after the lease', async () => {
    const before = sink.messages.length;
    let first: ReturnType<typeof startWorker> | undefined;
    let killedAt = 0;
    sink.replies.push({
      kind: 'hook',
      run: () => {
        killedAt = Date.now();
        first!.child.kill('SIGKILL');
        return 'drop';
      },
    });
    const id = (await enqueue('crash1@example.com', '314159'))!;
    first = startWorker();
    expect(await first.exited).toBe('SIGKILL');
    const r = await row(id);
    expect(r).toMatchObject({ status: 'sending', attempts: 1, sent_at: null });
    expect(sink.messages.length).toBe(before);

    const second = startWorker();
    await until('the second worker to send it', async () => (await row(id)).status === 'sent');
    // Not before the first worker's lease lapsed (4 × PORTICO_EMAIL_TIMEOUT = 4 s).
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(3000);
    await new Promise((r) => setTimeout(r, 500));
    const copies = sink.messages.slice(before);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.text).toContain('314159');
    expect(copies[0]!.messageId).toBe(r.message_id);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, claimed_until: null });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a worker killed once the server had the message, before recording it: the resend carries the same Message-ID', async () => {
    const before = sink.messages.length;
    let first: ReturnType<typeof startWorker> | undefined;
    // The server stores the message, then the worker dies before the 250 reaches it.
    sink.replies.push({
      kind: 'hook',
      run: () => 'accept',
      after: async () => {
        first!.child.kill('SIGKILL');
        await first!.exited;
      },
    });
    const id = (await enqueue('crash2@example.com', '271828'))!;
    first = startWorker();
    expect(await first.exited).toBe('SIGKILL');
    // The window: accepted by the server, not yet recorded as sent.
    expect((await row(id)).status).toBe('sending');
    const second = startWorker();
    await until('the second worker to send it', async () => (await row(id)).status === 'sent');
    const copies = sink.messages.slice(before);
    expect(copies).toHaveLength(2);
    const { message_id } = await row(id);
    expect(copies.map((m) => m.messageId)).toEqual([message_id, message_id]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('portico start', () => {
  it('sends queued emails from its in-process worker and stops cleanly on SIGTERM', async () => {
    const before = sink.messages.length;
    const id = (await enqueue('start@example.com', '161803'))!;
    const saved = { ...cli.ctx.env };
    Object.assign(cli.ctx.env, { PORTICO_SMTP_URL: sink.url });
    try {
      const server = await cli.start(await freePort());
      children.push(server.child);
      await until('the in-process worker to send it', async () => (await row(id)).status === 'sent');
      expect(sink.messages.slice(before).map((m) => m.text?.includes('161803'))).toEqual([true]);
      // The log line may reach the pipe a moment after the row says sent.
      await until('the worker to log it', async () => server.output().includes('email sent'));
      expect(server.output()).not.toContain('161803');
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      cli.ctx.env = saved;
    }
  });
});

describe('portico mail list', () => {
  it('prints the newest emails with to, subject and status, and the code only in development', async () => {
    // A dev-outbox email too (queued by a server without PORTICO_SMTP_URL).
    const devConfig = loadConfig({ ...cli.ctx.env, PORTICO_LOG_LEVEL: 'silent' });
    const dev = buildApp({ config: devConfig, database });
    const id = await dev.services.emails.enqueue(dev.deps.db, {
      environmentId: envId,
      template: 'password_reset',
      to: 'outbox@example.com',
      data: { url: 'https://app.example.com/reset?token=tok_dev_1', email: 'outbox@example.com' },
    });
    expect((await row(id!)).status).toBe('dev_outbox');

    const { stdout } = await cli.run(['mail', 'list', '--limit', '5']);
    const lines = stdout.split('\n');
    const line = lines.find((l) => l.includes(id!))!;
    expect(line).toContain('dev_outbox');
    expect(line).toContain('outbox@example.com');
    expect(line).toContain('Reset your Development password');
    expect(stdout).toContain('Reset password: https://app.example.com/reset?token=tok_dev_1');
    expect(stdout).toContain('crash2@example.com');
    expect(stdout).toMatch(/ sent +crash2@example\.com/);
    expect(stdout.indexOf(id!)).toBeLessThan(stdout.indexOf('crash2@example.com'));

    const prod = await cli.run(['mail', 'list'], { NODE_ENV: 'production' });
    expect(prod.stdout).toContain(id!);
    expect(prod.stdout).toContain('Reset your Development password');
    expect(prod.stdout).not.toContain('tok_dev_1');
    expect(prod.stdout).not.toContain('271828');

    await expect(cli.run(['mail', 'list', '--limit', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a whole number from 1 to 100'),
    });
  });
});
