/**
 * Every route that answers a person with HTML, in Chromium, against Portico started with the
 * README's `npm start` in a clean copy (support/shipped.ts), in its success state and its error
 * states — on SQLite and on PostgreSQL.
 *
 * The table below is checked against the routes the server really mounts (read from an in-process
 * build that serves nothing): each mounted route that is not a JSON API contract is either a PAGE
 * with its cases or NOT_A_PAGE with the reason. A new route in neither, or a table row for a route
 * that no longer exists, fails the first test.
 *
 * The cases live beside it, one file per area (support/pages-apps.ts, pages-authkit.ts,
 * pages-reset.ts, pages-sso.ts, pages-device.ts…), on the steps in support/pages-flows.ts. Every document Portico answers during a
 * case is recorded (support/pages-kit.ts): a 5xx, or a
 * final answer that is not HTML, fails the case wherever it happens in the flow. The page a case
 * ends on is checked as a person reads it: status, content type, a title and a heading, no JSON,
 * the stylesheet applied, no CSP violation or script error, and for an error its stable code and
 * how to fix it. Success flows are driven the way people reach them: a sign-up from
 * `/user_management/authorize` back to the application's callback with a code (the redirect URI
 * allowed with `portico redirect-uris add`), SSO through the built-in Test IdP and the OIDC Test
 * Provider routed by organization, an Admin Portal link generated through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../packages/compat/test/support/browser.ts';
import * as apps from './support/pages-apps.ts';
import * as authkit from './support/pages-authkit.ts';
import { brandedPages } from './support/pages-brand.ts';
import * as codes from './support/pages-codes.ts';
import * as device from './support/pages-device.ts';
import { api, inChromium, type PageRow, t } from './support/pages-flows.ts';
import * as impersonation from './support/pages-impersonation.ts';
import {
  expectPage,
  hits,
  mountedNonContractRoutes,
  type RouteKey,
  routeMatcher,
  startApp,
} from './support/pages-kit.ts';
import * as mfa from './support/pages-mfa.ts';
import * as passkeys from './support/pages-passkeys.ts';
import * as reset from './support/pages-reset.ts';
import * as social from './support/pages-social.ts';
import * as sso from './support/pages-sso.ts';
import { startShipped } from './support/shipped.ts';

let mounted: RouteKey[];
let contracts: Set<RouteKey>;

/** Every page, with its cases (the rows are in support/pages-*.ts). */
const PAGES: Record<RouteKey, PageRow> = {
  'GET /': apps.dashboard,
  'GET /portal': apps.portal,
  'GET /portal/launch': apps.portalLaunch,
  'GET /portal/sso/test/callback': apps.portalTestCallback,
  'GET /user_management/authorize': authkit.authorize,
  'GET /authkit/sign-in': authkit.signInForm,
  'POST /authkit/sign-in': {
    ...authkit.signInSubmit,
    cases: [...authkit.signInSubmit.cases, codes.magicStart],
  },
  'POST /authkit/magic/verify': codes.magicVerify,
  'GET /authkit/continue/:id': {
    ...codes.continueShow,
    cases: [...codes.continueShow.cases, mfa.enrollShow, mfa.challengeShow, passkeys.offerShow],
  },
  'POST /authkit/continue/:id': {
    ...codes.continueSubmit,
    cases: [...codes.continueSubmit.cases, mfa.enrollSubmit, mfa.enrollWrong, mfa.recoverySubmit],
  },
  'POST /authkit/continue/:id/passkey': passkeys.addSubmit,
  'POST /authkit/continue/:id/skip': passkeys.skipSubmit,
  'POST /authkit/passkey': passkeys.passkeySignIn,
  'GET /authkit/sign-up': authkit.signUpForm,
  'POST /authkit/sign-up': authkit.signUpSubmit,
  'GET /authkit/invite': authkit.invitePage,
  'GET /authkit/device': device.codeForm,
  'POST /authkit/device': device.codeSubmit,
  'GET /authkit/device/callback': device.callback,
  'GET /authkit/device/confirm': device.confirmShow,
  'POST /authkit/device/confirm': device.confirmSubmit,
  'GET /user_management/sessions/logout': authkit.logout,
  'GET /authkit/forgot-password': reset.forgotForm,
  'POST /authkit/forgot-password': reset.forgotSubmit,
  'GET /authkit/reset-password': reset.resetForm,
  'POST /authkit/reset-password': reset.resetSubmit,
  'GET /authkit/reset-password/done': reset.resetDone,
  'GET /sso/authorize': sso.ssoAuthorize,
  'POST /sso/saml/:id/acs': sso.samlAcs,
  'GET /sso/oidc/:id/callback': sso.oidcCallback,
  'GET /sso/test/callback': sso.testSignInCallback,
  'GET /test-idp/:id/sso': sso.testIdpSso,
  'GET /test-idp/:id/start': sso.testIdpStart,
  'POST /test-idp/:id/sso': sso.testIdpContinue,
  'GET /test-oidc/:id/authorize': sso.testOidcAuthorize,
  'POST /test-oidc/:id/authorize': sso.testOidcSubmit,
  'GET /test-oauth/authorize': social.testOAuthShow,
  'POST /test-oauth/authorize': social.testOAuthSubmit,
  'GET /oauth/callback': social.oauthCallback,
  'POST /oauth/callback': social.oauthCallbackPost,
  'GET /authkit/impersonate/:token': impersonation.impersonateShow,
  'POST /authkit/impersonate/:token': impersonation.impersonateContinue,
};

/** Mounted routes a person never reads as a page, and why. */
const NOT_A_PAGE: Record<RouteKey, string> = {
  'ALL /*': 'middleware on every request (request id, access log, in-flight count), not a route of its own',
  'ALL /_admin/*':
    'middleware: the dashboard’s writes only from PORTICO_PUBLIC_URL’s origin, as JSON (surfaces/browser-writes.ts), not a route of its own',
  'ALL /portal/api/*':
    'middleware: the Admin Portal’s writes only from PORTICO_PUBLIC_URL’s origin, as JSON (surfaces/browser-writes.ts), not a route of its own',
  'GET /health': 'JSON health check for load balancers',
  'POST /authkit/continue/:id/resend':
    'the email-verification step’s "Send a new code": reached only when an environment requires email verification, which no shipped surface (API, CLI, dashboard) turns on yet; covered in packages/compat/test/one-time-codes.browser.test.ts',
  'GET /openapi.json': 'the OpenAPI document (JSON)',
  'GET /_app/assets/:file': 'the React apps’ hashed JS and CSS files',
  'GET /authkit/styles.css': 'the hosted pages’ stylesheet (checked applied on every hosted page above)',
  'GET /authkit/passkey.js':
    'the hosted pages’ passkey script (navigator.credentials), run by the passkey rows above with no CSP violation',
  'GET /authkit/brand/:file':
    'the environment’s branding stylesheet (CSS custom properties), checked applied on the branded pages below',
  'GET /sso/jwks/:clientId': 'JWKS (JSON) for verifying access tokens',
  'GET /audit_logs/jwks/:clientId':
    'the public keys (JSON) that verify audit log checkpoints; covered in apps/server/test/flows/audit-logs.test.ts',
  'GET /audit_logs/exports/:id/download':
    'an audit log export’s CSV behind its signed, expiring link (not HTML); downloaded from the shipped server in as-shipped/audit-logs.test.ts',
  'GET /sso/saml/:id/metadata': 'SAML SP metadata (XML) for the IdP',
  'GET /sso/profile': 'SSO API: the profile for a bearer access token (JSON, called by the SDK)',
  'GET /test-oidc/:id/.well-known/openid-configuration': 'OIDC discovery (JSON) of the OIDC Test Provider',
  'GET /test-oidc/:id/jwks': 'the OIDC Test Provider’s JWKS (JSON)',
  'POST /test-oidc/:id/token': 'the OIDC Test Provider’s token endpoint (JSON, called by Portico)',
  'GET /test-oidc/:id/userinfo': 'the OIDC Test Provider’s userinfo endpoint (JSON, called by Portico)',
  ...Object.fromEntries(
    [
      'GET /scim/v2/:dir/ServiceProviderConfig',
      'GET /scim/v2/:dir/ResourceTypes',
      'GET /scim/v2/:dir/Schemas',
      'GET /scim/v2/:dir/Schemas/:urn',
      'GET /scim/v2/:dir/ResourceTypes/:name',
      'GET /scim/v2/:dir/Users',
      'POST /scim/v2/:dir/Users',
      'GET /scim/v2/:dir/Users/:id',
      'PUT /scim/v2/:dir/Users/:id',
      'PATCH /scim/v2/:dir/Users/:id',
      'DELETE /scim/v2/:dir/Users/:id',
      'GET /scim/v2/:dir/Groups',
      'POST /scim/v2/:dir/Groups',
      'GET /scim/v2/:dir/Groups/:id',
      'PUT /scim/v2/:dir/Groups/:id',
      'PATCH /scim/v2/:dir/Groups/:id',
      'DELETE /scim/v2/:dir/Groups/:id',
    ].map((k) => [k, 'SCIM 2.0 (JSON) for the customer’s identity provider']),
  ),
  'ALL /scim/v2/:dir': 'SCIM 2.0: the RFC 7644 error (JSON) for an unknown path under the SCIM base',
  'ALL /scim/v2/:dir/*': 'SCIM 2.0: the RFC 7644 error (JSON) for an unknown path under the SCIM base',
  'ALL /scim/v2': 'SCIM 2.0: the RFC 7644 error (JSON) for a SCIM base URL without its directory id',
};

// ── the suite ──────────────────────────────────────────────────────────────

beforeAll(async () => {
  ({ routes: mounted, contracts } = await mountedNonContractRoutes());
  t.match = routeMatcher(Object.keys(PAGES));
  t.p = await startShipped();
  t.app = await startApp();
  const { p, app, known } = t;
  // The README's way to allow the application's callback.
  const allowed = await p.cli(['redirect-uris', 'add', app.callback]);
  expect(allowed.out).toContain(`Allowed ${app.callback}`);
  const orgs = await api<{ data: { id: string; name: string }[] }>('/organizations?limit=100');
  known.testOrg = orgs.data.find((o) => o.name === 'Test Organization')!.id;
  known.oidcOrg = orgs.data.find((o) => o.name === 'Test OIDC Organization')!.id;
  const conns = await api<{ data: { id: string; organization_id: string }[] }>('/connections?limit=100');
  known.testConn = conns.data.find((c) => c.organization_id === known.testOrg)!.id;
  known.oidcConn = conns.data.find((c) => c.organization_id === known.oidcOrg)!.id;
  await api('/user_management/users', {
    method: 'POST',
    body: JSON.stringify({ email: known.user.email, password: known.user.password, first_name: 'Ada' }),
  });
  t.browser = await launchChromium();
});

afterAll(async () => {
  await t.browser?.close();
  await t.app?.close();
  await t.p?.stop();
});

describe('the route table', () => {
  it('names every mounted route that is not a JSON API contract, and nothing else', () => {
    const inTable = new Set([...Object.keys(PAGES), ...Object.keys(NOT_A_PAGE)]);
    const missing = mounted.filter((r) => !inTable.has(r));
    expect(
      missing.map(
        (r) =>
          `${r}: mounted, but pages.test.ts does not know it — add a case to pages.test.ts (PAGES), or list it in NOT_A_PAGE with the reason`,
      ),
    ).toEqual([]);
    const stale = [...inTable].filter((r) => !mounted.includes(r));
    expect(
      stale.map((r) =>
        contracts.has(r)
          ? `${r}: a JSON API contract of the registry, not a page — remove it from pages.test.ts`
          : `${r}: in pages.test.ts but not mounted — remove or rename its row`,
      ),
    ).toEqual([]);
    const both = Object.keys(PAGES).filter((r) => r in NOT_A_PAGE);
    expect(both, 'routes listed both as a page and as not a page').toEqual([]);
  });

  it('gives every page a success case and an error case', () => {
    const thin = Object.entries(PAGES).flatMap(([route, row]) =>
      (['ok', 'error'] as const)
        .filter((k) => !row.cases.some((c) => c.kind === k))
        .map((k) => `${route}: no ${k === 'ok' ? 'success' : 'error'} case`),
    );
    expect(thin).toEqual([]);
  });
});

for (const [route, row] of Object.entries(PAGES)) {
  describe(`${route} — ${row.page}`, () => {
    for (const c of row.cases) it(`${c.kind === 'ok' ? 'success' : 'error'}: ${c.name}`, () => c.run());
  });
}

describe('the hosted pages in the environment’s branding', () => {
  it('sign-in and forgot-password show the name and colour set through the dashboard’s endpoint, at 1280 and 390 px', () =>
    brandedPages());
});

describe('a path Portico does not serve', () => {
  it('is a page with route_not_found for a browser, JSON for the SDK', async () => {
    await inChromium(async (v) => {
      await v.go(`${t.p.url}/authkit/sign-inn`);
      await expectPage(v, {
        status: 404,
        heading: 'Page not found',
        code: 'route_not_found',
        fix: 'Check the link you followed.',
        styles: 'hosted',
      });
    });
    const sdk = await fetch(`${t.p.url}/organisations`, {
      headers: { accept: 'application/json, text/plain, */*', authorization: `Bearer ${t.p.apiKey}` },
    });
    expect(sdk.status).toBe(404);
    expect(((await sdk.json()) as { code: string }).code).toBe('route_not_found');
  });
});

describe('coverage', () => {
  it('requested every page in Chromium', () => {
    const seen = new Set(hits.map((h) => h.route));
    expect(
      Object.keys(PAGES)
        .filter((r) => !seen.has(r))
        .map((r) => `${r}: none of its cases made Chromium request it`),
    ).toEqual([]);
  });
});
