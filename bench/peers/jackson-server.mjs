/**
 * A small HTTP wrapper around @boxyhq/saml-jackson (Ory Polis) for bench/sso.ts and bench/scim.ts:
 * the library has no server of its own, so this exposes what its Next.js app does, with the same
 * answers: the ACS and OIDC callback (`/api/oauth/saml`, `/api/oauth/oidc`, a 302 to the redirect
 * URL with ?code=…) and Directory Sync's SCIM endpoints (`/api/scim/v2.0/<directory>/Users|Groups`,
 * handed to `directorySyncController.requests.handle` as its `[...directory].ts` route does).
 *
 * Configuration comes as JSON in the JACKSON_BENCH environment variable:
 *   { port, externalUrl, samlAudience, redirectUrl, saml?: { metadataXml }, oidc?: { discoveryUrl,
 *     clientId, clientSecret }, sqlite?: "<file>", scim?: { webhookUrl } }
 * Store: Jackson's in-memory engine (its fastest; nothing is persisted), or with `sqlite` its SQL
 * engine on that file (TypeORM + better-sqlite3), opened with the pragmas Portico sets (WAL,
 * synchronous=NORMAL). With `scim` it creates one Entra ID directory (azure-scim-v2) whose webhook
 * is `webhookUrl`, with `dsync.webhookBatchSize` set: every SCIM event (user.created,
 * group.created, group.user_added, …) is then written to the store's dsync:events queue for a later
 * batch delivery (Jackson's outbox), none is sent during the run.
 * On start it prints one line `{"ready":true, …}` with the connections' client ids and, with
 * `scim`, the SCIM base URL and bearer token.
 * Telemetry is off (noAnalytics, DO_NOT_TRACK). 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import jackson from '@boxyhq/saml-jackson';

const cfg = JSON.parse(process.env.JACKSON_BENCH ?? '{}');
const quiet = { info() {}, warn() {}, error: (...a) => errors.push(a.join(' ').slice(0, 500)) };
const errors = [];

if (cfg.sqlite) {
  // TypeORM opens the file itself and sets only foreign_keys (journal_mode=DELETE and
  // synchronous=FULL otherwise); add Portico's two pragmas on the same connection.
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const pragma = Database.prototype.pragma;
  Database.prototype.pragma = function (source, options) {
    if (/^foreign_keys\s*=\s*ON$/i.test(source)) {
      pragma.call(this, 'journal_mode = WAL');
      pragma.call(this, 'synchronous = NORMAL');
    }
    return pragma.call(this, source, options);
  };
}

const { connectionAPIController, oauthController, directorySyncController } = await jackson.controllers({
  externalUrl: cfg.externalUrl,
  samlPath: '/api/oauth/saml',
  oidcPath: '/api/oauth/oidc',
  scimPath: '/api/scim/v2.0',
  samlAudience: cfg.samlAudience,
  idpEnabled: true,
  db: cfg.sqlite ? { engine: 'sql', type: 'sqlite', url: cfg.sqlite } : { engine: 'mem' },
  noAnalytics: true,
  logger: quiet,
  openid: {},
  ...(cfg.scim ? { dsync: { webhookBatchSize: 50 } } : {}),
});

const ready = { ready: true };
if (cfg.saml) {
  const c = await connectionAPIController.createSAMLConnection({
    tenant: 'bench.example',
    product: 'portico-bench',
    name: 'Bench SAML',
    rawMetadata: cfg.saml.metadataXml,
    defaultRedirectUrl: cfg.redirectUrl,
    redirectUrl: JSON.stringify([cfg.redirectUrl]),
  });
  ready.samlClientId = c.clientID;
}
if (cfg.oidc) {
  const c = await connectionAPIController.createOIDCConnection({
    tenant: 'bench-oidc.example',
    product: 'portico-bench',
    name: 'Bench OIDC',
    oidcDiscoveryUrl: cfg.oidc.discoveryUrl,
    oidcClientId: cfg.oidc.clientId,
    oidcClientSecret: cfg.oidc.clientSecret,
    defaultRedirectUrl: cfg.redirectUrl,
    redirectUrl: JSON.stringify([cfg.redirectUrl]),
  });
  ready.oidcClientId = c.clientID;
}
if (cfg.scim) {
  const { data, error } = await directorySyncController.directories.create({
    tenant: 'bench.example',
    product: 'portico-bench',
    name: 'Entra',
    type: 'azure-scim-v2',
    webhook_url: cfg.scim.webhookUrl,
    webhook_secret: 'bench-webhook-secret',
  });
  if (error) throw new Error(error.message);
  ready.scimBase = `${cfg.externalUrl}/api/scim/v2.0/${data.id}`;
  ready.scimToken = data.scim.secret;
}

function readBody(req) {
  return new Promise((done, fail) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 4 * 1024 * 1024) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

const send = (res, status, headers, body = '') => {
  res.writeHead(status, headers);
  res.end(body);
};

/** Jackson's answers: { redirect_url } (success or an OAuth error redirect), or a thrown JacksonError. */
function answer(res, r) {
  if (r?.redirect_url && !r.error) return send(res, 302, { location: r.redirect_url });
  return send(res, 403, { 'content-type': 'text/plain' }, String(r?.error ?? 'no redirect'));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  try {
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, {}, 'ok');
    if (req.method === 'POST' && url.pathname === '/api/oauth/saml') {
      const form = new URLSearchParams(await readBody(req));
      const r = await oauthController.samlResponse({
        SAMLResponse: form.get('SAMLResponse') ?? '',
        RelayState: form.get('RelayState') ?? '',
      });
      return answer(res, r);
    }
    if (req.method === 'GET' && url.pathname === '/api/oauth/authorize') {
      const r = await oauthController.authorize(Object.fromEntries(url.searchParams));
      if (r?.redirect_url) return send(res, 302, { location: r.redirect_url });
      return send(res, 400, { 'content-type': 'text/plain' }, JSON.stringify(r).slice(0, 500));
    }
    if (req.method === 'GET' && url.pathname === '/api/oauth/oidc') {
      return answer(res, await oauthController.oidcAuthzResponse(Object.fromEntries(url.searchParams)));
    }
    const scim = /^\/api\/scim\/v2\.0\/([^/]+)\/(Users|Groups)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (scim) {
      const raw = await readBody(req);
      const q = url.searchParams;
      const { status, data } = await directorySyncController.requests.handle({
        method: req.method,
        body: raw ? JSON.parse(raw) : undefined,
        directoryId: scim[1],
        resourceType: scim[2] === 'Users' ? 'users' : 'groups',
        resourceId: scim[3],
        apiSecret: /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null,
        query: {
          count: q.has('count') ? Number(q.get('count')) : undefined,
          startIndex: q.has('startIndex') ? Number(q.get('startIndex')) : undefined,
          filter: q.get('filter') ?? undefined,
        },
      });
      return send(res, status, { 'content-type': 'application/scim+json' }, JSON.stringify(data));
    }
    if (req.method === 'GET' && url.pathname === '/errors') {
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(errors.slice(0, 20)));
    }
    return send(res, 404, {}, 'not found');
  } catch (err) {
    return send(res, err?.statusCode ?? 500, { 'content-type': 'text/plain' }, String(err?.message ?? err));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(cfg.port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
