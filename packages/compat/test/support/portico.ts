/**
 * Starts a listening Portico (via the server's test harness) whose every JSON response is
 * recorded for the OpenAPI check, and drives the hosted sign-in page over plain HTTP the way a
 * browser without JavaScript would.
 */

import type { DnsResolver } from '../../../../apps/server/src/platform/deps.ts';
import { createHarness, freePort, type Harness, listen } from '../../../../apps/server/test/harness.ts';
import type { Recorded } from './openapi.ts';

export interface Running {
  h: Harness;
  port: number;
  url: string;
  recorded: Recorded[];
  redirectUri: string;
  close(): Promise<void>;
}

export async function startPortico(
  opts: { env?: Record<string, string>; testIdp?: boolean; dns?: DnsResolver } = {},
): Promise<Running> {
  const port = await freePort();
  const redirectUri = 'http://localhost:3000/callback';
  const h = await createHarness({
    clock: 'system',
    publicUrl: `http://127.0.0.1:${port}`,
    env: { PORTICO_REDIRECT_URIS: redirectUri, ...opts.env },
    dns: opts.dns,
  });
  if (opts.testIdp) {
    const { ensureTestOrganization } = await import('../../../../apps/server/src/features/sso/test-idp.tsx');
    const { ensureTestOidc } = await import('../../../../apps/server/src/features/sso/test-oidc.tsx');
    await ensureTestOrganization(h.portico.deps, h.environmentId);
    await ensureTestOidc(h.portico.deps, h.environmentId);
  }
  const recorded: Recorded[] = [];
  const server = await listen(h, port, async (req, env) => {
    const res = await h.portico.app.fetch(req, env);
    if ((res.headers.get('content-type') ?? '').includes('application/json')) {
      const body = await res
        .clone()
        .json()
        .catch(() => undefined);
      recorded.push({ method: req.method, path: new URL(req.url).pathname, status: res.status, body });
    }
    return res;
  });
  return {
    h,
    port,
    url: server.url,
    recorded,
    redirectUri,
    async close() {
      await server.close();
      await h.close();
    },
  };
}

/** Cookie jar + manual redirects: follows Portico's hosted pages like a browser. */
export async function hostedSignIn(
  authorizeUrl: string,
  form: { email: string; password: string; first_name?: string; last_name?: string },
  screen: 'sign-in' | 'sign-up' = 'sign-in',
): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!.trim(), v ?? '');
    }
  };
  let res = await fetch(authorizeUrl, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const origin = new URL(authorizeUrl).origin;
  let pageUrl = new URL(res.headers.get('location')!, origin);
  if (screen === 'sign-up')
    pageUrl = new URL(pageUrl.toString().replace('/authkit/sign-in', '/authkit/sign-up'));
  res = await fetch(pageUrl, { headers: { cookie: cookieHeader() } });
  remember(res);
  const html = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no CSRF field on ${pageUrl}: ${html.slice(0, 200)}`);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  res = await fetch(new URL(action!, origin), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, ...form }).toString(),
  });
  if (res.status !== 302)
    throw new Error(`sign-in answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return new URL(res.headers.get('location')!);
}
