/**
 * Without PORTICO_SMTP_URL: an email is kept in the database as `dev_outbox` (still sealed),
 * printed to the log with its code in development, and never with it in production (a warning
 * says nothing was sent); the worker has nothing to send. Runs on SQLite and PostgreSQL.
 */
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, createLogger } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { EmailWorker } from '../../src/jobs/email-worker.ts';
import { migrate, openDatabase } from '../../src/platform/db.ts';
import { freshDatabaseUrl } from '../harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function server(env: Record<string, string>) {
  const db = await freshDatabaseUrl();
  const database = openDatabase(db.url, { poolSize: 3 });
  cleanups.push(async () => {
    await database.close();
    await db.drop();
  });
  await migrate(database);
  let log = '';
  const sinkStream = new Writable({
    write(chunk, _enc, cb) {
      log += chunk;
      cb();
    },
  });
  const config = loadConfig({
    PORTICO_DATABASE_URL: db.url,
    PORTICO_SECRET: 'dev-outbox-secret-dev-outbox-secret-0000',
    PORTICO_PUBLIC_URL: 'https://auth.example.com',
    ...env,
  });
  const portico = buildApp({ config, database, logger: createLogger('info', sinkStream) });
  const { environmentId } = await portico.services.environments.bootstrap();
  return { portico, environmentId, log: () => log };
}

describe('the dev outbox', () => {
  it('keeps the email, sealed, and prints its code to the log in development', async () => {
    const s = await server({});
    const id = await s.portico.deps.db.transaction().execute((tx) =>
      s.portico.services.emails.enqueue(tx, {
        environmentId: s.environmentId,
        template: 'magic_auth',
        to: 'dev@example.com',
        data: { code: '864213', email: 'dev@example.com' },
      }),
    );
    const row = await s.portico.deps.db
      .selectFrom('emails')
      .selectAll()
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('dev_outbox');
    expect(JSON.stringify(row)).not.toContain('864213');
    expect(s.log()).toContain('864213');
    expect(s.log()).toContain('dev outbox: Your sign-in code for Development → dev@example.com');
    const page = await s.portico.services.emails.list(s.environmentId, { limit: 10 });
    expect(page.data[0]).toMatchObject({ id, status: 'dev_outbox' });
    expect(page.data[0]!.text).toContain('864213');
    // Nothing to send: the worker has no transport and claims nothing.
    const worker = new EmailWorker(s.portico.deps);
    expect(worker.enabled).toBe(false);
    expect(await worker.tick()).toBe(0);
    expect(
      (await s.portico.deps.db.selectFrom('emails').select('status').where('id', '=', id!).executeTakeFirst())
        ?.status,
    ).toBe('dev_outbox');
  });

  it('never logs or lists the code in production, and warns that nothing was sent', async () => {
    const s = await server({ NODE_ENV: 'production' });
    expect(s.portico.deps.config.warnings.join('\n')).toContain('PORTICO_SMTP_URL is not set in production');
    const id = await s.portico.services.emails.enqueue(s.portico.deps.db, {
      environmentId: s.environmentId,
      template: 'password_reset',
      to: 'prod@example.com',
      data: { url: 'https://app.example.com/reset?token=secret_reset_token', email: 'prod@example.com' },
    });
    expect(id).toMatch(/^email_/);
    expect(s.log()).toContain('email kept in the dev outbox');
    expect(s.log()).not.toContain('secret_reset_token');
    expect(s.log()).not.toContain('prod@example.com');
    const page = await s.portico.services.emails.list(s.environmentId, { limit: 10 });
    expect(page.data[0]).toMatchObject({ id, status: 'dev_outbox', to: 'prod@example.com' });
    expect(page.data[0]!.text).toBeUndefined();
    expect(JSON.stringify(page)).not.toContain('secret_reset_token');
  });
});

describe('email configuration', () => {
  const base = {
    PORTICO_DATABASE_URL: 'sqlite::memory:',
    PORTICO_SECRET: 'config-secret-config-secret-config-00',
  };
  it('refuses an SMTP URL or From it cannot use, saying what to write', () => {
    for (const url of ['http://mail.example.com', 'smtp://', 'mail.example.com:587', 'smtp://:pass@host']) {
      expect(() => loadConfig({ ...base, PORTICO_SMTP_URL: url }), url).toThrow(
        /PORTICO_SMTP_URL: must be smtp:\/\/user:password@host:port or smtps:\/\/user:password@host:port/,
      );
    }
    for (const from of ['not an address', 'A <a@b.test>\nBcc: c@d.test', 'a@b.test, c@d.test']) {
      expect(() => loadConfig({ ...base, PORTICO_EMAIL_FROM: from }), from).toThrow(
        /PORTICO_EMAIL_FROM: must be an address/,
      );
    }
    expect(() => loadConfig({ ...base, PORTICO_EMAIL_SCHEDULE: '10s,soon' })).toThrow(
      /PORTICO_EMAIL_SCHEDULE: 'soon' is not a duration/,
    );
  });
  it('accepts smtp:// and smtps:// with or without credentials, and defaults the From', () => {
    const c = loadConfig({ ...base, PORTICO_SMTP_URL: 'smtps://u%40x:p%2Fw@smtp.example.com:465' });
    expect(c.email).toEqual({
      smtpUrl: 'smtps://u%40x:p%2Fw@smtp.example.com:465',
      from: 'Portico <no-reply@localhost>',
      scheduleMs: [10_000, 60_000, 300_000, 1_800_000, 7_200_000],
      timeoutMs: 30_000,
    });
    expect(loadConfig({ ...base, PORTICO_SMTP_URL: 'smtp://127.0.0.1:1025' }).email.smtpUrl).toBe(
      'smtp://127.0.0.1:1025',
    );
    expect(loadConfig({ ...base, PORTICO_SMTP_URL: '' }).email.smtpUrl).toBeNull();
  });
});
