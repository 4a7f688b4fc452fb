/**
 * Support for pages.test.ts: what the server mounts (read from an in-process build, which serves
 * nothing), Chromium visits that record and check every document Portico answers, the checks a
 * person's page must pass, and a small foreign "application" on another site that owns the
 * redirect URIs, receives codes and errors, and plays a foreign IdP posting to the ACS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page, Response } from 'playwright-core';
import { expect } from 'vitest';
import {
  appliedStyles,
  openPage,
  type WatchedPage,
} from '../../../../../packages/compat/test/support/browser.ts';
import { createHarness } from '../../harness.ts';

/** `METHOD /path` exactly as Hono mounts it (`GET /test-idp/:id/sso`). */
export type RouteKey = string;

/**
 * Every method + path the app mounts that is not a JSON API contract of the registry (those are
 * covered by the contract and SDK suites). The app is built in-process only to read its router.
 */
export async function mountedNonContractRoutes(): Promise<{ routes: RouteKey[]; contracts: Set<RouteKey> }> {
  const h = await createHarness();
  try {
    const contracts = new Set(h.portico.registry.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    const routes = [...new Set(h.portico.app.routes.map((r) => `${r.method} ${r.path}`))].filter(
      (k) => !contracts.has(k),
    );
    return { routes, contracts };
  } finally {
    await h.close();
  }
}

/** Which table route a request is: `:param` matches one path segment. */
export function routeMatcher(keys: RouteKey[]) {
  const compiled = keys.map((k) => {
    const [method, path] = k.split(' ') as [string, string];
    const re = new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`,
    );
    return { key: k, method, re };
  });
  return (method: string, path: string) =>
    compiled.find((c) => (c.method === method || c.method === 'ALL') && c.re.test(path))?.key;
}

export interface Hit {
  route: RouteKey | undefined;
  method: string;
  url: string;
  status: number;
  contentType: string;
  /** X-Request-ID: finds the request's lines in the server log. */
  requestId: string;
  /** The start of the body, kept for an answer that is not a page. */
  body?: string;
}

/** A 5xx, or a final answer that is not HTML: not what a person who navigated there must get. */
const notAPage = (d: Hit) =>
  d.status >= 500 || ((d.status < 300 || d.status >= 400) && !/^text\/html\b/.test(d.contentType));

/** The causes the server logged for these requests' failures (pino error lines). */
function loggedErrors(log: string, requestIds: string[]): string[] {
  const causes = log.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const e = JSON.parse(line) as {
        level?: number;
        msg?: string;
        requestId?: string;
        err?: { type?: string; message?: string; stack?: string };
      };
      if ((e.level ?? 0) < 50 || !requestIds.includes(e.requestId ?? '')) return [];
      const at = e.err?.stack
        ?.split('\n')
        .find((l) => l.includes('/src/'))
        ?.trim();
      return [`${e.msg}: ${e.err?.type ?? 'Error'}: ${e.err?.message ?? ''}${at ? ` (${at})` : ''}`];
    } catch {
      return [];
    }
  });
  return [...new Set(causes)];
}

/** Every document Portico answered in Chromium, across all cases (the coverage check reads it). */
export const hits: Hit[] = [];

export interface Visit extends WatchedPage {
  /** Documents Portico answered in this visit, redirects included, in order. */
  docs: Hit[];
  /** The last document answered by Portico that was not a redirect. */
  last(): Hit;
  /** Navigates and waits for the document. */
  go(url: string): Promise<Response | null>;
  /** Clicks something that submits a form or follows a link, and waits for the next document. */
  submit(selector: string | ReturnType<Page['getByRole']>): Promise<void>;
  /** Fails, saying what Portico answered and what its log says, when a document was not a page. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh browser context whose main-frame documents from `origin` are recorded. Each navigation
 * (`go`, `submit`) and `close()` fail the case as soon as one of them was a 5xx, or a final
 * (non-redirect) answer that is not HTML — a person navigated there and must get a page — with
 * what Portico answered and the causes in its log (`serverLog`).
 */
export async function visit(
  browser: Browser,
  origin: string,
  match: ReturnType<typeof routeMatcher>,
  serverLog: () => string,
) {
  const w = (await openPage(browser)) as Visit;
  w.docs = [];
  const bodies: Promise<void>[] = [];
  w.page.on('response', (r) => {
    const req = r.request();
    if (!req.isNavigationRequest() || req.frame() !== w.page.mainFrame()) return;
    const u = new URL(r.url());
    if (u.origin !== origin) return;
    const hit: Hit = {
      route: match(req.method(), u.pathname),
      method: req.method(),
      url: r.url(),
      status: r.status(),
      contentType: r.headers()['content-type'] ?? '',
      requestId: r.headers()['x-request-id'] ?? '',
    };
    w.docs.push(hit);
    hits.push(hit);
    if (notAPage(hit))
      bodies.push(
        r.text().then(
          (t) => {
            const text = /^text\/html\b/.test(hit.contentType)
              ? t.replace(/<(head|style|script)\b[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]*>/g, ' ')
              : t;
            hit.body = text.replace(/\s+/g, ' ').trim().slice(0, 300);
          },
          () => {},
        ),
      );
  });
  w.check = async () => {
    await Promise.all(bodies);
    const bad = w.docs.filter(notAPage);
    if (!bad.length) return;
    const causes = loggedErrors(
      serverLog(),
      bad.map((d) => d.requestId),
    );
    throw new Error(
      [
        'Portico answered a person’s navigation with a server error or with something that is not an HTML page:',
        ...bad.map(
          (d) =>
            `  ${d.method} ${d.url} → ${d.status} ${d.contentType} (request ${d.requestId})\n    ${d.body ?? ''}`,
        ),
        ...(causes.length ? ['The server logged:', ...causes.map((c) => `  ${c}`)] : []),
      ].join('\n'),
    );
  };
  w.last = () => {
    const final = w.docs.filter((d) => d.status < 300 || d.status >= 400).at(-1);
    if (!final) throw new Error(`Portico answered no document in this visit (saw ${w.page.url()})`);
    return final;
  };
  w.go = async (url) => {
    const r = await w.page.goto(url);
    await w.check();
    return r;
  };
  w.submit = async (target) => {
    const loc = typeof target === 'string' ? w.page.locator(target) : target;
    const from = w.page.url();
    await Promise.all([
      w.page.waitForEvent('load').catch(async (err: Error) => {
        await w.check();
        throw new Error(
          `${String(loc)} on ${from} led to no new page (${err.message.split('\n')[0]}). The browser reported: ${JSON.stringify(w.problems)}`,
        );
      }),
      loc.click(),
    ]);
    await w.check();
  };
  w.close = async () => {
    await w.check().finally(() => w.context.close());
  };
  return w;
}

export interface PageExpectation {
  status: number;
  /** The page's main heading. */
  heading: string | RegExp;
  /** For an error: the stable code shown on the page… */
  code?: string;
  /** …and the how-to-fix text beside it. */
  fix?: string | RegExp;
  /** `hosted`: /authkit/styles.css applied to the card; `branded`: that and the environment's
   *  /authkit/brand/<client_id>.css; `spa`: the React app's stylesheet applied. */
  styles: 'hosted' | 'branded' | 'spa';
}

/**
 * The page a person is looking at is a readable HTML document: the status and content type
 * Portico answered, a title, a visible heading, no JSON as the body, the stylesheet applied, no
 * CSP violation or script error, and for an error its stable code and how to fix it.
 */
export async function expectPage(w: Visit, e: PageExpectation) {
  const { page } = w;
  await w.check();
  const doc = w.last();
  const where = `${doc.method} ${doc.url}`;
  expect(doc.status, `${where}: status`).toBe(e.status);
  expect(doc.contentType, `${where}: content type`).toMatch(/^text\/html\b/);
  const heading = page.locator('h1').first();
  await heading.waitFor({ state: 'visible' });
  const h1 = (await heading.textContent())?.trim() ?? '';
  if (typeof e.heading === 'string') expect(h1, `${where}: heading`).toBe(e.heading);
  else expect(h1, `${where}: heading`).toMatch(e.heading);
  expect((await page.title()).trim(), `${where}: <title>`).not.toBe('');
  // What a person reads: rendered text, not hidden inputs or markup.
  // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point
  const text = (await page.locator('body').innerText()).trim();
  expect(text.startsWith('{') || text.startsWith('['), `${where}: the body is JSON:\n${text}`).toBe(false);
  if (e.code) expect(text, `${where}: the page shows the error code`).toContain(e.code);
  if (e.fix) {
    if (typeof e.fix === 'string') expect(text, `${where}: the page says how to fix it`).toContain(e.fix);
    else expect(text, `${where}: the page says how to fix it`).toMatch(e.fix);
  }
  if (e.styles === 'hosted' || e.styles === 'branded') {
    const s = await appliedStyles(page);
    const sheets = s.sheets.map((h) => (h ? new URL(h).pathname : h));
    expect(sheets, `${where}: stylesheets`).toEqual(
      e.styles === 'hosted'
        ? ['/authkit/styles.css']
        : ['/authkit/styles.css', expect.stringMatching(/^\/authkit\/brand\/[^/]+\.css$/)],
    );
    if (e.styles === 'hosted') expect(s.sheets[0]).toBe(new URL('/authkit/styles.css', doc.url).href);
    expect({ radius: s.cardRadius, display: s.bodyDisplay }, `${where}: /authkit/styles.css applied`).toEqual(
      {
        radius: '12px',
        display: 'flex',
      },
    );
  } else {
    const accent = await page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
    );
    expect(accent, `${where}: the app's stylesheet applied`).toBe('#3b48c4');
  }
  expect(w.problems, `${where}: console errors, CSP violations, failed requests`).toEqual([]);
}

// ── the foreign application ─────────────────────────────────────────────────

export interface App {
  /** On 127.0.0.1, another site than Portico's localhost. */
  url: string;
  /** Allowed with the CLI; answers a page showing what arrived. */
  callback: string;
  /** Never allowed: nothing may ever be sent here. */
  unlisted: string;
  /** Every request the app received. */
  requests: URL[];
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * `/callback` and `/unlisted` show the query they got; `/post?to=<url>&<field>=<value>…` is a
 * foreign IdP's page with a form that posts the fields to `to` (the ACS) when its button is pressed.
 */
export async function startApp(): Promise<App> {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(u);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (u.pathname === '/post') {
      const fields = [...u.searchParams].filter(([k]) => k !== 'to');
      res.end(
        `<!doctype html><title>Foreign IdP</title><h1>Foreign IdP</h1><form method="post" action="${esc(u.searchParams.get('to') ?? '')}">${fields
          .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
          .join('')}<button type="submit">Post to the ACS</button></form>`,
      );
      return;
    }
    res.end(
      `<!doctype html><title>App</title><h1>App ${esc(u.pathname)}</h1><pre id="query">${esc(u.search)}</pre>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    callback: `${url}/callback`,
    unlisted: `${url}/unlisted`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The JWT's payload, unverified (the server that signed it is under test elsewhere). */
export function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
