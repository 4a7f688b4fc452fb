/**
 * A small HTTP wrapper around @boxyhq/saml-jackson (Ory Polis) for bench/sso.ts: the library has no
 * server of its own, so this exposes its ACS and OIDC callback the way its Next.js app does
 * (`/api/oauth/saml`, `/api/oauth/oidc`), with the same answer (302 to the redirect URL with
 * ?code=…). Store: Jackson's in-memory engine (its fastest; nothing is persisted).
 *
 * Configuration comes as JSON in the JACKSON_BENCH environment variable:
 *   { port, externalUrl, samlAudience, redirectUrl, saml?: { metadataXml }, oidc?: { discoveryUrl,
 *     clientId, clientSecret } }
 * On start it prints one line `{"ready":true, …}` with the connections' client ids.
 * Telemetry is off (noAnalytics, DO_NOT_TRACK). 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import jackson from '@boxyhq/saml-jackson';

const cfg = JSON.parse(process.env.JACKSON_BENCH ?? '{}');
const quiet = { info() {}, warn() {}, error: (...a) => errors.push(a.join(' ').slice(0, 500)) };
const errors = [];

const { connectionAPIController, oauthController } = await jackson.controllers({
  externalUrl: cfg.externalUrl,
  samlPath: '/api/oauth/saml',
  oidcPath: '/api/oauth/oidc',
  samlAudience: cfg.samlAudience,
  idpEnabled: true,
  db: { engine: 'mem' },
  noAnalytics: true,
  logger: quiet,
  openid: {},
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
