/**
 * The dashboard's Emails page in Chromium, on a server without PORTICO_SMTP_URL (the dev outbox):
 * the notice that nothing is sent, a queued Magic Auth email whose body (with the code) opens on
 * *Show*, and the email settings form — a bad colour is refused with the server's field error and
 * changes nothing, then branding and a type turned off are saved and take effect (the next email
 * carries the brand; that type queues nothing). Screenshots at 1280 and 390 px into
 * test-artifacts/screenshots/dashboard-emails-*.png; no sideways scroll on a phone; no console
 * error (CSP violations included). A failed email offers *Resend*, which queues it again.
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'mail@portico.test';
let portico: Running;
let browser: Browser;
let adminPassword: string;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  portico = await startPortico({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL } });
  adminPassword = (await portico.h.portico.services.admin.bootstrap()).password!;
  browser = await launchChromium();
});
afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await portico?.close();
});

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000, interval: 100 });
}
async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `dashboard-emails-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}
const enqueue = (template: 'magic_auth' | 'invitation', to: string, data: Record<string, string | null>) =>
  portico.h.portico.services.emails.enqueue(portico.h.portico.deps.db, {
    environmentId: portico.h.environmentId,
    template,
    to,
    data,
  });

describe('dashboard Emails page in Chromium', () => {
  it('shows the dev outbox with the code, and saves email settings', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    const id = await enqueue('magic_auth', 'ada@example.com', { code: '592653', email: 'ada@example.com' });
    expect(id).toMatch(/^email_/);

    await page.goto(`${portico.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await page.getByRole('link', { name: 'Emails', exact: true }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Emails');
    await poll(() => page.getByText('No SMTP server is configured').count()).toBe(1);
    const row = page.getByRole('row', { name: /ada@example\.com/ });
    await poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Your sign-in code for Development');
    expect(await row.textContent()).toContain('dev outbox');
    expect(await page.getByText('592653').count()).toBe(0);
    await row.getByRole('button', { name: 'Show' }).click();
    await poll(() => page.locator('pre.email-body').textContent()).toContain('592653');
    await shoot(page, 'outbox');

    // A bad colour: the server's field error under the field, nothing saved.
    await page.getByLabel('Brand colour').fill('purple');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await poll(() => page.locator('.field-error').first().textContent()).toContain('#rrggbb');
    const unchanged = await portico.h.portico.services.emails.settings(portico.h.environmentId);
    expect(unchanged.brand_color).toBeNull();
    await shoot(page, 'settings-error');

    await page.getByLabel('Brand name').fill('Acme Browser');
    await page.getByLabel('Brand colour').fill('#0a7c42');
    await page.getByLabel('Logo URL').fill('https://cdn.example.com/acme.png');
    await page.getByRole('checkbox', { name: 'invitation' }).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await poll(() => page.getByText('Email settings saved.').count()).toBe(1);
    expect(await portico.h.portico.services.emails.settings(portico.h.environmentId)).toEqual({
      brand_name: 'Acme Browser',
      logo_url: 'https://cdn.example.com/acme.png',
      brand_color: '#0a7c42',
      from_address: null,
      disabled_types: ['invitation'],
    });
    await shoot(page, 'settings-saved');

    // They take effect: the next email is branded, an invitation queues nothing.
    expect(
      await enqueue('invitation', 'bob@example.com', {
        url: 'https://app.example.com/invite',
        email: 'bob@example.com',
        organization_name: null,
        inviter_name: null,
      }),
    ).toBeNull();
    await enqueue('magic_auth', 'cy@example.com', { code: '358979', email: 'cy@example.com' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await poll(() => page.getByRole('row', { name: /cy@example\.com/ }).textContent()).toContain(
      'Your sign-in code for Acme Browser',
    );
    expect(await page.getByRole('row', { name: /bob@example\.com/ }).count()).toBe(0);

    // A failed email (as one an SMTP server refused for good is left) offers Resend, which
    // queues it again; the others do not offer it.
    await portico.h.portico.deps.db
      .updateTable('emails')
      .set({ status: 'failed', attempts: 3, last_error: 'SMTP 550: Mailbox unavailable' })
      .where('to_address', '=', 'cy@example.com')
      .execute();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const failed = page.getByRole('row', { name: /cy@example\.com/ });
    await poll(() => failed.textContent()).toContain('SMTP 550: Mailbox unavailable');
    expect(await page.getByRole('button', { name: 'Resend' }).count()).toBe(1);
    await failed.getByRole('button', { name: 'Resend' }).click();
    await poll(() => failed.textContent()).toContain('queued');
    expect(await page.getByRole('button', { name: 'Resend' }).count()).toBe(0);
    const requeued = await portico.h.portico.deps.db
      .selectFrom('emails')
      .select(['status', 'attempts'])
      .where('to_address', '=', 'cy@example.com')
      .executeTakeFirstOrThrow();
    expect(requeued).toEqual({ status: 'queued', attempts: 0 });
    expect(problems).toEqual([]);
  });
});
