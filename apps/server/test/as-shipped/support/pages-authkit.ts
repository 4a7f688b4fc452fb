/**
 * pages.test.ts rows for AuthKit's pages: `/user_management/authorize`, the hosted sign-in and
 * sign-up forms (shown and submitted) and sign-out.
 */
import { expect } from 'vitest';
import {
  api,
  atApp,
  authorizeUrl,
  error,
  fillSignIn,
  fillSignUp,
  forgeCsrf,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  qs,
  redeem,
  refreshStatus,
  signedInSession,
  t,
} from './pages-flows.ts';
import { expectPage } from './pages-kit.ts';

/** `GET /user_management/authorize` */
export const authorize: PageRow = {
  page: 'AuthKit’s entry: redirects to the hosted page or the IdP; explains a bad link on a page',
  cases: [
    ok('provider=authkit opens the hosted sign-in', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        expect(v.docs[0]).toMatchObject({ route: 'GET /user_management/authorize', status: 302 });
        await expectPage(v, { status: 200, heading: 'Sign in', styles: HOSTED });
      }),
    ),
    ok('organization_id of the Test Organization goes to the built-in Test IdP', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.testOrg }));
        expect(new URL(v.page.url()).pathname).toBe(`/test-idp/${t.known.testConn}/sso`);
        await expectPage(v, { status: 200, heading: 'Portico Test IdP', styles: HOSTED });
      }),
    ),
    error('an unknown client id is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', client_id: 'client_01NOSUCHCLIENT0000000000000' }));
        await expectPage(v, {
          status: 400,
          heading: 'Unknown application',
          code: 'invalid_client',
          fix: 'Use the client id printed when Portico first started',
          styles: HOSTED,
        });
      }),
    ),
    error('a missing redirect_uri is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(
          `${t.p.url}/user_management/authorize?${qs({ client_id: t.p.clientId, provider: 'authkit' })}`,
        );
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in link is incomplete',
          code: 'invalid_request',
          fix: 'Pass redirectUri to getAuthorizationUrl',
          styles: HOSTED,
        });
      }),
    ),
    error('an unlisted redirect_uri gets a page, and nothing is ever sent there', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', redirect_uri: t.app.unlisted }));
        await expectPage(v, {
          status: 400,
          heading: 'Redirect URI not allowed',
          code: 'redirect_uri_not_allowed',
          fix: `redirect-uris add ${t.app.unlisted}`,
          styles: HOSTED,
        });
        expect(t.app.requests.filter((u) => u.pathname === '/unlisted')).toEqual([]);
      }),
    ),
    error('an unknown provider goes back to the application with error=oauth_provider_unknown', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'NoSuchOAuth', state: 'st-provider' }));
        const q = await atApp(v);
        expect(Object.fromEntries(q)).toMatchObject({
          error: 'oauth_provider_unknown',
          state: 'st-provider',
        });
        expect(q.get('error_description')).toContain('use authkit, GoogleOAuth');
      }),
    ),
    error('an unknown organization goes back to the application with error=organization_invalid', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: 'org_01NOSUCHORG00000000000000000', state: 'st-org' }));
        const q = await atApp(v);
        expect(Object.fromEntries(q)).toMatchObject({ error: 'organization_invalid', state: 'st-org' });
      }),
    ),
  ],
};

/** `GET /authkit/sign-in` */
export const signInForm: PageRow = {
  page: 'the hosted sign-in form',
  cases: [
    ok('the form, reached from authorize, with the stylesheet and no CSP violation', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', login_hint: t.known.user.email }));
        expect(await v.page.getByLabel('Email').inputValue()).toBe(t.known.user.email);
        await expectPage(v, { status: 200, heading: 'Sign in', styles: HOSTED });
      }),
    ),
    error('opened without a request, it says the link is not recognised', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/sign-in`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in link not recognised',
          code: 'sign_in_link_invalid',
          fix: 'start signing in again',
          styles: HOSTED,
        });
      }),
    ),
    error('a request already used to sign in says the link expired', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        const form = v.page.url();
        await fillSignIn(v, t.known.user.email, t.known.user.password);
        await atApp(v);
        await v.go(form);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in link expired',
          code: 'sign_in_link_expired',
          fix: 'start signing in again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /authkit/sign-in` */
export const signInSubmit: PageRow = {
  page: 'the hosted sign-in form, submitted',
  cases: [
    ok('the right password goes to the application’s callback with a code that redeems for the user', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', state: 'st-in' }));
        await fillSignIn(v, t.known.user.email, t.known.user.password);
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-in');
        expect(v.docs.at(-1)).toMatchObject({ route: 'POST /authkit/sign-in', status: 302 });
        expect((await redeem(q.get('code')!)).user.email).toBe(t.known.user.email);
      }),
    ),
    ok('an email on an SSO domain continues to the organization’s IdP', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        await v.page.getByLabel('Email').fill('alice@saml.portico.test');
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        await v.page.waitForURL((u) => u.pathname === `/test-idp/${t.known.testConn}/sso`);
        expect(v.docs.some((d) => d.route === 'POST /authkit/sign-in' && d.status === 200)).toBe(true);
        await expectPage(v, { status: 200, heading: 'Portico Test IdP', styles: HOSTED });
      }),
    ),
    error('a wrong password shows the error on the form, with its code', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        await fillSignIn(v, t.known.user.email, 'not my password at all');
        await expectPage(v, {
          status: 401,
          heading: 'Sign in',
          code: 'invalid_credentials',
          fix: 'Check them and try again',
          styles: HOSTED,
        });
        expect(await v.page.getByLabel('Email').inputValue()).toBe(t.known.user.email);
      }),
    ),
    error('a forged CSRF token is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        await forgeCsrf(v);
        await fillSignIn(v, t.known.user.email, t.known.user.password);
        await expectPage(v, {
          status: 403,
          heading: 'Sign in',
          code: 'form_expired',
          fix: 'submit the form again',
          styles: HOSTED,
        });
      }),
    ),
    error('a missing CSRF cookie is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        await v.context.clearCookies();
        await fillSignIn(v, t.known.user.email, t.known.user.password);
        await expectPage(v, { status: 403, heading: 'Sign in', code: 'form_expired', styles: HOSTED });
      }),
    ),
  ],
};

/** `GET /authkit/sign-up` */
export const signUpForm: PageRow = {
  page: 'the hosted sign-up form',
  cases: [
    ok('reached from the sign-in page’s “Create one” link', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit' }));
        await v.submit(v.page.getByRole('link', { name: 'Create one' }));
        await expectPage(v, { status: 200, heading: 'Create your account', styles: HOSTED });
      }),
    ),
    ok('screen_hint=sign-up opens it directly', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', screen_hint: 'sign-up' }));
        await expectPage(v, { status: 200, heading: 'Create your account', styles: HOSTED });
      }),
    ),
    error('an unknown request says the link is not recognised', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/sign-up?request=authreq_nope`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in link not recognised',
          code: 'sign_in_link_invalid',
          fix: 'start signing in again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /authkit/sign-up` */
export const signUpSubmit: PageRow = {
  page: 'the hosted sign-up form, submitted',
  cases: [
    ok('a real sign-up goes to the application’s callback with a code for the new user', () =>
      inChromium(async (v) => {
        const email = `grace-${Date.now()}@pages.example`;
        await v.go(authorizeUrl({ provider: 'authkit', state: 'st-up' }));
        await v.submit(v.page.getByRole('link', { name: 'Create one' }));
        await fillSignUp(v, email, 'a long enough passphrase 42');
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-up');
        expect((await redeem(q.get('code')!)).user.email).toBe(email);
      }),
    ),
    error('an email that already has an account is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', screen_hint: 'sign-up' }));
        await fillSignUp(v, t.known.user.email, 'another long passphrase 7');
        await expectPage(v, {
          status: 409,
          heading: 'Create your account',
          code: 'user_creation_error',
          fix: 'Sign in instead',
          styles: HOSTED,
        });
      }),
    ),
    error('a common password is refused on the form with the rule', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', screen_hint: 'sign-up' }));
        await fillSignUp(v, `weak-${Date.now()}@pages.example`, 'password');
        await expectPage(v, {
          status: 400,
          heading: 'Create your account',
          code: 'password_strength_error',
          fix: /8 characters|common/,
          styles: HOSTED,
        });
      }),
    ),
    error('a forged CSRF token is refused on the form', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ provider: 'authkit', screen_hint: 'sign-up' }));
        await forgeCsrf(v);
        await fillSignUp(v, `csrf-${Date.now()}@pages.example`, 'a long enough passphrase 42');
        await expectPage(v, {
          status: 403,
          heading: 'Create your account',
          code: 'form_expired',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /user_management/sessions/logout` */
export const logout: PageRow = {
  page: 'sign-out: ends the session and returns to the app (return_to, else the default logout URI), or says “You are signed out”',
  cases: [
    ok('with a session and an allowed return_to it ends the session and returns to the application', () =>
      inChromium(async (v) => {
        const { sid, refreshToken } = await signedInSession(v);
        await v.go(
          `${t.p.url}/user_management/sessions/logout?${qs({ session_id: sid, return_to: `${t.app.url}/bye` })}`,
        );
        await atApp(v, '/bye');
        expect(await refreshStatus(refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
      }),
    ),
    ok(
      'with a session, no return_to and no default logout URI it says “You are signed out”, not an error',
      () =>
        inChromium(async (v) => {
          const { sid, refreshToken } = await signedInSession(v);
          await v.go(`${t.p.url}/user_management/sessions/logout?${qs({ session_id: sid })}`);
          expect(await refreshStatus(refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
          await expectPage(v, { status: 200, heading: 'You are signed out', styles: HOSTED });
          expect(await v.page.locator('[role="alert"], .error').count()).toBe(0);
          expect(await v.page.locator('#signed-out').textContent()).toContain('Your session has ended');
        }),
    ),
    ok(
      'with no return_to it goes to the default logout URI set with `portico redirect-uris logout-default`',
      () =>
        inChromium(async (v) => {
          const set = await t.p.cli(['redirect-uris', 'logout-default', `${t.app.url}/signed-out`]);
          expect(set.out).toContain(`goes to ${t.app.url}/signed-out`);
          try {
            const { sid, refreshToken } = await signedInSession(v);
            await v.go(`${t.p.url}/user_management/sessions/logout?${qs({ session_id: sid })}`);
            await atApp(v, '/signed-out');
            expect(await refreshStatus(refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
          } finally {
            const cleared = await t.p.cli(['redirect-uris', 'logout-default', '--clear']);
            expect(cleared.out).toContain('You are signed out');
          }
        }),
    ),
    error('without a session id it says the link is incomplete and how to build it', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/user_management/sessions/logout`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-out link is incomplete',
          code: 'invalid_request',
          fix: 'getLogoutUrl({ sessionId })',
          styles: HOSTED,
        });
      }),
    ),
    error('an unknown session says so', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/user_management/sessions/logout?session_id=session_01NOSUCH0000000000000000`);
        await expectPage(v, {
          status: 400,
          heading: 'Unknown session',
          code: 'entity_not_found',
          fix: 'The sid claim of the access token names the session to end',
          styles: HOSTED,
        });
      }),
    ),
    error('a return_to on no allowed origin is refused, and nothing is sent there', () =>
      inChromium(async (v) => {
        const { sid } = await signedInSession(v);
        await v.go(
          `${t.p.url}/user_management/sessions/logout?${qs({ session_id: sid, return_to: 'http://elsewhere.invalid/bye' })}`,
        );
        await expectPage(v, {
          status: 400,
          heading: 'Return address not allowed',
          code: 'return_to_not_allowed',
          fix: 'redirect-uris add',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /authkit/invite` — where an invitation's accept_invitation_url points. */
export const invitePage: PageRow = {
  page: 'the invitation page: who invited whom, then the sign-up locked to the invited email',
  cases: [
    ok(
      'an invitation’s accept link → sign-up locked to the email → the application, in the organization',
      () =>
        inChromium(async (v) => {
          const email = `invitee-${Date.now()}@pages.example`;
          const inv = await api<{ accept_invitation_url: string }>('/user_management/invitations', {
            method: 'POST',
            body: JSON.stringify({ email, organization_id: t.known.testOrg, role_slug: 'admin' }),
          });
          await v.go(inv.accept_invitation_url);
          await expectPage(v, { status: 200, heading: 'You are invited', styles: HOSTED });
          await v.submit(v.page.getByRole('button', { name: 'Accept and create account' }));
          await expectPage(v, { status: 200, heading: 'Create your account', styles: HOSTED });
          const field = v.page.getByLabel('Email', { exact: true });
          expect(await field.inputValue()).toBe(email);
          expect(await field.getAttribute('readonly')).not.toBeNull();
          await v.page.getByLabel('Password', { exact: true }).fill('a long enough passphrase 42');
          await v.submit(v.page.getByRole('button', { name: 'Create account' }));
          const q = await atApp(v);
          const tokens = await redeem(q.get('code')!);
          expect(tokens.user.email).toBe(email);
          expect((tokens as { organization_id?: string }).organization_id).toBe(t.known.testOrg);
        }),
    ),
    error('a link without a valid token explains and asks for the email again', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/invite?invitation_token=not-a-token`);
        await expectPage(v, {
          status: 400,
          heading: 'Invitation not recognised',
          code: 'invitation_invalid',
          fix: 'resend it',
          styles: HOSTED,
        });
      }),
    ),
    error('a revoked invitation says it was withdrawn', () =>
      inChromium(async (v) => {
        const inv = await api<{ id: string; accept_invitation_url: string }>('/user_management/invitations', {
          method: 'POST',
          body: JSON.stringify({ email: `revoked-${Date.now()}@pages.example` }),
        });
        await api(`/user_management/invitations/${inv.id}/revoke`, { method: 'POST' });
        await v.go(inv.accept_invitation_url);
        await expectPage(v, {
          status: 400,
          heading: 'Invitation can no longer be used',
          code: 'invitation_invalid',
          fix: 'send a new invitation',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
