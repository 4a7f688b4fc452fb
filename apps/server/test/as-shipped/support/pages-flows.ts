/**
 * The cases' shared ground for pages.test.ts: the running server, the application, the browser
 * and the bootstrapped ids (`t`, filled in by the test's beforeAll), and the steps the cases are
 * made of — a sign-in on the hosted form, a Test IdP sign-in, an Admin Portal link, a code
 * redeemed by the application's back end.
 */
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { type App, claims, type routeMatcher, type Visit, visit } from './pages-kit.ts';
import type { Shipped } from './shipped.ts';

export interface Case {
  kind: 'ok' | 'error';
  name: string;
  run(): Promise<void>;
}

export interface PageRow {
  /** What a person sees there. */
  page: string;
  cases: Case[];
}

export const ok = (name: string, run: () => Promise<void>): Case => ({ kind: 'ok', name, run });
export const error = (name: string, run: () => Promise<void>): Case => ({ kind: 'error', name, run });

/** What every case runs against; pages.test.ts sets it up once per file. */
export const t = {
  known: {
    testOrg: '',
    testConn: '',
    oidcOrg: '',
    oidcConn: '',
    /** Made through the API before the cases run. */
    user: { email: `ada-${Date.now()}@pages.example`, password: 'correct horse battery staple 9' },
  },
} as {
  p: Shipped;
  app: App;
  browser: Browser;
  match: ReturnType<typeof routeMatcher>;
  known: {
    testOrg: string;
    testConn: string;
    oidcOrg: string;
    oidcConn: string;
    user: { email: string; password: string };
  };
};

export const api = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
  const r = await fetch(`${t.p.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${t.p.apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${init.method ?? 'GET'} ${path} → ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
};

export const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();
export const authorizeUrl = (params: Record<string, string>, path = '/user_management/authorize') =>
  `${t.p.url}${path}?${qs({ client_id: t.p.clientId, redirect_uri: t.app.callback, response_type: 'code', ...params })}`;

/** One browser context per case; its documents are checked when it closes (see pages-kit). */
export async function inChromium(fn: (v: Visit) => Promise<void>) {
  const v = await visit(t.browser, t.p.url, t.match, () => t.p.output());
  try {
    await fn(v);
  } catch (err) {
    await v.context.close().catch(() => {});
    throw err;
  }
  await v.close();
}

/** Waits until the browser is on the application's page and returns what Portico sent there. */
export async function atApp(v: Visit, path = '/callback') {
  const until = Date.now() + 15_000;
  for (;;) {
    await v.check();
    const u = new URL(v.page.url());
    if (u.origin === t.app.url && u.pathname === path) return u.searchParams;
    if (Date.now() > until)
      throw new Error(
        `never reached the application's ${path}; the browser is on ${u.href}; it reported ${JSON.stringify(v.problems)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The application's back end redeems the code, as the SDK's authenticateWithCode does. */
export async function redeem(code: string) {
  return api<{ user: { email: string }; access_token: string; refresh_token: string }>(
    '/user_management/authenticate',
    {
      method: 'POST',
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: t.p.clientId,
        client_secret: t.p.apiKey,
        code,
      }),
    },
  );
}

export async function ssoProfile(code: string) {
  const r = await fetch(`${t.p.url}/sso/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs({ client_id: t.p.clientId, client_secret: t.p.apiKey, grant_type: 'authorization_code', code }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { profile: { email: string; connection_id: string } }).profile;
}

export async function fillSignIn(v: Visit, email: string, password: string) {
  await v.page.getByLabel('Email').fill(email);
  await v.page.getByLabel('Password').fill(password);
  await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
}

export async function fillSignUp(v: Visit, email: string, password: string) {
  await v.page.getByLabel('First name').fill('Grace');
  await v.page.getByLabel('Last name').fill('Hopper');
  await v.page.getByLabel('Email', { exact: true }).fill(email);
  await v.page.getByLabel('Password', { exact: true }).fill(password);
  await v.submit(v.page.getByRole('button', { name: 'Create account' }));
}

/** A hosted form whose CSRF token was changed in the page before submitting. */
export async function forgeCsrf(v: Visit) {
  await v.page.locator('input[name=csrf]').evaluate((el) => {
    (el as HTMLInputElement).value = 'forged-token';
  });
}

/** Signs the API-made user in through AuthKit and returns the session the code started. */
export async function signedInSession(v: Visit) {
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-logout' }));
  await fillSignIn(v, t.known.user.email, t.known.user.password);
  const q = await atApp(v);
  const { access_token, refresh_token } = await redeem(q.get('code')!);
  return { sid: String(claims(access_token).sid), refreshToken: refresh_token };
}

/** What the application's refresh gets after the session ended: invalid_grant. */
export async function refreshStatus(refreshToken: string) {
  const r = await fetch(`${t.p.url}/user_management/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'refresh_token',
      client_id: t.p.clientId,
      client_secret: t.p.apiKey,
      refresh_token: refreshToken,
    }),
  });
  return { status: r.status, error: ((await r.json()) as { error?: string }).error };
}

/** From a Test IdP chooser: "Sign in" with a scenario, then "Continue" to the ACS. */
export async function testIdpSignIn(v: Visit, scenario = 'ok') {
  await v.page.getByRole('heading', { name: 'Portico Test IdP' }).waitFor();
  await v.page.getByLabel('Scenario').selectOption(scenario);
  await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
  await v.page.getByRole('heading', { name: /^Signed in as / }).waitFor();
  await v.submit(v.page.getByRole('button', { name: 'Continue' }));
}

export async function portalLink(organization: string, intent = 'sso') {
  const { link } = await api<{ link: string }>('/portal/generate_link', {
    method: 'POST',
    body: JSON.stringify({ organization, intent, return_url: `${t.app.url}/settings` }),
  });
  return link;
}

/** A well-formed SAML Response from the Test IdP's issuer for alice, that nobody signed. */
export const unsignedResponse = (acs: string, issuer: string) => {
  const now = new Date();
  const later = new Date(now.getTime() + 300_000).toISOString();
  return Buffer.from(
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${now.getTime()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${acs}">` +
      `<saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion ID="_a${now.getTime()}" Version="2.0" IssueInstant="${now.toISOString()}"><saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@saml.portico.test</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${later}" Recipient="${acs}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${now.toISOString()}" NotOnOrAfter="${later}"><saml:AudienceRestriction><saml:Audience>${acs.replace(/\/acs$/, '')}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `</saml:Assertion></samlp:Response>`,
  ).toString('base64');
};

/** The foreign IdP's page (on the application's site) posts `fields` to `acs` when pressed. */
export async function postToAcs(v: Visit, acs: string, fields: Record<string, string>) {
  await v.page.goto(`${t.app.url}/post?${qs({ to: acs, ...fields })}`);
  await v.submit(v.page.getByRole('button', { name: 'Post to the ACS' }));
}

export const HOSTED = 'hosted' as const;
export const SPA = 'spa' as const;
export const acsUrl = (id: string) => `${t.p.url}/sso/saml/${id}/acs`;
