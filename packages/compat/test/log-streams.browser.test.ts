/**
 * Audit log streams in the Admin Portal, in a real browser (Debian Chromium via playwright-core).
 * The application generates a `log_streams` portal link with the official SDK (8.x); the IT
 * admin opens it, is told precisely what is missing when a field is left out, configures a
 * Datadog stream to a local receiver that parses Datadog's v2 intake format and checks the API
 * key, and sends a test event. The application then records events with
 * `workos.auditLogs.createEvent`, and the page shows them delivered; during a receiver outage
 * it shows the destination's error, and after recovery everything delivered once, in order.
 * The admin pauses the stream (nothing is sent), resumes it (it catches up), and deletes it.
 *
 * Screenshots land in test-artifacts/screenshots/portal-log-streams-*.png. System clock.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { AuditStreamWorker } from '../../../apps/server/src/jobs/audit-stream-worker.ts';
import { DatadogIntake } from '../../../apps/server/test/flows/support/stream-receivers.ts';
import { freePort } from '../../../apps/server/test/harness.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const DD_KEY = 'dd0123456789abcdef0123456789abcd';

let p: Running;
let workos: WorkOS;
let browser: Browser;
let w: WatchedPage;
let orgId: string;
let dd: DatadogIntake;
let worker: AuditStreamWorker;

beforeAll(async () => {
  p = await startPortico();
  workos = new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
  });
  orgId = (await workos.organizations.createOrganization({ name: 'Stream Customer' })).id;
  dd = new DatadogIntake(await freePort(), DD_KEY);
  await dd.start();
  worker = new AuditStreamWorker(p.h.portico.deps);
  worker.start();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  w = await openPage(browser);
});

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await worker?.stop();
  await dd?.stop();
  await p?.close();
});

async function shoot(page: Page, name: string) {
  const shot = await screenshotBoth(page, `portal-log-streams-${name}`);
  expect(shot.phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

const record = (n: number) =>
  workos.auditLogs.createEvent(orgId, {
    action: 'invoice.paid',
    occurredAt: new Date(Date.UTC(2026, 10, 1, 12, 0, n)),
    actor: { type: 'user', id: `user_${n}`, name: `Ada ${n}` },
    targets: [{ type: 'invoice', id: `inv_${n}` }],
    context: { location: '10.0.0.1', userAgent: 'Chrome/104.0' },
    metadata: { n },
  });

describe('log streams in the Admin Portal, in Chromium', () => {
  it('an IT admin configures a Datadog stream, tests it, and watches events delivered through an outage', async () => {
    const { page } = w;
    const { link } = await workos.portal.generateLink({
      organization: orgId,
      intent: 'log_streams' as never,
      returnUrl: 'https://app.example.com/settings',
    });
    await page.goto(link);
    await page.getByRole('heading', { name: 'Stream your audit logs' }).waitFor();
    await page.getByText('No log stream yet.').waitFor();

    // Left out: the API key. The page says so next to the field.
    await page.getByLabel('Datadog site').selectOption('datadoghq.eu');
    await page.getByLabel('Service').fill('acme-billing');
    await page.getByLabel('Intake URL (optional)').fill(dd.endpoint);
    await page.getByRole('button', { name: 'Save log stream' }).click();
    await page.getByText('secret must not be empty').first().waitFor();
    await shoot(page, 'missing-secret');

    await page.getByLabel('API key').fill(DD_KEY);
    await page.getByRole('button', { name: 'Save log stream' }).click();
    const card = page.locator('section.log-stream');
    await card.waitFor();
    await expect.poll(() => card.locator('h2').textContent()).toContain('Active');
    await expect.poll(() => card.locator('.last-delivered').textContent()).toBe('Not yet');
    await expect(page.content()).resolves.not.toContain(DD_KEY);

    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText('Test event delivered: the destination answered 202').waitFor();
    expect(dd.events.at(-1)).toMatchObject({ action: 'portico.audit_logs.test', organization_id: orgId });

    // The application records events; the page shows them delivered.
    for (let n = 1; n <= 5; n++) await record(n);
    await expect
      .poll(() => card.locator('.delivered-through').textContent(), { timeout: 15_000 })
      .toBe('through #5');
    await expect.poll(() => card.locator('.pending-events').textContent(), { timeout: 10_000 }).toBe('0');
    expect(await card.locator('.last-delivered').textContent()).not.toBe('Not yet');
    await shoot(page, 'delivered');

    // Outage: Datadog answers 503; the page shows the destination's answer, and nothing is lost.
    dd.mode = 'unavailable';
    for (let n = 6; n <= 8; n++) await record(n);
    await expect
      .poll(() => card.locator('.last-error').textContent(), { timeout: 15_000 })
      .toContain('HTTP 503');
    await expect.poll(() => card.locator('.pending-events').textContent(), { timeout: 10_000 }).toBe('3');
    await shoot(page, 'failing');
    dd.mode = 'ok';
    await expect
      .poll(() => card.locator('.delivered-through').textContent(), { timeout: 20_000 })
      .toBe('through #8');
    await expect.poll(() => card.locator('.pending-events').textContent(), { timeout: 10_000 }).toBe('0');

    const delivered = dd.events.filter((e) => e.action === 'invoice.paid');
    expect(delivered.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(8);

    // Paused: nothing is sent until the admin resumes it, then it catches up.
    await card.getByRole('button', { name: 'Pause stream' }).click();
    await expect.poll(() => card.locator('h2').textContent(), { timeout: 10_000 }).toContain('Paused');
    await record(9);
    await expect.poll(() => card.locator('.pending-events').textContent(), { timeout: 10_000 }).toBe('1');
    await new Promise((r) => setTimeout(r, 500));
    expect(dd.events.filter((e) => e.action === 'invoice.paid')).toHaveLength(8);
    await card.getByRole('button', { name: 'Resume stream' }).click();
    await expect
      .poll(() => card.locator('.delivered-through').textContent(), { timeout: 15_000 })
      .toBe('through #9');
    await expect.poll(() => card.locator('h2').textContent(), { timeout: 10_000 }).toContain('Active');

    await card.getByRole('button', { name: 'Delete stream' }).click();
    await page.getByText('No log stream yet.').waitFor();
    expect(w.problems ?? []).toEqual([]);
  });
});
