/**
 * An invitation in a real browser (Debian Chromium via playwright-core): the app sends it with the
 * official SDK (8.x) → the invitation email in Portico's dev outbox → its accept link → the
 * hosted invitation page → the hosted sign-up, prefilled and locked to the invited email →
 * the app's callback exchanges the code with authenticateWithCode → the user is a member of the
 * organization with the invited role, and the session is in that organization.
 * Screenshots of the invitation page and the locked sign-up land in test-artifacts/screenshots/.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS } from 'workos-node-8';
import { createHarness, freePort, type Harness, listen } from '../../../apps/server/test/harness.ts';
import { launchChromium, openPage, screenshotBoth, type WatchedPage } from './support/browser.ts';
import { escapeHtml } from './support/browser-app.ts';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let workos: WorkOS;
let browser: Browser;
let appServer: Server;
let appUrl: string;
const opened: WatchedPage[] = [];
const callbacks: { userId: string; organizationId?: string }[] = [];

beforeAll(async () => {
  const [porticoPort, appPort] = [await freePort(), await freePort()];
  appUrl = `http://127.0.0.1:${appPort}`;
  h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${porticoPort}`,
    env: { PORTICO_REDIRECT_URIS: `${appUrl}/callback` },
  });
  portico = await listen(h, porticoPort);
  workos = new WorkOS(h.apiKey, {
    apiHostname: '127.0.0.1',
    port: porticoPort,
    https: false,
    clientId: h.clientId,
  });
  // The customer's app: its callback redeems the code the way the WorkOS guide does.
  appServer = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', appUrl);
    if (u.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    try {
      const auth = await workos.userManagement.authenticateWithCode({
        code: u.searchParams.get('code') ?? '',
        clientId: h.clientId,
      });
      callbacks.push({ userId: auth.user.id, organizationId: auth.organizationId });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>Welcome</title><p>Signed in as <span id="email">${escapeHtml(auth.user.email)}</span> in <span id="org">${escapeHtml(auth.organizationId ?? '')}</span></p>`,
      );
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise<void>((r) => appServer.listen(appPort, '127.0.0.1', r));
  browser = await launchChromium();
});

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await new Promise((r) => appServer?.close(r));
  await portico?.close();
  await h?.close();
});

describe('invitation in Chromium (SDK 8)', () => {
  it('email → accept link → invitation page → sign-up locked to the email → the app, as a member with the role', async () => {
    const org = await workos.organizations.createOrganization({ name: 'Globex <Labs>' });
    const inviter = await workos.userManagement.createUser({
      email: `hank.${Date.now()}@globex.test`,
      firstName: 'Hank',
      lastName: 'Scorpio',
    });
    const invitee = `marge.${Date.now()}@globex.test`;
    const inv = await workos.userManagement.sendInvitation({
      email: invitee,
      organizationId: org.id,
      inviterUserId: inviter.id,
      roleSlug: 'admin',
    });

    // 1. The invitation email in the dev outbox (no SMTP configured) carries the accept link.
    const mails = await h.portico.services.emails.list(h.environmentId, { limit: 10 });
    const mail = mails.data.find((m) => m.to === invitee && m.template === 'invitation');
    expect(mail?.status).toBe('dev_outbox');
    const link = /https?:\/\/\S+invitation_token=[A-Za-z0-9_-]+/.exec(mail!.text!)![0];
    expect(link).toBe(inv.acceptInvitationUrl);

    // 2. The invitation page says who invited whom to which organization.
    const w = await openPage(browser);
    opened.push(w);
    const { page } = w;
    const landing = await page.goto(link);
    expect(landing?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('You are invited · Portico');
    const summary = await page.locator('#invitation-summary').textContent();
    expect(summary).toContain('Hank Scorpio invited');
    expect(summary).toContain(invitee);
    expect(summary).toContain('Globex <Labs>');
    expect(await page.locator('main b, main labs').count()).toBe(0);
    await screenshotBoth(page, 'invitation');

    // 3. Accept: the hosted sign-up, prefilled and locked to the invited email.
    await Promise.all([page.waitForURL(/\/authkit\/sign-up\?/), page.click('button[type=submit]')]);
    const emailInput = page.getByLabel('Email', { exact: true });
    expect(await emailInput.inputValue()).toBe(invitee);
    expect(await emailInput.getAttribute('readonly')).not.toBeNull();
    await emailInput.fill('someone.else@globex.test').catch(() => {});
    expect(await emailInput.inputValue()).toBe(invitee);
    await screenshotBoth(page, 'invitation-sign-up');

    // 4. Create the account: the app's callback redeems the code and lands in the organization.
    await page.getByLabel('First name').fill('Marge');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple 42');
    await Promise.all([page.waitForURL(`${appUrl}/callback?**`), page.click('button[type=submit]')]);
    await expect(page.locator('#email').textContent()).resolves.toBe(invitee);
    await expect(page.locator('#org').textContent()).resolves.toBe(org.id);
    expect(w.problems).toEqual([]);

    // 5. The user is a member with the invited role, and the invitation is accepted.
    const { userId } = callbacks.at(-1)!;
    const { data } = await workos.userManagement.listOrganizationMemberships({ userId });
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ organizationId: org.id, role: { slug: 'admin' }, status: 'active' });
    const after = await workos.userManagement.getInvitation(inv.id);
    expect(after.state).toBe('accepted');

    // 6. The link is used now: opening it again explains, with the code.
    const again = await page.goto(link);
    expect(again?.status()).toBe(400);
    await expect(page.locator('main').textContent()).resolves.toContain('invitation_invalid');
  });
});
