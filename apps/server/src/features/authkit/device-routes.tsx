/** @jsxImportSource hono/jsx */
/**
 * The device authorization grant's endpoints (RFC 8628; device.ts has the flow):
 * `POST /user_management/authorize/device` (§3.1–3.2, token surface: form or JSON, a public
 * client needs only client_id) and the hosted pages `/authkit/device` (type the code),
 * `/authkit/device/callback` (the hosted sign-in's code comes back here) and
 * `/authkit/device/confirm` (Approve / Deny). The browser that typed the code keeps a PKCE
 * verifier in an HttpOnly cookie scoped to /authkit/device: the sign-in's code and the decision
 * are accepted only from it.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { readForm } from '../../platform/http.ts';
import { token } from '../../platform/random.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { checkCsrf, issueCsrf, pageHeaders, secureCookies, setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp } from '../../surfaces/json-surface.ts';
import { errorPage, type PageError, pageErrors, renderPage } from '../../surfaces/page-layout.tsx';
import type { TokenSurface } from '../../surfaces/token.ts';
import { DEVICE_PAGE, type DeviceAuthorizations, formatUserCode, normalizeUserCode, s256 } from './device.ts';
import { DeviceApprovedPage, DeviceCodePage, DeviceConfirmPage, DeviceDeniedPage } from './device-pages.tsx';
import type { AuthKitService } from './service.ts';

const COOKIE = 'portico_device';
/** Code entries per address per minute: user codes are short, so guessing must stay slow. */
const ENTRY_LIMIT = 10;

export const DeviceAuthorizationResponse = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
});

export function deviceRoutes(
  app: Hono,
  deps: Deps,
  tokenSurface: TokenSurface,
  devices: DeviceAuthorizations,
  authkit: AuthKitService,
  limiter: RateLimiter,
) {
  tokenSurface.route({
    method: 'post',
    path: '/user_management/authorize/device',
    summary: 'Start a device (CLI) sign-in: RFC 8628 device authorization request',
    acceptsForm: true,
    sealReplay: true,
    body: z.object({
      client_id: z.string(),
      client_secret: z.string().optional(),
      // Accepted for RFC 8628 clients that send one; AuthKit sessions have no scopes.
      scope: z.string().max(2000).optional(),
    }),
    response: DeviceAuthorizationResponse,
    handler: ({ env }) => devices.start(env),
  });

  const page = (c: Context, status: number, node: unknown) => {
    pageHeaders(c);
    return c.html(renderPage(c, node), status as 200);
  };
  const codePage = (c: Context, status: number, userCode: string, error?: PageError) =>
    page(c, status, <DeviceCodePage csrf={issueCsrf(c, deps, 'device')} userCode={userCode} error={error} />);
  const appName = async (c: Context, environmentId: string) => {
    const brand = await loadPageBrand(deps.db, environmentId);
    setPageBrand(c, brand);
    return brand?.name ?? 'the application';
  };
  const expired = (c: Context) =>
    errorPage(c, 400, {
      title: 'Device sign-in expired',
      code: 'user_code_invalid',
      message: 'This device sign-in has expired, was already decided, or was opened in another browser.',
      hint: 'Start the sign-in again on your device and enter the new code here.',
    });

  app.get(DEVICE_PAGE, pageErrors, (c) => {
    const given = c.req.query('user_code') ?? '';
    const normalized = normalizeUserCode(given);
    if (normalized || !given) return codePage(c, 200, normalized ? formatUserCode(normalized) : '');
    // A link whose code was cut short or changed: say so before anyone types.
    return codePage(c, 400, given.slice(0, 12), {
      code: 'user_code_invalid',
      message:
        'The link’s code is not one Portico issues. Type the eight letters your device shows, such as BCDF-GHJK.',
    });
  });

  app.post(DEVICE_PAGE, pageErrors, async (c) => {
    const form = await readForm(c);
    const typed = typeof form.user_code === 'string' ? form.user_code.trim().slice(0, 32) : '';
    if (!checkCsrf(c, deps, 'device', form.csrf))
      return codePage(c, 403, typed, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please enter the code again.',
      });
    try {
      await limiter.shared(`device_code_page:${clientIp(c) ?? 'unknown'}`, ENTRY_LIMIT, 60_000);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'rate_limit_exceeded') throw err;
      const wait = err.extra?.retry_after ?? 60;
      c.header('Retry-After', String(wait));
      return codePage(c, 429, typed, {
        code: err.code,
        message: `Too many codes entered. Wait ${wait} seconds and try again.`,
      });
    }
    const normalized = normalizeUserCode(typed);
    const row = normalized ? await devices.findLive(normalized) : null;
    if (!row)
      return codePage(c, 400, typed, {
        code: 'user_code_invalid',
        message: normalized
          ? 'That code matches no sign-in waiting for approval: it may have expired or been used. Check the code on your device, or start the sign-in again there.'
          : 'Enter the eight letters your device shows, such as BCDF-GHJK.',
      });
    const verifier = token(deps.random, 32);
    if (!(await devices.bindBrowser(row, s256(verifier)))) return expired(c);
    setCookie(c, COOKIE, verifier, {
      httpOnly: true,
      secure: secureCookies(deps),
      sameSite: 'Lax',
      path: DEVICE_PAGE,
      maxAge: deps.config.deviceCodeTtlSeconds,
    });
    // The normal hosted sign-in, whose code comes back to Portico's own callback.
    const requestId = await authkit.createRequest(
      { id: row.environment_id, clientId: row.client_id },
      {
        redirectUri: devices.callbackUrl(),
        state: row.id,
        codeChallenge: s256(verifier),
        screenHint: 'sign-in',
        loginHint: null,
      },
    );
    return c.redirect(`/authkit/sign-in?request=${encodeURIComponent(requestId)}`, 302);
  });

  app.get(`${DEVICE_PAGE}/callback`, pageErrors, async (c) => {
    const error = c.req.query('error');
    if (error)
      return errorPage(c, 400, {
        title: 'Sign-in did not complete',
        code: /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_request',
        message: 'The sign-in for your device stopped before it finished.',
        hint: 'Start the sign-in again on your device and enter the new code here.',
      });
    const id = c.req.query('state') ?? '';
    const code = c.req.query('code') ?? '';
    const row = id && code ? await devices.signedIn(id, code, getCookie(c, COOKIE)) : null;
    if (!row) return expired(c);
    return c.redirect(`${DEVICE_PAGE}/confirm?id=${encodeURIComponent(row.id)}`, 302);
  });

  app.get(`${DEVICE_PAGE}/confirm`, pageErrors, async (c) => {
    const id = c.req.query('id') ?? '';
    const found = id ? await devices.awaitingDecision(id, getCookie(c, COOKIE)) : null;
    if (!found) return expired(c);
    const name = await appName(c, found.row.environment_id);
    return page(
      c,
      200,
      <DeviceConfirmPage
        id={found.row.id}
        csrf={issueCsrf(c, deps, `device:${found.row.id}`)}
        appName={name}
        userCode={formatUserCode(found.row.user_code)}
        email={found.user.email}
      />,
    );
  });

  app.post(`${DEVICE_PAGE}/confirm`, pageErrors, async (c) => {
    const id = c.req.query('id') ?? '';
    const form = await readForm(c);
    const verifier = getCookie(c, COOKIE);
    const found = id ? await devices.awaitingDecision(id, verifier) : null;
    if (!found) return expired(c);
    const name = await appName(c, found.row.environment_id);
    if (!checkCsrf(c, deps, `device:${found.row.id}`, form.csrf))
      return errorPage(c, 403, {
        title: 'Form expired',
        code: 'form_expired',
        message: 'Your session on this page expired before you chose.',
        hint: 'Reload this page and choose Approve or Deny again.',
      });
    const approve = form.decision === 'approve';
    if (!approve && form.decision !== 'deny')
      return errorPage(c, 400, {
        title: 'Choose Approve or Deny',
        code: 'invalid_request',
        message: 'The form was sent without a decision.',
        hint: 'Reload this page and choose Approve or Deny.',
      });
    if (!(await devices.decide(found.row.id, verifier, approve))) return expired(c);
    deleteCookie(c, COOKIE, { path: DEVICE_PAGE, secure: secureCookies(deps) });
    return page(
      c,
      200,
      approve ? <DeviceApprovedPage appName={name} /> : <DeviceDeniedPage appName={name} />,
    );
  });
}
