/**
 * pages.test.ts rows for impersonation's hosted page (docs/impersonation.md): the banner a dashboard
 * admin reaches from the user page's Impersonate button, its Continue form that lands in the
 * application with a code (`impersonator` on the exchange), and the refusals — no dashboard
 * session, a used link, a forged CSRF token.
 */
import { expect } from 'vitest';
import {
  api,
  atApp,
  error,
  forgeCsrf,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  redeem,
  t,
} from './pages-flows.ts';
import { claims, expectPage, type Visit } from './pages-kit.ts';

let seq = 0;
const REASON = 'Support ticket: the invoices page is empty';

/** Signs in to the dashboard as the banner's admin, opens the API-made user and starts impersonating. */
async function toBanner(v: Visit, reason = `${REASON} (${++seq})`) {
  const users = await api<{ data: { id: string }[] }>(
    `/user_management/users?email=${encodeURIComponent(t.known.user.email)}`,
  );
  const userId = users.data[0]!.id;
  await v.go(`${t.p.url}/`);
  await v.page.getByLabel('Email').fill(t.p.admin.email);
  await v.page.getByLabel('Password').fill(t.p.admin.password);
  await v.page.getByRole('button', { name: 'Sign in' }).click();
  await v.page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
  await v.page.goto(`${t.p.url}/#/users/${userId}`);
  // Every panel of the user page (sessions, factors, passkeys…) finishes loading first: leaving with a
  // fetch in flight aborts it, and the visit would report that aborted request as a failure.
  await v.page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await v.page.locator('p.loading').first().waitFor({ state: 'detached' });
  await v.page.getByRole('button', { name: 'Impersonate', exact: true }).click();
  const form = v.page.getByRole('form', { name: 'Impersonate this user' });
  await form.getByLabel('Reason').fill(reason);
  await v.submit(form.getByRole('button', { name: 'Start impersonation' }));
  await v.page.waitForURL(/\/authkit\/impersonate\//);
  return { userId, reason };
}

/** `GET /authkit/impersonate/:token` */
export const impersonateShow: PageRow = {
  page: 'the impersonation banner: who signs in as whom and why, with Continue',
  cases: [
    ok(
      'from the dashboard user page, with a reason: the banner names the user, the admin and the reason',
      () =>
        inChromium(async (v) => {
          const { reason } = await toBanner(v);
          await expectPage(v, { status: 200, heading: 'Impersonate a user', styles: HOSTED });
          expect(await v.page.locator('#impersonation-banner').textContent()).toBe(
            `You are signing in as ${t.known.user.email} on behalf of ${t.p.admin.email}. Reason: ${reason}`,
          );
        }),
    ),
    error('in a browser without the dashboard session: admin_session_required and what to do', async () => {
      let url = '';
      await inChromium(async (v) => {
        await toBanner(v);
        url = v.page.url();
      });
      await inChromium(async (v) => {
        await v.go(url);
        await expectPage(v, {
          status: 401,
          heading: 'Sign in to the dashboard',
          code: 'admin_session_required',
          fix: 'start the impersonation again',
          styles: HOSTED,
        });
      });
    }),
  ],
};

/** `POST /authkit/impersonate/:token` */
export const impersonateContinue: PageRow = {
  page: 'Continue on the impersonation banner: to the application with a code, or a refusal',
  cases: [
    ok('Continue lands in the application; the code exchange answers impersonator and Impersonation', () =>
      inChromium(async (v) => {
        const { reason } = await toBanner(v);
        const banner = v.page.url();
        await v.submit(v.page.getByRole('button', { name: /^Continue as / }));
        const q = await atApp(v);
        expect(q.has('state')).toBe(false);
        const auth = (await redeem(q.get('code')!)) as unknown as {
          user: { email: string };
          access_token: string;
          authentication_method: string;
          impersonator: { email: string; reason: string };
        };
        expect(auth.user.email).toBe(t.known.user.email);
        expect(auth.authentication_method).toBe('Impersonation');
        expect(auth.impersonator).toEqual({ email: t.p.admin.email, reason });
        expect(claims(auth.access_token).act).toEqual({ sub: t.p.admin.email });
        // The same link again: used.
        await v.go(banner);
        await expectPage(v, {
          status: 400,
          heading: 'Impersonation link expired',
          code: 'impersonation_link_expired',
          fix: 'Start the impersonation again',
          styles: HOSTED,
        });
      }),
    ),
    error('a forged CSRF token is refused with form_expired and the banner again', () =>
      inChromium(async (v) => {
        await toBanner(v);
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: /^Continue as / }));
        await expectPage(v, {
          status: 403,
          heading: 'Impersonate a user',
          code: 'form_expired',
          fix: 'submit the form again',
          styles: HOSTED,
        });
        await v.page.locator('#impersonation-banner').waitFor();
      }),
    ),
  ],
};
