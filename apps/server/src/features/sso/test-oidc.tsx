/** @jsxImportSource hono/jsx */
/**
 * The OIDC Test Provider (issue 4 item 6): a minimal OpenID Provider built into development
 * environments, so an OIDC connection can be tried without a real IdP. It serves discovery,
 * an authorization page (pick a test user), a token endpoint (client_secret_basic or _post, PKCE
 * S256), JWKS and userinfo. Codes and access tokens are short-lived JWTs signed with the
 * provider's own key (stateless: this is a development tool). The "Test OIDC Organization"
 * (domain oidc.portico.test) has an active GenericOIDC connection to it. Not mounted in production.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { jwtVerify, SignJWT } from 'jose';
import { constantTimeEqual } from '../../platform/crypto.ts';
import { serialized } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { readForm } from '../../platform/http.ts';
import { token } from '../../platform/random.ts';
import { checkCsrf, issueCsrf, pageHeaders } from '../../surfaces/hosted.ts';
import { errorPage, pageErrors } from '../../surfaces/page-layout.tsx';
import type { EnvironmentService } from '../environments/service.ts';
import { spValues } from './connections.ts';
import { insertTestOrganization, redirectOrigins } from './test-idp.tsx';

export const TEST_OIDC_ORG_NAME = 'Test OIDC Organization';
export const TEST_OIDC_DOMAIN = 'oidc.portico.test';
const USERS = [
  {
    sub: 'carol',
    email: 'carol@oidc.portico.test',
    given: 'Carol',
    family: 'Example',
    groups: ['Engineering'],
  },
  { sub: 'dave', email: 'dave@oidc.portico.test', given: 'Dave', family: 'Example', groups: ['Support'] },
];

interface ProviderSecrets {
  key: string;
  kid: string;
  clientSecret: string;
}

export function testOidcIssuer(publicUrl: string, connectionId: string) {
  return `${publicUrl}/test-oidc/${connectionId}`;
}

/** The environment's OIDC Test Provider connection, if it has one. */
function findTestOidc(q: Deps['db'], env: string) {
  return q
    .selectFrom('connections')
    .selectAll()
    .where('environment_id', '=', env)
    .where('protocol', '=', 'oidc')
    .where('test_idp_key_sealed', 'is not', null)
    .orderBy('created_at', 'asc')
    .executeTakeFirst();
}

/**
 * `portico start` only: creates the Test OIDC Organization and its connection once (once across
 * processes that start together), and points the discovery URL at this server's public URL. Other
 * commands never call it (see `ensureTestOrganization`).
 */
export async function ensureTestOidc(deps: Deps, env: string) {
  const { db, config } = deps;
  const existing = await findTestOidc(db, env);
  if (existing) {
    const discovery = `${testOidcIssuer(config.publicUrl, existing.id)}/.well-known/openid-configuration`;
    if (existing.oidc_discovery_url !== discovery) {
      await db
        .updateTable('connections')
        .set({ oidc_discovery_url: discovery })
        .where('id', '=', existing.id)
        .execute();
    }
    return existing.id;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secrets: ProviderSecrets = {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid: token(deps.random, 8),
    clientSecret: token(deps.random, 24),
  };
  const iso = deps.clock.now().toISOString();
  const orgId = deps.ids.next('org');
  const connId = deps.ids.next('conn');
  return serialized(deps, `bootstrap:test-oidc:${env}`, async (tx) => {
    const raced = await findTestOidc(tx, env);
    if (raced) return raced.id;
    await insertTestOrganization(tx, deps, env, orgId, TEST_OIDC_ORG_NAME, TEST_OIDC_DOMAIN, iso);
    await tx
      .insertInto('connections')
      .values({
        id: connId,
        environment_id: env,
        organization_id: orgId,
        name: 'Test OIDC Provider',
        connection_type: 'GenericOIDC',
        protocol: 'oidc',
        state: 'active',
        saml_idp_entity_id: null,
        saml_idp_sso_url: null,
        saml_idp_certificates: '[]',
        saml_idp_metadata_url: null,
        saml_metadata_refreshed_at: null,
        saml_added_certificates: '[]',
        saml_certificate_notice: null,
        saml_allow_idp_initiated: 0,
        saml_sign_requests: 0,
        oidc_discovery_url: `${testOidcIssuer(config.publicUrl, connId)}/.well-known/openid-configuration`,
        oidc_client_id: `portico-test-${connId}`,
        oidc_client_secret_sealed: deps.secrets.seal(secrets.clientSecret),
        attribute_map: '{}',
        group_role_map: '{}',
        test_idp_key_sealed: deps.secrets.seal(JSON.stringify(secrets)),
        created_at: iso,
        updated_at: iso,
      })
      .execute();
    return connId;
  });
}

export function testOidcRoutes(app: Hono, deps: Deps, environments: EnvironmentService) {
  const load = async (c: Context) => {
    const conn = await deps.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', c.req.param('id') ?? '')
      .where('protocol', '=', 'oidc')
      .where('test_idp_key_sealed', 'is not', null)
      .executeTakeFirst();
    if (!conn) return null;
    const secrets = JSON.parse(deps.secrets.open(conn.test_idp_key_sealed!)) as ProviderSecrets;
    const issuer = testOidcIssuer(deps.config.publicUrl, conn.id);
    return { conn, secrets, issuer, key: createPrivateKey(secrets.key) };
  };
  const oauthError = (c: Context, status: number, error: string, description: string) =>
    c.json({ error, error_description: description }, status as 400);
  const unknown = (c: Context) =>
    errorPage(c, 404, {
      title: 'Unknown test provider',
      code: 'entity_not_found',
      message: 'This OIDC test provider does not exist.',
      hint: 'Use the Test OIDC Provider connection listed by `npm run portico -- connections list` (or the dashboard’s Connections page).',
    });
  /** Like a real OpenID Provider, it answers only the client's registered redirect URI: the connection's callback. */
  const badRedirect = (c: Context, callback: string) =>
    errorPage(c, 400, {
      title: 'Bad authorization request',
      code: 'invalid_request',
      message: 'redirect_uri is not the redirect URI registered for this client.',
      hint: `The OIDC Test Provider sends codes only to Portico's callback for this connection, ${callback}. Start the sign-in from the application (getAuthorizationUrl), not from a hand-made URL.`,
    });

  app.get('/test-oidc/:id/.well-known/openid-configuration', async (c) => {
    const p = await load(c);
    if (!p) return oauthError(c, 404, 'not_found', 'No such test provider.');
    return c.json({
      issuer: p.issuer,
      authorization_endpoint: `${p.issuer}/authorize`,
      token_endpoint: `${p.issuer}/token`,
      jwks_uri: `${p.issuer}/jwks`,
      userinfo_endpoint: `${p.issuer}/userinfo`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      claims_supported: ['sub', 'email', 'email_verified', 'given_name', 'family_name', 'name', 'groups'],
    });
  });

  app.get('/test-oidc/:id/jwks', async (c) => {
    const p = await load(c);
    if (!p) return oauthError(c, 404, 'not_found', 'No such test provider.');
    return c.json({
      keys: [
        { ...createPublicKey(p.key).export({ format: 'jwk' }), kid: p.secrets.kid, alg: 'RS256', use: 'sig' },
      ],
    });
  });

  app.get('/test-oidc/:id/authorize', pageErrors, async (c) => {
    const p = await load(c);
    if (!p) return unknown(c);
    const q = c.req.query();
    if (q.client_id !== p.conn.oidc_client_id || q.response_type !== 'code' || !q.redirect_uri) {
      return errorPage(c, 400, {
        title: 'Bad authorization request',
        code: 'invalid_request',
        message: `client_id (${p.conn.oidc_client_id}), response_type=code and redirect_uri are required.`,
        hint: 'Start the sign-in from the application (getAuthorizationUrl), which sends all three.',
      });
    }
    const callback = spValues(deps.config.publicUrl, p.conn).oidc_redirect_uri;
    if (q.redirect_uri !== callback) return badRedirect(c, callback);
    // The form posts here; the answer redirects to Portico's callback, which redirects to the
    // application's redirect URI: CSP form-action governs that whole chain.
    pageHeaders(c, await redirectOrigins(environments, p.conn.environment_id));
    const csrf = issueCsrf(c, deps, p.conn.id);
    return c.html(
      String(
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>Portico OIDC Test Provider</title>
            <link rel="stylesheet" href="/authkit/styles.css" />
          </head>
          <body>
            <main class="card">
              <h1>Portico OIDC Test Provider</h1>
              <form method="post" action={`/test-oidc/${p.conn.id}/authorize`}>
                <input type="hidden" name="csrf" value={csrf} />
                {['redirect_uri', 'state', 'nonce', 'code_challenge', 'code_challenge_method'].map((k) => (
                  <input type="hidden" name={k} value={q[k] ?? ''} />
                ))}
                <fieldset>
                  <legend>User</legend>
                  {USERS.map((u, i) => (
                    <label>
                      <input type="radio" name="sub" value={u.sub} checked={i === 0} />{' '}
                      {`${u.given} ${u.family} <${u.email}>`}
                    </label>
                  ))}
                </fieldset>
                <button type="submit">Sign in</button>
              </form>
            </main>
          </body>
        </html>,
      ),
      200,
    );
  });

  app.post('/test-oidc/:id/authorize', pageErrors, async (c) => {
    const p = await load(c);
    if (!p) return unknown(c);
    const f = await readForm(c);
    const s = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
    if (!checkCsrf(c, deps, p.conn.id, f.csrf)) {
      return errorPage(c, 403, {
        title: 'Form expired',
        code: 'form_expired',
        message: 'Reload the OIDC Test Provider page and try again.',
      });
    }
    const callback = spValues(deps.config.publicUrl, p.conn).oidc_redirect_uri;
    if (s('redirect_uri') !== callback) return badRedirect(c, callback);
    const user = USERS.find((u) => u.sub === s('sub')) ?? USERS[0]!;
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const code = await new SignJWT({
      typ: 'code',
      sub: user.sub,
      nonce: s('nonce'),
      cc: s('code_challenge'),
      ru: s('redirect_uri'),
    })
      .setProtectedHeader({ alg: 'RS256', kid: p.secrets.kid })
      .setIssuer(p.issuer)
      .setAudience(`${p.issuer}/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(p.key);
    const url = new URL(s('redirect_uri'));
    url.searchParams.set('code', code);
    if (s('state')) url.searchParams.set('state', s('state'));
    url.searchParams.set('iss', p.issuer);
    pageHeaders(c, [url.origin]);
    return c.redirect(url.toString(), 302);
  });

  app.post('/test-oidc/:id/token', async (c) => {
    const p = await load(c);
    if (!p) return oauthError(c, 404, 'not_found', 'No such test provider.');
    const f = await readForm(c);
    const s = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
    let clientId = s('client_id');
    let clientSecret = s('client_secret');
    const basic = /^Basic (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (clientId !== p.conn.oidc_client_id || !constantTimeEqual(clientSecret, p.secrets.clientSecret)) {
      return oauthError(c, 401, 'invalid_client', 'Unknown client or wrong client secret.');
    }
    let claims: Record<string, unknown>;
    try {
      claims = (
        await jwtVerify(s('code'), createPublicKey(p.key), {
          issuer: p.issuer,
          audience: `${p.issuer}/token`,
          currentDate: deps.clock.now(),
        })
      ).payload;
    } catch {
      return oauthError(c, 400, 'invalid_grant', 'The code is invalid or expired.');
    }
    if (claims.typ !== 'code' || claims.ru !== s('redirect_uri'))
      return oauthError(c, 400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
    if (claims.cc && createHash('sha256').update(s('code_verifier')).digest('base64url') !== claims.cc) {
      return oauthError(c, 400, 'invalid_grant', 'PKCE verification failed.');
    }
    const user = USERS.find((u) => u.sub === claims.sub) ?? USERS[0]!;
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const idToken = await new SignJWT({
      nonce: claims.nonce || undefined,
      email: user.email,
      email_verified: true,
      given_name: user.given,
      family_name: user.family,
      name: `${user.given} ${user.family}`,
    })
      .setProtectedHeader({ alg: 'RS256', kid: p.secrets.kid })
      .setIssuer(p.issuer)
      .setSubject(user.sub)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(p.key);
    const accessToken = await new SignJWT({ typ: 'access' })
      .setProtectedHeader({ alg: 'RS256', kid: p.secrets.kid })
      .setIssuer(p.issuer)
      .setSubject(user.sub)
      .setAudience(`${p.issuer}/userinfo`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(p.key);
    c.header('Cache-Control', 'no-store');
    return c.json({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken,
      scope: 'openid email profile',
    });
  });

  app.get('/test-oidc/:id/userinfo', async (c) => {
    const p = await load(c);
    if (!p) return oauthError(c, 404, 'not_found', 'No such test provider.');
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    try {
      const { payload } = await jwtVerify(bearer, createPublicKey(p.key), {
        issuer: p.issuer,
        audience: `${p.issuer}/userinfo`,
        currentDate: deps.clock.now(),
      });
      const user = USERS.find((u) => u.sub === payload.sub) ?? USERS[0]!;
      return c.json({
        sub: user.sub,
        email: user.email,
        email_verified: true,
        given_name: user.given,
        family_name: user.family,
        groups: user.groups,
      });
    } catch {
      return c.json({ error: 'invalid_token' }, 401);
    }
  });
}
