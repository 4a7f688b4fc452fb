/**
 * pages.test.ts rows for social sign-in's pages: the built-in Test OAuth provider (as shipped,
 * no provider has credentials, so `provider=GoogleOAuth` lands there) and Portico's provider
 * callback, GET and POST (Apple's form_post).
 */
import { expect } from 'vitest';
import {
  atApp,
  authorizeUrl,
  error,
  forgeCsrf,
  HOSTED,
  inChromium,
  ok,
  type PageRow,
  redeem,
  t,
} from './pages-flows.ts';
import { expectPage, type Visit } from './pages-kit.ts';

async function testProvider(v: Visit, provider = 'GoogleOAuth') {
  await v.go(authorizeUrl({ provider, state: `st-${provider}` }));
  await v.page.getByRole('heading', { name: 'Test OAuth provider' }).waitFor();
}

/** Submits the Test OAuth provider's form outside navigation and returns the callback it sends to. */
async function providerAnswer(v: Visit, email: string) {
  const form = v.page.locator('form');
  const fields = Object.fromEntries(
    await form
      .locator('input[type=hidden]')
      .evaluateAll((els) => els.map((e) => [(e as HTMLInputElement).name, (e as HTMLInputElement).value])),
  );
  const res = await v.page.request.post(`${t.p.url}/test-oauth/authorize`, {
    form: { ...fields, email, email_verified: '1' },
    maxRedirects: 0,
    headers: { origin: t.p.url },
  });
  expect(res.status()).toBe(302);
  return new URL(res.headers().location!);
}

/** `GET /test-oauth/authorize` */
export const testOAuthShow: PageRow = {
  page: 'the Test OAuth provider (development stand-in for a provider without credentials)',
  cases: [
    ok('provider=GoogleOAuth without credentials shows the Test OAuth provider', () =>
      inChromium(async (v) => {
        await testProvider(v);
        await expectPage(v, { status: 200, heading: 'Test OAuth provider', styles: HOSTED });
        expect(await v.page.getByText('Standing in for Google').count()).toBe(1);
      }),
    ),
    error('a link without a sign-in in progress says so', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/test-oauth/authorize?state=nothing-here`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in link expired',
          code: 'oauth_state_invalid',
          fix: 'choose “Sign in” again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** `POST /test-oauth/authorize` */
export const testOAuthSubmit: PageRow = {
  page: 'the Test OAuth provider’s form, submitted',
  cases: [
    ok('an email goes through Portico’s callback to the application with a code', () =>
      inChromium(async (v) => {
        await testProvider(v, 'GitHubOAuth');
        await v.page.getByLabel('Email', { exact: true }).fill('octo@social.example');
        await v.submit(v.page.getByRole('button', { name: 'Continue as this GitHub user' }));
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-GitHubOAuth');
        expect((await redeem(q.get('code')!)).user.email).toBe('octo@social.example');
      }),
    ),
    error('a missing email is shown beside the field', () =>
      inChromium(async (v) => {
        await testProvider(v);
        await v.submit(v.page.getByRole('button', { name: 'Continue as this Google user' }));
        await expectPage(v, { status: 400, heading: 'Test OAuth provider', styles: HOSTED });
        expect(await v.page.getByLabel('Email', { exact: true }).getAttribute('aria-describedby')).toBe(
          'email-error',
        );
      }),
    ),
    error('a forged CSRF token is refused on a page', () =>
      inChromium(async (v) => {
        await testProvider(v);
        await forgeCsrf(v);
        await v.page.getByLabel('Email', { exact: true }).fill('x@social.example');
        await v.submit(v.page.getByRole('button', { name: 'Continue as this Google user' }));
        await expectPage(v, { status: 403, heading: 'Form expired', code: 'form_expired', styles: HOSTED });
      }),
    ),
  ],
};

/** `GET /oauth/callback` */
export const oauthCallback: PageRow = {
  page: 'the provider callback: on to the application, or a page when the state is not Portico’s',
  cases: [
    ok('the provider’s answer goes on to the application with a code', () =>
      inChromium(async (v) => {
        await testProvider(v, 'SlackOAuth');
        const back = await providerAnswer(v, 'slack@social.example');
        await v.go(back.toString());
        const q = await atApp(v);
        expect((await redeem(q.get('code')!)).user.email).toBe('slack@social.example');
      }),
    ),
    error('a forged state is refused on a page with its code', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/oauth/callback?code=abc&state=forged`);
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in could not be completed',
          code: 'oauth_state_invalid',
          fix: 'choose “Sign in” again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};

/** A cross-site form POST to the callback, as Apple's response_mode=form_post sends. */
async function postToCallback(v: Visit, fields: Record<string, string>) {
  const inputs = Object.entries(fields)
    .map(([k, val]) => `<input type="hidden" name="${k}" value="${val.replace(/"/g, '&quot;')}">`)
    .join('');
  await v.page.setContent(
    `<form method="post" action="${t.p.url}/oauth/callback">${inputs}<button type="submit">Continue</button></form>`,
  );
  await v.submit(v.page.getByRole('button', { name: 'Continue' }));
}

/** `POST /oauth/callback` */
export const oauthCallbackPost: PageRow = {
  page: 'the provider callback for form_post (Apple)',
  cases: [
    ok('a form_post answer goes on to the application with a code', () =>
      inChromium(async (v) => {
        await testProvider(v, 'AppleOAuth');
        const back = await providerAnswer(v, 'apple@social.example');
        await postToCallback(v, Object.fromEntries(back.searchParams));
        const q = await atApp(v);
        expect((await redeem(q.get('code')!)).user.email).toBe('apple@social.example');
      }),
    ),
    error('a form_post without a state is refused on a page', () =>
      inChromium(async (v) => {
        await postToCallback(v, { code: 'abc' });
        await expectPage(v, {
          status: 400,
          heading: 'Sign-in could not be completed',
          code: 'oauth_state_invalid',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
