/** @jsxImportSource hono/jsx */
/**
 * The Test Identity Provider (issue 4 item 6): every development environment gets a "Test
 * Organization" (domain saml.portico.test) with an active SAML connection to this built-in IdP, so a
 * developer can try SSO before any customer IdP exists. Its page lets you pick a user or type an
 * email, start IdP-initiated sign-in, and provoke the classic failures (expired assertion, wrong
 * audience, unsigned response, a user outside the organization's domains) to see the tracer's
 * verdict. Not mounted when NODE_ENV=production.
 */
import { generateKeyPairSync } from 'node:crypto';
import { buildSamlResponse, encryptAssertion } from '@portico/saml';
import type { Context, Hono } from 'hono';
import { serialized } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { readForm } from '../../platform/http.ts';
import { selfSignedCertificate } from '../../platform/x509.ts';
import { checkCsrf, issueCsrf, pageHeaders } from '../../surfaces/hosted.ts';
import { errorPage, pageErrors } from '../../surfaces/page-layout.tsx';
import type { EnvironmentService } from '../environments/service.ts';
import { spValues } from './connections.ts';
import { readAuthnRequest } from './service.ts';
import type { SpKeyStore } from './sp-keys.ts';

export const TEST_ORG_NAME = 'Test Organization';
export const TEST_DOMAIN = 'saml.portico.test';
const USERS = [
  { email: 'alice@saml.portico.test', first: 'Alice', last: 'Example', groups: ['Engineering', 'Admins'] },
  { email: 'bob@saml.portico.test', first: 'Bob', last: 'Example', groups: ['Sales'] },
];
const SCENARIOS = {
  ok: 'Sign in normally',
  expired: 'Expired assertion',
  wrong_audience: 'Assertion for another service provider (wrong audience)',
  unsigned: 'Unsigned response',
  outside_domain: 'A user outside the organization’s domains',
  encrypted: 'Encrypted assertion (to the SP certificate in Portico’s metadata)',
} as const;

/** The organization behind a development test provider, with its verified domain. */
export async function insertTestOrganization(
  tx: Deps['db'],
  deps: Deps,
  env: string,
  orgId: string,
  name: string,
  domain: string,
  iso: string,
) {
  await tx
    .insertInto('organizations')
    .values({
      id: orgId,
      environment_id: env,
      name,
      external_id: null,
      metadata: '{}',
      allow_profiles_outside_organization: 0,
      stripe_customer_id: null,
      created_at: iso,
      updated_at: iso,
    })
    .execute();
  await tx
    .insertInto('organization_domains')
    .values({
      id: deps.ids.next('org_domain'),
      environment_id: env,
      organization_id: orgId,
      domain,
      state: 'verified',
      verification_strategy: 'manual',
      verification_token: null,
      created_at: iso,
      updated_at: iso,
    })
    .onConflict((oc) => oc.columns(['environment_id', 'domain']).doNothing())
    .execute();
}

/**
 * The origins of an environment's redirect URIs. A test provider's form post ends, after a
 * redirect or two through Portico, on one of them, and CSP form-action governs every redirect of
 * a form submission, so the page that holds the form must allow them.
 */
export async function redirectOrigins(environments: EnvironmentService, environmentId: string) {
  const uris = await environments.listRedirectUris(environmentId);
  const origins = uris.flatMap((uri) => {
    try {
      return [new URL(uri).origin];
    } catch {
      return [];
    }
  });
  return [...new Set(origins)];
}

export function testIdpUrls(publicUrl: string, connectionId: string) {
  return {
    entityId: `${publicUrl}/test-idp/${connectionId}`,
    ssoUrl: `${publicUrl}/test-idp/${connectionId}/sso`,
  };
}

/** The environment's Test IdP connection, if it has one. */
function findTestIdp(q: Deps['db'], env: string) {
  return q
    .selectFrom('connections')
    .selectAll()
    .where('environment_id', '=', env)
    .where('protocol', '=', 'saml')
    .where('test_idp_key_sealed', 'is not', null)
    .orderBy('created_at', 'asc')
    .executeTakeFirst();
}

/**
 * `portico start` only: creates the Test Organization and its connection once (once across
 * processes that start together), and points the IdP URLs at this server's public URL. Other
 * commands never call it: a CLI run has its own (often default) public URL, and rewriting the
 * URLs would send the running server's sign-ins to an address nobody listens on.
 */
export async function ensureTestOrganization(deps: Deps, env: string) {
  const { db, config } = deps;
  const existing = await findTestIdp(db, env);
  if (existing) {
    const urls = testIdpUrls(config.publicUrl, existing.id);
    if (existing.saml_idp_entity_id !== urls.entityId || existing.saml_idp_sso_url !== urls.ssoUrl) {
      await db
        .updateTable('connections')
        .set({ saml_idp_entity_id: urls.entityId, saml_idp_sso_url: urls.ssoUrl })
        .where('id', '=', existing.id)
        .execute();
    }
    return existing.id;
  }
  // Key and certificate first (slow): other processes then wait only for the inserts.
  const now = deps.clock.now();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = await selfSignedCertificate(privateKey, publicKey, {
    commonName: 'Portico Test IdP',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
    serial: '01',
  });
  const orgId = deps.ids.next('org');
  const connId = deps.ids.next('conn');
  const urls = testIdpUrls(config.publicUrl, connId);
  const iso = now.toISOString();
  return serialized(deps, `bootstrap:test-idp:${env}`, async (tx) => {
    const raced = await findTestIdp(tx, env);
    if (raced) return raced.id;
    await insertTestOrganization(tx, deps, env, orgId, TEST_ORG_NAME, TEST_DOMAIN, iso);
    await tx
      .insertInto('connections')
      .values({
        id: connId,
        environment_id: env,
        organization_id: orgId,
        name: 'Test IdP (SAML)',
        connection_type: 'GenericSAML',
        protocol: 'saml',
        state: 'active',
        saml_idp_entity_id: urls.entityId,
        saml_idp_sso_url: urls.ssoUrl,
        saml_idp_certificates: JSON.stringify([cert.x5c]),
        saml_idp_metadata_url: null,
        saml_metadata_refreshed_at: null,
        saml_added_certificates: '[]',
        saml_certificate_notice: null,
        saml_allow_idp_initiated: 1,
        saml_sign_requests: 0,
        oidc_discovery_url: null,
        oidc_client_id: null,
        oidc_client_secret_sealed: null,
        attribute_map: '{}',
        group_role_map: '{}',
        test_idp_key_sealed: deps.secrets.seal(
          JSON.stringify({
            key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
            cert: cert.x5c,
          }),
        ),
        created_at: iso,
        updated_at: iso,
      })
      .execute();
    return connId;
  });
}

const Layout = ({ title, children }: { title: string; children?: unknown }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Portico Test IdP`}</title>
      <link rel="stylesheet" href="/authkit/styles.css" />
    </head>
    <body>
      <main class="card">{children}</main>
    </body>
  </html>
);

export function testIdpRoutes(app: Hono, deps: Deps, spKeys: SpKeyStore, environments: EnvironmentService) {
  const load = async (c: Context) => {
    const conn = await deps.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', c.req.param('id') ?? '')
      .where('test_idp_key_sealed', 'is not', null)
      .executeTakeFirst();
    return conn ?? null;
  };
  const unknown = (c: Context) =>
    errorPage(c, 404, {
      title: 'Unknown Test IdP',
      code: 'entity_not_found',
      message: 'This Test IdP connection does not exist.',
      hint: 'Use the Test IdP URL of a connection listed by `npm run portico -- connections list` (or the dashboard’s Connections page).',
    });
  const chooser = async (c: Context) => {
    const conn = await load(c);
    if (!conn) return unknown(c);
    pageHeaders(c);
    const samlRequest = c.req.query('SAMLRequest') ?? '';
    const relayState = c.req.query('RelayState') ?? '';
    const csrf = issueCsrf(c, deps, conn.id);
    return c.html(
      String(
        <Layout title="Choose a test user">
          <h1>Portico Test IdP</h1>
          <p>
            {samlRequest
              ? 'An application asked you to sign in.'
              : 'IdP-initiated sign-in: no application request.'}
          </p>
          <form method="post" action={`/test-idp/${conn.id}/sso`}>
            <input type="hidden" name="csrf" value={csrf} />
            <input type="hidden" name="SAMLRequest" value={samlRequest} />
            <input type="hidden" name="RelayState" value={relayState} />
            <fieldset>
              <legend>User</legend>
              {USERS.map((u, i) => (
                <label>
                  <input type="radio" name="email" value={u.email} checked={i === 0} />{' '}
                  {`${u.first} ${u.last} <${u.email}>`}
                </label>
              ))}
            </fieldset>
            <label for="other_email">…or type an email</label>
            <input id="other_email" name="other_email" type="email" autocomplete="off" />
            <label for="scenario">Scenario</label>
            <select id="scenario" name="scenario">
              {Object.entries(SCENARIOS).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
            <button type="submit">Sign in</button>
          </form>
        </Layout>,
      ),
      200,
    );
  };
  app.get('/test-idp/:id/sso', pageErrors, chooser);
  app.get('/test-idp/:id/start', pageErrors, chooser);

  app.post('/test-idp/:id/sso', pageErrors, async (c) => {
    const conn = await load(c);
    if (!conn) return unknown(c);
    const form = await readForm(c);
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    if (!checkCsrf(c, deps, conn.id, form.csrf)) {
      return errorPage(c, 403, {
        title: 'Form expired',
        code: 'form_expired',
        message: 'Reload the Test IdP page and try again.',
      });
    }
    const scenario = (str('scenario') || 'ok') as keyof typeof SCENARIOS;
    let email = (str('other_email') || str('email') || USERS[0]!.email).toLowerCase();
    if (scenario === 'outside_domain') email = 'mallory@outside.test';
    const user = USERS.find((u) => u.email === email) ?? {
      email,
      first: email.split('@')[0]!,
      last: 'Tester',
      groups: [] as string[],
    };
    const request = str('SAMLRequest') ? readAuthnRequest(str('SAMLRequest')) : { id: null, acsUrl: null };
    const sp = spValues(deps.config.publicUrl, conn);
    const { key, cert } = JSON.parse(deps.secrets.open(conn.test_idp_key_sealed!)) as {
      key: string;
      cert: string;
    };
    const now = deps.clock.now();
    // The ACS answers this form post with a redirect to one of the environment's redirect URIs,
    // and CSP form-action also governs that redirect: allow their origins.
    pageHeaders(c, [
      new URL(sp.acs_url).origin,
      ...(await redirectOrigins(environments, conn.environment_id)),
    ]);
    const xml = buildSamlResponse({
      idpEntityId: conn.saml_idp_entity_id!,
      spEntityId: sp.sp_entity_id,
      acsUrl: sp.acs_url,
      inResponseTo: request.id,
      nameId: user.email,
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      attributes: { email: user.email, firstName: user.first, lastName: user.last, groups: user.groups },
      now: scenario === 'expired' ? new Date(now.getTime() - 3_600_000) : now,
      validityMs: 5 * 60_000,
      signingKey: key,
      certificate: `-----BEGIN CERTIFICATE-----\n${cert}\n-----END CERTIFICATE-----`,
      // An IdP that encrypts signs the assertion first; a Response signature over the plaintext
      // would break when the assertion is replaced by its ciphertext.
      sign: scenario === 'unsigned' ? 'none' : scenario === 'encrypted' ? 'assertion' : 'both',
      ...(scenario === 'wrong_audience' ? { audience: 'https://another-sp.example/saml' } : {}),
    });
    const posted =
      scenario === 'encrypted'
        ? await encryptAssertion(xml, { certificate: (await spKeys.get(conn.environment_id)).certificatePem })
        : xml;
    return c.html(
      String(
        <Layout title="Continue to the application">
          <h1>Signed in as {user.email}</h1>
          <p>Press continue to post the SAML response to Portico.</p>
          <form method="post" action={sp.acs_url}>
            <input type="hidden" name="SAMLResponse" value={Buffer.from(posted).toString('base64')} />
            <input type="hidden" name="RelayState" value={str('RelayState')} />
            <button type="submit">Continue</button>
          </form>
        </Layout>,
      ),
      200,
    );
  });
}
