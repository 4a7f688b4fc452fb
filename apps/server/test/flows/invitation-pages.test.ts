/**
 * The hosted invitation flow in-process (both dialects): accept_invitation_url → the invite page →
 * authorize with invitation_token → the sign-up locked to the invited email (the server refuses
 * another) → the code → a session in the invited organization, with the membership and role, and
 * the invitation accepted. An existing user continues to sign-in instead. Bad, used and foreign
 * tokens get a page or an `error=invitation_invalid` redirect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';

let h: Harness;
let orgId: string;
beforeAll(async () => {
  h = await createHarness();
  orgId = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Umbrella & Co' }))).id;
});
afterAll(() => h.close());

const invite = async (body: Record<string, unknown>) => {
  const res = await h.api('POST', '/user_management/invitations', body);
  expect(res.status).toBe(201);
  return json<{ id: string; token: string; accept_invitation_url: string }>(res);
};
const get = (url: string, cookie = '') =>
  h.portico.app.request(url.replace(h.portico.deps.config.publicUrl, ''), { headers: { cookie } });
const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');

/** Follows the invite page's form to the hosted sign-up / sign-in page. */
async function openInvite(url: string) {
  const page = await get(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form method="get" action="([^"]+)"/.exec(html)![1]!;
  const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
    (m) => [m[1]!, decode(m[2]!)] as [string, string],
  );
  const auth = await get(`${action}?${new URLSearchParams(fields)}`);
  expect(auth.status, await auth.clone().text()).toBe(302);
  const formPage = await get(auth.headers.get('location')!);
  const cookie = (formPage.headers.get('set-cookie') ?? '').split(';')[0]!;
  const form = await formPage.text();
  return {
    invite: html,
    form,
    location: auth.headers.get('location')!,
    cookie,
    csrf: /name="csrf" value="([^"]+)"/.exec(form)![1]!,
    action: decode(/<form method="post" action="([^"]+)"/.exec(form)![1]!),
  };
}
const post = (o: { cookie: string; action: string }, body: Record<string, string>) =>
  h.portico.app.request(o.action, {
    method: 'POST',
    headers: { cookie: o.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
const exchange = async (location: string) => {
  const code = new URL(location).searchParams.get('code')!;
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
  expect(res.status).toBe(200);
  return json<{ user: { id: string; email: string }; organization_id?: string }>(res);
};

describe('hosted invitation', () => {
  it('new user: invite page → sign-up locked to the email → signed in to the organization with the role', async () => {
    const inviter = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'ivy@umbrella.test', first_name: 'Ivy' }),
    );
    const inv = await invite({
      email: 'new@umbrella.test',
      organization_id: orgId,
      inviter_user_id: inviter.id,
      role_slug: 'admin',
    });
    const o = await openInvite(inv.accept_invitation_url);
    expect(decode(o.invite)).toContain('Ivy invited');
    expect(decode(o.invite)).toContain('Umbrella & Co');
    expect(o.invite).toContain('new@umbrella.test');
    expect(o.location).toMatch(/^\/authkit\/sign-up\?request=/);
    expect(o.form).toMatch(
      /<input id="email" name="email" type="email"[^>]*value="new@umbrella.test"[^>]*readonly/,
    );

    // The server refuses another email even though the field is only readonly in the browser.
    const wrong = await post(o, {
      csrf: o.csrf,
      email: 'other@umbrella.test',
      password: 'correct horse battery',
    });
    expect(wrong.status).toBe(400);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('invitation_cannot_be_used_for_email');
    expect(wrongHtml).toContain('value="new@umbrella.test"');
    const none = await h.api('GET', '/user_management/users?email=other%40umbrella.test');
    expect((await json<{ data: unknown[] }>(none)).data).toEqual([]);

    const csrf = /name="csrf" value="([^"]+)"/.exec(wrongHtml)![1]!;
    const ok = await post(o, {
      csrf,
      email: 'NEW@umbrella.test',
      password: 'correct horse battery',
      first_name: 'Nia',
    });
    expect(ok.status, (await ok.clone().text()).slice(0, 300)).toBe(302);
    expect(ok.headers.get('location')!.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchange(ok.headers.get('location')!);
    expect(tokens.user.email).toBe('new@umbrella.test');
    expect(tokens.organization_id).toBe(orgId);
    const ms = await json<{ data: { role: { slug: string } }[] }>(
      await h.api('GET', `/user_management/organization_memberships?user_id=${tokens.user.id}`),
    );
    expect(ms.data).toMatchObject([{ organization_id: orgId, role: { slug: 'admin' } }]);
    const after = await json<{ state: string; accepted_user_id: string }>(
      await h.api('GET', `/user_management/invitations/${inv.id}`),
    );
    expect(after).toMatchObject({ state: 'accepted', accepted_user_id: tokens.user.id });

    // The link is now used: the page says so, and authorize sends invitation_invalid back.
    const used = await get(inv.accept_invitation_url);
    expect(used.status).toBe(400);
    expect(await used.text()).toContain('invitation_invalid');
  });

  it('existing user: the invite page continues to sign-in; signing in accepts and joins', async () => {
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'old@umbrella.test',
        password: 'correct horse battery',
      }),
    );
    const inv = await invite({ email: 'old@umbrella.test', organization_id: orgId });
    const o = await openInvite(inv.accept_invitation_url);
    expect(o.location).toMatch(/^\/authkit\/sign-in\?request=/);
    expect(o.form).toContain('value="old@umbrella.test"');
    const ok = await post(o, { csrf: o.csrf, email: 'old@umbrella.test', password: 'correct horse battery' });
    expect(ok.status).toBe(302);
    const tokens = await exchange(ok.headers.get('location')!);
    expect(tokens).toMatchObject({ user: { id: user.id }, organization_id: orgId });
    const after = await json<{ state: string }>(await h.api('GET', `/user_management/invitations/${inv.id}`));
    expect(after.state).toBe('accepted');
  });

  it('signing in as someone else with an invited request is refused and accepts nothing', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'mallory@umbrella.test',
      password: 'correct horse battery',
    });
    await h.api('POST', '/user_management/users', { email: 'victim@umbrella.test' });
    const inv = await invite({ email: 'victim@umbrella.test', organization_id: orgId });
    const o = await openInvite(inv.accept_invitation_url);
    const res = await post(o, {
      csrf: o.csrf,
      email: 'mallory@umbrella.test',
      password: 'correct horse battery',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invitation_cannot_be_used_for_email');
    const after = await json<{ state: string }>(await h.api('GET', `/user_management/invitations/${inv.id}`));
    expect(after.state).toBe('pending');
  });

  it('bad, revoked and foreign tokens: the invite page and authorize refuse them', async () => {
    for (const q of ['', '?invitation_token=', '?invitation_token=nope']) {
      const res = await h.portico.app.request(`/authkit/invite${q}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('invitation_invalid');
    }
    const inv = await invite({ email: 'gone@umbrella.test', organization_id: orgId });
    await h.api('POST', `/user_management/invitations/${inv.id}/revoke`);
    const revoked = await get(inv.accept_invitation_url);
    expect(revoked.status).toBe(400);
    expect(await revoked.text()).toMatch(/withdrawn[\s\S]*invitation_invalid/);
    const other = await h.portico.services.environments.createEnvironment('Other');
    const foreign = await json<{ token: string }>(
      await h.portico.app.request('/user_management/invitations', {
        method: 'POST',
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'f@umbrella.test' }),
      }),
    );
    for (const token of [inv.token, foreign.token, 'nope']) {
      const params = new URLSearchParams({
        client_id: h.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        provider: 'authkit',
        state: 's1',
        invitation_token: token,
      });
      const res = await h.portico.app.request(`/user_management/authorize?${params}`);
      expect(res.status).toBe(302);
      const back = new URL(res.headers.get('location')!);
      expect(back.searchParams.get('error')).toBe('invitation_invalid');
      expect(back.searchParams.get('state')).toBe('s1');
    }
  });
});

describe('invitation_token on the grants', () => {
  const authenticate = (body: Record<string, unknown>) =>
    h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: h.clientId, client_secret: h.apiKey, ...body }),
    });

  it('password grant: accepts for the user and starts the session in the organization; a mismatch or a used token is refused', async () => {
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'pw@umbrella.test',
        password: 'correct horse battery',
      }),
    );
    const inv = await invite({ email: 'pw@umbrella.test', organization_id: orgId, role_slug: 'admin' });
    const other = await invite({ email: 'not-pw@umbrella.test', organization_id: orgId });
    const mismatch = await authenticate({
      grant_type: 'password',
      email: 'pw@umbrella.test',
      password: 'correct horse battery',
      invitation_token: other.token,
    });
    expect(mismatch.status).toBe(400);
    expect((await json<{ error: string }>(mismatch)).error).toBe('invitation_cannot_be_used_for_email');
    const ok = await authenticate({
      grant_type: 'password',
      email: 'pw@umbrella.test',
      password: 'correct horse battery',
      invitation_token: inv.token,
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ user: { id: user.id }, organization_id: orgId });
    const ms = await json<{ data: { role: { slug: string } }[] }>(
      await h.api('GET', `/user_management/organization_memberships?user_id=${user.id}`),
    );
    expect(ms.data).toMatchObject([{ role: { slug: 'admin' } }]);
    const again = await authenticate({
      grant_type: 'password',
      email: 'pw@umbrella.test',
      password: 'correct horse battery',
      invitation_token: inv.token,
    });
    expect(again.status).toBe(400);
    expect((await json<{ error: string }>(again)).error).toBe('invitation_invalid');
  });

  it('authorization_code grant: the invitation is accepted for the code’s user; a bad token refuses the code and keeps it unused', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'code@umbrella.test',
      password: 'correct horse battery',
    });
    const inv = await invite({ email: 'code@umbrella.test', organization_id: orgId });
    const { signInForCode } = await import('./support.ts');
    const { code } = await signInForCode(h, 'code@umbrella.test', 'correct horse battery');
    const bad = await authenticate({ grant_type: 'authorization_code', code, invitation_token: 'nope' });
    expect(bad.status).toBe(400);
    expect((await json<{ error: string }>(bad)).error).toBe('invitation_invalid');
    const ok = await authenticate({ grant_type: 'authorization_code', code, invitation_token: inv.token });
    expect(ok.status).toBe(200);
    expect((await json<{ organization_id?: string }>(ok)).organization_id).toBe(orgId);
    const after = await json<{ state: string }>(await h.api('GET', `/user_management/invitations/${inv.id}`));
    expect(after.state).toBe('accepted');
  });
});
