/**
 * The environment's branding on the hosted pages in a real browser (Debian Chromium via
 * playwright-core). Branding is set the way the dashboard sets it (`PUT /_admin/email_settings`
 * with the admin session); the logo is served by a real HTTPS server on another host name
 * (`logo.test`, mapped to 127.0.0.1, self-signed certificate). The sign-in page and two pages of
 * other flows (Magic Auth's "Check your email" and "Forgot password?") are checked at 1280 and
 * 390 px: the button's computed colours are the brand colour with its contrast text, the logo
 * loaded (CSP img-src lets its origin through), the name is shown, nothing scrolls sideways and no
 * CSP violation or script error happens. Then the branding is cleared: the default look returns.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../apps/server/src/platform/x509.ts';
import { createHarness, freePort, type Harness, listen } from '../../../apps/server/test/harness.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  openPage,
  screenshotBoth,
  type WatchedPage,
} from './support/browser.ts';

const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" rx="6" fill="#0f766e"/></svg>';

let h: Harness;
let portico: { port: number; url: string; close(): Promise<void> };
let logo: Server;
let logoUrl: string;
let browser: Browser;
let admin: { cookie: string; csrf: string };
let w: WatchedPage | undefined;
const callback = 'http://127.0.0.1:1/callback';

beforeAll(async () => {
  const porticoPort = await freePort();
  h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${porticoPort}`,
    env: { PORTICO_REDIRECT_URIS: callback, PORTICO_ADMIN_EMAIL: 'owner@example.com' },
  });
  portico = await listen(h, porticoPort);

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const cert = await selfSignedCertificate(privateKey, publicKey, {
    commonName: 'logo.test',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    serial: '01',
  });
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  logo = createServer(
    { key: privateKey.export({ format: 'pem', type: 'pkcs8' }), cert: pem },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-store' });
      res.end(LOGO_SVG);
    },
  );
  await new Promise<void>((r) => logo.listen(0, '127.0.0.1', r));
  logoUrl = `https://logo.test:${(logo.address() as AddressInfo).port}/brand/logo.svg`;

  const boot = await h.portico.services.admin.bootstrap();
  const res = await fetch(`${portico.url}/_admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: portico.url },
    body: JSON.stringify({ email: 'owner@example.com', password: boot.password }),
  });
  expect(res.status).toBe(201);
  admin = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: ((await res.json()) as { csrf_token: string }).csrf_token,
  };
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP logo.test 127.0.0.1', '--ignore-certificate-errors'],
    timeout: 30_000,
  });
});

afterAll(async () => {
  await w?.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await new Promise((r) => logo?.close(r));
  await portico?.close();
  await h?.close();
});

async function setBranding(body: Record<string, unknown>) {
  const res = await fetch(`${portico.url}/_admin/email_settings`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      origin: portico.url,
      cookie: admin.cookie,
      'x-portico-csrf': admin.csrf,
    },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const authorizeUrl = () =>
  `${portico.url}/user_management/authorize?${new URLSearchParams({
    client_id: h.clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: callback,
  })}`;

/** What a person sees of the branding, measured in the page. */
function branding(page: Page) {
  return page.evaluate(() => {
    const button = document.querySelector('button[type=submit]:not(.secondary)');
    const img = document.querySelector<HTMLImageElement>('header.brand img');
    const name = document.querySelector('header.brand .brand-name');
    return {
      buttonBackground: button ? getComputedStyle(button).backgroundColor : null,
      buttonColor: button ? getComputedStyle(button).color : null,
      logo: img ? { alt: img.alt, src: img.src, loaded: img.complete && img.naturalWidth > 0 } : null,
      name: name?.textContent ?? null,
      title: document.title,
      scrollWidth: document.documentElement.scrollWidth,
    };
  });
}

async function expectBranded(page: Page, shot: string) {
  const b = await branding(page);
  expect(b.buttonBackground).toBe('rgb(15, 118, 110)');
  expect(b.buttonColor).toBe('rgb(255, 255, 255)');
  expect(b.logo).toEqual({ alt: 'Acme Tools', src: logoUrl, loaded: true });
  expect(b.name).toBe('Acme Tools');
  expect(b.title).toMatch(/ · Acme Tools$/);
  expect(b.scrollWidth).toBeLessThanOrEqual(1280);
  const { files, phoneScrollWidth, phoneCard } = await screenshotBoth(page, shot);
  for (const f of files) expect(existsSync(f) && statSync(f).size > 2_000, f).toBe(true);
  expect(phoneScrollWidth, `${shot} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
  expect(phoneCard!.left).toBeGreaterThanOrEqual(8);
  expect(phoneCard!.right).toBeLessThanOrEqual(382);
  // At 390 px the logo still loads and the header fits inside the card.
  await page.setViewportSize({ width: 390, height: 844 });
  const header = await page.evaluate(() => {
    const r = document.querySelector('header.brand')!.getBoundingClientRect();
    const card = document.querySelector('main.card')!.getBoundingClientRect();
    return { inside: r.left >= card.left && r.right <= card.right };
  });
  expect(header.inside).toBe(true);
  expect((await branding(page)).buttonBackground).toBe('rgb(15, 118, 110)');
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('hosted pages in the environment’s branding (Chromium)', () => {
  it('sign-in, Magic Auth code and forgot-password pages wear the logo, name and colour at 1280 and 390 px', async () => {
    await setBranding({ brand_name: 'Acme Tools', logo_url: logoUrl, brand_color: '#0F766E' });
    w = await openPage(browser);
    const { page } = w;
    const signIn = await page.goto(authorizeUrl());
    expect(signIn!.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/authkit/sign-in');
    expect(signIn!.headers()['content-security-policy']).toContain(
      `img-src 'self' data: ${new URL(logoUrl).origin};`,
    );
    await expectBranded(page, 'branding-sign-in');
    const signInUrl = page.url();

    // Magic Auth: "Email me a sign-in code" → "Check your email".
    await page.fill('#email', 'branded@example.com');
    await Promise.all([page.waitForURL(/\/authkit\/sign-in/), page.click('button[value=magic]')]);
    await page.waitForSelector('#sent-to');
    await expectBranded(page, 'branding-magic-code');
    // Its secondary button ("Send a new code") takes the colour as text on the white card.
    const secondary = await page.evaluate(() => {
      const b = document.querySelector('button.secondary')!;
      return { color: getComputedStyle(b).color, border: getComputedStyle(b).borderTopColor };
    });
    expect(secondary).toEqual({ color: 'rgb(15, 118, 110)', border: 'rgb(15, 118, 110)' });

    // "Forgot password?" from the same sign-in.
    await page.goto(signInUrl);
    await Promise.all([page.waitForURL(/\/authkit\/forgot-password/), page.click('text=Forgot password?')]);
    await expectBranded(page, 'branding-forgot-password');
    expect(w.problems).toEqual([]);
    await w.context.close();
    w = undefined;
  });

  it('a colour that fails AA keeps the default button; clearing the branding restores the Portico look', async () => {
    await setBranding({ brand_color: '#777777' });
    w = await openPage(browser);
    await w.page.goto(authorizeUrl());
    const grey = await branding(w.page);
    expect(grey.buttonBackground).toBe('rgb(29, 78, 216)');
    expect(grey.logo?.loaded).toBe(true);

    await setBranding({ brand_name: null, logo_url: null, brand_color: null });
    await w.page.goto(authorizeUrl());
    const plain = await branding(w.page);
    expect(plain).toMatchObject({
      buttonBackground: 'rgb(29, 78, 216)',
      buttonColor: 'rgb(255, 255, 255)',
      logo: null,
      name: null,
      title: 'Sign in · Portico',
    });
    expect(w.problems).toEqual([]);
  });
});
