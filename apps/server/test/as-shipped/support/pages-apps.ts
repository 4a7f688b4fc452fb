/**
 * pages.test.ts rows for the two React apps Portico serves and the server-rendered pages around
 * them: the developer dashboard at `/` (its sign-in with the banner's admin), the Admin Portal at
 * `/portal`, where a portal link lands (`/portal/launch`) and where a portal test sign-in returns.
 */
import { expect } from 'vitest';
import {
  api,
  error,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  portalLink,
  SPA,
  t,
  testIdpSignIn,
} from './pages-flows.ts';
import { expectPage } from './pages-kit.ts';

/** `GET /` */
export const dashboard: PageRow = {
  page: 'the developer dashboard (React app) and its sign-in',
  cases: [
    ok('the first admin from the banner signs in and sees the dashboard', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/`);
        await v.page.getByRole('heading', { name: 'Sign in to Portico' }).waitFor();
        await v.page.getByLabel('Email').fill(t.p.admin.email);
        await v.page.getByLabel('Password').fill(t.p.admin.password);
        await v.page.getByRole('button', { name: 'Sign in' }).click();
        await v.page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
        await v.page.getByText(t.p.admin.email).first().waitFor();
        await expectPage(v, { status: 200, heading: /Organizations/, styles: SPA });
        // The pages added since: Roles (the WorkOS authorization API with the dashboard session)
        // and Emails (the outbox with the branding and MFA policy panels).
        await v.page.getByRole('link', { name: 'Roles', exact: true }).click();
        await v.page.getByRole('row', { name: /admin/ }).first().waitFor();
        await expectPage(v, { status: 200, heading: 'Roles', styles: SPA });
        await v.page.getByRole('link', { name: 'Emails', exact: true }).click();
        await v.page.getByRole('heading', { name: 'Multi-factor authentication' }).waitFor();
        await expectPage(v, { status: 200, heading: 'Emails', styles: SPA });
      }),
    ),
    error('a wrong password shows the refusal with its code and the way to set a new password', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/`);
        await v.page.getByLabel('Email').fill(t.p.admin.email);
        await v.page.getByLabel('Password').fill('not the password');
        await v.page.getByRole('button', { name: 'Sign in' }).click();
        await v.page.getByRole('alert').waitFor();
        await expectPage(v, {
          status: 200,
          heading: 'Sign in to Portico',
          code: 'admin_sign_in_failed',
          fix: 'admin create --email',
          styles: SPA,
        });
      }),
    ),
  ],
};

/** `GET /portal` */
export const portal: PageRow = {
  page: 'the Admin Portal (React app)',
  cases: [
    ok('opened from a link generated through the API, it shows the organization’s SSO set-up', () =>
      inChromium(async (v) => {
        await v.go(await portalLink(t.known.testOrg));
        expect(new URL(v.page.url()).pathname).toBe('/portal');
        await v.page.getByText('Test IdP (SAML)').waitFor();
        await expectPage(v, { status: 200, heading: 'Set up single sign-on', styles: SPA });
      }),
    ),
    ok('an audit_logs link shows the organization’s audit log, paged from the server', () =>
      inChromium(async (v) => {
        await api('/audit_logs/events', {
          method: 'POST',
          body: JSON.stringify({
            organization_id: t.known.testOrg,
            event: {
              action: 'shipped.page_viewed',
              occurred_at: new Date().toISOString(),
              actor: { type: 'user', id: 'user_shipped', name: 'Shipped Viewer' },
              targets: [{ type: 'page', id: 'page_portal' }],
              context: { location: '203.0.113.9' },
            },
          }),
        });
        await v.go(await portalLink(t.known.testOrg, 'audit_logs'));
        expect(new URL(v.page.url()).pathname).toBe('/portal');
        await v.page.getByRole('cell', { name: 'shipped.page_viewed' }).first().waitFor();
        await expectPage(v, { status: 200, heading: 'Audit logs', styles: SPA });
      }),
    ),
    error('without a session it says the portal cannot open, with the code and what to do', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/portal`);
        await v.page.getByRole('alert').waitFor();
        await expectPage(v, {
          status: 200,
          heading: 'The Admin Portal cannot open',
          code: 'portal_session_required',
          fix: 'open the Admin Portal again',
          styles: SPA,
        });
      }),
    ),
  ],
};

/** `GET /portal/launch` */
export const portalLaunch: PageRow = {
  page: 'where an Admin Portal link lands: redirects into the portal, or a refusal page',
  cases: [
    ok('a fresh link redirects into the portal with a session', () =>
      inChromium(async (v) => {
        await v.go(await portalLink(t.known.testOrg));
        expect(v.docs[0]).toMatchObject({ route: 'GET /portal/launch', status: 302 });
        await expectPage(v, { status: 200, heading: 'Set up single sign-on', styles: SPA });
        expect(await v.page.locator('#portal-return').getAttribute('href')).toBe(`${t.app.url}/settings`);
      }),
    ),
    error('a forged token is refused with portal_link_invalid', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/portal/launch?token=forged`);
        await expectPage(v, {
          status: 400,
          heading: 'This link does not work',
          code: 'portal_link_invalid',
          fix: 'Ask the application that sent you here for a new link',
          styles: HOSTED,
        });
        // No link row to trust: no address is offered, the page says what to do.
        expect(await v.page.locator('a#return').count()).toBe(0);
        expect(await v.page.locator('#what-to-do').textContent()).toContain(
          'ask for a new Admin Portal link',
        );
      }),
    ),
    error('a link opened a second time is refused with portal_link_used', () =>
      inChromium(async (v) => {
        const link = await portalLink(t.known.testOrg);
        await v.go(link);
        // Until the portal has loaded its connections, leaving would abort its request.
        await v.page.getByText('Test IdP (SAML)').waitFor();
        await v.go(link);
        await expectPage(v, {
          status: 410,
          heading: 'This link was already used',
          code: 'portal_link_used',
          fix: 'Continue in the tab where you opened it',
          styles: HOSTED,
        });
        // The way back: the link's return_url.
        expect(await v.page.locator('a#return').getAttribute('href')).toBe(`${t.app.url}/settings`);
      }),
    ),
  ],
};

/** `GET /portal/sso/test/callback` */
export const portalTestCallback: PageRow = {
  page: 'where a portal test sign-in returns: redirects to the verdict, or a refusal page',
  cases: [
    ok('a portal test sign-in through the Test IdP returns to “Single sign-on works”', () =>
      inChromium(async (v) => {
        await v.go(await portalLink(t.known.testOrg));
        await v.page.getByRole('link', { name: 'Review or test' }).click();
        await v.page.getByRole('heading', { name: 'Test single sign-on' }).waitFor();
        await v.submit(v.page.getByRole('button', { name: 'Test sign-in' }));
        await testIdpSignIn(v);
        await v.page.getByRole('heading', { name: 'Single sign-on works' }).waitFor();
        expect(v.docs.some((d) => d.route === 'GET /portal/sso/test/callback' && d.status === 302)).toBe(
          true,
        );
        await expectPage(v, { status: 200, heading: 'Set up single sign-on', styles: SPA });
      }),
    ),
    error('an unknown state is refused with its code', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/portal/sso/test/callback?state=nope&code=x`);
        await expectPage(v, {
          status: 404,
          heading: 'The Admin Portal cannot open',
          code: 'entity_not_found',
          fix: 'start the test again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
