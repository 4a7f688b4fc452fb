/**
 * Enterprise SSO in a real browser (Debian Chromium via playwright-core), with the official SDK
 * (8.x) on the app side: SP-initiated SAML through AuthKit with Portico's Test IdP, IdP-initiated
 * SAML, OIDC through AuthKit against a real oidc-provider, and a SAML failure shown by the app.
 * Then the hosted sign-in page's routing of an SSO domain's email to the IdP, and the Test IdP
 * page on a phone.
 *
 * Cross-site returns (DESIGN.md): Chromium maps `*.test` to 127.0.0.1 and the OIDC provider is
 * `http://idp.test:<port>`; the customer app is `http://localhost:<port>` (Portico accepts plain
 * http:// redirect URIs only on localhost); Portico stays at `http://127.0.0.1:<port>` (its
 * PORTICO_PUBLIC_URL). So every return to the app, and the OIDC provider's redirect to Portico's
 * callback, crosses sites. The SAML Test IdP is served by Portico itself, so its POST to the ACS
 * is same-origin; the ACS's redirect to the app is not.
 *
 * Screenshots land in test-artifacts/screenshots/sso-*.png. Runs in the `sqlite` vitest project
 * only (see vitest.config.ts), on the system clock.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page, type Request, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainDataState, WorkOS } from 'workos-node-8';
import { freePort } from '../../../apps/server/test/harness.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  PHONE,
  SCREENSHOT_DIR,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type SsoApp, startSsoApp } from './support/sso-browser-app.ts';
import { listenOidcIdp, resolveTestHostsToLoopback, type SsoOidcIdp } from './support/sso-oidc-idp.ts';

const COOKIE_PASSWORD = 'sso-browser-test-cookie-password-0123456789';
const OIDC_DOMAIN = 'oidc-customer.test';
const CAROL = {
  email: `carol@${OIDC_DOMAIN}`,
  email_verified: true,
  given_name: 'Carol',
  family_name: 'Customer',
  name: 'Carol Customer',
};

let restoreDns: (() => void) | undefined;
let p: Running;
let workos: WorkOS;
let app: SsoApp;
let idp: SsoOidcIdp;
let browser: Browser;
let testOrgId: string;
let testConnId: string;
let oidcOrgId: string;
let oidcConnId: string;
let oidcRedirectUri: string;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  restoreDns = resolveTestHostsToLoopback();
  const appPort = await freePort();
  // Portico allows plain http:// redirect URIs only on localhost (https elsewhere), so the app is
  // http://localhost:<port>: another site than Portico's http://127.0.0.1:<port> all the same.
  const appUrl = `http://localhost:${appPort}`;
  p = await startPortico({ testIdp: true, env: { PORTICO_REDIRECT_URIS: `${appUrl}/callback` } });
  workos = new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
  });
  const { data: orgs } = await workos.organizations.listOrganizations({ limit: 100 });
  testOrgId = orgs.find((o) => o.name === 'Test Organization')!.id;
  testConnId = (await workos.sso.listConnections({ organizationId: testOrgId })).data[0]!.id;

  // The OIDC customer: an organization with a domain and a GenericOIDC connection to oidc-provider
  // on idp.test, whose client lists the redirect URI Portico's set-up view names.
  idp = await listenOidcIdp('idp.test', {
    [CAROL.email]: { claims: CAROL, userinfoOnly: { groups: ['Finance'] } },
  });
  const org = await workos.organizations.createOrganization({
    name: 'OIDC Customer',
    domainData: [{ domain: OIDC_DOMAIN, state: DomainDataState.Verified }],
  });
  oidcOrgId = org.id;
  const created = await api('POST', '/connections', {
    name: 'OIDC Customer IdP',
    organization_id: oidcOrgId,
    connection_type: 'GenericOIDC',
    oidc: { discovery_url: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  oidcConnId = (created.body as { id: string; state: string }).id;
  expect((created.body as { state: string }).state).toBe('active');
  const setup = await api('GET', `/connections/${oidcConnId}/setup`);
  oidcRedirectUri = (setup.body as { oidc: { redirect_uri: string } }).oidc.redirect_uri;
  expect(oidcRedirectUri).toBe(`${p.url}/sso/oidc/${oidcConnId}/callback`);
  idp.start([oidcRedirectUri]);

  app = await startSsoApp({
    workos,
    clientId: p.h.clientId,
    host: 'localhost',
    port: appPort,
    cookiePassword: COOKIE_PASSWORD,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1, MAP localhost 127.0.0.1'],
    timeout: 30_000,
  });
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await app?.close();
  await idp?.close();
  await p?.close();
  restoreDns?.();
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${p.h.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
}

interface Trace {
  outcome: string;
  initiated_by: string;
  email: string | null;
  error: { code: string; message: string; fix: string } | null;
  steps: { step: string; ok: boolean; detail?: string }[];
}
async function lastTrace(connectionId: string): Promise<Trace> {
  const r = await api('GET', `/connections/${connectionId}/sso_traces?limit=1`);
  return (r.body as { data: Trace[] }).data[0]!;
}

async function newPage(): Promise<WatchedPage> {
  const w = await openPage(browser);
  // oidc-provider's dev pages @import a Google font; this sandbox has no Internet.
  await w.context.route('https://fonts.googleapis.com/**', (r) =>
    r.fulfill({ status: 200, contentType: 'text/css', body: '' }),
  );
  opened.push(w);
  return w;
}

/** Every main-frame navigation request (method and URL) made while `fn` runs. */
async function navigations(page: Page, fn: () => Promise<unknown>): Promise<Request[]> {
  const seen: Request[] = [];
  const on = (r: Request) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) seen.push(r);
  };
  page.on('request', on);
  try {
    await fn();
  } finally {
    page.off('request', on);
  }
  return seen;
}

/**
 * Presses Continue (the Test IdP's continue page, the OIDC provider's consent page): the browser
 * must arrive at `target`. If it does not, the failure quotes what Chromium reported (for
 * example a Content-Security-Policy violation). Returns the navigations on the way.
 */
async function pressContinue(w: WatchedPage, target: string | ((u: URL) => boolean)): Promise<Request[]> {
  const { page } = w;
  let failure: unknown;
  const navs = await navigations(page, () =>
    Promise.all([
      page.waitForURL(target).catch((err: unknown) => {
        failure = err;
      }),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]),
  );
  // Chromium reports a blocked navigation on the console a moment after aborting it.
  if (failure) await page.waitForTimeout(300);
  expect(
    failure,
    `after Continue the browser is on ${page.url()}, not at the app. Chromium said:\n${w.problems.join('\n')}`,
  ).toBeUndefined();
  return navs;
}

const withoutQuery = (r: Request) => `${r.method()} ${r.url().replace(/\?.*$/, '')}`;

function redirectChain(res: Response | null): string[] {
  const urls: string[] = [];
  for (let r = res?.request() ?? null; r; r = r.redirectedFrom()) urls.unshift(r.url());
  return urls;
}

function expectShot(file: string) {
  expect(existsSync(file) && statSync(file).size > 2_000, file).toBe(true);
}

/** A Portico page (Test IdP): desktop and phone screenshots (the phone layout has its own test). */
async function shootPortico(page: Page, name: string) {
  const { files } = await screenshotBoth(page, name);
  for (const f of files) expectShot(f);
}

/** Any other page (the OIDC provider's, the app's): one desktop screenshot. */
async function shoot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}-1280.png`);
  await page.screenshot({ path: file, fullPage: true });
  expectShot(file);
}

/** The Test IdP chooser: pick a user by its label and a scenario, press Sign in → the continue page. */
async function pickOnTestIdp(page: Page, user: 'Alice' | 'Bob', scenario = 'ok') {
  await page.getByLabel(new RegExp(`^\\s*${user} Example <`)).check();
  await page.locator('select[name="scenario"]').selectOption(scenario);
  await Promise.all([
    page.waitForURL(`${p.url}/test-idp/${testConnId}/sso`),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState('load');
}

describe('Enterprise SSO in Chromium (SDK 8)', () => {
  it('SP-initiated SAML through AuthKit: getAuthorizationUrl({ organizationId }) → Test IdP (Bob) → ACS → the app, signed in with SSO', async () => {
    const w = await newPage();
    const { page } = w;

    // 1. The app's /login → Portico's authorize (organization_id) → the Test IdP's page.
    const landing = await page.goto(`${app.url}/login?organization=${testOrgId}`);
    const chain = redirectChain(landing);
    expect(chain[0]).toBe(`${app.url}/login?organization=${testOrgId}`);
    const authorize = new URL(chain[1]!);
    expect(authorize.origin + authorize.pathname).toBe(`${p.url}/user_management/authorize`);
    expect(authorize.searchParams.get('organization_id')).toBe(testOrgId);
    expect(authorize.searchParams.get('client_id')).toBe(p.h.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(app.redirectUri);
    const appState = authorize.searchParams.get('state');
    expect(appState).toBeTruthy();
    expect(chain).toHaveLength(3);
    const idpPage = new URL(page.url());
    expect(idpPage.origin + idpPage.pathname).toBe(`${p.url}/test-idp/${testConnId}/sso`);
    expect(idpPage.searchParams.get('SAMLRequest')).toBeTruthy();
    const relayState = idpPage.searchParams.get('RelayState');
    expect(relayState).toBeTruthy();
    expect(landing?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Choose a test user · Portico Test IdP');
    await expect(page.locator('h1').textContent()).resolves.toBe('Portico Test IdP');
    await expect(page.locator('main').textContent()).resolves.toContain(
      'An application asked you to sign in.',
    );
    await shootPortico(page, 'sso-test-idp');

    // 2. Bob → the continue page, whose form posts the signed response to the ACS.
    await pickOnTestIdp(page, 'Bob');
    await expect(page.locator('h1').textContent()).resolves.toBe('Signed in as bob@saml.portico.test');
    const form = page.locator('form');
    expect(await form.getAttribute('action')).toBe(`${p.url}/sso/saml/${testConnId}/acs`);
    expect(await form.locator('input[name="RelayState"]').inputValue()).toBe(relayState);
    const samlResponse = Buffer.from(
      await form.locator('input[name="SAMLResponse"]').inputValue(),
      'base64',
    ).toString('utf8');
    expect(samlResponse).toContain('bob@saml.portico.test');
    await shootPortico(page, 'sso-test-idp-continue');

    // 3. Continue: POST to the ACS → 302 to the app's callback (cross-site) → /me.
    const navs = await pressContinue(w, `${app.url}/me`);
    expect(navs.map(withoutQuery)).toEqual([
      `POST ${p.url}/sso/saml/${testConnId}/acs`,
      `GET ${app.redirectUri}`,
      `GET ${app.url}/me`,
    ]);
    const back = new URL(navs[1]!.url());
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(back.searchParams.get('state')).toBe(appState);
    expect(back.searchParams.get('error')).toBeNull();

    // 4. The app exchanged the code with authenticateWithCode and shows the user.
    expect(app.errors).toEqual([]);
    await expect(page.locator('#email').textContent()).resolves.toBe('bob@saml.portico.test');
    await expect(page.locator('#name').textContent()).resolves.toBe('Bob Example');
    await expect(page.locator('#method').textContent()).resolves.toBe('SSO');
    await expect(page.locator('#organization').textContent()).resolves.toBe(testOrgId);
    await shoot(page, 'sso-app-signed-in-saml');
    const cb = app.callbacks.at(-1)!;
    expect(cb).toMatchObject({
      idpInitiated: false,
      email: 'bob@saml.portico.test',
      organizationId: testOrgId,
      authenticationMethod: 'SSO',
    });

    // Just-in-time: Bob exists, is verified and is a member of the Test Organization.
    const user = await workos.userManagement.getUser(cb.userId);
    expect(user).toMatchObject({ email: 'bob@saml.portico.test', emailVerified: true });
    const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
      userId: user.id,
    });
    expect(memberships.map((m) => m.organizationId)).toEqual([testOrgId]);
    const trace = await lastTrace(testConnId);
    expect(trace).toMatchObject({
      outcome: 'succeeded',
      initiated_by: 'sp',
      email: 'bob@saml.portico.test',
      error: null,
    });

    expect(w.problems).toEqual([]);
  });

  it('IdP-initiated SAML: /test-idp/<connection>/start → Alice → ACS → the first allowed redirect URI with a code the app exchanges', async () => {
    const w = await newPage();
    const { page } = w;
    const before = app.callbacks.length;

    const start = await page.goto(`${p.url}/test-idp/${testConnId}/start`);
    expect(start?.status()).toBe(200);
    await expect(page.locator('main').textContent()).resolves.toContain(
      'IdP-initiated sign-in: no application request.',
    );
    expect(await page.locator('input[name="SAMLRequest"]').inputValue()).toBe('');
    await shootPortico(page, 'sso-test-idp-idp-initiated');

    await pickOnTestIdp(page, 'Alice');
    await expect(page.locator('h1').textContent()).resolves.toBe('Signed in as alice@saml.portico.test');
    await shootPortico(page, 'sso-test-idp-continue-idp-initiated');

    const navs = await pressContinue(w, `${app.url}/me`);
    expect(navs.map(withoutQuery)).toEqual([
      `POST ${p.url}/sso/saml/${testConnId}/acs`,
      `GET ${app.redirectUri}`,
      `GET ${app.url}/me`,
    ]);
    // The first (here the only) allowed redirect URI, with a code and no state.
    const back = new URL(navs[1]!.url());
    expect([...back.searchParams.keys()]).toEqual(['code']);
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    expect(app.errors).toEqual([]);
    expect(app.callbacks).toHaveLength(before + 1);
    expect(app.callbacks.at(-1)).toMatchObject({
      idpInitiated: true,
      email: 'alice@saml.portico.test',
      organizationId: testOrgId,
      authenticationMethod: 'SSO',
    });
    await expect(page.locator('#email').textContent()).resolves.toBe('alice@saml.portico.test');
    await expect(page.locator('#method').textContent()).resolves.toBe('SSO');
    await shoot(page, 'sso-app-signed-in-idp-initiated');
    const trace = await lastTrace(testConnId);
    expect(trace).toMatchObject({
      outcome: 'succeeded',
      initiated_by: 'idp',
      email: 'alice@saml.portico.test',
    });

    expect(w.problems).toEqual([]);
  });

  it('OIDC through AuthKit: getAuthorizationUrl({ organizationId }) → oidc-provider on idp.test (login, consent) → Portico’s callback → the app, signed in with SSO', async () => {
    const w = await newPage();
    const { page } = w;

    // 1. The app's /login → Portico's authorize → the IdP's authorization endpoint → its login page.
    const landing = await page.goto(`${app.url}/login?organization=${oidcOrgId}`);
    const chain = redirectChain(landing);
    expect(chain[0]).toBe(`${app.url}/login?organization=${oidcOrgId}`);
    const authorize = new URL(chain[1]!);
    expect(authorize.origin + authorize.pathname).toBe(`${p.url}/user_management/authorize`);
    expect(authorize.searchParams.get('organization_id')).toBe(oidcOrgId);
    const appState = authorize.searchParams.get('state');
    const atIdp = new URL(chain[2]!);
    expect(atIdp.origin).toBe(idp.issuer);
    expect(atIdp.searchParams.get('client_id')).toBe(idp.clientId);
    expect(atIdp.searchParams.get('redirect_uri')).toBe(oidcRedirectUri);
    expect(atIdp.searchParams.get('response_type')).toBe('code');
    expect(atIdp.searchParams.get('scope')?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    expect(atIdp.searchParams.get('code_challenge_method')).toBe('S256');
    expect(atIdp.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(atIdp.searchParams.get('nonce')).toBeTruthy();
    const oidcState = atIdp.searchParams.get('state');
    expect(oidcState).toBeTruthy();
    expect(oidcState).not.toBe(appState);
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    expect(landing?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign-in');
    await shoot(page, 'sso-oidc-provider-login');

    // 2. The provider's dev login form, then its consent page.
    await page.locator('input[name="login"]').fill(CAROL.email);
    await page.locator('input[name="password"]').fill('any password');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign-in' }).click()]);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Authorize');
    await shoot(page, 'sso-oidc-provider-consent');

    // 3. Continue: the IdP redirects to Portico's callback (cross-site) → the app (cross-site) → /me.
    const navs = await pressContinue(w, `${app.url}/me`);
    const hops = navs.map(withoutQuery);
    const callbackAt = hops.indexOf(`GET ${oidcRedirectUri}`);
    expect(callbackAt, hops.join('\n')).toBeGreaterThan(0);
    expect(
      hops.slice(0, callbackAt).every((h) => h.includes(idp.issuer)),
      hops.join('\n'),
    ).toBe(true);
    expect(hops.slice(callbackAt)).toEqual([
      `GET ${oidcRedirectUri}`,
      `GET ${app.redirectUri}`,
      `GET ${app.url}/me`,
    ]);
    const atPortico = new URL(navs[callbackAt]!.url());
    expect(atPortico.searchParams.get('state')).toBe(oidcState);
    expect(atPortico.searchParams.get('code')).toBeTruthy();
    const back = new URL(navs[callbackAt + 1]!.url());
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(back.searchParams.get('state')).toBe(appState);

    // 4. Signed in: JIT user with the IdP's names, membership, authentication method SSO.
    expect(app.errors).toEqual([]);
    await expect(page.locator('#email').textContent()).resolves.toBe(CAROL.email);
    await expect(page.locator('#name').textContent()).resolves.toBe('Carol Customer');
    await expect(page.locator('#method').textContent()).resolves.toBe('SSO');
    await expect(page.locator('#organization').textContent()).resolves.toBe(oidcOrgId);
    await shoot(page, 'sso-app-signed-in-oidc');
    const cb = app.callbacks.at(-1)!;
    expect(cb).toMatchObject({
      idpInitiated: false,
      email: CAROL.email,
      organizationId: oidcOrgId,
      authenticationMethod: 'SSO',
    });
    const { data: memberships } = await workos.userManagement.listOrganizationMemberships({
      userId: cb.userId,
    });
    expect(memberships.map((m) => m.organizationId)).toEqual([oidcOrgId]);
    const trace = await lastTrace(oidcConnId);
    expect(trace).toMatchObject({ outcome: 'succeeded', initiated_by: 'sp', email: CAROL.email });
    expect(trace.steps.filter((s) => s.ok).map((s) => s.step)).toEqual(
      expect.arrayContaining(['discovery', 'callback', 'token_exchange', 'id_token', 'userinfo']),
    );

    // Only the provider's own pages may complain (none of Portico's or the app's).
    expect(w.problems.filter((x) => !x.includes(idp.issuer))).toEqual([]);
  });

  it('a failure in the browser: the Test IdP’s “Expired assertion” ends on the app’s callback with error=saml_assertion_expired and a description that explains it', async () => {
    const w = await newPage();
    const { page } = w;
    const before = { callbacks: app.callbacks.length, failures: app.failures.length };

    await page.goto(`${app.url}/login?organization=${testOrgId}`);
    expect(new URL(page.url()).pathname).toBe(`/test-idp/${testConnId}/sso`);
    const appState = new URL(app.authorizeUrls.at(-1)!).searchParams.get('state');
    await pickOnTestIdp(page, 'Alice', 'expired');

    const navs = await pressContinue(w, (u) => u.href.startsWith(`${app.redirectUri}?`));
    expect(navs.map(withoutQuery)).toEqual([
      `POST ${p.url}/sso/saml/${testConnId}/acs`,
      `GET ${app.redirectUri}`,
    ]);
    const back = new URL(page.url());
    expect(back.searchParams.get('error')).toBe('saml_assertion_expired');
    expect(back.searchParams.get('state')).toBe(appState);
    expect(back.searchParams.get('code')).toBeNull();

    // The app shows it; the description names the cause (NotOnOrAfter passed) and the fix (clocks).
    await expect(page.locator('#error').textContent()).resolves.toBe('saml_assertion_expired');
    const description = (await page.locator('#error-description').textContent()) ?? '';
    expect(description).toMatch(/NotOnOrAfter is \d{4}-\d\d-\d\dT/);
    expect(description).toContain('the assertion has expired');
    expect(description).toMatch(/clock/i);
    await shoot(page, 'sso-app-error-expired');

    expect(app.callbacks).toHaveLength(before.callbacks);
    expect(app.failures).toHaveLength(before.failures + 1);
    expect(app.failures.at(-1)).toMatchObject({
      error: 'saml_assertion_expired',
      description,
      stateMatched: true,
    });
    const trace = await lastTrace(testConnId);
    expect(trace).toMatchObject({ outcome: 'failed', error: { code: 'saml_assertion_expired' } });
    expect(description).toContain(trace.error!.fix);
    // The app answers the error with a 400 page; Chromium logs that as a failed resource load,
    // which openPage() already ignores. Nothing else may go wrong.
    expect(w.problems).toEqual([]);
  });

  it('the hosted sign-in page sends an email of an SSO customer’s domain straight to its IdP (another site), and back', async () => {
    const w = await newPage();
    const { page } = w;
    await page.goto(`${app.url}/login`);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    const appState = new URL(app.authorizeUrls.at(-1)!).searchParams.get('state');

    // The user knows only their work email; they have no Portico password.
    await page.getByLabel('Email', { exact: true }).fill(CAROL.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer, { timeout: 3_000 }).catch(() => {});
    const unfilled = await page
      .locator('main input:invalid')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).name));
    expect(
      new URL(page.url()).origin,
      `still on ${page.url()}. ${unfilled.length ? `Chromium refused to submit the form: required field(s) left empty: ${unfilled.join(', ')}. ` : ''}Chromium said: ${JSON.stringify(w.problems)}`,
    ).toBe(idp.issuer);
    // Portico forwarded the typed email as login_hint: the provider's login field is filled in.
    expect(await page.locator('input[name="login"]').inputValue()).toBe(CAROL.email);
    await page.locator('input[name="password"]').fill('any password');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign-in' }).click()]);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Authorize');
    const navs = await pressContinue(w, `${app.url}/me`);
    const back = new URL(navs.find((r) => r.url().startsWith(`${app.redirectUri}?`))!.url());
    expect(back.searchParams.get('state')).toBe(appState);
    await expect(page.locator('#email').textContent()).resolves.toBe(CAROL.email);
    await expect(page.locator('#method').textContent()).resolves.toBe('SSO');
    expect(w.problems.filter((x) => !x.includes(idp.issuer))).toEqual([]);
  });

  it('the Test IdP page fits a 390 px phone screen', async () => {
    const w = await newPage();
    const { page } = w;
    await page.setViewportSize(PHONE);
    await page.goto(`${p.url}/test-idp/${testConnId}/start`);
    const layout = await page.evaluate(() => {
      const card = document.querySelector('main.card')!.getBoundingClientRect();
      return {
        scrollWidth: document.documentElement.scrollWidth,
        outside: [...document.querySelectorAll('main.card *')]
          .filter((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > card.right)
          .map(
            (e) =>
              `${e.tagName.toLowerCase()}#${e.id}: right edge ${Math.round(e.getBoundingClientRect().right)} px`,
          ),
      };
    });
    expect(layout.outside, 'controls that stick out of the card at 390 px').toEqual([]);
    expect(layout.scrollWidth, 'the page scrolls sideways at 390 px').toBeLessThanOrEqual(390);
    expect(w.problems).toEqual([]);
  });
});
