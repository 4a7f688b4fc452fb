/** @jsxImportSource hono/jsx */
/**
 * The hosted password-reset flow (browser, cookie + CSRF):
 * - `GET|POST /authkit/forgot-password?request=…` (from the sign-in page) or `?client_id=…`
 *   (a direct link): the email form. Whatever the email, the answer is the same "Check your
 *   email" page after the same minimum time, so the page does not tell who has an account. Limits:
 *   3 per 60 s per email (reference §9) and 10 per 60 s per IP address, shared across nodes.
 * - `GET /authkit/reset-password?token=…`: the new-password form (the link in the email, unless the
 *   environment names its own `password_reset_url`); `POST /authkit/reset-password` sets it.
 * - `GET /authkit/reset-password/done`: the success page; it links back to the sign-in the reset
 *   was started from while that sign-in request is still open.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { readForm } from '../../platform/http.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { checkCsrf, issueCsrf, pageHeaders, setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp } from '../../surfaces/json-surface.ts';
import { errorPage, type PageError, pageErrors, renderPage } from '../../surfaces/page-layout.tsx';
import type { EnvironmentService } from '../environments/service.ts';
import type { PasswordResetService } from '../users/password-reset.ts';
import {
  CheckEmailPage,
  ForgotPasswordPage,
  ResetDonePage,
  type ResetFieldErrors,
  ResetPasswordPage,
} from './reset-pages.tsx';
import type { AuthKitService } from './service.ts';

/** Every "Forgot password?" answer takes at least this long, account or not (real time). */
export const FORGOT_MIN_MS = 400;
export const FORGOT_PER_IP = 10;

const TOKEN_ERRORS = new Set([
  'password_reset_token_invalid',
  'password_reset_token_expired',
  'password_reset_token_used',
]);

export function passwordResetPageRoutes(
  app: Hono,
  deps: Deps,
  authkit: AuthKitService,
  resets: PasswordResetService,
  limiter: RateLimiter,
  environments: EnvironmentService,
) {
  const page = (c: Context, status: number, node: unknown) => {
    pageHeaders(c);
    return c.html(renderPage(c, node), status as 200);
  };
  const signInHref = (requestId: string) => `/authkit/sign-in?request=${encodeURIComponent(requestId)}`;

  /** The environment (and the sign-in to return to) the forgot page works in. */
  const forgotContext = async (c: Context) => {
    const requestId = c.req.query('request');
    const clientId = c.req.query('client_id');
    if (requestId) {
      const req = await authkit.getRequest(requestId);
      if (req) {
        return {
          envId: req.environment_id,
          requestId: req.usable ? req.id : null,
          flow: `forgot:${req.id}`,
          action: `/authkit/forgot-password?request=${encodeURIComponent(req.id)}`,
        };
      }
    } else if (clientId) {
      const env = await environments.byClientId(clientId);
      if (env) {
        return {
          envId: env.id,
          requestId: null,
          flow: `forgot:${env.clientId}`,
          action: `/authkit/forgot-password?client_id=${encodeURIComponent(env.clientId)}`,
        };
      }
    }
    return null;
  };
  const badForgotLink = (c: Context) =>
    errorPage(c, 400, {
      title: 'Reset link not recognised',
      code: 'sign_in_link_invalid',
      message: 'This page was opened without a sign-in request or client_id Portico knows.',
      hint: 'Go back to the application, start signing in, and choose “Forgot password?” there.',
    });

  app.get('/authkit/forgot-password', pageErrors, async (c) => {
    const ctx = await forgotContext(c);
    if (!ctx) return badForgotLink(c);
    setPageBrand(c, await loadPageBrand(deps.db, ctx.envId));
    return page(
      c,
      200,
      <ForgotPasswordPage
        action={ctx.action}
        csrf={issueCsrf(c, deps, ctx.flow)}
        signInHref={ctx.requestId ? signInHref(ctx.requestId) : null}
      />,
    );
  });

  app.post('/authkit/forgot-password', pageErrors, async (c) => {
    const started = performance.now();
    const ctx = await forgotContext(c);
    if (!ctx) return badForgotLink(c);
    setPageBrand(c, await loadPageBrand(deps.db, ctx.envId));
    const form = await readForm(c);
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const back = ctx.requestId ? signInHref(ctx.requestId) : null;
    const again = (status: number, error: PageError) =>
      page(
        c,
        status,
        <ForgotPasswordPage
          action={ctx.action}
          csrf={issueCsrf(c, deps, ctx.flow)}
          email={email}
          error={error}
          signInHref={back}
        />,
      );
    if (!checkCsrf(c, deps, ctx.flow, form.csrf))
      return again(403, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please submit the form again.',
      });
    if (!z.string().email().max(320).safeParse(email).success)
      return again(400, {
        code: 'invalid_request_parameters',
        message: 'Enter a valid email address, such as ada@example.com.',
      });
    try {
      await limiter.shared(`pwreset-ip:${ctx.envId}:${clientIp(c) ?? 'unknown'}`, FORGOT_PER_IP, 60_000);
      await resets.requestHosted(ctx.envId, email, {
        authorizationRequestId: ctx.requestId,
        context: { actor: { id: null, source: 'system', name: 'AuthKit forgot password' } },
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'rate_limit_exceeded') throw err;
      const wait = Number(err.extra?.retry_after ?? 60);
      c.header('Retry-After', String(wait));
      return again(429, {
        code: 'rate_limit_exceeded',
        message: `Too many reset requests. Wait ${wait} seconds and try again.`,
      });
    }
    const left = FORGOT_MIN_MS - (performance.now() - started);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    return page(c, 200, <CheckEmailPage email={email} signInHref={back} />);
  });

  const tokenError = (c: Context, err: AppError) =>
    errorPage(c, 400, {
      title: 'This reset link cannot be used',
      code: err.code,
      message: err.message,
      hint: 'On the sign-in page, choose “Forgot password?” to get a new link.',
    });

  app.get('/authkit/reset-password', pageErrors, async (c) => {
    const secret = c.req.query('token') ?? '';
    let reset: Awaited<ReturnType<PasswordResetService['lookup']>>;
    try {
      reset = await resets.lookup(secret);
    } catch (err) {
      if (err instanceof AppError && TOKEN_ERRORS.has(err.code)) return tokenError(c, err);
      throw err;
    }
    setPageBrand(c, await loadPageBrand(deps.db, reset.environment_id));
    return page(
      c,
      200,
      <ResetPasswordPage
        token={secret}
        csrf={issueCsrf(c, deps, `reset:${reset.id}`)}
        email={reset.email}
        minLength={deps.config.passwordPolicy.minLength}
      />,
    );
  });

  app.post('/authkit/reset-password', pageErrors, async (c) => {
    const form = await readForm(c);
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const secret = str('token');
    let reset: Awaited<ReturnType<PasswordResetService['lookup']>>;
    try {
      reset = await resets.lookup(secret);
    } catch (err) {
      if (err instanceof AppError && TOKEN_ERRORS.has(err.code)) return tokenError(c, err);
      throw err;
    }
    setPageBrand(c, await loadPageBrand(deps.db, reset.environment_id));
    const again = (status: number, fields: ResetFieldErrors, error?: PageError) =>
      page(
        c,
        status,
        <ResetPasswordPage
          token={secret}
          csrf={issueCsrf(c, deps, `reset:${reset.id}`)}
          email={reset.email}
          minLength={deps.config.passwordPolicy.minLength}
          fields={fields}
          error={error}
        />,
      );
    if (!checkCsrf(c, deps, `reset:${reset.id}`, form.csrf))
      return again(
        403,
        {},
        { code: 'form_expired', message: 'Your session on this page expired. Please submit the form again.' },
      );
    const password = str('password');
    if (!password)
      return again(400, { password: { code: 'invalid_request', message: 'Enter a new password.' } });
    if (password !== str('confirm'))
      return again(400, {
        confirm: {
          code: 'password_mismatch',
          message: 'The two passwords are not the same. Type the new password again in both fields.',
        },
      });
    try {
      const { reset: done } = await resets.confirm(secret, password, {
        context: { actor: { id: null, source: 'system', name: 'AuthKit password reset' } },
      });
      const to = done.authorization_request_id
        ? `/authkit/reset-password/done?request=${encodeURIComponent(done.authorization_request_id)}`
        : '/authkit/reset-password/done';
      return c.redirect(to, 303);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (TOKEN_ERRORS.has(err.code)) return tokenError(c, err);
      if (err.code === 'password_strength_error') {
        const first = err.errors?.[0] as { code?: string; message?: string } | undefined;
        return again(400, {
          password: { code: err.code, message: first?.message ?? err.message },
        });
      }
      throw err;
    }
  });

  app.get('/authkit/reset-password/done', pageErrors, async (c) => {
    const id = c.req.query('request');
    const req = id ? await authkit.getRequest(id) : null;
    if (req) setPageBrand(c, await loadPageBrand(deps.db, req.environment_id));
    return page(c, 200, <ResetDonePage signInHref={req?.usable ? signInHref(req.id) : null} />);
  });
}
