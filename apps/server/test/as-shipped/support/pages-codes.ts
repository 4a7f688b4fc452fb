/**
 * pages.test.ts rows for the one-time-code and pending-step pages: Magic Auth's code page
 * (`POST /authkit/magic/verify`, reached with the sign-in form's "Email me a sign-in code") and a
 * sign-in's pending step (`/authkit/continue/:id`, here the organization picker of a member of two
 * organizations). The code is read from the dev outbox with `portico mail list`, the way the
 * README tells a developer without PORTICO_SMTP_URL to find it.
 */
import { expect } from 'vitest';
import {
  api,
  atApp,
  authorizeUrl,
  error,
  fillSignIn,
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
const unique = (tag: string) => `${tag}.${Date.now()}.${++seq}@example.com`;

/** The latest dev-outbox code sent to `email`, from `portico mail list`. */
async function outboxCode(email: string): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const { out } = await t.p.cli(['mail', 'list', '--limit', '100']);
    const at = out.indexOf(`  ${email}  `);
    if (at >= 0) {
      const code = /^\s+(\d{6})\s*$/m.exec(out.slice(at))?.[1];
      if (code) return code;
    }
    if (Date.now() > until) throw new Error(`no code for ${email} in portico mail list:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The hosted sign-in form → "Email me a sign-in code" → the code page. */
async function askForCode(v: Visit, email: string) {
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-magic' }));
  await v.page.getByLabel('Email').fill(email);
  await v.submit(v.page.getByRole('button', { name: 'Email me a sign-in code' }));
  expect(v.last()).toMatchObject({ route: 'POST /authkit/sign-in', status: 200 });
  await expectPage(v, { status: 200, heading: 'Check your email', styles: HOSTED });
}

async function enterCode(v: Visit, code: string) {
  await v.page.getByLabel('Code', { exact: true }).fill(code);
  await v.submit(v.page.getByRole('button', { name: 'Continue' }));
}

/** A user (made through the API) who is an active member of two organizations. */
async function memberOfTwo() {
  const email = unique('picker');
  const password = 'correct horse battery staple 42';
  const user = await api<{ id: string }>('/user_management/users', {
    method: 'POST',
    body: JSON.stringify({ email, password, email_verified: true }),
  });
  const orgs: string[] = [];
  for (const name of [`Alpha ${seq}`, `Beta ${seq}`]) {
    const org = await api<{ id: string }>('/organizations', {
      method: 'POST',
      body: JSON.stringify({ name }),
    });
    await api('/user_management/organization_memberships', {
      method: 'POST',
      body: JSON.stringify({ organization_id: org.id, user_id: user.id }),
    });
    orgs.push(org.id);
  }
  return { email, password, userId: user.id, orgs };
}

/** Signs the member of two organizations in with a password, up to the picker. */
async function toPicker(v: Visit) {
  const m = await memberOfTwo();
  await v.go(authorizeUrl({ provider: 'authkit', state: 'st-picker' }));
  await fillSignIn(v, m.email, m.password);
  expect(new URL(v.page.url()).pathname).toMatch(/^\/authkit\/continue\//);
  await expectPage(v, { status: 200, heading: 'Choose an organization', styles: HOSTED });
  return m;
}

/** `POST /authkit/sign-in` with action=magic (added to the sign-in form's row). */
export const magicStart = ok('"Email me a sign-in code" answers the "Check your email" page', () =>
  inChromium(async (v) => {
    await askForCode(v, unique('magic-start'));
    expect(await v.page.locator('#sent-to').textContent()).toContain('magic-start');
  }),
);

/** `POST /authkit/magic/verify` */
export const magicVerify: PageRow = {
  page: 'Magic Auth: the emailed code, entered on the "Check your email" page',
  cases: [
    ok('the code from the dev outbox signs a new email up and goes back to the application', () =>
      inChromium(async (v) => {
        const email = unique('magic');
        await askForCode(v, email);
        await enterCode(v, await outboxCode(email));
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-magic');
        const r = await redeem(q.get('code')!);
        expect(r.user.email).toBe(email);
      }),
    ),
    error('a wrong code is refused on the page, tied to the field', () =>
      inChromium(async (v) => {
        const email = unique('magic-wrong');
        await askForCode(v, email);
        const code = await outboxCode(email);
        await enterCode(v, code === '000000' ? '111111' : '000000');
        await expectPage(v, {
          status: 400,
          heading: 'Check your email',
          code: 'invalid_one_time_code',
          styles: HOSTED,
        });
        const input = v.page.getByLabel('Code', { exact: true });
        expect(await input.getAttribute('aria-invalid')).toBe('true');
        expect(await v.page.getByRole('alert').count()).toBe(1);
      }),
    ),
  ],
};

/** `GET /authkit/continue/:id` */
export const continueShow: PageRow = {
  page: 'a sign-in’s pending step: the organization picker (or the email-verification code)',
  cases: [
    ok('a member of two organizations signing in with a password is asked to choose', () =>
      inChromium(async (v) => {
        await toPicker(v);
        expect(await v.page.getByRole('radio').count()).toBe(2);
      }),
    ),
    error('an unknown step says the link expired', () =>
      inChromium(async (v) => {
        await v.go(`${t.p.url}/authkit/continue/pending_auth_01NOSUCHSTEP000000000000000`);
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

/** `POST /authkit/continue/:id` */
export const continueSubmit: PageRow = {
  page: 'a pending step submitted: the chosen organization',
  cases: [
    ok('choosing the second organization goes back to the application; the token carries its org_id', () =>
      inChromium(async (v) => {
        const m = await toPicker(v);
        await v.page.getByRole('radio').nth(1).check();
        await v.submit(v.page.getByRole('button', { name: 'Continue' }));
        const q = await atApp(v);
        expect(q.get('state')).toBe('st-picker');
        const r = await redeem(q.get('code')!);
        expect(r.user.email).toBe(m.email);
        expect(claims(r.access_token).org_id).toBe(m.orgs[1]);
      }),
    ),
    error('a forged CSRF token is refused with form_expired and the picker again', () =>
      inChromium(async (v) => {
        await toPicker(v);
        await forgeCsrf(v);
        await v.submit(v.page.getByRole('button', { name: 'Continue' }));
        await expectPage(v, {
          status: 403,
          heading: 'Choose an organization',
          code: 'form_expired',
          fix: 'submit the form again',
          styles: HOSTED,
        });
      }),
    ),
  ],
};
