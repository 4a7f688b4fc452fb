/**
 * The Admin Portal has no dead ends (issue 11, item 8), in Chromium at a phone's 390 px:
 * - every portal page offers the way back to the application's return_url (the header link), and
 *   so do the pages with nothing to do (certificate_renewal without a SAML connection,
 *   domain_verification before a domain is verified);
 * - a refused link (used, expired, revoked) offers the link's return_url when the link is known,
 *   and otherwise says to ask the application for a new link;
 * - long values (ACS URL, SP entity ID, SP metadata URL, SCIM base URL) wrap: each box is as wide
 *   and as tall as its whole text (nothing cut, no sideways scroll), with its copy button;
 * - the generic tiles say what they are;
 * - a connection that is live but never signed in through says "Live, not tested yet", not "Active".
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { sha256 } from '../../../apps/server/src/platform/crypto.ts';
import { launchChromium, PHONE } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const RETURN_URL = 'http://localhost:3000/settings/security';

let p: Running;
let workos: WorkOS;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let orgId: string;
let testOrgId: string;

beforeAll(async () => {
  p = await startPortico({ testIdp: true });
  workos = new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
  });
  orgId = (await workos.organizations.createOrganization({ name: 'Dead Ends Inc' })).id;
  testOrgId = (await workos.organizations.listOrganizations({ limit: 100 })).data.find(
    (o) => o.name === 'Test Organization',
  )!.id;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: PHONE, locale: 'en-US' });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await p?.close();
});

type Intent = 'sso' | 'dsync' | 'domain_verification' | 'certificate_renewal';
const link = async (intent: Intent, opts: { organization?: string; returnUrl?: string | null } = {}) =>
  (
    await workos.portal.generateLink({
      organization: opts.organization ?? orgId,
      intent: intent as never,
      ...(opts.returnUrl === null ? {} : { returnUrl: opts.returnUrl ?? RETURN_URL }),
    })
  ).link;

async function noSidewaysScroll() {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
}

/** The header's way back, on every portal page. */
async function backLinkInHeader() {
  expect(await page.locator('#portal-return').getAttribute('href')).toBe(RETURN_URL);
}

/** A copy field shows its whole value: not cut sideways, not scrolled down, and copyable. */
async function wholeValue(label: string, expected: string | RegExp) {
  const box = page.getByRole('textbox', { name: label, exact: true });
  const m = await box.evaluate((el) => {
    const e = el as HTMLInputElement | HTMLTextAreaElement;
    return {
      value: e.value,
      scrollWidth: e.scrollWidth,
      clientWidth: e.clientWidth,
      scrollHeight: e.scrollHeight,
      clientHeight: e.clientHeight,
      right: e.getBoundingClientRect().right,
    };
  });
  if (typeof expected === 'string') expect(m.value).toBe(expected);
  else expect(m.value).toMatch(expected);
  expect(m.scrollWidth, `${label} is cut sideways at 390 px`).toBeLessThanOrEqual(m.clientWidth);
  expect(m.scrollHeight, `${label} hides lines at 390 px`).toBeLessThanOrEqual(m.clientHeight + 1);
  expect(m.right, `${label} sticks out of the screen`).toBeLessThanOrEqual(PHONE.width);
  expect(await page.getByRole('button', { name: `Copy ${label}`, exact: true }).count()).toBe(1);
  return m.value;
}

describe('the Admin Portal at 390 px', () => {
  it('names the generic tiles, and shows the SAML values whole, with a copy button each and the way back', async () => {
    await page.goto(await link('sso'));
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    await backLinkInHeader();
    const tiles = await page.locator('.choice b').allTextContents();
    expect(tiles).toContain('Other SAML 2.0 identity provider');
    expect(tiles).toContain('Other OpenID Connect provider');
    expect(tiles).not.toContain('SAML 2.0');
    await page.getByRole('button', { name: /^Other SAML 2\.0 identity provider/ }).click();
    await page.getByRole('button', { name: 'Continue with Other SAML 2.0 identity provider' }).click();
    await page.getByRole('heading', { name: /^Create the app in/ }).waitFor();
    const acs = await wholeValue('ACS URL', new RegExp(`^${p.url}/sso/saml/conn_[A-Z0-9]+/acs$`));
    const conn = /\/(conn_[A-Z0-9]+)\//.exec(acs)![1]!;
    await wholeValue('SP entity ID', `${p.url}/sso/saml/${conn}`);
    await wholeValue('SP metadata URL', `${p.url}/sso/saml/${conn}/metadata`);
    await backLinkInHeader();
    await noSidewaysScroll();
    const row = await p.h.portico.services.connections.row(p.h.environmentId, conn);
    expect(row.name).toBe('Dead Ends Inc · SAML 2.0');
  });

  it('names the generic directory tile and shows the SCIM base URL whole', async () => {
    await page.goto(await link('dsync'));
    await page.getByRole('heading', { name: 'Set up directory sync' }).waitFor();
    await backLinkInHeader();
    expect(await page.locator('.choice b').allTextContents()).toContain('Other SCIM 2.0 directory');
    await page.getByRole('button', { name: /^Other SCIM 2\.0 directory/ }).click();
    await page.getByRole('button', { name: 'Continue with Other SCIM 2.0 directory' }).click();
    await page.getByRole('heading', { name: /^Connect/ }).waitFor();
    await wholeValue('SCIM base URL', new RegExp(`^${p.url}/scim/v2/directory_[A-Z0-9]+$`));
    await wholeValue('Bearer token', /\S{20,}/);
    await noSidewaysScroll();
  });

  it('offers the way back on certificate renewal without a SAML connection, and on domain verification', async () => {
    // An organization with no connection at all (the first test gave Dead Ends Inc one).
    const bare = (await workos.organizations.createOrganization({ name: 'No SSO Ltd' })).id;
    await page.goto(await link('certificate_renewal', { organization: bare }));
    await page.getByText('No SAML connection to renew.').waitFor();
    await backLinkInHeader();
    expect(
      await page.getByRole('link', { name: 'Back to the application', exact: true }).getAttribute('href'),
    ).toBe(RETURN_URL);
    expect(await page.getByText('ask the application for an Admin Portal link').count()).toBe(1);
    await noSidewaysScroll();

    await page.goto(await link('domain_verification'));
    await page.getByRole('heading', { name: 'Verify your domain' }).waitFor();
    await backLinkInHeader();
    expect(
      await page.getByRole('link', { name: 'Back to the application', exact: true }).getAttribute('href'),
    ).toBe(RETURN_URL);
    await noSidewaysScroll();

    // Without a return_url there is nothing to link to: the page says what to do instead.
    await page.goto(await link('certificate_renewal', { organization: bare, returnUrl: null }));
    await page.getByText('No SAML connection to renew.').waitFor();
    expect(await page.locator('#portal-return').count()).toBe(0);
    await page.getByText('Close this tab to go back to the application').waitFor();
  });

  it('offers the link’s return_url on a refused link, and says what to do when the link is unknown', async () => {
    // Used.
    const used = await link('sso');
    await page.goto(used);
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    expect((await page.goto(used))?.status()).toBe(410);
    await page.getByRole('heading', { name: 'This link was already used' }).waitFor();
    expect(await page.locator('a#return').getAttribute('href')).toBe(RETURN_URL);
    await noSidewaysScroll();
    // Expired.
    const old = await link('sso');
    await p.h.portico.deps.db
      .updateTable('portal_links')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('token_hash', '=', sha256(new URL(old).searchParams.get('token')!))
      .execute();
    expect((await page.goto(old))?.status()).toBe(410);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    expect(await page.locator('a#return').getAttribute('href')).toBe(RETURN_URL);
    // Revoked (SDK 12's revokeLink, here through the API).
    const revokedLink = (
      await (
        await p.h.api('POST', '/portal/generate_link', {
          organization: orgId,
          intent: 'sso',
          return_url: RETURN_URL,
          external_user_id: 'it-admin-7',
        })
      ).json()
    ).link as string;
    expect(
      (await p.h.api('POST', '/portal/revoke_link', { organization: orgId, external_user_id: 'it-admin-7' }))
        .status,
    ).toBe(200);
    expect((await page.goto(revokedLink))?.status()).toBe(410);
    await page.getByRole('heading', { name: 'This link was revoked' }).waitFor();
    expect(await page.locator('a#return').getAttribute('href')).toBe(RETURN_URL);
    // Tampered: no link row to trust, so no address; the page says what to do.
    expect((await page.goto(`${p.url}/portal/launch?token=abc.def.ghi`))?.status()).toBe(400);
    await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
    expect(await page.locator('a#return').count()).toBe(0);
    expect(await page.locator('#what-to-do').textContent()).toMatch(/ask for a new Admin Portal link/);
    // A used link generated without return_url: the same words.
    const bare = await link('sso', { returnUrl: null });
    await page.goto(bare);
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    await page.goto(bare);
    await page.getByRole('heading', { name: 'This link was already used' }).waitFor();
    expect(await page.locator('a#return').count()).toBe(0);
    expect(await page.locator('#what-to-do').textContent()).toMatch(/ask for a new Admin Portal link/);
  });

  it('says a connection is live but not tested yet, instead of “Active”, until a sign-in through it succeeds', async () => {
    await page.goto(await link('sso', { organization: testOrgId }));
    await page.getByRole('heading', { name: 'Your single sign-on connections' }).waitFor();
    const statuses = await page.locator('.connection-status').allTextContents();
    expect(statuses).toEqual(['Live, not tested yet']);
    await page.getByRole('link', { name: 'Review or test' }).click();
    await page.getByRole('heading', { name: 'Test single sign-on' }).waitFor();
    expect(await page.locator('.live-untested').textContent()).toMatch(/already live.*not been tested yet/);
    await noSidewaysScroll();
  });
});
