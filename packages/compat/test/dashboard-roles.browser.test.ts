/**
 * The dashboard's Roles page in Chromium: sign in, create a permission (a bad slug first: the
 * server's field error under the field, nothing created), create a role, choose its permissions,
 * see them in the priority-ordered table, and a refused delete of the default role showing the
 * server's message. Screenshots at 1280 and 390 px into test-artifacts/screenshots/
 * dashboard-roles-*.png; no sideways scroll on a phone; no console error (CSP violations included).
 */
import { existsSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { type Running, startPortico } from './support/portico.ts';

const ADMIN_EMAIL = 'roles@portico.test';
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

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 100 });
async function shoot(page: Page, name: string) {
  const { files, phoneScrollWidth } = await screenshotBoth(page, `dashboard-roles-${name}`);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
}

describe('dashboard Roles page in Chromium', () => {
  it('creates a permission and a role, sets its permissions, and shows refusals', async () => {
    const w = await openPage(browser);
    opened.push(w);
    const { page, problems } = w;
    await page.goto(`${portico.url}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Organizations');
    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    await poll(() => page.locator('h1').first().textContent()).toBe('Roles');
    await poll(() => page.getByRole('row', { name: /admin/ }).count()).toBeGreaterThan(0);

    await page.getByLabel('Permission slug').fill('Posts Read');
    await page.getByLabel('Permission name').fill('Read posts');
    await page.getByRole('button', { name: 'Create permission' }).click();
    await poll(() => page.locator('.field-error').first().textContent()).toContain('lowercase');
    expect((await portico.h.api('GET', '/authorization/permissions/posts%20read')).status).toBe(404);
    await shoot(page, 'error');

    await page.getByLabel('Permission slug').fill('posts:read');
    await page.getByRole('button', { name: 'Create permission' }).click();
    await poll(() => page.getByText('Permission posts:read created.').count()).toBe(1);
    await page.getByLabel('Role slug').fill('editor');
    await page.getByLabel('Role name').fill('Editor');
    await page.getByRole('button', { name: 'Create role' }).click();
    await poll(() => page.getByText('Role editor created.').count()).toBe(1);
    await page.getByRole('button', { name: 'Edit permissions of editor' }).click();
    await page.getByRole('checkbox', { name: 'posts:read' }).check();
    await page.getByRole('button', { name: 'Save permissions' }).click();
    await poll(() => page.getByText('Permissions of editor saved.').count()).toBe(1);
    const row = page.getByRole('row', { name: /Editor/ });
    await poll(() => row.textContent()).toContain('posts:read');
    expect(await row.locator('td').first().textContent()).toBe('3');
    const role = await (await portico.h.api('GET', '/authorization/roles/editor')).json();
    expect(role.permissions).toEqual(['posts:read']);
    await shoot(page, 'saved');

    await page.getByRole('button', { name: 'Delete member' }).click();
    await page.getByRole('button', { name: 'Yes, delete member' }).click();
    await poll(() => page.getByText(/default role/).count()).toBeGreaterThan(0);
    expect((await portico.h.api('GET', '/authorization/roles/member')).status).toBe(200);
    expect(problems).toEqual([]);
  });
});
