/**
 * OIDC callbacks for bench/sso.ts, minted ahead of a phase. A callback is single-use on both
 * sides (the relying party's state, the OpenID Provider's code), so each one is a whole sign-in
 * up to the redirect back: the relying party starts the flow (its authorize endpoint stores
 * state, nonce and PKCE verifier and answers 302 to the IdP), then a browser-like client with a
 * per-account cookie jar follows it at the IdP. The first sign-in of an account goes through the
 * devInteractions login and consent forms; later ones reuse the IdP session and grant, so the
 * IdP answers the authorization request with the redirect at once. The measured phase then only
 * replays the callback URLs: code exchange, ID-token validation, userinfo, and the relying
 * party's own work.
 */
import { pool } from './seed.ts';

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** One browser per account: its cookies at the IdP. */
class Browser {
  private jar = new Map<string, string>();
  constructor(readonly login: string) {}

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** Follows the IdP until it redirects to `callbackPrefix`; returns that URL. */
  async signIn(start: string, callbackPrefix: string): Promise<URL> {
    let url = start;
    let body: string | undefined;
    for (let hop = 0; hop < 12; hop++) {
      const res = await fetch(url, {
        method: body ? 'POST' : 'GET',
        body,
        redirect: 'manual',
        headers: {
          cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        signal: AbortSignal.timeout(30_000),
      });
      this.keep(res);
      body = undefined;
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        const next = new URL(location, url);
        if (next.href.startsWith(callbackPrefix)) return next;
        url = next.href;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`IdP answered ${res.status} at ${url}: ${html.slice(0, 300)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`no interaction form at ${url}: ${html.slice(0, 300)}`);
      url = new URL(decode(action), url).href;
      body =
        prompt === 'login'
          ? new URLSearchParams({ prompt, login: this.login, password: 'any password' }).toString()
          : new URLSearchParams({ prompt }).toString();
    }
    throw new Error('the IdP did not redirect to the callback within 12 hops');
  }
}

export class CallbackMinter {
  private browsers: Browser[];
  private serial = 0;
  /** Callback paths (path and query) in minting order. */
  readonly items: string[] = [];
  mintSeconds = 0;

  constructor(
    emails: string[],
    /** Starts a sign-in at the relying party for `email`; returns the IdP authorization URL. */
    private start: (email: string, n: number) => Promise<string>,
    private callbackPrefix: string,
  ) {
    this.browsers = emails.map((e) => new Browser(e));
  }

  /** Mints until `total` callbacks are ready, `concurrency` sign-ins at a time. */
  async ensure(total: number, concurrency = 8) {
    const missing = total - this.items.length;
    if (missing <= 0) return;
    const t0 = performance.now();
    const jobs = Array.from({ length: missing }, () => this.serial++);
    // One sign-in per account at a time: requests in the same IdP session stay ordered.
    const lanes = new Map<number, number[]>();
    for (const n of jobs) {
      const b = n % this.browsers.length;
      lanes.set(b, [...(lanes.get(b) ?? []), n]);
    }
    const out = await pool([...lanes.entries()], concurrency, async ([b, ns]) => {
      const browser = this.browsers[b]!;
      const urls: string[] = [];
      for (const n of ns) {
        const authorizationUrl = await this.start(browser.login, n);
        const cb = await browser.signIn(authorizationUrl, this.callbackPrefix);
        urls.push(cb.pathname + cb.search);
      }
      return urls;
    });
    // Interleave the accounts again so a phase walks them round-robin.
    const max = Math.max(...out.map((u) => u.length));
    for (let i = 0; i < max; i++) for (const u of out) if (u[i]) this.items.push(u[i]!);
    this.mintSeconds += (performance.now() - t0) / 1000;
  }
}
