/**
 * The Admin Portal in a real browser (Debian Chromium via playwright-core). An IT admin opens a
 * link the application generated with the official SDK (8.x), sets up a SAML connection by
 * pasting the metadata URL of a samlify IdP that runs in this test (on `idp.test`, another site:
 * Chromium maps `*.test` to 127.0.0.1, and so does Node's resolver for Portico's metadata fetch),
 * tests it with a real sign-in (the IdP posts a signed response to Portico's ACS) and sees the
 * verdict with the email; then the IdP signs with the wrong key and the failed test is explained
 * in words. With a dsync link the admin sets up SCIM, the SCIM simulator provisions users with
 * the URL and token the page shows, and they appear in the page. Domain verification (with an
 * injected resolver), certificate renewal and a refused (reused) link are seen too.
 *
 * Screenshots of every portal page at 1280 and 390 px land in test-artifacts/screenshots/portal-*.png.
 * Runs in the `sqlite` vitest project only, on the system clock.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainDataState, WorkOS } from 'workos-node-8';
import { simulate } from '../../../apps/server/src/cli/scim-sim.ts';
import { sha256 } from '../../../apps/server/src/platform/crypto.ts';
import { testKeys } from '../../saml/test/helpers/keys.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';
import { SamlifyIdp } from './support/samlify-idp.ts';
import { resolveTestHostsToLoopback } from './support/sso-oidc-idp.ts';

const EMAIL = 'grace@portal-customer.example';
const RETURN_URL = 'https://app.example.com/settings';
const SUCCESS_URL = 'https://app.example.com/settings?portal=done';

let restoreDns: (() => void) | undefined;
let p: Running;
let workos: WorkOS;
let idp: SamlifyIdp;
let attacker: { key: string; cert: string };
let browser: Browser;
let orgId: string;
let w: WatchedPage;
const txt = new Map<string, string[][]>();

beforeAll(async () => {
  restoreDns = resolveTestHostsToLoopback();
  p = await startPortico();
  // The portal's domain check goes through deps.dns: answer from this map, never the network.
  p.h.portico.deps.dns = {
    async resolveTxt(name) {
      const r = txt.get(name);
      if (!r) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return r;
    },
  };
  workos = new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
  });
  // Its users' email domain is the organization's (SSO refuses profiles outside it).
  orgId = (
    await workos.organizations.createOrganization({
      name: 'Portal Customer',
      domainData: [{ domain: 'portal-customer.example', state: DomainDataState.Verified }],
    })
  ).id;
  const keys = await testKeys('idp', 'attacker');
  attacker = keys.attacker;
  idp = new SamlifyIdp(keys.idp, { host: 'idp.test', email: EMAIL });
  await idp.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'],
    timeout: 30_000,
  });
  w = await openPage(browser);
});

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await idp?.close();
  await p?.close();
  restoreDns?.();
});

const link = async (intent: 'sso' | 'dsync' | 'domain_verification' | 'certificate_renewal') =>
  (
    await workos.portal.generateLink({
      organization: orgId,
      intent: intent as never,
      returnUrl: RETURN_URL,
      successUrl: SUCCESS_URL,
    })
  ).link;

async function shoot(page: Page, name: string) {
  const shot = await screenshotBoth(page, `portal-${name}`);
  expect(shot.phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

describe('the Admin Portal in Chromium', () => {
  let ssoLink: string;
  let connId: string;

  it('sets up a SAML connection from the IdP’s metadata URL and tests it with a real sign-in', async () => {
    const { page } = w;
    ssoLink = await link('sso');
    await page.goto(ssoLink);
    await expect.poll(() => page.url()).toBe(`${p.url}/portal`);
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    await page.getByText('Portal Customer').first().waitFor();
    await shoot(page, 'sso-choose');

    await page.getByRole('button', { name: /^Okta/ }).click();
    await expect
      .poll(() => page.getByRole('button', { name: /^Okta/ }).getAttribute('aria-pressed'))
      .toBe('true');
    await page.getByRole('button', { name: 'Continue with Okta' }).click();
    await page.getByRole('heading', { name: 'Create the app in Okta' }).waitFor();
    const acs = await page.getByRole('textbox', { name: 'ACS URL', exact: true }).inputValue();
    expect(acs).toMatch(new RegExp(`^${p.url}/sso/saml/conn_[A-Z0-9]+/acs$`));
    connId = /\/(conn_[A-Z0-9]+)\//.exec(acs)![1]!;
    expect(await page.getByRole('textbox', { name: 'SP entity ID', exact: true }).inputValue()).toBe(
      `${p.url}/sso/saml/${connId}`,
    );
    expect(await page.getByText('Create App Integration').count()).toBeGreaterThan(0);
    await shoot(page, 'sso-guide');

    await page.getByRole('button', { name: 'I have created the app' }).click();
    await page.getByRole('textbox', { name: 'IdP metadata URL', exact: true }).fill(`${idp.origin}/metadata`);
    await shoot(page, 'sso-metadata');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('heading', { name: 'Test single sign-on' }).waitFor();
    await page.getByText(`connected to ${idp.entityId}`).waitFor();
    // Saved complete, the connection is already used for sign-in: the page says so before any test.
    expect(await page.locator('.live-untested').textContent()).toMatch(/already live.*not been tested yet/);
    await shoot(page, 'sso-test');

    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await page.getByRole('heading', { name: 'Single sign-on works' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.test-email').textContent()).toBe(EMAIL);
    expect(page.url()).toMatch(new RegExp(`^${p.url}/portal#/sso/test/`));
    expect(await page.getByRole('link', { name: 'Done' }).getAttribute('href')).toBe(SUCCESS_URL);
    await shoot(page, 'sso-success');
    // The overview now reports it tested; then back to the result page for the next test.
    const result = new URL(page.url()).hash;
    await page.evaluate(() => {
      window.location.hash = '#/';
    });
    await page.getByRole('heading', { name: 'Your single sign-on connections' }).waitFor();
    await expect.poll(() => page.locator('.connection-status').allTextContents()).toEqual(['Active, tested']);
    await page.evaluate((h) => {
      window.location.hash = h;
    }, result);
    await page.getByRole('heading', { name: 'Single sign-on works' }).waitFor();

    const conn = await p.h.portico.services.connections.row(p.h.environmentId, connId);
    expect(conn).toMatchObject({ organization_id: orgId, connection_type: 'OktaSAML', state: 'active' });
    expect(conn.saml_idp_metadata_url).toBe(`${idp.origin}/metadata`);
  });

  it('explains a failed test sign-in (the IdP signs with the wrong key) in words', async () => {
    const { page } = w;
    idp.signWith = attacker;
    try {
      await page.getByRole('link', { name: 'Back to the connection' }).click();
      await page.getByRole('button', { name: 'Test sign-in' }).click();
      await page.getByRole('heading', { name: 'The test sign-in failed' }).waitFor({ timeout: 20_000 });
      const what = await page.locator('.verdict-message').textContent();
      const fix = await page.locator('.verdict-fix').textContent();
      expect(what).toMatch(/What happened:.*signature|certificate/i);
      expect(fix).toMatch(/How to fix it:/);
      expect((fix ?? '').length).toBeGreaterThan(30);
      await shoot(page, 'sso-failure');
    } finally {
      idp.signWith = idp.published[0]!;
    }
  });

  it('refuses the reused link with a clear page', async () => {
    const { page } = w;
    const res = await page.goto(ssoLink);
    expect(res?.status()).toBe(410);
    await page.getByRole('heading', { name: 'This link was already used' }).waitFor();
    expect(await page.locator('main').getAttribute('data-code')).toBe('portal_link_used');
    expect(
      await page.getByText('ask the application that sent you here for a new link').count(),
    ).toBeGreaterThan(0);
    await shoot(page, 'refused-used');
    // An expired link (its row aged past the 5 minutes) gets its own page.
    const old = await link('sso');
    const hash = sha256(new URL(old).searchParams.get('token')!);
    await p.h.portico.deps.db
      .updateTable('portal_links')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('token_hash', '=', hash)
      .execute();
    const expired = await page.goto(old);
    expect(expired?.status()).toBe(410);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    expect(await page.locator('main').getAttribute('data-code')).toBe('portal_link_expired');
    await shoot(page, 'refused-expired');
    const tampered = await page.goto(`${p.url}/portal/launch?token=${encodeURIComponent('abc.def.ghi')}`);
    expect(tampered?.status()).toBe(400);
    await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
  });

  it('sets up SCIM and shows the simulator’s users as they arrive', async () => {
    const { page } = w;
    await page.goto(await link('dsync'));
    await page.getByRole('heading', { name: 'Set up directory sync' }).waitFor();
    await shoot(page, 'dsync-choose');
    // With the keyboard: Space picks the focused choice, Enter continues; focus is visible.
    await page.getByRole('button', { name: /^Okta/ }).focus();
    await page.keyboard.press('Space');
    await expect
      .poll(() => page.getByRole('button', { name: /^Okta/ }).getAttribute('aria-pressed'))
      .toBe('true');
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return {
        text: el.textContent,
        style: getComputedStyle(el).outlineStyle,
        width: getComputedStyle(el).outlineWidth,
      };
    });
    expect(outline.text).toContain('Okta');
    expect(outline.style).toBe('solid');
    expect(outline.width).toBe('3px');
    await page.getByRole('button', { name: 'Continue with Okta' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Connect Okta' }).waitFor();
    const baseUrl = await page.getByRole('textbox', { name: 'SCIM base URL', exact: true }).inputValue();
    const token = await page.getByRole('textbox', { name: 'Bearer token', exact: true }).inputValue();
    expect(baseUrl).toMatch(new RegExp(`^${p.url}/scim/v2/directory_`));
    expect(token).toMatch(/^scim_/);
    await page.getByText('Nobody has arrived yet.').waitFor();
    await shoot(page, 'dsync-connect');

    const report = await simulate({
      baseUrl,
      token,
      persona: 'okta',
      users: 3,
      groups: 1,
      domain: 'portal-customer.example',
    });
    expect(report.failures).toEqual([]);
    const emails = Object.keys(report.users);
    expect(emails).toHaveLength(3);
    for (const email of emails) await page.getByRole('cell', { name: email }).waitFor({ timeout: 10_000 });
    await page.getByText(/3 people and 1 group so far/).waitFor();
    await shoot(page, 'dsync-users');

    // The token is shown once: after a reload only its hint remains.
    await page.reload();
    await page.getByRole('heading', { name: 'People and groups' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Bearer token', exact: true }).count()).toBe(0);
    expect(await page.getByText(token).count()).toBe(0);
    await page.getByText(/shown only when it is made/).waitFor();
  });

  it('verifies a domain with the TXT record it shows', async () => {
    const { page } = w;
    // SDK 8 has no intentOptions: the spec's domain_verification.domain_name is sent over HTTP instead.
    const prefilled = (await (
      await fetch(`${p.url}/portal/generate_link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          organization: orgId,
          intent: 'domain_verification',
          return_url: RETURN_URL,
          intent_options: { domain_verification: { domain_name: 'portal-customer.org' } },
        }),
      })
    ).json()) as { link: string };
    await page.goto(prefilled.link);
    await page.getByRole('heading', { name: 'Verify your domain' }).waitFor();
    // The domain the application registered as verified is listed as such.
    await page.getByText('portal-customer.example is verified.').waitFor();
    await shoot(page, 'domain-list');
    expect(await page.getByRole('textbox', { name: 'Domain', exact: true }).inputValue()).toBe(
      'portal-customer.org',
    );
    await page.getByRole('button', { name: 'Add domain' }).click();
    const name = await page.getByRole('textbox', { name: 'Record name (host)', exact: true }).inputValue();
    const value = await page.getByRole('textbox', { name: 'Record value', exact: true }).inputValue();
    expect(name).toBe('_portico-verification.portal-customer.org');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/No TXT record was found at _portico-verification\.portal-customer\.org/).waitFor();
    await shoot(page, 'domain-failed');
    txt.set(name, [[value]]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('portal-customer.org is verified.').waitFor();
    await shoot(page, 'domain-verified');
  });

  it('renews the IdP certificate with an overlap', async () => {
    const { page } = w;
    await page.goto(await link('certificate_renewal'));
    await page.getByRole('heading', { name: 'Renew the SAML certificate' }).waitFor();
    await page
      .getByRole('cell', { name: /days left/ })
      .first()
      .waitFor();
    await shoot(page, 'certificates');
    const next = (await testKeys('idpNext')).idpNext;
    await page.getByRole('textbox', { name: 'Next certificate (PEM)', exact: true }).fill(next.cert);
    await page.getByRole('button', { name: 'Add certificate' }).click();
    await page.getByText('Both certificates are accepted now.').waitFor();
    // The metadata's certificate is the IdP's to drop (the refresh would bring it back); the added one can go.
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(1);
    await page.getByRole('cell', { name: 'Your IdP’s metadata' }).waitFor();
    await page.getByRole('cell', { name: 'Added here' }).waitFor();
    await shoot(page, 'certificates-overlap');
    const conn = await p.h.portico.services.connections.row(p.h.environmentId, connId);
    expect(JSON.parse(conn.saml_idp_certificates)).toHaveLength(2);
  });

  it('explains what to do when the portal is opened without a session', async () => {
    const fresh = await openPage(browser);
    try {
      await fresh.page.goto(`${p.url}/portal`);
      await fresh.page.getByRole('heading', { name: 'The Admin Portal cannot open' }).waitFor();
      await fresh.page.getByText('(portal_session_required)').waitFor();
      await fresh.page.getByText(/open the Admin Portal again/).waitFor();
      await shoot(fresh.page, 'no-session');
      expect(fresh.problems).toEqual([]);
    } finally {
      await fresh.context.close();
    }
  });

  it('loaded every page without a CSP violation or script error', () => {
    expect(w.problems).toEqual([]);
  });
});
