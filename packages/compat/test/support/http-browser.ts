/**
 * A tiny browser without JavaScript for protocol tests: a cookie jar, manual redirects, and form
 * submission (the page's first form, its hidden fields, plus the fields you fill in).
 */
export interface Page {
  url: string;
  status: number;
  location: string | null;
  body: string;
}

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

export class Browser {
  private jar = new Map<string, string>();

  private remember(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
    }
  }

  private cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async page(url: string, res: Response): Promise<Page> {
    this.remember(res);
    const loc = res.headers.get('location');
    return {
      url,
      status: res.status,
      location: loc ? new URL(loc, url).toString() : null,
      body: await res.text(),
    };
  }

  async get(url: string): Promise<Page> {
    return this.page(url, await fetch(url, { redirect: 'manual', headers: { cookie: this.cookie() } }));
  }

  /** Submits the first form on the page with its hidden inputs and the given fields. */
  async submit(page: Page, fields: Record<string, string>): Promise<Page> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 200)}`);
    const action = new URL(decode(form[1]!), page.url).toString();
    const data = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (name && !(name in fields)) data.set(name, decode(value));
    }
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    const res = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: data.toString(),
    });
    return this.page(action, res);
  }
}
