/**
 * The dashboard's Connections and Directories pages in Chromium: sign in with the bootstrap admin,
 * open the Test Organization's connection, run a real test sign-in at the Test IdP (success, then
 * an expired assertion whose verdict the page explains), create a SAML connection whose metadata
 * is refused with the server's message, then create a directory, copy its SCIM URL and token from
 * the page, provision users and groups with the SCIM simulator (Okta persona) and watch them, the
 * request log and the attribute mapping in the browser. Every page is screenshotted at 1280 and
 * 390 px (test-artifacts/screenshots/dashboard-*.png) and must log no console error.
 *
 * Runs in the `sqlite` vitest project only, on the system clock.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../../apps/server/src/cli/scim-sim.ts';
import { testKeys } from '../../saml/test/helpers/keys.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'sso-admin@portico.test';

let p: Running;
let browser: Browser;
let adminPassword: string;
let testConnId: string;
let testOrgId: string;
const opened: WatchedPage[] = [];
/** DNS for domain verification: TXT records the test publishes (no real DNS). */
const txt = new Map<string, string[][]>();

beforeAll(async () => {
  p = await startPortico({
    testIdp: true,
    env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL },
    dns: {
      resolveTxt: async (name) => {
        const records = txt.get(name);
        if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return records;
      },
    },
  });
  adminPassword = (await p.h.portico.services.admin.bootstrap()).password!;
  const org = await p.h.portico.deps.db
    .selectFrom('organizations')
    .select('id')
    .where('name', '=', 'Test Organization')
    .executeTakeFirstOrThrow();
  testOrgId = org.id;
  testConnId = (
    await p.h.portico.deps.db
      .selectFrom('connections')
      .select('id')
      .where('organization_id', '=', testOrgId)
      .executeTakeFirstOrThrow()
  ).id;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await p?.close();
});

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `dashboard-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

const h1 = (page: Page) => page.locator('h1').first().textContent();

async function go(page: Page, hash: string, heading: string | RegExp) {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await expect.poll(() => h1(page)).toMatch(heading);
}

async function signIn(page: Page) {
  await page.goto(`${p.url}/`);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => h1(page)).toBe('Organizations');
}

/** On the Test IdP's pages: pick Alice and a scenario, then continue to Portico's ACS. */
async function throughTestIdp(page: Page, scenario: string) {
  await expect.poll(() => page.title()).toBe('Choose a test user · Portico Test IdP');
  await page.getByLabel(/^\s*Alice Example </).check();
  await page.locator('select[name="scenario"]').selectOption(scenario);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => h1(page)).toBe('Signed in as alice@saml.portico.test');
  await page.getByRole('button', { name: /continue/i }).click();
}

describe('dashboard: connections and directories in Chromium', () => {
  it('tests the Test IdP connection from the dashboard and shows the tracer’s verdict', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await signIn(page);

    await go(page, '/connections', 'Connections');
    await expect.poll(() => page.locator(`a[href="#/connections/${testConnId}"]`).count()).toBe(1);
    await shoot(page, 'connections');

    // An Admin Portal link for the customer's IT admin, from the same page.
    await page.getByLabel('Organization').last().selectOption(testOrgId);
    await page.getByRole('button', { name: 'Generate Admin Portal link' }).click();
    const link = await page.getByRole('textbox', { name: 'Admin Portal link' }).inputValue();
    expect(link).toMatch(new RegExp(`^${p.url}/portal/launch\\?token=`));
    const it = await openPage(browser);
    opened.push(it);
    await it.page.goto(link);
    expect(new URL(it.page.url()).pathname).toBe('/portal');
    const again = await it.page.goto(link);
    expect(again!.status()).toBeGreaterThanOrEqual(400); // single-use

    await go(page, `/connections/${testConnId}`, /Test/);
    await expect
      .poll(() => page.getByRole('textbox', { name: 'ACS URL (Reply URL, Single sign-on URL)' }).inputValue())
      .toBe(`${p.url}/sso/saml/${testConnId}/acs`);
    await expect.poll(() => page.getByText('No sign-ins yet').count()).toBe(1);
    await shoot(page, 'connection');

    // A real sign-in at the Test IdP that comes back to this page.
    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await throughTestIdp(page, 'ok');
    await page.waitForURL(`${p.url}/#/connections/${testConnId}?sso_test=succeeded`);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The test sign-in worked');
    const first = page.locator('.trace').first();
    await expect.poll(() => first.textContent()).toContain('succeeded');
    expect(await first.textContent()).toContain('alice@saml.portico.test');
    await shoot(page, 'connection-test-succeeded');

    // An expired assertion: the page says what went wrong and how to fix it.
    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await throughTestIdp(page, 'expired');
    await page.waitForURL(`${p.url}/#/connections/${testConnId}?sso_test=failed`);
    await expect.poll(() => page.locator('.trace').first().textContent()).toContain('failed');
    const verdict = await page.locator('.trace').first().locator('.notice-error').textContent();
    expect(verdict).toContain('saml_assertion_expired');
    expect(verdict).toMatch(/clock|expired/i);
    await page.locator('.trace').first().locator('summary').click();
    await expect
      .poll(() => page.locator('.trace').first().locator('.steps-list li').count())
      .toBeGreaterThan(1);
    await shoot(page, 'connection-test-failed');

    // Group → role: a role that does not exist is refused on its row; an existing one is saved.
    const groups = page.getByRole('group', { name: 'Mapped groups' });
    await groups.getByRole('button', { name: 'Add a row' }).click();
    await groups.getByLabel('IdP group').fill('Engineering');
    await groups.getByLabel('Role slug').fill('no-such-role');
    await page.getByRole('button', { name: 'Save group → role map' }).click();
    await expect.poll(() => groups.locator('.field-error').textContent()).toContain('no-such-role');
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('The group → role map was not saved');
    await groups.getByLabel('Role slug').fill('admin');
    await page.getByRole('button', { name: 'Save group → role map' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('applies from the next sign-in');
    const setup = await p.h.api('GET', `/connections/${testConnId}/setup`);
    expect(((await setup.json()) as { group_role_map: unknown }).group_role_map).toEqual({
      Engineering: 'admin',
    });
    await shoot(page, 'connection-group-roles');
    expect(problems).toEqual([]);
  });

  it('explains the test organizations; shows each signing certificate’s expiry and source, and adds and removes the IdP’s next one', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await signIn(page);
    // The seeded test organizations say what they are.
    await go(page, '/organizations', 'Organizations');
    await expect.poll(() => page.locator('td .badge', { hasText: 'development test' }).count()).toBe(2);
    await go(page, `/organizations/${testOrgId}`, 'Test Organization');
    await page.getByText('A development test organization.').waitFor();
    expect(await page.locator('.notice-info').first().textContent()).toContain('SAML Test IdP');

    await go(page, `/connections/${testConnId}`, /Test/);
    const certs = page.getByRole('region', { name: 'Signing certificates' });
    await expect.poll(() => certs.locator('li').count()).toBe(1);
    expect(await certs.locator('li').first().textContent()).toMatch(/Expires .* \(\d+ days left\)Configured/);

    const { idpNext } = await testKeys('idpNext');
    await page.getByLabel('Add the IdP’s next certificate (PEM)').fill(idpNext.cert);
    await page.getByRole('button', { name: 'Add certificate' }).click();
    await expect.poll(() => certs.locator('li').count()).toBe(2);
    const added = certs.locator('li').nth(1);
    expect(await added.textContent()).toContain('idp.example.com (rotated)');
    expect(await added.textContent()).toContain('Added here (kept until it expires or is removed)');
    await shoot(page, 'connection-certificates');

    await added.getByRole('button', { name: 'Remove' }).click();
    await added.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => certs.locator('li').count()).toBe(1);
    const stored = await p.h.portico.services.connections.row(p.h.environmentId, testConnId);
    expect(JSON.parse(stored.saml_idp_certificates)).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('creates a connection, and shows the server’s reason when IdP metadata is refused', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await signIn(page);
    await go(page, '/connections/new', 'New connection');
    await page.getByLabel('Name', { exact: false }).first().fill('Acme ADFS');
    await page.getByLabel('Identity provider').selectOption('ADFSSAML');
    await page.getByLabel('How do you have them?').selectOption('xml');
    await page
      .getByLabel('IdP metadata XML')
      .fill('<EntityDescriptor>not really metadata</EntityDescriptor>');
    await page.getByRole('button', { name: 'Create connection' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('invalid_idp_metadata');
    await shoot(page, 'connection-new-error');
    expect(
      await p.h.portico.deps.db
        .selectFrom('connections')
        .select('id')
        .where('name', '=', 'Acme ADFS')
        .execute(),
    ).toEqual([]);

    // Without metadata it is created as a draft that says what is missing.
    await page.getByLabel('IdP metadata XML').fill('');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await expect.poll(() => h1(page)).toBe('Acme ADFS');
    await expect.poll(() => page.locator('.notice-info').textContent()).toContain('Set-up is not complete');
    expect(await page.getByRole('button', { name: 'Test sign-in' }).isDisabled()).toBe(true);
    await shoot(page, 'connection-draft');
    expect(problems).toEqual([]);
  });

  it('verifies an organization domain with the DNS TXT record the page shows', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await signIn(page);
    await go(page, `/organizations/${testOrgId}`, 'Test Organization');
    await page.getByLabel('Add a domain').fill('verify-me.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const row = page.locator('tbody tr', { hasText: 'verify-me.test' });
    await expect.poll(() => row.locator('.dns-record code').count()).toBe(2);
    const [name, value] = await row.locator('.dns-record code').allTextContents();
    expect(name).toBe('_portico-verification.verify-me.test');
    await shoot(page, 'organization-domain-pending');

    // Not published yet: the domain fails verification and still shows what to add.
    await row.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('failed');
    expect(await row.locator('.dns-record').count()).toBe(1);

    txt.set(name!, [[value!]]);
    await row.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('verified');
    expect(await row.locator('.dns-record').count()).toBe(0);
    await shoot(page, 'organization-domain-verified');
    expect(problems).toEqual([]);
  });

  it('creates a directory, shows its token once, and watches simulated Okta users, groups and requests arrive', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await signIn(page);
    await go(page, '/directories', 'Directories');
    await expect.poll(() => page.getByText('No directories yet').count()).toBe(1);
    await shoot(page, 'directories-empty');

    await go(page, '/directories/new', 'New directory');
    await page.getByLabel('Organization').selectOption(testOrgId);
    await page.getByLabel('Name', { exact: false }).fill('Example Okta');
    await page.getByLabel('Identity provider').selectOption('okta scim v2.0');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await expect.poll(() => h1(page)).toBe('Example Okta is ready');
    const baseUrl = await page.getByRole('textbox', { name: 'SCIM base URL' }).inputValue();
    const token = await page.getByRole('textbox', { name: 'Bearer token' }).inputValue();
    expect(baseUrl).toMatch(new RegExp(`^${p.url}/scim/v2/directory_`));
    expect(token).toMatch(/^scim_/);
    await shoot(page, 'directory-created');

    const report = await simulate({
      baseUrl,
      token,
      persona: 'okta',
      users: 5,
      groups: 2,
      domain: 'example.com',
    });
    expect(report.failures).toEqual([]);

    await page.getByRole('link', { name: 'Go to the directory' }).click();
    await expect.poll(() => h1(page)).toBe('Example Okta');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(5);
    expect(await page.locator('tbody').textContent()).toContain('@example.com');
    await shoot(page, 'directory-users');

    await page.getByRole('link', { name: 'Groups' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await shoot(page, 'directory-groups');

    await page.getByRole('link', { name: 'SCIM request log' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('tbody').textContent()).toMatch(/POST \/scim\/v2\/directory_\w+\/Users/);
    await shoot(page, 'directory-requests');

    // Settings: a bad path is refused field by field; a good mapping shows up on the users.
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'SCIM endpoint' }).count()).toBe(1);
    expect(await page.getByText(/only its ends are kept/).textContent()).not.toContain(token);
    const custom = page.getByRole('group', { name: 'Custom attributes' });
    await custom.getByRole('button', { name: 'Add a row' }).click();
    await custom.getByLabel('Name in custom_attributes').fill('given');
    await custom.getByLabel('SCIM attribute path').fill('name.givenName[');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('not saved');
    await expect.poll(() => custom.locator('.field-error').count()).toBe(1);
    await shoot(page, 'directory-settings-error');
    await custom.getByLabel('SCIM attribute path').fill('name.givenName');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    await shoot(page, 'directory-settings');
    await page
      .getByRole('navigation', { name: 'Directory sections' })
      .getByRole('link', { name: 'Users' })
      .click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(5);
    await page.locator('tbody tr').first().locator('summary').click();
    await expect
      .poll(() => page.locator('tbody tr').first().locator('.json').textContent())
      .toContain('"given"');
    expect(problems).toEqual([]);
  });
});
