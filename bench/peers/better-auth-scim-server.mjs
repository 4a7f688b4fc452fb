/**
 * better-auth with its SCIM plugin (@better-auth/scim) on SQLite, served over HTTP on 127.0.0.1 for
 * bench/scim.ts. better-auth has no server of its own: this is its documented Node integration
 * (`toNodeHandler(auth)` from better-auth/node), its schema created with `getMigrations` (what
 * `npx auth migrate` runs), and one SCIM connection created through the plugin's managed
 * connection catalog (`auth.api.createSCIMManagedConnection`), which returns the bearer token once
 * and stores only its HMAC digest, as Portico's directories do.
 *
 * Configuration comes as JSON in the BETTER_AUTH_SCIM_BENCH environment variable:
 *   { port, dbFile }
 * The SQLite file is opened with better-sqlite3 and the same pragmas Portico sets (WAL,
 * synchronous=NORMAL, foreign_keys, busy_timeout); better-auth takes the Database instance as is.
 * On start it prints one line `{"ready":true,"base":"…/scim/v2","token":"…"}`.
 * Telemetry is off (BETTER_AUTH_TELEMETRY=0, telemetry: { enabled: false }). 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import { scim } from '@better-auth/scim';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';

process.env.BETTER_AUTH_TELEMETRY = '0';
const cfg = JSON.parse(process.env.BETTER_AUTH_SCIM_BENCH ?? '{}');
const sqlite = new Database(cfg.dbFile);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('foreign_keys = ON');
sqlite.pragma('busy_timeout = 5000');

const baseURL = `http://127.0.0.1:${cfg.port}`;
const errors = [];
const options = {
  baseURL,
  secret: 'bench-secret-bench-secret-bench-secret',
  database: sqlite,
  telemetry: { enabled: false },
  logger: { level: 'error', log: (level, message) => errors.push(`${level} ${message}`.slice(0, 500)) },
  rateLimit: { enabled: false },
  plugins: [
    scim({
      connections: [],
      managedConnections: { credentialHashSecret: 'bench-scim-credential-hash-secret-0123456789' },
    }),
  ],
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

const created = await auth.api.createSCIMManagedConnection({
  body: {
    scopes: ['scim.users.read', 'scim.users.write', 'scim.groups.read', 'scim.groups.write'],
    expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    creationRequestId: 'bench-entra-connection-1',
    provisioningDomainId: 'bench-org',
    actorId: 'bench',
  },
});

const handler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200);
    return res.end('ok');
  }
  if (req.method === 'GET' && req.url === '/errors') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(errors.slice(0, 20)));
  }
  return handler(req, res);
});
server.keepAliveTimeout = 30_000;
server.listen(cfg.port, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ ready: true, base: `${baseURL}/api/auth/scim/v2`, token: created.token })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
