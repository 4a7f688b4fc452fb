/**
 * The hosted-page surface (browser, cookie + CSRF). Pages get a strict CSP (no inline script or
 * style), `X-Frame-Options: DENY` and no-store caching. CSRF uses a double-submit cookie bound to
 * the flow: the form carries HMAC(key, cookie ‖ flow id), so a token from one flow or one
 * browser is useless in another.
 */
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { constantTimeEqual } from '../platform/crypto.ts';
import type { Deps } from '../platform/deps.ts';
import { token } from '../platform/random.ts';
import type { PageBrand } from './brand.ts';

const CSRF_COOKIE = 'portico_csrf';

export function secureCookies(deps: Deps): boolean {
  const url = new URL(deps.config.publicUrl);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Records the environment whose branding this request's page wears (surfaces/brand.ts); the
 * page's CSP and layout read it. Unset (or null): the default Portico look.
 */
export function setPageBrand(c: Context, brand: PageBrand | null) {
  c.set('pageBrand' as never, brand as never);
}

export function pageBrand(c: Context): PageBrand | null {
  return (c.get('pageBrand' as never) as PageBrand | undefined) ?? null;
}

/**
 * A page's security headers. `script`: the page runs Portico's own script (`/authkit/passkey.js`,
 * served from this origin; still no inline script).
 */
export function pageHeaders(c: Context, formTargets: string[] = [], o: { script?: boolean } = {}) {
  const formAction = ["'self'", ...formTargets].join(' ');
  const scriptSrc = o.script ? " script-src 'self';" : '';
  // The logo's https origin, and only it, joins img-src (brand.ts allows no other scheme).
  const logo = pageBrand(c)?.logoOrigin;
  const imgSrc = ["'self'", 'data:', ...(logo ? [logo] : [])].join(' ');
  c.header(
    'Content-Security-Policy',
    `default-src 'none';${scriptSrc} style-src 'self'; img-src ${imgSrc}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
}

function csrfKey(deps: Deps) {
  return createHmac('sha256', deps.config.secret).update('csrf-v1').digest();
}

/** Returns the form token for this flow, setting the browser's CSRF cookie when missing. */
export function issueCsrf(c: Context, deps: Deps, flowId: string): string {
  let cookie = getCookie(c, CSRF_COOKIE);
  if (!cookie || !/^[A-Za-z0-9_-]{32,64}$/.test(cookie)) {
    cookie = token(deps.random, 32);
    setCookie(c, CSRF_COOKIE, cookie, {
      httpOnly: true,
      secure: secureCookies(deps),
      sameSite: 'Lax',
      path: '/',
      maxAge: 60 * 60,
    });
  }
  return createHmac('sha256', csrfKey(deps)).update(`${cookie}|${flowId}`).digest('base64url');
}

export function checkCsrf(c: Context, deps: Deps, flowId: string, submitted: unknown): boolean {
  const cookie = getCookie(c, CSRF_COOKIE);
  if (!cookie || typeof submitted !== 'string') return false;
  const expected = createHmac('sha256', csrfKey(deps)).update(`${cookie}|${flowId}`).digest('base64url');
  return constantTimeEqual(expected, submitted);
}
