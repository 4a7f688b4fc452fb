/**
 * The developer dashboard in a real browser (Debian Chromium via playwright-core): sign in with the
 * bootstrap admin, create an organization, a webhook endpoint pointing at a receiver running in
 * this test, a user added to the organization (which fires `user.created` → a delivery shows up in
 * the endpoint's deliveries view), redeliver it, then API keys, redirect URIs (with the server's
 * validation error shown), sessions, events, and sign-out. Every page is screenshotted at 1280 and
 * 390 px into test-artifacts/screenshots/dashboard-*.png, must not scroll sideways on a phone, and
 * must produce no console error (CSP violations included).
 *
 * Runs in the `sqlite` vitest project only, on the system clock, with the webhook worker running.
 */
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookWorker } from '../../../apps/server/src/jobs/webhook-worker.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'dev@portico.test';

let portico: Running;
let worker: WebhookWorker;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
let adminPassword: string;
const received: { event: string; id: string }[] = [];
const opened: WatchedPage[] = [];

beforeAll(async () => {
  portico = await startPortico({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL, PORTICO_WEBHOOK_POLL: '50ms' } });
  const boot = await portico.h.portico.services.admin.bootstrap();
  adminPassword = boot.password!;
  worker = new WebhookWorker(portico.h.portico.deps, { id: 'dashboard-test' });
  worker.start();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      try {
        const e = JSON.parse(body) as { id: string; event: string };
        received.push({ id: e.id, event: e.event });
      } catch {
        // not an event
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await worker?.stop();
  await new Promise((r) => receiver?.close(r));
  await portico?.close();
});

async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `dashboard-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

async function go(page: Page, hash: string, heading: string | RegExp) {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await poll(() => page.locator('h1').first().textContent()).toMatch(heading);
}

/** expect.poll with room for a browser round trip (the default gives up after one second). */
function poll<T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) {
  return expect.poll(fn, { timeout: opts.timeout ?? 10_000, interval: 100 });
}

/** A text field by its accessible name (the required-field asterisk is aria-hidden). */
function box(page: Page, name: string) {
  return page.getByRole('textbox', { name, exact: true });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('developer dashboard in Chromium', () => {
  it('signs in, manages organizations, users and webhooks, and sees and redelivers a delivery', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;

    // ── sign-in (strict CSP on the document) ──────────────────────────────
    const res = await page.goto(`${portico.url}/`);
    const csp = (await res!.allHeaders())['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await poll(() => page.locator('h1').textContent()).toBe('Sign in to Portico');
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('[style]').count()).toBe(0);
    await shoot(page, 'sign-in');

    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain('email or password is incorrect');
    expect(await alert.textContent()).toContain('admin_sign_in_failed');
    await shoot(page, 'sign-in-error');

    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    const cookie = (await w.context.cookies(portico.url)).find((c) => c.name === 'portico_admin')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    await poll(() => page.getByText('No organizations yet.').count()).toBe(1);
    await shoot(page, 'organizations-empty');

    // ── an organization ───────────────────────────────────────────────────
    await box(page, 'Name').fill('Acme Browser Co');
    await page.getByLabel('Domains').fill('acme-browser.test');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await poll(() => page.getByRole('status').textContent()).toContain('Created Acme Browser Co');
    await poll(() => page.getByRole('link', { name: 'Acme Browser Co' }).count()).toBeGreaterThan(0);
    await shoot(page, 'organizations');
    const orgRow = await portico.h.api('GET', '/organizations?search=Acme');
    const org = ((await orgRow.json()) as { data: { id: string; name: string }[] }).data[0]!;
    expect(org.name).toBe('Acme Browser Co');

    // ── the organization's MFA policy ─────────────────────────────────────
    await page.getByRole('link', { name: 'Acme Browser Co' }).first().click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Acme Browser Co');
    await poll(() => page.locator('#org-mfa-policy-current').textContent()).toContain('Not required');
    await page.getByRole('button', { name: 'Require MFA for members' }).click();
    await poll(() => page.locator('#org-mfa-policy-current').textContent()).toContain('Required');
    expect(
      (await portico.h.portico.services.mfa.organizationPolicy(portico.h.environmentId, org.id)).mfa_required,
    ).toBe(true);
    await page.getByRole('button', { name: 'Stop requiring MFA for members' }).click();
    await poll(() => page.locator('#org-mfa-policy-current').textContent()).toContain('Not required');
    expect(
      (await portico.h.portico.services.mfa.organizationPolicy(portico.h.environmentId, org.id)).mfa_required,
    ).toBe(false);

    // ── a webhook endpoint at the receiver (secret shown once) ────────────
    await go(page, '/webhooks', 'Webhooks');
    await poll(() => page.getByText('No webhook endpoints.').count()).toBe(1);
    await box(page, 'Endpoint URL').fill(receiverUrl);
    expect(await page.getByRole('checkbox', { name: 'user.created', exact: true }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await poll(() => page.getByLabel('Signing secret', { exact: true }).inputValue()).toMatch(/^whsec_/);
    await shoot(page, 'webhooks');
    const endpointHref = await page.getByRole('link', { name: receiverUrl }).first().getAttribute('href');
    expect(endpointHref).toMatch(/^#\/webhooks\/we_/);

    // ── a user, added to the organization ─────────────────────────────────
    await go(page, '/users', 'Users');
    await box(page, 'Email').fill('ada@acme-browser.test');
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Password').fill('correct horse battery staple 7');
    await page.getByRole('button', { name: 'Create user' }).click();
    await poll(() => page.getByRole('status').textContent()).toContain('Created ada@acme-browser.test');
    await shoot(page, 'users');
    await page.getByRole('status').getByRole('link', { name: 'ada@acme-browser.test' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Ada Lovelace');
    await poll(() => page.getByText('Not a member of any organization.').count()).toBe(1);
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme Browser Co' });
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Add to organization' }).click();
    await poll(() => page.getByRole('link', { name: 'Acme Browser Co' }).count()).toBe(1);
    const roleSelect = page.getByLabel('Role of ada@acme-browser.test in Acme Browser Co');
    expect(await roleSelect.inputValue()).toBe('admin');
    await poll(() => page.getByText('No sessions.').count()).toBe(1);
    await shoot(page, 'user-detail');

    // The organization page lists the member with their role.
    await page.getByRole('link', { name: 'Acme Browser Co' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Acme Browser Co');
    await poll(() => page.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(1);
    await roleSelect.selectOption('member');
    await poll(async () => {
      const r = await portico.h.api(
        'GET',
        `/user_management/organization_memberships?organization_id=${org.id}`,
      );
      return ((await r.json()) as { data: { role: { slug: string } }[] }).data[0]?.role.slug;
    }).toBe('member');
    expect(await page.getByText('acme-browser.test', { exact: true }).count()).toBe(1);
    await poll(() => page.getByText('No SSO connection.').count()).toBe(1);
    await shoot(page, 'organization-detail');

    // ── the delivery of user.created, seen in the endpoint's deliveries ───
    const first = await until('user.created at the receiver', () =>
      received.find((r) => r.event === 'user.created'),
    );
    await go(page, endpointHref!.slice(1), 'Webhook endpoint');
    const delivery = page.locator('li.delivery', { hasText: first.id });
    await poll(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return delivery.first().getAttribute('data-state');
      },
      { timeout: 15_000 },
    ).toBe('succeeded');
    await delivery.first().locator('summary', { hasText: 'Attempts' }).click();
    await poll(() => delivery.first().getByRole('table').textContent()).toContain('200');
    await shoot(page, 'webhook-detail');

    await delivery.first().getByRole('button', { name: 'Redeliver' }).click();
    await poll(() => page.getByRole('status').textContent()).toContain(`Event ${first.id} is scheduled`);
    await until('the redelivery at the receiver', () =>
      received.filter((r) => r.id === first.id).length >= 2 ? true : undefined,
    );
    // Redelivery re-arms the same delivery: it succeeds again, with a second attempt in its log.
    await poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      const d = page.locator('li.delivery', { hasText: first.id });
      if (!(await d.locator('details').evaluate((e) => (e as HTMLDetailsElement).open)))
        await d.locator('summary', { hasText: 'Attempts' }).click();
      return `${await d.getAttribute('data-state')} ${await d.locator('tbody tr').count()}`;
    }).toBe('succeeded 2');

    // Disable and enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await poll(() => page.getByRole('button', { name: 'Enable' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Enable' }).click();
    await poll(() => page.getByRole('button', { name: 'Disable' }).count()).toBe(1);

    // ── events, filtered and expanded; the actor is the dashboard ─────────
    await go(page, '/events', 'Events');
    await page.getByLabel('Event type').selectOption('user.created');
    const ev = page.locator('.event-list details').first();
    await poll(() => ev.locator('summary').textContent()).toContain('user.created');
    expect(await ev.locator('summary').textContent()).toContain(`dashboard (${ADMIN_EMAIL})`);
    await ev.locator('summary').click();
    await poll(() => ev.locator('pre').textContent()).toContain('ada@acme-browser.test');
    await shoot(page, 'events');

    // ── API keys: create (shown once), revoke with confirmation ───────────
    await go(page, '/api-keys', 'API keys');
    await box(page, 'Name').fill('Browser test key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const keyValue = await page.getByLabel('API key Browser test key', { exact: true }).inputValue();
    expect(keyValue).toMatch(/^sk_test_/);
    const works = await fetch(`${portico.url}/organizations`, {
      headers: { authorization: `Bearer ${keyValue}` },
    });
    expect(works.status).toBe(200);
    await shoot(page, 'api-keys');
    const keyRow = page.getByRole('row', { name: /Browser test key/ });
    await keyRow.getByRole('button', { name: 'Revoke' }).click();
    await keyRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await poll(() => keyRow.textContent()).toContain('revoked');
    const refused = await fetch(`${portico.url}/organizations`, {
      headers: { authorization: `Bearer ${keyValue}` },
    });
    expect(refused.status).toBe(401);

    // ── redirect URIs: the server's validation message, then a valid one ──
    await go(page, '/redirect-uris', 'Redirect URIs');
    await box(page, 'Redirect URI').fill('http://app.example.com/callback');
    await page.getByRole('button', { name: 'Add URI' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('invalid_request_parameters');
    expect(await page.locator('.field-error').textContent()).toMatch(/https/);
    await shoot(page, 'redirect-uris-error');
    await box(page, 'Redirect URI').fill('https://app.example.com/callback');
    await page.getByRole('button', { name: 'Add URI' }).click();
    await poll(() => page.getByText('https://app.example.com/callback', { exact: true }).count()).toBe(1);
    await shoot(page, 'redirect-uris');

    // ── the sign-out redirect: refused off the allowed origins, then saved, then used ──
    await box(page, 'Default logout URI').fill('https://elsewhere.example/bye');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await poll(() => page.locator('#default-logout .field-error').textContent()).toMatch(
      /origin of an allowed redirect URI/,
    );
    await box(page, 'Default logout URI').fill('https://app.example.com/signed-out');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await poll(() => page.locator('#default-logout-current').textContent()).toBe(
      'https://app.example.com/signed-out',
    );
    await shoot(page, 'redirect-uris-logout');
    const byeAuth = await portico.h.api('POST', '/user_management/authenticate', {
      client_id: portico.h.clientId,
      client_secret: portico.h.apiKey,
      grant_type: 'password',
      email: 'ada@acme-browser.test',
      password: 'correct horse battery staple 7',
    });
    const { access_token } = (await byeAuth.json()) as { access_token: string };
    const sid = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sid as string;
    const bye = await fetch(`${portico.url}/user_management/sessions/logout?session_id=${sid}`, {
      redirect: 'manual',
    });
    expect(bye.status).toBe(302);
    expect(bye.headers.get('location')).toBe('https://app.example.com/signed-out');
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await poll(() => page.locator('#default-logout-current').textContent()).toBe(
      'the “You are signed out” page',
    );

    // ── sessions, connections, directories ────────────────────────────────
    // Ada signs in through the API (password grant): her session is listed, then revoked.
    const signedIn = await portico.h.api('POST', '/user_management/authenticate', {
      client_id: portico.h.clientId,
      client_secret: portico.h.apiKey,
      grant_type: 'password',
      email: 'ada@acme-browser.test',
      password: 'correct horse battery staple 7',
    });
    expect(signedIn.status).toBe(200);
    await go(page, '/sessions', 'Sessions');
    const adaRow = page.getByRole('row', { name: /ada@acme-browser\.test/ });
    await poll(() => adaRow.count()).toBe(1);
    await shoot(page, 'sessions');
    await adaRow.getByRole('button', { name: 'Revoke' }).click();
    await adaRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await poll(() => page.getByText('No active sessions.').count()).toBe(1);
    await shoot(page, 'sessions-empty');
    await go(page, '/connections', /Connections/);
    await page.waitForTimeout(300);
    await shoot(page, 'connections');
    await go(page, '/directories', /Directories/);
    await page.waitForTimeout(300);
    await shoot(page, 'directories');

    // ── keyboard: the nav is reachable and focus is visible ───────────────
    await page.getByRole('link', { name: 'Users' }).focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Organizations');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');

    // ── sign-out ends the session ─────────────────────────────────────────
    await page.getByRole('button', { name: 'Sign out' }).click();
    await poll(() => page.locator('h1').textContent()).toBe('Sign in to Portico');
    await page.reload();
    await poll(() => page.locator('h1').textContent()).toBe('Sign in to Portico');
    const stale = await fetch(`${portico.url}/_admin/api_keys`, {
      headers: { cookie: `portico_admin=${cookie.value}` },
    });
    expect(stale.status).toBe(401);

    expect(problems).toEqual([]);
  });

  it('adds a colleague as an admin (password shown once, it signs in) and removes them', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await page.goto(`${portico.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await go(page, '/admins', 'Admins');
    const me = page.locator('tbody tr', { hasText: ADMIN_EMAIL });
    await expect.poll(() => me.textContent()).toContain('you');
    expect(await me.getByRole('button', { name: 'Remove' }).count()).toBe(0);

    await page.getByLabel('Email').fill('colleague@portico.test');
    await page.getByRole('button', { name: 'Add admin' }).click();
    const password = await page.getByRole('textbox', { name: 'Password' }).inputValue();
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await shoot(page, 'admins');

    // The colleague signs in with it in their own browser.
    const other = await openPage(browser);
    opened.push(other);
    await other.page.goto(`${portico.url}/`);
    await other.page.getByLabel('Email').fill('colleague@portico.test');
    await other.page.getByLabel('Password').fill(password);
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => other.page.locator('h1').first().textContent()).toBe('Organizations');

    // Adding the same email again says why it was refused.
    await page.getByLabel('Email').fill('colleague@portico.test');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('admin_already_exists');

    const row = page.locator('tbody tr', { hasText: 'colleague@portico.test' });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    // Their session ended with the account: the next page they open sends them to sign-in.
    await other.page.evaluate(() => {
      window.location.hash = '/users';
    });
    await expect.poll(() => other.page.locator('h1').first().textContent()).toBe('Sign in to Portico');
    expect(problems).toEqual([]);
  });
});
