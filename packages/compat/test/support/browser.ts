/**
 * Support for the real-browser AuthKit test: launching Debian's Chromium through playwright-core,
 * taking screenshots of hosted pages at desktop and phone widths, and watching a page for CSP
 * violations and script errors.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PORTICO_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors (CSP violations included), uncaught page errors and failed requests. */
  problems: string[];
}

/** A fresh context (own cookie jar) and page, with everything that goes wrong recorded. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light', locale: 'en-US' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // A hosted error page answers 4xx by design; Chromium logs that as a failed resource load.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url().endsWith('/favicon.ico')) return;
    problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  return { context, page, problems };
}

/**
 * Saves `<name>-1280.png` and `<name>-390.png` (full page) and reports, at 390 px, how wide the
 * document is and where the card sits, so a test can assert that nothing scrolls sideways and
 * the card keeps a margin on a phone.
 */
export async function screenshotBoth(
  page: Page,
  name: string,
): Promise<{ files: string[]; phoneScrollWidth: number; phoneCard: { left: number; right: number } | null }> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  await page.setViewportSize(DESKTOP);
  const desktop = join(SCREENSHOT_DIR, `${name}-1280.png`);
  await page.screenshot({ path: desktop, fullPage: true });
  files.push(desktop);
  await page.setViewportSize(PHONE);
  const phoneScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  const phoneCard = await page.evaluate(() => {
    const r = document.querySelector('main.card')?.getBoundingClientRect();
    return r ? { left: r.left, right: r.right } : null;
  });
  const phone = join(SCREENSHOT_DIR, `${name}-390.png`);
  await page.screenshot({ path: phone, fullPage: true });
  files.push(phone);
  await page.setViewportSize(DESKTOP);
  return { files, phoneScrollWidth, phoneCard };
}

/** What the page's stylesheet did to the card and the first button: proof /authkit/styles.css applied. */
export async function appliedStyles(page: Page) {
  return page.evaluate(() => {
    const card = document.querySelector('main.card');
    const sheet = [...document.styleSheets].map((s) => s.href);
    return {
      sheets: sheet,
      cardRadius: card ? getComputedStyle(card).borderTopLeftRadius : null,
      cardBackground: card ? getComputedStyle(card).backgroundColor : null,
      bodyDisplay: getComputedStyle(document.body).display,
    };
  });
}
