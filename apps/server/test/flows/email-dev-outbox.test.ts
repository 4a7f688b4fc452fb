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
