/** Drives the hosted sign-in page in-process (no browser): authorize → form → code. */
import { type Harness, REDIRECT_URI } from '../harness.ts';

export async function signInForCode(
  h: Harness,
  email: string,
  password: string,
  extra: Record<string, string> = {},
  organization?: string,
): Promise<{ code: string; state: string | null }> {
  const params = new URLSearchParams({
    client_id: h.clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    state: 'st',
    ...extra,
  });
  const auth = await h.portico.app.request(`/user_management/authorize?${params}`);
  if (auth.status !== 302) throw new Error(`authorize: ${auth.status} ${await auth.text()}`);
  const page = await h.portico.app.request(auth.headers.get('location')!);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const res = await h.portico.app.request(action, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, email, password }).toString(),
  });
  if (res.status !== 302) throw new Error(`sign-in: ${res.status} ${(await res.text()).slice(0, 300)}`);
  let back = new URL(res.headers.get('location')!, 'http://portico.invalid');
  if (back.pathname.startsWith('/authkit/continue/')) {
    // A member of several organizations picks one (`organization`, else the first listed).
    const picker = await h.portico.app.request(back.pathname, { headers: { cookie } });
    const page = await picker.text();
    const token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const orgs = [...page.matchAll(/name="organization_id" value="([^"]+)"/g)].map((m) => m[1]!);
    if (!orgs.length) throw new Error(`pending step is not an organization picker: ${page.slice(0, 300)}`);
    const chosen = await h.portico.app.request(back.pathname, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token, organization_id: organization ?? orgs[0]! }).toString(),
    });
    if (chosen.status !== 302)
      throw new Error(`organization picker: ${chosen.status} ${(await chosen.text()).slice(0, 300)}`);
    back = new URL(chosen.headers.get('location')!);
  }
  return { code: back.searchParams.get('code')!, state: back.searchParams.get('state') };
}

/** Signs in on the hosted page and redeems the code: the `/user_management/authenticate` answer. */
export async function signInForTokens(
  h: Harness,
  email: string,
  password: string,
): Promise<Record<string, unknown>> {
  const { code } = await signInForCode(h, email, password);
  const res = await h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'authorization_code',
      code,
    }),
  });
  if (res.status !== 200) throw new Error(`authenticate: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
