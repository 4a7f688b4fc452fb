/**
 * An environment's branding on its hosted pages, in-process on the dialect under test: the colours
 * a brand colour gives (WCAG contrast, the default where it fails AA), the stylesheet
 * `/authkit/brand/<client_id>.css` (validated colour only, ETag and 304, unknown client 404 with
 * the standard error), and the pages: the stylesheet link, the logo (alt = the display name) and
 * name in the header, the CSP's img-src widened to the logo's https origin and nothing else; the
 * default Portico look where no environment is known. Branding is set the way the dashboard does
 * (`PUT /_admin/email_settings`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandColors, brandStylesheet, contrast, DEFAULT_BRAND } from '../../src/surfaces/brand.ts';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';
import { signInForTokens } from './support.ts';

let h: Harness;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'owner@example.com' } });
  const boot = await h.portico.services.admin.bootstrap();
  const res = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: h.portico.deps.config.publicUrl },
    body: JSON.stringify({ email: 'owner@example.com', password: boot.password }),
  });
  expect(res.status).toBe(201);
  admin = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: (await json<{ csrf_token: string }>(res)).csrf_token,
  };
});
afterAll(() => h.close());

function setBranding(body: Record<string, unknown>) {
  return h.portico.app.request('/_admin/email_settings', {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      origin: h.portico.deps.config.publicUrl,
      cookie: admin.cookie,
      'x-portico-csrf': admin.csrf,
    },
    body: JSON.stringify(body),
  });
}

const clear = () => setBranding({ brand_name: null, logo_url: null, brand_color: null });

async function signInPage() {
  const params = new URLSearchParams({
    client_id: h.clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
  });
  const auth = await h.portico.app.request(`/user_management/authorize?${params}`);
  expect(auth.status).toBe(302);
  const res = await h.portico.app.request(auth.headers.get('location')!);
  return { res, html: await res.text(), location: auth.headers.get('location')! };
}

const imgSrc = (res: Response) => /img-src ([^;]+);/.exec(res.headers.get('content-security-policy')!)![1];
const brandLink = (html: string) =>
  /href="(\/authkit\/brand\/[^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('the colours a brand colour gives', () => {
  it('keeps a colour that reaches AA, with the button text that contrasts most', () => {
    const dark = brandColors('#0F766E');
    expect(dark).toEqual({
      fill: '#0f766e',
      fillText: '#ffffff',
      ink: '#0f766e',
      inkDark: DEFAULT_BRAND.inkDark,
    });
    expect(contrast(dark.fill, dark.fillText)).toBeGreaterThanOrEqual(4.5);
    const light = brandColors('#fde047');
    expect(light.fill).toBe('#fde047');
    expect(light.fillText).toBe('#111111');
    expect(contrast(light.fill, light.fillText)).toBeGreaterThanOrEqual(4.5);
    // Yellow as text on the white card is unreadable: links keep the default, the dark card takes it.
    expect(light.ink).toBe(DEFAULT_BRAND.ink);
    expect(light.inkDark).toBe('#fde047');
  });

  it('falls back to the default where neither white nor near-black text reaches 4.5:1', () => {
    expect(contrast('#777777', '#ffffff')).toBeLessThan(4.5);
    expect(contrast('#777777', '#111111')).toBeLessThan(4.5);
    expect(brandColors('#777777')).toEqual(DEFAULT_BRAND);
  });

  it('never lets anything but #rrggbb into the stylesheet', () => {
    for (const bad of ['red', '#fff', 'red;}body{display:none', '#12345g', null])
      expect(brandStylesheet(bad)).toBe(brandStylesheet(null));
    expect(brandStylesheet(null)).toContain(`--brand:${DEFAULT_BRAND.fill}`);
  });
});

describe('GET /authkit/brand/<client_id>.css', () => {
  it('serves the colour as custom properties, with an ETag that answers 304 until it changes', async () => {
    expect((await setBranding({ brand_color: '#0F766E' })).status).toBe(200);
    const res = await h.portico.app.request(`/authkit/brand/${h.clientId}.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await res.text();
    expect(css).toContain('--brand:#0f766e;--brand-text:#ffffff;--brand-ink:#0f766e');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16}"$/);
    const again = await h.portico.app.request(`/authkit/brand/${h.clientId}.css`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await setBranding({ brand_color: '#7c2d12' })).status).toBe(200);
    const changed = await h.portico.app.request(`/authkit/brand/${h.clientId}.css`, {
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('--brand:#7c2d12');
    await clear();
  });

  it('uses the default for a stored colour that is not #rrggbb (never interpolated)', async () => {
    await h.portico.deps.db
      .updateTable('environments')
      .set({ email_brand_color: 'red;}body{display:none' })
      .where('id', '=', h.environmentId)
      .execute();
    const css = await (await h.portico.app.request(`/authkit/brand/${h.clientId}.css`)).text();
    expect(css).toBe(brandStylesheet(null));
    expect(css).not.toContain('display:none');
    await clear();
  });

  it('answers an unknown client id with 404 and the standard error', async () => {
    for (const path of ['/authkit/brand/client_nope.css', `/authkit/brand/${h.clientId}.txt`]) {
      const res = await h.portico.app.request(path);
      expect(res.status, path).toBe(404);
      const err = await json<{ code: string; message: string }>(res);
      expect(err.code).toBe('entity_not_found');
      expect(err.message).toContain('/authkit/brand/<client_id>.css');
    }
  });

  it('refuses a bad colour or logo through the settings endpoint, changing nothing', async () => {
    expect((await setBranding({ brand_color: '#123456' })).status).toBe(200);
    for (const [body, code] of [
      [{ brand_color: 'url(x)' }, 'invalid_brand_color'],
      [{ logo_url: 'javascript:alert(1)' }, 'invalid_logo_url'],
    ] as const) {
      const res = await setBranding(body);
      expect(res.status).toBe(422);
      expect((await json<{ errors: { code: string }[] }>(res)).errors[0]!.code).toBe(code);
    }
    expect(await (await h.portico.app.request(`/authkit/brand/${h.clientId}.css`)).text()).toContain(
      '--brand:#123456',
    );
    await clear();
  });
});

describe('the hosted pages', () => {
  it('keep the default Portico look while the environment has no branding', async () => {
    await clear();
    const { res, html } = await signInPage();
    expect(res.status).toBe(200);
    expect(brandLink(html)).toBeUndefined();
    expect(html).not.toContain('class="brand"');
    expect(html).toContain('<title>Sign in · Portico</title>');
    expect(imgSrc(res)).toBe("'self' data:");
  });

  it('wear the branding: stylesheet, logo with the name as alt, name, CSP img-src widened to the logo origin only', async () => {
    expect(
      (
        await setBranding({
          brand_name: 'Acme & Co',
          logo_url: 'https://cdn.acme.test/img/logo.png?v=2',
          brand_color: '#0f766e',
        })
      ).status,
    ).toBe(200);
    const { res, html, location } = await signInPage();
    expect(res.status).toBe(200);
    const link = brandLink(html)!;
    expect(link).toMatch(new RegExp(`^/authkit/brand/${h.clientId}\\.css\\?v=[A-Za-z0-9_-]{16}$`));
    const css = await h.portico.app.request(link);
    expect(`"${new URL(link, 'http://x').searchParams.get('v')}"`).toBe(css.headers.get('etag'));
    expect(html).toContain(
      '<img class="brand-logo" src="https://cdn.acme.test/img/logo.png?v=2" alt="Acme &amp; Co" height="40"/>',
    );
    expect(html).toContain('<span class="brand-name" aria-hidden="true">Acme &amp; Co</span>');
    expect(html).toContain('<title>Sign in · Acme &amp; Co</title>');
    expect(imgSrc(res)).toBe("'self' data: https://cdn.acme.test");
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'; style-src 'self';");

    // Another page of the same flow (the forgot-password page) and an error page where the
    // environment is known (a redirect URI not on the allow-list) wear it too.
    const requestId = new URL(location, 'http://x').searchParams.get('request')!;
    const forgot = await h.portico.app.request(`/authkit/forgot-password?request=${requestId}`);
    const forgotHtml = await forgot.text();
    expect(forgot.status).toBe(200);
    expect(brandLink(forgotHtml)).toBe(link);
    expect(forgotHtml).toContain('alt="Acme &amp; Co"');
    expect(imgSrc(forgot)).toBe("'self' data: https://cdn.acme.test");
    const refused = await h.portico.app.request(
      `/user_management/authorize?${new URLSearchParams({ client_id: h.clientId, provider: 'authkit', redirect_uri: 'https://evil.test/cb' })}`,
    );
    const refusedHtml = await refused.text();
    expect(refused.status).toBe(400);
    expect(refusedHtml).toContain('redirect_uri_not_allowed');
    expect(refusedHtml).toContain('alt="Acme &amp; Co"');

    // Where no environment is known the default look stays, and so does the strict img-src.
    const unknown = await h.portico.app.request('/authkit/sign-in?request=authreq_nope');
    const unknownHtml = await unknown.text();
    expect(unknown.status).toBe(400);
    expect(unknownHtml).not.toContain('class="brand"');
    expect(brandLink(unknownHtml)).toBeUndefined();
    expect(imgSrc(unknown)).toBe("'self' data:");
  });

  it('show a name without a logo, and no http:// logo (CSP unchanged)', async () => {
    await clear();
    expect(
      (await setBranding({ brand_name: 'Acme', logo_url: 'http://cdn.acme.test/logo.png' })).status,
    ).toBe(200);
    const { res, html } = await signInPage();
    expect(html).not.toContain('<img');
    expect(html).toContain('<header class="brand" id="brand"><span class="brand-name">Acme</span></header>');
    expect(imgSrc(res)).toBe("'self' data:");
    // No colour set: no per-environment stylesheet link.
    expect(brandLink(html)).toBeUndefined();
    await clear();
  });

  it('are on every hosted flow where the environment is known: sign-up, Magic Auth code, organization picker, reset, invitation, signed out', async () => {
    await clear();
    expect((await setBranding({ brand_name: 'Every Page Co', brand_color: '#7c2d12' })).status).toBe(200);
    const branded = (what: string, html: string) => {
      expect(html, what).toContain('<span class="brand-name">Every Page Co</span>');
      expect(brandLink(html), what).toMatch(/^\/authkit\/brand\/.+\.css\?v=/);
    };
    const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

    const { html: signIn, location } = await signInPage();
    branded('sign-in', signIn);
    const signUp = await h.portico.app.request(location.replace('/authkit/sign-in', '/authkit/sign-up'));
    branded('sign-up', await signUp.text());

    // Magic Auth's "Check your email" (the answer to "Email me a sign-in code").
    const first = await h.portico.app.request(location);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    const magic = await h.portico.app.request(location, {
      method: 'POST',
      headers: { cookie: cookieOf(first), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, email: 'magic-brand@example.com', action: 'magic' }).toString(),
    });
    const magicHtml = await magic.text();
    expect(magicHtml).toContain('id="sent-to"');
    branded('magic code', magicHtml);

    // The organization picker of a member of two organizations (the pending step).
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'two-orgs-brand@example.com',
        password: 'correct horse battery staple 7',
        email_verified: true,
      }),
    );
    for (const name of ['Brand Alpha', 'Brand Beta']) {
      const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name }));
      await h.api('POST', '/user_management/organization_memberships', {
        organization_id: org.id,
        user_id: user.id,
      });
    }
    const picker = await signInPage();
    const form = await h.portico.app.request(picker.location);
    const pickCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signedIn = await h.portico.app.request(picker.location, {
      method: 'POST',
      headers: { cookie: cookieOf(form), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: pickCsrf,
        email: 'two-orgs-brand@example.com',
        password: 'correct horse battery staple 7',
      }).toString(),
    });
    const continueAt = new URL(signedIn.headers.get('location')!, 'http://x').pathname;
    expect(continueAt).toMatch(/^\/authkit\/continue\//);
    const pickerPage = await h.portico.app.request(continueAt, {
      headers: { cookie: cookieOf(form) },
    });
    const pickerHtml = await pickerPage.text();
    expect(pickerHtml).toContain('Choose an organization');
    branded('organization picker', pickerHtml);

    // The reset form from a reset token.
    const reset = await json<{ password_reset_token: string }>(
      await h.api('POST', '/user_management/password_reset', { email: 'two-orgs-brand@example.com' }),
    );
    const resetPage = await h.portico.app.request(
      `/authkit/reset-password?token=${encodeURIComponent(reset.password_reset_token)}`,
    );
    expect(resetPage.status).toBe(200);
    branded('reset form', await resetPage.text());

    // The invitation page.
    const invitation = await json<{ accept_invitation_url: string }>(
      await h.api('POST', '/user_management/invitations', { email: 'invited-brand@example.com' }),
    );
    const invite = new URL(invitation.accept_invitation_url);
    const invitePage = await h.portico.app.request(`${invite.pathname}${invite.search}`);
    expect(invitePage.status).toBe(200);
    branded('invitation', await invitePage.text());

    // "You are signed out" after a sign-out without return_to.
    await h.api('POST', '/user_management/users', {
      email: 'bye-brand@example.com',
      password: 'correct horse battery staple 8',
    });
    const { access_token } = (await signInForTokens(
      h,
      'bye-brand@example.com',
      'correct horse battery staple 8',
    )) as {
      access_token: string;
    };
    const sid = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sid as string;
    const out = await h.portico.app.request(`/user_management/sessions/logout?session_id=${sid}`);
    const outHtml = await out.text();
    expect(out.status).toBe(200);
    expect(outHtml).toContain('id="signed-out"');
    branded('signed out', outHtml);
    await clear();
  });

  it('are on the SSO return pages of a connection of the environment, not for an unknown connection', async () => {
    await clear();
    expect((await setBranding({ brand_name: 'SSO Brand', brand_color: '#7c2d12' })).status).toBe(200);
    const org = await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'SSO Brand Org' }));
    const created = await h.api('POST', '/connections', {
      name: 'Draft IdP',
      organization_id: org.id,
      connection_type: 'GenericSAML',
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const conn = await json<{ id: string }>(created);
    const post = (id: string) =>
      h.portico.app.request(`/sso/saml/${id}/acs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'RelayState=x',
      });
    const known = await post(conn.id);
    const knownHtml = await known.text();
    expect(known.status).toBe(400);
    expect(knownHtml).toContain('saml_response_missing');
    expect(knownHtml).toContain('<span class="brand-name">SSO Brand</span>');
    const unknown = await post('conn_01UNKNOWN0000000000000000');
    const unknownHtml = await unknown.text();
    expect(unknownHtml).toContain('saml_response_missing');
    expect(unknownHtml).not.toContain('class="brand"');
    await clear();
  });
});
