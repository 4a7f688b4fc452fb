/** @jsxImportSource hono/jsx */
/**
 * Impersonation's two doors (docs/impersonation.md):
 * - `POST /_admin/users/{id}/impersonate` and `GET /_admin/users/{id}/impersonations` on the
 *   dashboard surface: the dashboard session cookie with its CSRF header only, never an `sk_` key
 *   (a leaked key must not be able to sign in as any user).
 * - The hosted page `/authkit/impersonate/<token>`: the banner, and a Continue form (CSRF-bound
 *   to this browser and this impersonation) that sends the browser to the application with its
 *   authorization code. It also needs the dashboard session of the admin who started it, so a
 *   leaked link is of no use to anyone else.
 */
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { readForm } from '../../platform/http.ts';
import type { UserTable } from '../../platform/schema.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import { checkCsrf, issueCsrf, pageHeaders, setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp, type JsonSurface } from '../../surfaces/json-surface.ts';
import {
  ErrorBox,
  errorPage,
  Layout,
  type PageError,
  pageErrors,
  renderPage,
} from '../../surfaces/page-layout.tsx';
import type { AdminEnv } from '../admin/routes.ts';
import { ADMIN_COOKIE, type AdminService } from '../admin/service.ts';
import type { ImpersonationService } from './service.ts';

const ImpersonationWire = z.object({
  id: z.string(),
  user_id: z.string(),
  organization_id: z.string().nullable(),
  admin: z.object({ id: z.string(), email: z.string() }),
  reason: z.string(),
  redirect_uri: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  consumed_at: z.string().nullable(),
  session_id: z.string().nullable(),
});
const idParam = z.object({ id: z.string().min(1).max(200) });

export function impersonationAdminRoutes(
  surface: JsonSurface<AdminEnv>,
  impersonations: ImpersonationService,
) {
  surface.route({
    method: 'post',
    path: '/_admin/users/:id/impersonate',
    summary:
      'Start impersonating a user (a reason is required): returns the hosted page that signs the admin in to the application as the user',
    params: idParam,
    body: z.object({
      reason: z.string().trim().min(1).max(500),
      organization_id: z.string().trim().min(1).max(200).optional(),
      redirect_uri: z.string().trim().min(1).max(2048).optional(),
    }),
    status: 201,
    response: ImpersonationWire.extend({ url: z.string() }),
    // The URL is a credential (with the admin's session): a replay is stored sealed.
    sealReplay: true,
    handler: async ({ env, params, body }) =>
      impersonations.start(
        env.environmentId,
        { id: env.admin.adminUserId, email: env.admin.email },
        params.id,
        body,
      ),
  });
  surface.route({
    method: 'get',
    path: '/_admin/users/:id/impersonations',
    summary: 'Who impersonated this user, when and why (newest first, at most 20)',
    params: idParam,
    response: z.object({ data: z.array(ImpersonationWire) }),
    handler: async ({ env, params }) => ({
      data: await impersonations.listForUser(env.environmentId, params.id),
    }),
  });
}

/** The banner every impersonation page shows. */
export const ImpersonationBanner: FC<{ userEmail: string; adminEmail: string; reason: string }> = (p) => (
  <p class="impersonation" id="impersonation-banner" role="status">
    You are signing in as <strong>{p.userEmail}</strong> on behalf of <strong>{p.adminEmail}</strong>. Reason:{' '}
    <span id="impersonation-reason">{p.reason}</span>
  </p>
);

const ImpersonatePage: FC<{
  token: string;
  csrf: string;
  user: UserTable;
  adminEmail: string;
  reason: string;
  redirectUri: string;
  error?: PageError;
}> = (p) => (
  <Layout title="Impersonate a user">
    <h1>Impersonate a user</h1>
    <ImpersonationBanner userEmail={p.user.email} adminEmail={p.adminEmail} reason={p.reason} />
    <ErrorBox error={p.error} />
    <p class="hint">
      Continue signs you in to <strong>{new URL(p.redirectUri).origin}</strong> as this user, without their
      password or second factor. The session ends on its own and can be revoked from the dashboard’s Sessions
      page; the impersonation is recorded on the user’s page.
    </p>
    <form method="post" action={`/authkit/impersonate/${encodeURIComponent(p.token)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <button type="submit">Continue as {p.user.email}</button>
    </form>
  </Layout>
);

export function impersonationPageRoutes(
  app: Hono,
  deps: Deps,
  admin: AdminService,
  impersonations: ImpersonationService,
) {
  const expired = (c: Context) =>
    errorPage(c, 400, {
      title: 'Impersonation link expired',
      code: 'impersonation_link_expired',
      message: new AppError('impersonation_link_expired').message,
    });
  const load = async (c: Context) => {
    const identity = await admin.resolve(getCookie(c, ADMIN_COOKIE));
    if (!identity) {
      return {
        error: errorPage(c, 401, {
          title: 'Sign in to the dashboard',
          code: 'admin_session_required',
          message:
            'Only the dashboard admin who started this impersonation can continue it, and this browser is not signed in to the dashboard.',
          hint: 'Sign in to the dashboard and start the impersonation again from the user’s page.',
        }),
      };
    }
    const env = await admin.environment();
    const token = c.req.param('token') ?? '';
    const found = await impersonations.open(token, identity.adminUserId, env.id);
    if (!found) return { error: expired(c) };
    setPageBrand(c, await loadPageBrand(deps.db, env.id));
    return { token, found };
  };
  type Loaded = Exclude<Awaited<ReturnType<typeof load>>, { error: unknown }>;
  const render = (c: Context, l: Loaded, status: number, error?: PageError) => {
    const { row, user } = l.found;
    pageHeaders(c, [new URL(row.redirect_uri).origin]);
    const csrf = issueCsrf(c, deps, `impersonation:${row.id}`);
    return c.html(
      renderPage(
        c,
        <ImpersonatePage
          token={l.token}
          csrf={csrf}
          user={user}
          adminEmail={row.admin_email}
          reason={row.reason}
          redirectUri={row.redirect_uri}
          error={error}
        />,
      ),
      status as 200,
    );
  };

  app.get('/authkit/impersonate/:token', pageErrors, async (c) => {
    const l = await load(c);
    if ('error' in l) return l.error;
    return render(c, l, 200);
  });

  app.post('/authkit/impersonate/:token', pageErrors, async (c) => {
    const l = await load(c);
    if ('error' in l) return l.error;
    const form = await readForm(c);
    if (!checkCsrf(c, deps, `impersonation:${l.found.row.id}`, form.csrf))
      return render(c, l, 403, {
        code: 'form_expired',
        message: 'Your session on this page expired. Please submit the form again.',
      });
    try {
      const next = await impersonations.continue(l.found.row, {
        ip: clientIp(c),
        userAgent: c.req.header('user-agent') ?? null,
      });
      pageHeaders(c, [new URL(l.found.row.redirect_uri).origin]);
      return c.redirect(next, 302);
    } catch (err) {
      if (err instanceof AppError && err.code === 'impersonation_link_expired') return expired(c);
      throw err;
    }
  });
}
