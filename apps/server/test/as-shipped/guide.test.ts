/**
 * The integration guide, end to end, against Portico started with `npm start` in a clean copy: the
 * guide's app (support/guide-app.ts) on each official SDK major this Node.js runs (7 and 8 on
 * Node 20; 11 and 12 on Node 22, as their engines require), driven in Chromium.
 *
 * AuthKit: login → hosted sign-up → callback code → authenticateWithCode → a short access-token TTL
 * (PORTICO_ACCESS_TOKEN_TTL, as a user would set it) runs out → the guide's refresh. SSO: the
 * bootstrapped Test Organization routed by organizationId through the built-in Test IdP. Admin
 * Portal: a generated link opens the portal once, and a used link is refused with its code.
 * Webhooks: an endpoint created with the CLI, the user.created of the sign-up and the
 * dsync.user.created/deleted of a SCIM provisioning run by `portico scim-sim` arrive signed, verified
 * by the SDK, and the guide's handler fills and empties its table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium, openPage } from '../../../../packages/compat/test/support/browser.ts';
import { MAJORS, type Major, sdkFor } from '../../../../packages/compat/test/support/sdks.ts';
import { type GuideApp, startGuideApp } from './support/guide-app.ts';
import { type Shipped, startShipped } from './support/shipped.ts';

const node = Number(process.versions.node.split('.')[0]);
// SDK 11 and 12 declare engines >= 22.11; 7 and 8 are what a Node 20 app runs.
const majors = MAJORS.filter((m) => (node >= 22 ? Number(m) >= 11 : Number(m) <= 8));
const TTL = 3;

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let p: Shipped;

/** `portico scim-sim` as Entra ID: three users of one domain and, on the first run, one group. */
const scimSim = (scim: { base_url: string; bearer_token: string }, major: Major, extra: string[] = []) =>
  p.cli([
    'scim-sim',
    ...['--persona', 'entra', '--url', scim.base_url, '--token', scim.bearer_token],
    ...['--users', '3', '--groups', extra.length ? '0' : '1', '--domain', `dsync-${major}.example`],
    ...extra,
  ]);
beforeAll(async () => {
  p = await startShipped({ env: { PORTICO_ACCESS_TOKEN_TTL: String(TTL) } });
});
afterAll(() => p?.stop());

describe.each(majors)('the integration guide on SDK %s against npm start', (major: Major) => {
  let app: GuideApp;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let workos: Awaited<ReturnType<typeof sdkFor>>;
  beforeAll(async () => {
    expect(CHROMIUM_PATH).toBeTruthy();
    // The SDK talks to the host the banner printed (localhost); the constructor options are the only change.
    workos = await sdkFor(
      major,
      { port: p.port, h: { apiKey: p.apiKey, clientId: p.clientId } },
      {
        apiHostname: 'localhost',
      },
    );
    app = await startGuideApp(workos, {
      major,
      clientId: p.clientId,
      jwksUrl: workos.userManagement.getJwksUrl(p.clientId),
    });
    // The README's way to allow the app's callback and to subscribe its webhook handler.
    const allowed = await p.cli(['redirect-uris', 'add', app.redirectUri]);
    expect(allowed.out).toContain(`Allowed ${app.redirectUri}`);
    const hook = await p.cli([
      'webhooks',
      'create',
      `${app.url}/api/webhooks`,
      'user.created',
      'dsync.user.created',
      'dsync.user.deleted',
    ]);
    expect(hook.code, hook.out).toBe(0);
    app.webhookSecret = /Signing secret \(shown once\): (\S+)/.exec(hook.out)?.[1] ?? '';
    expect(app.webhookSecret).not.toBe('');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs up through AuthKit, keeps the session across an expired access token, and delivers user.created', async () => {
    const { page, problems, context } = await openPage(browser);
    await page.goto(`${app.url}/api/auth/login`);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.waitForURL(/\/authkit\/sign-up/);
    const email = `guide-${major}-${Date.now()}@example.org`;
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase 42');
    await Promise.all([page.waitForURL(`${app.url}/dashboard`), page.click('button[type=submit]')]);
    expect(await page.locator('#who').textContent()).toBe(email);
    expect(app.refreshes).toBe(0);
    const firstRefresh = (await context.cookies(app.url)).find((c) => c.name === 'refresh_token')?.value;

    // The access token expires; the next request refreshes and rotates the refresh token.
    await new Promise((r) => setTimeout(r, (TTL + 1) * 1000));
    await page.reload();
    expect(await page.locator('#who').textContent()).toBe(email);
    expect(app.refreshes).toBe(1);
    const secondRefresh = (await context.cookies(app.url)).find((c) => c.name === 'refresh_token')?.value;
    expect(secondRefresh).toBeTruthy();
    expect(secondRefresh).not.toBe(firstRefresh);

    const created = await waitFor('the signed user.created webhook', () =>
      app.webhooks.find((w) => w.event === 'user.created'),
    );
    expect(created.verified).toBe(true);
    expect(app.webhooks.filter((w) => !w.verified)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs in with SSO routed by organization through the built-in Test IdP', async () => {
    const { data } = await workos.organizations.listOrganizations({ limit: 100 });
    const org = data.find((o: { name: string }) => o.name === 'Test Organization');
    expect(org, 'the Test Organization bootstrapped by npm start').toBeDefined();
    const { page, problems, context } = await openPage(browser);
    await page.goto(`${app.url}/sso?org=${org.id}`);
    await page.getByRole('heading', { name: 'Portico Test IdP' }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in as alice@saml.portico.test' }).waitFor();
    await Promise.all([
      page.waitForURL(`${app.url}/dashboard`),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    expect(await page.locator('#who').textContent()).toBe('alice@saml.portico.test');
    // JIT provisioning made Alice a member of the organization her IdP belongs to.
    expect((await page.locator('#orgs').textContent())?.split(',')).toContain(org.id);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens an Admin Portal link once and refuses it the second time', async () => {
    const org = await workos.organizations.createOrganization({ name: `Portal Customer ${major}` });
    const { page, problems, context } = await openPage(browser);
    // The app's settings page generates the link and redirects, as the guide does.
    const res = await fetch(`${app.url}/settings/sso?org=${org.id}`, { redirect: 'manual' });
    const link = res.headers.get('location')!;
    expect(link).toMatch(new RegExp(`^${p.url}/portal/launch\\?token=`));
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set up single sign-on' }).waitFor();
    await page.getByText(`Portal Customer ${major}`).first().waitFor();
    expect(problems).toEqual([]);
    const again = await browser.newPage();
    const second = await again.goto(link);
    expect(second?.status()).toBe(410);
    expect(await again.content()).toContain('portal_link_used');
    await again.close();
    await context.close();
  });

  it('provisions and deprovisions Entra-style with portico scim-sim and the guide’s handler receives verified dsync events', async () => {
    const org = await workos.organizations.createOrganization({ name: `Directory Customer ${major}` });
    const created = await fetch(`${p.url}/directories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organization_id: org.id, name: `Entra ${major}`, type: 'azure scim v2.0' }),
    });
    expect(created.status).toBe(201);
    const dir = (await created.json()) as { id: string; scim: { base_url: string; bearer_token: string } };
    const sim = await scimSim(dir.scim, major);
    expect(sim.code, sim.out).toBe(0);
    const inDirectory = () => app.users.filter((u) => u.orgId === dir.id);
    await waitFor('three dsync.user.created deliveries', () => inDirectory().length === 3 || undefined);
    expect(inDirectory().map((u) => u.email.split('@')[1])).toEqual(Array(3).fill(`dsync-${major}.example`));
    const { data: listed } = await workos.directorySync.listUsers({ directory: dir.id });
    expect(listed).toHaveLength(3);

    const gone = await scimSim(dir.scim, major, ['--deprovision']);
    expect(gone.code, gone.out).toBe(0);
    await waitFor('the dsync.user.deleted deliveries', () => inDirectory().length === 0 || undefined);
    expect(app.webhooks.filter((w) => !w.verified)).toEqual([]);
  });
});
