/**
 * The `portico` command: start, migrate, api-keys, redirect-uris, keys. `npm start` runs
 * `portico start`, which migrates, creates the first environment on an empty database, prints
 * its credentials once, and serves until SIGTERM/SIGINT (then drains and closes).
 */

import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { createLogger, startPortico } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { CreateConnectionBody } from './features/sso/wire.ts';
import { startSweeper } from './jobs/sweep.ts';
import { WebhookWorker } from './jobs/webhook-worker.ts';
import { migrate, openDatabase } from './platform/db.ts';
import { AppError } from './platform/errors.ts';
import { validate } from './platform/http.ts';

const HELP = `portico — self-hosted enterprise authentication that speaks the WorkOS API

Usage:
  portico start                         migrate, bootstrap and serve (default)
  portico migrate                       apply pending database migrations
  portico api-keys create [name]        create an API key (printed once)
  portico api-keys list                 list API keys (obfuscated)
  portico api-keys revoke <id>          revoke an API key
  portico redirect-uris add <uri>       allow a redirect URI
  portico redirect-uris list            list allowed redirect URIs
  portico redirect-uris remove <uri>    remove a redirect URI
  portico admin create --email <email>  create a dashboard admin, or set a new password for an
                                        existing one (printed once; its sessions end)
  portico keys rotate                   publish a new signing key (signs after 10 minutes)
  portico worker                        deliver webhooks only (no HTTP server)
  portico connections list              list SSO connections
  portico connections create-saml <name> --type OktaSAML --org <org_id>
          (--metadata-url <url> | --metadata-file <path> | --entity-id <id> --sso-url <url> --cert-file <pem>)
  portico connections create-oidc <name> --org <org_id> --discovery-url <url> --client-id <id> --client-secret <secret>
  portico connections activate|deactivate <conn_id>
  portico connections setup <conn_id>   print the ACS URL, entity id and metadata URL for the IdP
  portico webhooks create <url> <event…>  create a webhook endpoint (secret printed once)
  portico webhooks list                 list webhook endpoints
  portico scim-sim --persona okta|entra|onelogin|jumpcloud|google --url <scim base url> --token <bearer>
          [--users 10 --groups 3 --domain example.com] [--deprovision]
          replay an IdP's SCIM provisioning (quirks included) against any SCIM endpoint

Configuration comes from the environment: PORT, HOST, PORTICO_DATABASE_URL, PORTICO_PUBLIC_URL,
PORTICO_SECRET, PORTICO_API_KEY, PORTICO_CLIENT_ID, PORTICO_REDIRECT_URIS, PORTICO_ADMIN_EMAIL,
PORTICO_ADMIN_PASSWORD (see README.md).`;

async function main(argv: string[]) {
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
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  for (const w of config.warnings) log.warn(w);
  const database = openDatabase(config.databaseUrl, {
    onIdleError: (err) =>
      log.warn({ err: err.message }, 'database connection dropped; reconnecting on next query'),
  });

  if (command === 'migrate') {
    const applied = await migrate(database);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    await database.close();
    return 0;
  }

  const { portico, bootstrap, adminBootstrap, migrated } = await startPortico({
    config,
    database,
    logger: log,
  });
  if (migrated.length) log.info({ migrations: migrated }, 'migrations applied');
  // A command other than `start` that bootstrapped the first admin shows it now, or it is lost.
  if (command !== 'start' && adminBootstrap.created)
    printAdmin(config.publicUrl, adminBootstrap.email, adminBootstrap.password);
  const { environments, keys } = portico.services;
  const env = bootstrap.environmentId;

  const done = async (code: number) => {
    await database.close();
    return code;
  };

  switch (command) {
    case 'start':
      break;
    case 'api-keys':
      if (sub === 'create') {
        const key = await environments.createApiKey(env, rest.join(' ') || 'CLI key');
        console.log(`Created ${key.id}. This is the only time the key is shown:\n\n  ${key.value}\n`);
        return done(0);
      }
      if (sub === 'list') {
        for (const k of await environments.listApiKeys(env)) {
          console.log(`${k.id}  ${k.obfuscated_value}  ${k.name}${k.revoked_at ? '  (revoked)' : ''}`);
        }
        return done(0);
      }
      if (sub === 'revoke' && rest[0]) {
        const ok = await environments.revokeApiKey(env, rest[0]);
        console.log(ok ? `Revoked ${rest[0]}.` : `No active API key ${rest[0]}.`);
        return done(ok ? 0 : 1);
      }
      console.error(HELP);
      return done(2);
    case 'redirect-uris':
      if (sub === 'add' && rest[0]) {
        await environments.addRedirectUri(env, rest[0]);
        console.log(`Allowed ${rest[0]}.`);
        return done(0);
      }
      if (sub === 'list') {
        for (const u of await environments.listRedirectUris(env)) console.log(u);
        return done(0);
      }
      if (sub === 'remove' && rest[0]) {
        const ok = await environments.removeRedirectUri(env, rest[0]);
        console.log(ok ? `Removed ${rest[0]}.` : `${rest[0]} was not allowed.`);
        return done(ok ? 0 : 1);
      }
      console.error(HELP);
      return done(2);
    case 'webhooks':
      if (sub === 'create' && rest[0] && rest.length > 1) {
        const ep = await portico.services.webhooks.create(env, {
          endpoint_url: rest[0],
          events: rest.slice(1),
        });
        console.log(`Created ${ep.id} → ${ep.endpoint_url}\nSigning secret (shown once): ${ep.secret}`);
        return done(0);
      }
      if (sub === 'list') {
        const page = await portico.services.webhooks.list(env, { limit: 100, order: 'asc' });
        for (const e of page.data)
          console.log(`${e.id}  ${e.status}  ${e.endpoint_url}  ${e.events.join(',')}`);
        return done(0);
      }
      console.error(HELP);
      return done(2);
    case 'connections': {
      const { connections } = portico.services;
      const flags = parseFlags(rest.slice(1));
      const ctx = { actor: { id: null, source: 'dashboard' as const, name: 'portico CLI' } };
      if (sub === 'list') {
        const page = await connections.list(env, { limit: 100, order: 'asc' }, {});
        for (const c of page.data)
          console.log(
            `${c.id}  ${c.state.padEnd(8)}  ${c.connection_type.padEnd(12)}  ${c.organization_id ?? '-'}  ${c.name}`,
          );
        return done(0);
      }
      if (sub === 'create-saml' && rest[0]) {
        const saml: Record<string, unknown> = {};
        if (flags['metadata-url']) saml.idp_metadata_url = flags['metadata-url'];
        if (flags['metadata-file']) saml.idp_metadata_xml = readFileSync(flags['metadata-file'], 'utf8');
        if (flags['entity-id']) saml.idp_entity_id = flags['entity-id'];
        if (flags['sso-url']) saml.idp_sso_url = flags['sso-url'];
        if (flags['cert-file']) saml.idp_certificates = [readFileSync(flags['cert-file'], 'utf8')];
        if (flags['allow-idp-initiated']) saml.allow_idp_initiated = true;
        const c = await connections.create(
          env,
          validate(CreateConnectionBody, {
            name: rest[0],
            organization_id: flags.org,
            connection_type: flags.type ?? 'GenericSAML',
            saml,
          }),
          ctx,
        );
        printSetup(c);
        return done(0);
      }
      if (sub === 'create-oidc' && rest[0]) {
        const c = await connections.create(
          env,
          validate(CreateConnectionBody, {
            name: rest[0],
            organization_id: flags.org,
            connection_type: flags.type ?? 'GenericOIDC',
            oidc: {
              discovery_url: flags['discovery-url'],
              client_id: flags['client-id'],
              client_secret: flags['client-secret'],
            },
          }),
          ctx,
        );
        printSetup(c);
        return done(0);
      }
      if ((sub === 'activate' || sub === 'deactivate') && rest[0]) {
        const c = await connections.update(
          env,
          rest[0],
          { state: sub === 'activate' ? 'active' : 'inactive' },
          ctx,
        );
        console.log(`${c.id} is ${c.state}.`);
        return done(0);
      }
      if (sub === 'setup' && rest[0]) {
        printSetup(await connections.details(await connections.row(env, rest[0])));
        return done(0);
      }
      console.error(HELP);
      return done(2);
    }
    case 'worker': {
      const worker = new WebhookWorker(portico.deps);
      worker.start();
      const stopSweeper = startSweeper(portico.deps, portico.services.events, portico.services.connections);
      log.info({ worker: worker.id }, 'webhook worker started');
      const stop = async (signal: string) => {
        log.info({ signal }, 'worker stopping: finishing attempts in flight');
        stopSweeper();
        await worker.stop();
        await database.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      return null;
    }
    case 'admin':
      if (sub === 'create') {
        const email = parseFlags(rest).email;
        if (!email || email === 'true') {
          console.error('Usage: portico admin create --email <email>');
          return done(2);
        }
        const r = await portico.services.admin.createOrReset(email);
        console.log(
          `${r.created ? 'Created dashboard admin' : 'Set a new password for'} ${email.trim().toLowerCase()}${r.created ? '' : ' (their sessions ended)'}.\nThis is the only time the password is shown:\n\n  ${r.password}\n\nSign in at ${config.publicUrl}/`,
        );
        return done(0);
      }
      console.error(HELP);
      return done(2);
    case 'keys':
      if (sub === 'rotate') {
        const r = await keys.rotate(env);
        console.log(`Published signing key ${r.kid}; it starts signing at ${r.signsFrom}.`);
        return done(0);
      }
      console.error(HELP);
      return done(2);
    default:
      console.error(`Unknown command '${command}'.\n\n${HELP}`);
      return done(2);
  }

  const server = serve({ fetch: portico.app.fetch, port: config.port, hostname: config.host }, (info) => {
    const url = config.publicUrl;
    log.info(
      { port: info.port, host: config.host, publicUrl: url, database: database.dialect },
      'Portico is listening',
    );
    if (bootstrap.created) printWelcome(url, bootstrap.clientId, bootstrap.apiKey, info.port);
    if (adminBootstrap.created) printAdmin(url, adminBootstrap.email, adminBootstrap.password);
  });
  const stopSweeper = startSweeper(portico.deps, portico.services.events, portico.services.connections);
  const worker = config.worker === 'in-process' ? new WebhookWorker(portico.deps) : null;
  worker?.start();

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

function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) continue;
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

function printSetup(c: {
  id: string;
  state: string;
  setup_problem?: string | null;
  saml?: unknown;
  oidc?: unknown;
}) {
  console.log(`${c.id} (${c.state})${c.setup_problem ? ` — not active yet: ${c.setup_problem}` : ''}`);
  console.log(JSON.stringify(c.saml ?? c.oidc, null, 2));
}

function printWelcome(url: string, clientId: string, apiKey: string | undefined, port: number) {
  const u = new URL(url);
  const key = apiKey ?? '<the value of PORTICO_API_KEY>';
  const lines = [
    '',
    '  Portico is ready. Your first environment was created.',
    '  These credentials are shown only this once — store them now:',
    '',
    `    WORKOS_API_KEY=${key}`,
    `    WORKOS_CLIENT_ID=${clientId}`,
    '',
    '  Point the official SDK at Portico:',
    '',
    "    import { WorkOS } from '@workos-inc/node';",
    `    const workos = new WorkOS(process.env.WORKOS_API_KEY, {`,
    `      apiHostname: '${u.hostname}', port: ${u.port || (u.protocol === 'https:' ? 443 : 80)}, https: ${u.protocol === 'https:'},`,
    `      clientId: process.env.WORKOS_CLIENT_ID,`,
    '    });',
    '',
    `  API:        ${url}`,
    `  JWKS:       ${url}/sso/jwks/${clientId}`,
    `  OpenAPI:    ${url}/openapi.json`,
    `  Health:     ${url}/health`,
    '',
    '  Allow your app’s callback before signing in:',
    '    npm run portico -- redirect-uris add http://localhost:3000/callback',
    '',
  ];
  void port;
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The first dashboard admin, printed once on the console (never through the logger). */
function printAdmin(url: string, email: string, password: string | undefined) {
  const lines = [
    '',
    `  Dashboard:  ${url}/`,
    '  Sign in with the first admin account (shown only this once):',
    '',
    `    email:     ${email}`,
    `    password:  ${password ?? '<the value of PORTICO_ADMIN_PASSWORD>'}`,
    '',
    '  Lost it? npm run portico -- admin create --email <email> sets a new one.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
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
