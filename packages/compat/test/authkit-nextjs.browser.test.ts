/**
 * The official `@workos-inc/authkit-nextjs` driving a real Next.js app (examples/authkit-nextjs,
 * `next build` + `next start`) against a listening Portico, in Chromium: sign in through Portico's
 * hosted password sign-in, open a second tab on the same cookie, let the access token expire, and
 * reload both tabs at once. Both middlewares refresh with the same refresh token; with the reuse
 * grace (PORTICO_REFRESH_REUSE_GRACE, docs/user-management.md) both get the same successor and
 * neither tab is signed out; then sign-out ends the session. With PORTICO_REFRESH_REUSE_GRACE=0 in the environment this test
 * fails: the second refresh is reuse and the session is revoked.
 *
 * The example is installed (npm ci, its own lockfile) and built when missing or changed
 * (support/nextjs-example.ts). System clock: authkit-nextjs checks `exp` against the real time.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, freePort, type Harness, json, listen } from '../../../apps/server/test/harness.ts';
import { launchChromium } from './support/browser.ts';
import {
  ensureExample,
  RegistryUnreachable,
  type RunningExample,
  startExample,
} from './support/nextjs-example.ts';

const ACCESS_TOKEN_TTL = 3; // seconds
const PASSWORD = 'next tabs password 1';
/** Each refresh is held this long in Portico, so the two tabs' refreshes surely overlap. */
const REFRESH_LATENCY_MS = 300;

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> } | undefined;
let app: RunningExample | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let skipReason: string | null = null;
const refreshes: { at: number; token: string }[] = [];

beforeAll(async () => {
  try {
    const setup = await ensureExample();
    console.log(
      `examples/authkit-nextjs: ${setup.installed ? 'installed, ' : ''}${setup.built ? 'built' : 'build up to date'} (${setup.ms} ms)`,
    );
  } catch (err) {
    if (err instanceof RegistryUnreachable) {
      skipReason = `the npm registry cannot be reached to install examples/authkit-nextjs: ${err.message.split('\n')[0]}`;
      return;
    }
    throw err;
  }
  const [porticoPort, appPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  const grace = process.env.PORTICO_REFRESH_REUSE_GRACE;
  h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${porticoPort}`,
    env: {
      PORTICO_REDIRECT_URIS: `${appUrl}/callback`,
      PORTICO_ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
      ...(grace !== undefined ? { PORTICO_REFRESH_REUSE_GRACE: grace } : {}),
    },
  });
  portico = await listen(h, porticoPort, async (req, env) => {
    if (req.method === 'POST' && new URL(req.url).pathname === '/user_management/authenticate') {
      const body = (await req.clone().json()) as { grant_type?: string; refresh_token?: string };
      if (body.grant_type === 'refresh_token') {
        refreshes.push({ at: Date.now(), token: String(body.refresh_token) });
        await new Promise((r) => setTimeout(r, REFRESH_LATENCY_MS));
      }
    }
    return h.portico.app.fetch(req, env);
  });
  app = await startExample(appPort, {
    WORKOS_API_HOSTNAME: '127.0.0.1',
    WORKOS_API_PORT: String(porticoPort),
    WORKOS_API_HTTPS: 'false',
    WORKOS_CLIENT_ID: h.clientId,
    WORKOS_API_KEY: h.apiKey,
    WORKOS_COOKIE_PASSWORD: 'authkit-nextjs-example-cookie-password-0123456789',
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${appUrl}/callback`,
  });
  browser = await launchChromium();
}, 20 * 60_000); // a first run installs and builds the example (a few minutes on a busy machine)

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await app?.close();
  await portico?.close();
  await h?.close();
});

async function shown(page: Page) {
  return {
    path: new URL(page.url()).pathname,
    email: await page
      .locator('#email')
      .textContent({ timeout: 2_000 })
      .catch(() => null),
    session: await page
      .locator('#session')
      .textContent({ timeout: 2_000 })
      .catch(() => null),
  };
}

/** Rethrows a navigation timeout with where the page is, what it shows and what Next.js logged. */
function explain(page: Page) {
  return async (err: Error): Promise<never> => {
    const text = (await page.textContent('body').catch(() => '')) ?? '';
    throw new Error(`${err.message}\nat ${page.url()}: ${text.slice(0, 1000)}\nnext start: ${app!.output()}`);
  };
}

async function sessionRow(id: string) {
  return h.portico.deps.db
    .selectFrom('sessions')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('@workos-inc/authkit-nextjs 3.0.1 on Next.js 15 against Portico', () => {
  it('two tabs on one cookie refresh at once after the access token expired: neither is signed out', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const email = `next.tabs.${Date.now()}@example.com`;
    expect((await h.api('POST', '/user_management/users', { email, password: PASSWORD })).status).toBe(201);

    context = await browser!.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(20_000);
    const one = await context.newPage();
    // The protected page sends a signed-out visitor to Portico's hosted sign-in …
    await one.goto(`${app!.url}/`);
    await one.waitForURL((u) => u.pathname === '/authkit/sign-in').catch(explain(one));
    expect(new URL(one.url()).origin).toBe(portico!.url);
    await one.getByLabel('Email', { exact: true }).fill(email);
    await one.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await one.click('button[type=submit]');
    // … which comes back through /callback (handleAuth) to the page, signed in.
    await one.waitForURL((u) => u.origin === app!.url && u.pathname === '/').catch(explain(one));
    const signedIn = await shown(one);
    expect(signedIn.email, app!.output()).toBe(email);
    const sid = signedIn.session!;
    expect(sid).toMatch(/^session_/);

    const two = await context.newPage();
    await two.goto(`${app!.url}/`);
    expect(await shown(two)).toEqual(signedIn);
    // (On a slow machine the token may already have expired here and been refreshed once: count on.)
    const before = refreshes.length;

    // Let the access token expire, then reload both tabs at once.
    await new Promise((r) => setTimeout(r, ACCESS_TOKEN_TTL * 1000 + 1_500));
    await Promise.all([one.reload(), two.reload()]);
    const afterOne = await shown(one);
    const afterTwo = await shown(two);
    // Both middlewares refreshed, with the same refresh token: the second tab's request left with
    // the cookie from before the first refresh (so without the grace it would be reuse).
    const concurrent = refreshes.slice(before);
    expect(concurrent.length, app!.output()).toBe(2);
    expect(concurrent[0]!.token).toBe(concurrent[1]!.token);
    expect(afterOne, 'first tab after the concurrent refresh').toEqual(signedIn);
    expect(afterTwo, 'second tab after the concurrent refresh').toEqual(signedIn);
    expect(await sessionRow(sid)).toEqual({ status: 'active' });
    const users = (await json(
      await h.api('GET', `/user_management/users?email=${encodeURIComponent(email)}`),
    )) as { data: { id: string }[] };
    const sessions = (await json(
      await h.api('GET', `/user_management/users/${users.data[0]!.id}/sessions`),
    )) as {
      data: { id: string; status: string }[];
    };
    expect(sessions.data.map((s) => [s.id, s.status])).toEqual([[sid, 'active']]);

    // The session lives on one chain: after the next expiry one tab refreshes again, fine.
    await new Promise((r) => setTimeout(r, ACCESS_TOKEN_TTL * 1000 + 1_500));
    await one.reload();
    expect(await shown(one)).toEqual(signedIn);
    expect(refreshes).toHaveLength(before + 3);
    expect(await sessionRow(sid)).toEqual({ status: 'active' });

    // Sign-out (signOut() in a server action) clears the cookie and ends the session at Portico's
    // logout URL; the other tab, on the same cookie jar, is signed out with it.
    await one.getByRole('button', { name: 'Sign out' }).click();
    await one
      .waitForURL((u) => u.origin === portico!.url && u.pathname === '/user_management/sessions/logout')
      .catch(explain(one));
    expect(await sessionRow(sid)).toEqual({ status: 'revoked' });
    await two.reload();
    await two.waitForURL((u) => u.pathname === '/authkit/sign-in').catch(explain(two));
  });
});
