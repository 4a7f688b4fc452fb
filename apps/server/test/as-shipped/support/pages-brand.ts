/**
 * pages.test.ts cases for the hosted pages in the environment's branding, on the shipped server:
 * the banner's admin signs in to the dashboard's JSON endpoints and sets the branding (name and
 * colour, `PUT /_admin/email_settings`, as the dashboard's Branding form does); the sign-in page
 * and the forgot-password page then link the environment's stylesheet, show the name in the header
 * and paint the button in the colour, at 1280 and 390 px without sideways scrolling. The branding
 * is cleared afterwards, so the other cases keep the default look. (The logo over HTTPS is covered
 * in packages/compat/test/branding.browser.test.ts, which serves one.)
 */
import { expect } from 'vitest';
import { authorizeUrl, HOSTED, inChromium, t } from './pages-flows.ts';
import { expectPage, type Visit } from './pages-kit.ts';

async function adminSession() {
  const res = await fetch(`${t.p.url}/_admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.p.url },
    body: JSON.stringify({ email: t.p.admin.email, password: t.p.admin.password }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: ((await res.json()) as { csrf_token: string }).csrf_token,
  };
}

async function setBranding(body: Record<string, unknown>) {
  const s = await adminSession();
  const res = await fetch(`${t.p.url}/_admin/email_settings`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      origin: t.p.url,
      cookie: s.cookie,
      'x-portico-csrf': s.csrf,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBe(body.brand_color === 'blue' ? 422 : 200);
  return JSON.parse(text) as Record<string, unknown>;
}

async function expectBranded(v: Visit, heading: string) {
  await expectPage(v, { status: 200, heading, styles: 'branded' });
  for (const width of [1280, 390]) {
    await v.page.setViewportSize({ width, height: 844 });
    const seen = await v.page.evaluate(() => ({
      name: document.querySelector('header.brand .brand-name')?.textContent ?? null,
      button: getComputedStyle(document.querySelector('button[type=submit]')!).backgroundColor,
      scrollWidth: document.documentElement.scrollWidth,
      title: document.title,
    }));
    expect(seen, `${heading} at ${width} px`).toEqual({
      name: 'Shipped Brand',
      button: 'rgb(124, 45, 18)',
      scrollWidth: width,
      title: `${heading} · Shipped Brand`,
    });
  }
}

export async function brandedPages() {
  // A colour that is not #rrggbb is refused with its code and changes nothing.
  const refused = await setBranding({ brand_color: 'blue' });
  expect(refused).toMatchObject({ errors: [{ field: 'brand_color', code: 'invalid_brand_color' }] });
  await setBranding({ brand_name: 'Shipped Brand', brand_color: '#7c2d12' });
  try {
    await inChromium(async (v) => {
      await v.go(authorizeUrl({ provider: 'authkit', state: 'st-brand' }));
      await expectBranded(v, 'Sign in');
      await v.submit(v.page.getByRole('link', { name: 'Forgot password?' }));
      await expectBranded(v, 'Reset your password');
      const css = await fetch(`${t.p.url}/authkit/brand/${t.p.clientId}.css`);
      expect(css.status).toBe(200);
      expect(await css.text()).toContain('--brand:#7c2d12');
      const etag = css.headers.get('etag')!;
      const again = await fetch(`${t.p.url}/authkit/brand/${t.p.clientId}.css`, {
        headers: { 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
    });
  } finally {
    await setBranding({ brand_name: null, brand_color: null, logo_url: null });
  }
  // Cleared: the default look again.
  await inChromium(async (v) => {
    await v.go(authorizeUrl({ provider: 'authkit', state: 'st-plain' }));
    await expectPage(v, { status: 200, heading: 'Sign in', styles: HOSTED });
    expect(await v.page.locator('header.brand').count()).toBe(0);
  });
}
