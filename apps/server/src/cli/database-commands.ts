/**
 * The CLI's database commands: api-keys, redirect-uris, admin, keys, connections, webhooks, mail,
 * audit.
 *
 * Each opens the database, applies pending migrations, finds the environment `portico start`
 * created, and does its one thing. None runs the server's boot path (app.ts `startPortico`): no
 * environment, admin or test organization is created and no stored URL is rewritten, so a command
 * is safe next to a running server whatever its own PORT or PORTICO_PUBLIC_URL. On a database
 * that `portico start` has not set up they refuse and say so: the first environment's key and the
 * first admin's password are printed by the process that creates them, and only `start` does.
 */
import { readFileSync } from 'node:fs';
import type pino from 'pino';
import { buildApp } from '../app.ts';
import type { Config } from '../config.ts';
import { verifyChain } from '../features/audit-logs/chain.ts';
import type { AuditLogService } from '../features/audit-logs/service.ts';
import { CreateConnectionBody } from '../features/sso/wire.ts';
import { type DatabaseHandle, migrate } from '../platform/db.ts';
import { validate } from '../platform/http.ts';
import { HELP } from './help.ts';

export const DATABASE_COMMANDS = [
  'api-keys',
  'redirect-uris',
  'admin',
  'keys',
  'connections',
  'webhooks',
  'mail',
  'audit',
];

export const NOT_STARTED =
  'portico: this database has no environment yet. Run `portico start` (npm start) first: it creates the first environment and the first dashboard admin and prints their credentials once. To choose the API key and client id in advance, set PORTICO_API_KEY and PORTICO_CLIENT_ID for that first start.';

export interface CommandContext {
  config: Readonly<Config>;
  database: DatabaseHandle;
  log: pino.Logger;
}

/** Runs one database command; resolves to the exit code. */
export async function runDatabaseCommand(
  command: string,
  sub: string | undefined,
  rest: string[],
  { config, database, log }: CommandContext,
): Promise<number> {
  const migrated = await migrate(database);
  if (migrated.length) log.info({ migrations: migrated }, 'migrations applied');
  // Wiring only: building the services writes nothing.
  const portico = buildApp({ config, database, logger: log });
  const { environments, webhooks, connections, admin, keys, emails } = portico.services;
  const first = await environments.first();
  if (!first) {
    console.error(NOT_STARTED);
    return 1;
  }
  const env = first.id;
  const usage = () => {
    console.error(HELP);
    return 2;
  };

  switch (command) {
    case 'api-keys':
      if (sub === 'create') {
        const key = await environments.createApiKey(env, rest.join(' ') || 'CLI key');
        console.log(`Created ${key.id}. This is the only time the key is shown:\n\n  ${key.value}\n`);
        return 0;
      }
      if (sub === 'list') {
        for (const k of await environments.listApiKeys(env)) {
          console.log(`${k.id}  ${k.obfuscated_value}  ${k.name}${k.revoked_at ? '  (revoked)' : ''}`);
        }
        return 0;
      }
      if (sub === 'revoke' && rest[0]) {
        const ok = await environments.revokeApiKey(env, rest[0]);
        console.log(ok ? `Revoked ${rest[0]}.` : `No active API key ${rest[0]}.`);
        return ok ? 0 : 1;
      }
      return usage();
    case 'redirect-uris':
      if (sub === 'add' && rest[0]) {
        await environments.addRedirectUri(env, rest[0]);
        console.log(`Allowed ${rest[0]}.`);
        return 0;
      }
      if (sub === 'list') {
        for (const u of await environments.listRedirectUris(env)) console.log(u);
        return 0;
      }
      if (sub === 'remove' && rest[0]) {
        const ok = await environments.removeRedirectUri(env, rest[0]);
        console.log(ok ? `Removed ${rest[0]}.` : `${rest[0]} was not allowed.`);
        return ok ? 0 : 1;
      }
      if (sub === 'logout-default') {
        // No argument shows it; a URI sets it; `--clear` removes it.
        if (rest[0] === '--clear') await environments.setDefaultLogoutUri(env, null);
        else if (rest[0]) await environments.setDefaultLogoutUri(env, rest[0]);
        const uri = await environments.defaultLogoutUri(env);
        console.log(
          uri
            ? `Sign-out without return_to goes to ${uri}.`
            : 'No default logout URI: sign-out without return_to shows the "You are signed out" page.',
        );
        return 0;
      }
      return usage();
    case 'webhooks':
      if (sub === 'create' && rest[0] && rest.length > 1) {
        const ep = await webhooks.create(env, { endpoint_url: rest[0], events: rest.slice(1) });
        console.log(`Created ${ep.id} → ${ep.endpoint_url}\nSigning secret (shown once): ${ep.secret}`);
        return 0;
      }
      if (sub === 'list') {
        const page = await webhooks.list(env, { limit: 100, order: 'asc' });
        for (const e of page.data)
          console.log(`${e.id}  ${e.status}  ${e.endpoint_url}  ${e.events.join(',')}`);
        return 0;
      }
      return usage();
    case 'mail':
      if (sub === 'list') {
        const flags = parseFlags(rest);
        const limit = flags.limit === undefined ? 20 : Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
          console.error('portico mail list: --limit must be a whole number from 1 to 100.');
          return 2;
        }
        const page = await emails.list(env, { limit });
        if (page.data.length === 0) {
          console.log(
            config.email.smtpUrl
              ? 'No emails yet.'
              : 'No emails yet. Without PORTICO_SMTP_URL they are kept here (the dev outbox).',
          );
          return 0;
        }
        for (const e of page.data) {
          const error = e.last_error && e.status !== 'sent' ? `  (${e.last_error})` : '';
          console.log(`${e.created_at}  ${e.id}  ${e.status.padEnd(10)}  ${e.to}  ${e.subject}${error}`);
          // Development only: the body, with its code or link (view() leaves it out in production).
          if (e.text !== undefined) {
            for (const line of e.text.trimEnd().split('\n')) console.log(`    ${line}`);
            console.log('');
          }
        }
        return 0;
      }
      return usage();
    case 'connections': {
      const flags = parseFlags(rest.slice(1));
      const ctx = { actor: { id: null, source: 'dashboard' as const, name: 'portico CLI' } };
      if (sub === 'list') {
        const page = await connections.list(env, { limit: 100, order: 'asc' }, {});
        for (const c of page.data)
          console.log(
            `${c.id}  ${c.state.padEnd(8)}  ${c.connection_type.padEnd(12)}  ${c.organization_id ?? '-'}  ${c.name}`,
          );
        return 0;
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
        return 0;
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
        return 0;
      }
      if ((sub === 'activate' || sub === 'deactivate') && rest[0]) {
        const c = await connections.update(
          env,
          rest[0],
          { state: sub === 'activate' ? 'active' : 'inactive' },
          ctx,
        );
        console.log(`${c.id} is ${c.state}.`);
        return 0;
      }
      if (sub === 'setup' && rest[0]) {
        printSetup(await connections.details(await connections.row(env, rest[0])));
        return 0;
      }
      return usage();
    }
    case 'admin':
      if (sub === 'create') {
        const email = parseFlags(rest).email;
        if (!email || email === 'true') {
          console.error('Usage: portico admin create --email <email>');
          return 2;
        }
        const r = await admin.createOrReset(email);
        console.log(
          `${r.created ? 'Created dashboard admin' : 'Set a new password for'} ${email.trim().toLowerCase()}${r.created ? '' : ' (their sessions ended)'}.\nThis is the only time the password is shown:\n\n  ${r.password}\n\nSign in at ${config.publicUrl}/`,
        );
        return 0;
      }
      return usage();
    case 'keys':
      if (sub === 'rotate') {
        const r = await keys.rotate(env);
        console.log(`Published signing key ${r.kid}; it starts signing at ${r.signsFrom}.`);
        return 0;
      }
      return usage();
    case 'audit':
      if (sub === 'verify') return auditVerify(portico.services.auditLogs, parseFlags(rest).organization);
      return usage();
    default:
      return usage();
  }
}

/**
 * `portico audit verify [--organization <org_id>]`: walks every organization's audit log chain
 * (of every environment), or one, and prints a line per chain and a line per problem. Exit code 1
 * when any chain fails, so it can run from cron or CI.
 */
async function auditVerify(audit: AuditLogService, organization?: string): Promise<number> {
  const reports = organization ? [await verifyChain(audit.deps, organization)] : await audit.verifyAll();
  if (reports.length === 0) console.log('No organization has audit log events yet.');
  let failed = 0;
  for (const r of reports) {
    const range =
      r.first_seq === null ? 'no events' : `${r.events_checked} events, seq ${r.first_seq}–${r.last_seq}`;
    if (r.verified) {
      console.log(`${r.organization_id}: verified (${range}, ${r.checkpoints_checked} signed checkpoints)`);
      continue;
    }
    failed += 1;
    console.log(`${r.organization_id}: TAMPERED (${range}): ${r.problems.length} problem(s)`);
    for (const p of r.problems) console.log(`  ${p.kind} at seq ${p.seq}: ${p.message}`);
  }
  return failed ? 1 : 0;
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
