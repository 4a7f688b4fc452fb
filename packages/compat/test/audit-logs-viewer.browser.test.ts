/**
 * The Audit Logs viewer in a real browser (Debian Chromium via playwright-core), in the Admin
 * Portal and in the developer dashboard. 260 events go in through the official SDK (8.x:
 * `auditLogs.createEvent`, and `portal.generateLink` — SDK 9+ names it `adminPortal`); the IT
 * admin opens an `audit_logs` portal link, pages forward and back (25 a page, from the server),
 * filters by action and dates, searches, opens an event's details (its full JSON), starts an
 * export of the filters and sees its download link, whose CSV holds exactly the filtered events.
 * Then the dashboard admin picks the organization on the Audit logs page and does the same.
 *
 * Screenshots land in test-artifacts/screenshots/audit-logs-*.png; no console error is allowed.
 * Runs on the system clock; exports are built by a worker pass every 200 ms.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'viewer@portico.test';
const N = 260;
const T0 = Date.UTC(2026, 0, 1);
const ACTIONS = ['doc.viewed', 'doc.edited', 'user.signed_in', 'report.exported'];

let p: Running;
let workos: WorkOS;
let browser: Browser;
let orgId: string;
let adminPassword: string;
let timer: NodeJS.Timeout;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  p = await startPortico({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL } });
  adminPassword = (await p.h.portico.services.admin.bootstrap()).password!;
  workos = new WorkOS(p.h.apiKey, { apiHostname: '127.0.0.1', port: p.port, https: false });
  orgId = (await workos.organizations.createOrganization({ name: 'Viewer Customer' })).id;
  for (let n = 1; n <= N; n++) {
    await workos.auditLogs.createEvent(orgId, {
      action: ACTIONS[n % 4]!,
      occurredAt: new Date(T0 + n * 3_600_000),
      actor: { type: 'user', id: `user_${n % 5}`, name: `Person ${n % 5}` },
      targets: [
        { type: 'document', id: `doc_${n}`, name: `${n % 3 === 0 ? 'Quarterly plan' : 'Notes'} ${n}` },
      ],
      context: { location: `10.0.0.${n % 250}`, userAgent: 'Firefox/140' },
      metadata: { n, special: n === 42 ? 'needle' : 'hay' },
    });
  }
  timer = setInterval(() => void p.h.portico.services.auditExports.runPending().catch(() => {}), 200);
  browser = await launchChromium();
});

afterAll(async () => {
  clearInterval(timer);
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await p?.close();
});

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000, interval: 100 });
}

async function shoot(page: Page, name: string) {
  const { phoneScrollWidth } = await screenshotBoth(page, `audit-logs-${name}`);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

const rows = (page: Page) => page.locator('.audit-viewer tbody tr');
/** The n of each row (from its target `doc_<n>`). */
const shown = async (page: Page) =>
  (await rows(page).allTextContents()).map((t) => Number(/doc_(\d+)/.exec(t)?.[1] ?? Number.NaN));
const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i);

async function exercise(page: Page, name: string) {
  // First page: the 25 newest events.
  await poll(() => shown(page)).toEqual(range(N, N - 24));
  expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
  await shoot(page, `${name}-list`);
  // Forward twice and back once, by the server's cursor.
  await page.getByRole('button', { name: 'Next page' }).click();
  await poll(() => shown(page)).toEqual(range(N - 25, N - 49));
  await page.getByRole('button', { name: 'Next page' }).click();
  await poll(() => shown(page)).toEqual(range(N - 50, N - 74));
  await page.getByRole('button', { name: 'Previous page' }).click();
  await poll(() => shown(page)).toEqual(range(N - 25, N - 49));

  // Filters: an action and a day (2026-01-10 holds n = 216…239).
  await page.getByLabel('Action', { exact: true }).fill('user.signed_in');
  await page.getByLabel('From', { exact: true }).fill('2026-01-10');
  await page.getByLabel('To', { exact: true }).fill('2026-01-10');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await poll(() => shown(page)).toEqual([238, 234, 230, 226, 222, 218]);
  expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
  await shoot(page, `${name}-filtered`);

  // Export the filters: the link appears once the worker has built it, and its CSV is those 6.
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = page.getByRole('link', { name: 'Download CSV' });
  await poll(() => download.count()).toBe(1);
  await poll(() => page.locator('.audit-export-state').textContent()).toContain('Ready: 6 events.');
  const csv = await (await fetch((await download.getAttribute('href'))!)).text();
  const lines = csv.trimEnd().split('\r\n');
  expect(lines).toHaveLength(7);
  expect(lines.slice(1).map((l) => Number(/doc_(\d+)/.exec(l)?.[1]))).toEqual([218, 222, 226, 230, 234, 238]);
  await shoot(page, `${name}-export`);

  // Search (filters cleared): one event.
  await page.getByRole('button', { name: 'Clear' }).click();
  await poll(() => shown(page)).toEqual(range(N, N - 24));
  await page.getByLabel('Search', { exact: true }).fill('quarterly plan 42');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await poll(() => shown(page)).toEqual([42]);

  // Details: the whole event as JSON, metadata and context included, and its chain link.
  await page.getByRole('button', { name: /^Details of / }).click();
  const detail = page.locator('.audit-detail');
  await poll(() => detail.locator('pre').textContent()).toContain('"special": "needle"');
  const text = (await detail.locator('pre').textContent())!;
  expect(text).toContain('"user_agent": "Firefox/140"');
  expect(text).toContain('"hash_matches": true');
  expect(text).toContain('"seq": 42');
  await shoot(page, `${name}-detail`);
  await page.getByRole('button', { name: 'Close details' }).click();
  await poll(() => detail.count()).toBe(0);
}

describe('the Audit Logs viewer in Chromium', () => {
  it('the Admin Portal’s audit_logs page: pages, filters, exports, searches and shows details', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { link } = await workos.portal.generateLink({
      organization: orgId,
      intent: 'audit_logs' as never,
      returnUrl: 'https://app.example.com/settings',
    });
    await w.page.goto(link);
    await poll(() => w.page.url()).toBe(`${p.url}/portal`);
    await w.page.getByRole('heading', { name: 'Audit logs' }).waitFor();
    await w.page.getByText('Viewer Customer').first().waitFor();
    await exercise(w.page, 'portal');
    expect(w.problems).toEqual([]);
  });

  it('the dashboard’s Audit logs page, after picking the organization', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page } = w;
    await page.goto(`${p.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await page.getByRole('link', { name: 'Audit logs' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Audit logs');
    await page.getByText('Choose an organization to see its audit log.').waitFor();
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Viewer Customer' });
    await exercise(page, 'dashboard');
    expect(w.problems).toEqual([]);
  });
});
