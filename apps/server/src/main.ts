/**
 * The `portico` command (`portico help` lists them; cli/help.ts).
 *
 * - `start` (what `npm start` runs) is the only command that bootstraps: it migrates, creates the
 *   first environment and the first dashboard admin on an empty database and prints their
 *   credentials once (app.ts `startPortico`), then serves until SIGTERM/SIGINT (then drains and
 *   closes).
 * - `worker` migrates, delivers webhooks and emails and builds audit log exports; it needs no environment and creates nothing.
 * - `migrate` applies pending migrations.
 * - The database commands (cli/database-commands.ts) migrate, find the environment and do one
 *   thing: no boot path, so they cannot disturb a running server.
 * - `scim-sim` is a SCIM client and opens no database.
 */

import { serve } from '@hono/node-server';
import { buildApp, createLogger, startPortico } from './app.ts';
import { printAdmin, printWelcome } from './cli/banners.ts';
import { DATABASE_COMMANDS, runDatabaseCommand } from './cli/database-commands.ts';
import { HELP } from './cli/help.ts';
import { ConfigError, loadConfig } from './config.ts';
import { AuditExportWorker } from './jobs/audit-export-worker.ts';
import { AuditStreamWorker } from './jobs/audit-stream-worker.ts';
import { EmailWorker } from './jobs/email-worker.ts';
import { startSweeper } from './jobs/sweep.ts';
import { WebhookWorker } from './jobs/webhook-worker.ts';
import { type DatabaseHandle, migrate, openDatabase } from './platform/db.ts';
import { AppError } from './platform/errors.ts';

type Log = ReturnType<typeof createLogger>;

async function main(argv: string[]): Promise<number | null> {
  const [command = 'start', sub, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return 0;
  }
  if (command === 'scim-sim') {
    // A SCIM client: it talks to any endpoint and needs no local database or configuration.
    const { runScimSim } = await import('./cli/scim-sim.ts');
    return runScimSim([sub, ...rest].filter((a): a is string => a !== undefined));
  }
  if (
    command !== 'start' &&
    command !== 'worker' &&
    command !== 'migrate' &&
    !DATABASE_COMMANDS.includes(command)
  ) {
    console.error(`Unknown command '${command}'.\n\n${HELP}`);
    return 2;
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  for (const w of config.warnings) log.warn(w);
  const database = openDatabase(config.databaseUrl, {
    onIdleError: (err) =>
      log.warn({ err: err.message }, 'database connection dropped; reconnecting on next query'),
  });

  if (command === 'start') return start(config, database, log);
  if (command === 'worker') return worker(config, database, log);
  try {
    if (command === 'migrate') {
      const applied = await migrate(database);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      return 0;
    }
    return await runDatabaseCommand(command, sub, rest, { config, database, log });
  } finally {
    await database.close();
  }
}

/** `portico start`: boot (migrate, bootstrap), print what was created, serve until a signal. */
async function start(config: ReturnType<typeof loadConfig>, database: DatabaseHandle, log: Log) {
  const { portico, bootstrap, adminBootstrap, migrated } = await startPortico({
    config,
    database,
    logger: log,
  });
  if (migrated.length) log.info({ migrations: migrated }, 'migrations applied');
  const server = serve({ fetch: portico.app.fetch, port: config.port, hostname: config.host }, (info) => {
    const url = config.publicUrl;
    log.info(
      { port: info.port, host: config.host, publicUrl: url, database: database.dialect },
      'Portico is listening',
    );
    if (bootstrap.created) printWelcome(url, bootstrap.clientId, bootstrap.apiKey);
    if (adminBootstrap.created) printAdmin(url, adminBootstrap.email, adminBootstrap.password);
  });
  const stopSweeper = startSweeper(
    portico.deps,
    portico.services.events,
    portico.services.connections,
    portico.services.auditLogs,
  );
  const worker = config.worker === 'in-process' ? new WebhookWorker(portico.deps) : null;
  worker?.start();
  const emailWorker = config.worker === 'in-process' ? new EmailWorker(portico.deps) : null;
  emailWorker?.start();
  const exportWorker =
    config.worker === 'in-process'
      ? new AuditExportWorker(portico.deps, portico.services.auditExports, portico.services.platformAudit)
      : null;
  exportWorker?.start();
  const streamWorker = config.worker === 'in-process' ? new AuditStreamWorker(portico.deps) : null;
  streamWorker?.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining connections');
    stopSweeper();
    const force = setTimeout(() => {
      log.warn('connections did not drain in 10 s: closing anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close(async () => {
      // Handlers whose client already left may still be running: let them finish first.
      for (let i = 0; i < 100 && portico.inFlight() > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await worker?.stop();
      await emailWorker?.stop();
      await exportWorker?.stop();
      await streamWorker?.stop();
      await database.close();
      log.info('stopped');
      process.exit(0);
    });
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return null;
}

/**
 * `portico worker`: webhook and email delivery and sweeps for every environment. It migrates (it may start
 * before any server) but bootstraps nothing: the first environment and its credentials are
 * `portico start`'s to create and print.
 */
async function worker(config: ReturnType<typeof loadConfig>, database: DatabaseHandle, log: Log) {
  const migrated = await migrate(database);
  if (migrated.length) log.info({ migrations: migrated }, 'migrations applied');
  const portico = buildApp({ config, database, logger: log });
  const w = new WebhookWorker(portico.deps);
  w.start();
  const mail = new EmailWorker(portico.deps);
  mail.start();
  const exportWorker = new AuditExportWorker(
    portico.deps,
    portico.services.auditExports,
    portico.services.platformAudit,
  );
  exportWorker.start();
  const streamWorker = new AuditStreamWorker(portico.deps);
  streamWorker.start();
  const stopSweeper = startSweeper(
    portico.deps,
    portico.services.events,
    portico.services.connections,
    portico.services.auditLogs,
  );
  log.info({ worker: w.id }, 'webhook worker started');
  log.info({ worker: mail.id, delivery: mail.enabled ? 'smtp' : 'dev outbox' }, 'email worker started');
  const stop = async (signal: string) => {
    log.info({ signal }, 'worker stopping: finishing attempts in flight');
    stopSweeper();
    await w.stop();
    await mail.stop();
    await exportWorker.stop();
    await streamWorker.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return null;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof AppError) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
