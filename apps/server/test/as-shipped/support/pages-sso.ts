/**
 * pages.test.ts rows for SSO's pages: `/sso/authorize`, the SAML ACS and the OIDC callback (which
 * return to the application, or explain on a page what they cannot return), the dashboard's test
 * sign-in callback, and the built-in Test IdP and OIDC Test Provider.
 */
import { expect } from 'vitest';
import {
  acsUrl,
  api,
  atApp,
  authorizeUrl,
  error,
  forgeCsrf,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  postToAcs,
  qs,
  redeem,
  SPA,
  ssoProfile,
  t,
  testIdpSignIn,
  unsignedResponse,
} from './pages-flows.ts';
import { expectPage } from './pages-kit.ts';

/** `GET /sso/authorize` */
export const ssoAuthorize: PageRow = {
  page: 'the SSO API’s entry: redirects to the IdP; explains a bad link on a page',
  cases: [
    ok('connection= goes to the Test IdP, and the sign-in comes back with a code for the profile', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ connection: t.known.testConn, state: 'st-sso' }, '/sso/authorize'));
        await testIdpSignIn(v);
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-sso');
        expect(await ssoProfile(q.get('code')!)).toMatchObject({
          email: 'alice@saml.portico.test',
          connection_id: t.known.testConn,
        });
      }),
    ),
    ok('organization= of the Test OIDC Organization goes to the OIDC Test Provider', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization: t.known.oidcOrg }, '/sso/authorize'));
        await expectPage(v, { status: 200, heading: 'Portico OIDC Test Provider', styles: HOSTED });
      }),
    ),
    error('an unknown connection goes back to the application with error=invalid_connection', () =>
      inChromium(async (v) => {
        await v.go(
          authorizeUrl({ connection: 'conn_01NOSUCH00000000000000000', state: 's' }, '/sso/authorize'),
        );
        const q = await atApp(v);
        expect(Object.fromEntries(q)).toMatchObject({ error: 'invalid_connection', state: 's' });
      }),
    ),
    error('an unknown client id is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(
          authorizeUrl({ connection: t.known.testConn, client_id: 'client_nope' }, '/sso/authorize'),
        );
        await expectPage(v, {
          status: 400,
          heading: 'Unknown application',
          code: 'invalid_client',
          fix: 'PORTICO_CLIENT_ID',
          styles: HOSTED,
        });
      }),
    ),
    error('an unlisted redirect_uri gets a page, and nothing is sent there', () =>
      inChromium(async (v) => {
        await v.go(
          authorizeUrl({ connection: t.known.testConn, redirect_uri: t.app.unlisted }, '/sso/authorize'),
        );
        await expectPage(v, {
          status: 400,
          heading: 'Redirect URI not allowed',
          code: 'redirect_uri_not_allowed',
          fix: 'redirect-uris add',
          styles: HOSTED,
        });
        expect(t.app.requests.filter((u) => u.pathname === '/unlisted')).toEqual([]);
      }),
    ),
  ],
};

/** `POST /sso/saml/:id/acs` */
export const samlAcs: PageRow = {
  page: 'the SAML ACS: redirects to the app with a code, or the error; explains what it cannot return',
  cases: [
    ok(
      'a Test IdP sign-in for the Test Organization, routed by organization_id, reaches the callback with a code',
      () =>
        inChromium(async (v) => {
          await v.go(authorizeUrl({ organization_id: t.known.testOrg, state: 'st-saml' }));
          await testIdpSignIn(v);
          const q = await atApp(v);
          expect(q.get('state')).toBe('st-saml');
          expect(v.docs.some((d) => d.route === 'POST /sso/saml/:id/acs' && d.status === 302)).toBe(true);
          expect((await redeem(q.get('code')!)).user.email).toBe('alice@saml.portico.test');
        }),
    ),
    error('an unsigned response in an app’s sign-in goes back to the application with the code', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.testOrg, state: 'st-unsigned' }));
        await testIdpSignIn(v, 'unsigned');
        const q = await atApp(v);
        expect(Object.fromEntries(q)).toMatchObject({
          error: 'saml_signature_missing',
          state: 'st-unsigned',
        });
        expect(q.get('error_description')).toMatch(/signing/i);
      }),
    ),
    error('an unsigned IdP-initiated response is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-idp/${t.known.testConn}/start`);
        await testIdpSignIn(v, 'unsigned');
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'saml_signature_missing',
          fix: 'Turn on signing in the IdP',
          styles: HOSTED,
        });
      }),
    ),
    error('garbage from a foreign site is explained on a page', () =>
      inChromium(async (v) => {
        await postToAcs(v, acsUrl(t.known.testConn), { SAMLResponse: 'this is not base64 XML' });
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'saml_malformed',
          fix: 'Post the SAMLResponse exactly as the IdP sent it',
          styles: HOSTED,
        });
      }),
    ),
    error('a response no IdP signed, from a foreign site, is explained on a page', () =>
      inChromium(async (v) => {
        const acs = acsUrl(t.known.testConn);
        await postToAcs(v, acs, {
          SAMLResponse: unsignedResponse(acs, `${t.p.url}/test-idp/${t.known.testConn}`),
        });
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'saml_signature_missing',
          fix: 'Turn on signing in the IdP',
          styles: HOSTED,
        });
      }),
    ),
    error('an unknown connection is explained on a page', () =>
      inChromium(async (v) => {
        const acs = acsUrl('conn_01NOSUCH00000000000000000');
        await postToAcs(v, acs, { SAMLResponse: unsignedResponse(acs, 'https://idp.invalid') });
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'connection_not_found',
          fix: 'Check the ACS URL configured in the IdP',
          styles: HOSTED,
        });
      }),
    ),
    error('a post without SAMLResponse is explained on a page', () =>
      inChromium(async (v) => {
        await postToAcs(v, acsUrl(t.known.testConn), { RelayState: 'x' });
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'saml_response_missing',
          fix: 'HTTP-POST binding',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /sso/oidc/:id/callback` */
export const oidcCallback: PageRow = {
  page: 'the OIDC callback: redirects to the app with a code, or the error; explains what it cannot return',
  cases: [
    ok('an OIDC Test Provider sign-in for the Test OIDC Organization reaches the callback with a code', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.oidcOrg, state: 'st-oidc' }));
        await v.page.getByRole('heading', { name: 'Portico OIDC Test Provider' }).waitFor();
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-oidc');
        expect(v.docs.some((d) => d.route === 'GET /sso/oidc/:id/callback' && d.status === 302)).toBe(true);
        expect((await redeem(q.get('code')!)).user.email).toBe('carol@oidc.portico.test');
      }),
    ),
    error('a callback replayed after the sign-in goes back to the application with the code', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.oidcOrg, state: 'st-replay' }));
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        await atApp(v);
        const callback = v.docs.find((d) => d.route === 'GET /sso/oidc/:id/callback')!.url;
        await v.go(callback);
        const q = await atApp(v);
        expect(Object.fromEntries(q)).toMatchObject({ error: 'oidc_state_replayed', state: 'st-replay' });
      }),
    ),
    error('an unknown state is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/sso/oidc/${t.known.oidcConn}/callback?state=nope&code=x`);
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'oidc_state_mismatch',
          fix: 'Start the sign-in again from the application',
          styles: HOSTED,
        });
      }),
    ),
    error('an unknown connection is explained on a page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/sso/oidc/conn_01NOSUCH00000000000000000/callback?state=nope&code=x`);
        await expectPage(v, {
          status: 400,
          heading: 'Single sign-on failed',
          code: 'connection_not_found',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /sso/test/callback` */
export const testSignInCallback: PageRow = {
  page: 'where a dashboard test sign-in returns: redirects back with the outcome, or a refusal page',
  cases: [
    ok('a test sign-in started through the API returns with sso_test=succeeded', () =>
      inChromium(async (v) => {
        const { url } = await api<{ url: string }>(`/connections/${t.known.testConn}/test_sign_in`, {
          method: 'POST',
          body: JSON.stringify({ return_to: '/#/connections' }),
        });
        await v.go(url);
        await testIdpSignIn(v);
        await v.page.waitForURL((u) => u.hash.includes('sso_test='));
        expect(new URL(v.page.url()).hash).toBe('#/connections?sso_test=succeeded');
        expect(v.docs.some((d) => d.route === 'GET /sso/test/callback' && d.status === 302)).toBe(true);
        await expectPage(v, { status: 200, heading: 'Sign in to Portico', styles: SPA });
      }),
    ),
    error('a changed state is refused on a page', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/sso/test/callback?state=forged&code=x`);
        await expectPage(v, {
          status: 400,
          heading: 'This test sign-in cannot be finished',
          code: 'test_sign_in_invalid',
          fix: 'Start the test again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /test-idp/:id/sso` */
export const testIdpSso: PageRow = {
  page: 'the built-in Test IdP’s sign-in page (SP-initiated)',
  cases: [
    ok('an app’s sign-in request shows the test users', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.testOrg }));
        await v.page.getByText('An application asked you to sign in.').waitFor();
        await expectPage(v, { status: 200, heading: 'Portico Test IdP', styles: HOSTED });
      }),
    ),
    error('an unknown Test IdP says so', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-idp/conn_01NOSUCH00000000000000000/sso`);
        await expectPage(v, {
          status: 404,
          heading: 'Unknown Test IdP',
          code: 'entity_not_found',
          fix: 'connections list',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /test-idp/:id/start` */
export const testIdpStart: PageRow = {
  page: 'the built-in Test IdP’s IdP-initiated start page',
  cases: [
    ok('IdP-initiated sign-in goes through the ACS to the first redirect URI with a code', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-idp/${t.known.testConn}/start`);
        await v.page.getByText('IdP-initiated sign-in: no application request.').waitFor();
        await expectPage(v, { status: 200, heading: 'Portico Test IdP', styles: HOSTED });
        await testIdpSignIn(v);
        const q = await atApp(v);
        expect((await redeem(q.get('code')!)).user.email).toBe('alice@saml.portico.test');
      }),
    ),
    error('an unknown Test IdP says so', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-idp/conn_01NOSUCH00000000000000000/start`);
        await expectPage(v, {
          status: 404,
          heading: 'Unknown Test IdP',
          code: 'entity_not_found',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /test-idp/:id/sso` */
export const testIdpContinue: PageRow = {
  page: 'the Test IdP’s “Continue to the application” page',
  cases: [
    ok('choosing a user shows the response ready to post', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.testOrg }));
        await v.page.getByLabel(/Bob Example/).check();
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        await expectPage(v, { status: 200, heading: 'Signed in as bob@saml.portico.test', styles: HOSTED });
      }),
    ),
    error('a forged CSRF token is refused on a page', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.testOrg }));
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        await expectPage(v, {
          status: 403,
          heading: 'Form expired',
          code: 'form_expired',
          fix: 'Reload the Test IdP page',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `GET /test-oidc/:id/authorize` */
export const testOidcAuthorize: PageRow = {
  page: 'the OIDC Test Provider’s sign-in page',
  cases: [
    ok('an app’s sign-in request shows the test users', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.oidcOrg }));
        await v.page.getByLabel(/Carol Example/).waitFor();
        await expectPage(v, { status: 200, heading: 'Portico OIDC Test Provider', styles: HOSTED });
      }),
    ),
    error('an unknown provider says so', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-oidc/conn_01NOSUCH00000000000000000/authorize`);
        await expectPage(v, {
          status: 404,
          heading: 'Unknown test provider',
          code: 'entity_not_found',
          fix: 'connections list',
          styles: HOSTED,
        });
      }),
    ),
    error('a request without client_id and redirect_uri says what is required', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-oidc/${t.known.oidcConn}/authorize`);
        await expectPage(v, {
          status: 400,
          heading: 'Bad authorization request',
          code: 'invalid_request',
          fix: 'response_type=code',
          styles: HOSTED,
        });
      }),
    ),
    error('a redirect_uri that is not the connection’s callback is refused on a page', () =>
      inChromium(async (v) => {
        await v.go(
          `${t.p.url}/test-oidc/${t.known.oidcConn}/authorize?${qs({ client_id: `portico-test-${t.known.oidcConn}`, response_type: 'code', redirect_uri: t.app.unlisted })}`,
        );
        await expectPage(v, {
          status: 400,
          heading: 'Bad authorization request',
          code: 'invalid_request',
          fix: `/sso/oidc/${t.known.oidcConn}/callback`,
          styles: HOSTED,
        });
        expect(t.app.requests.filter((u) => u.pathname === '/unlisted')).toEqual([]);
      }),
    ),
  ],
};

/** `POST /test-oidc/:id/authorize` */
export const testOidcSubmit: PageRow = {
  page: 'the OIDC Test Provider’s sign-in form, submitted',
  cases: [
    ok('choosing a user redirects to Portico’s callback and on to the application', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.oidcOrg }));
        await v.page.getByLabel(/Dave Example/).check();
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        const q = await atApp(v);
        expect(v.docs.some((d) => d.route === 'POST /test-oidc/:id/authorize' && d.status === 302)).toBe(
          true,
        );
        expect((await redeem(q.get('code')!)).user.email).toBe('dave@oidc.portico.test');
      }),
    ),
    error('a forged CSRF token is refused on a page', () =>
      inChromium(async (v) => {
        await v.go(authorizeUrl({ organization_id: t.known.oidcOrg }));
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: 'Sign in' }));
        await expectPage(v, {
          status: 403,
          heading: 'Form expired',
          code: 'form_expired',
          fix: 'Reload the OIDC Test Provider page',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
