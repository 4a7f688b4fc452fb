/**
 * Passkeys end to end on the hosted pages, in-process: the "Add a passkey" offer after a password
 * sign-in, "Sign in with a passkey" (authentication_method "Passkey", the counter moving), the MFA
 * step satisfied by registering a passkey and answered with one, the management routes, and the
 * bad input of each — a wrong origin, a wrong RP id, a replayed or expired challenge, an unknown
 * credential, another environment's credential, a counter going backwards, malformed JSON — with
 * nothing written. WebAuthn responses come from an independent software authenticator
 * (nid-webauthn-emulator: CTAP2 authenticator with ES256, attestation "none", user verification).
 */
import {
  AuthenticatorEmulator,
  PasskeysCredentialsMemoryRepository,
  WebAuthnEmulator,
} from 'nid-webauthn-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, REDIRECT_URI } from '../harness.ts';

let h: Harness;
let admin: (method: string, path: string, body?: unknown) => Promise<Response>;
const ORIGIN = 'http://localhost:8080';

beforeAll(async () => {
  h = await createHarness();
  const boot = await h.portico.services.admin.bootstrap();
  const origin = h.portico.deps.config.publicUrl;
  const login = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ email: boot.email, password: boot.password }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf_token } = await json<{ csrf_token: string }>(login);
  admin = async (method, path, body) =>
    h.portico.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', origin, cookie, 'x-portico-csrf': csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
});
afterAll(() => h.close());

const db = () => h.portico.deps.db;
/** A software authenticator with its own credential store (the library's default store is shared). */
const authenticator = () =>
  new WebAuthnEmulator(
    new AuthenticatorEmulator({
      algorithmIdentifiers: ['ES256'],
      credentialsRepository: new PasskeysCredentialsMemoryRepository(),
    }),
  );
const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

interface Page {
  url: string;
  status: number;
  html: string;
  cookie: string;
}

/** The form with `id` on a page: its action, CSRF token and (for passkey forms) WebAuthn options. */
function form(page: Page, id: string) {
  const m = new RegExp(`<form id="${id}"[^>]*>`).exec(page.html);
  if (!m) throw new Error(`no form #${id} on ${page.url}: ${page.html.slice(0, 600)}`);
  const tag = m[0];
  const action = unescapeHtml(/action="([^"]+)"/.exec(tag)![1]!);
  const options = /data-options="([^"]*)"/.exec(tag);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html.slice(m.index))![1]!;
  return { action, csrf, options: options ? JSON.parse(unescapeHtml(options[1]!)) : null };
}

async function get(url: string, cookie: string): Promise<Page> {
  const r = await h.portico.app.request(url, { headers: { cookie } });
  const set = r.headers.get('set-cookie');
  return { url, status: r.status, html: await r.text(), cookie: set ? set.split(';')[0]! : cookie };
}

async function post(url: string, cookie: string, body: Record<string, string>) {
  return h.portico.app.request(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
}

/** authorize → the hosted sign-in page. */
async function signInPage(clientId = h.clientId): Promise<Page> {
  const params = new URLSearchParams({
    client_id: clientId,
    provider: 'authkit',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    state: 'st',
  });
  const auth = await h.portico.app.request(`/user_management/authorize?${params}`);
  expect(auth.status).toBe(302);
  return get(auth.headers.get('location')!, '');
}

async function passwordSignIn(email: string, password: string) {
  const page = await signInPage();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
  const action = unescapeHtml(/<form method="post" action="([^"]+)"/.exec(page.html)![1]!);
  const r = await post(action, page.cookie, { csrf, email, password });
  expect(r.status).toBe(302);
  return { location: r.headers.get('location')!, cookie: page.cookie };
}

const codeOf = (location: string) => {
  const u = new URL(location);
  expect(`${u.origin}${u.pathname}`).toBe(REDIRECT_URI);
  return u.searchParams.get('code')!;
};

async function redeem(code: string) {
  const r = await h.api('POST', '/user_management/authenticate', {
    client_id: h.clientId,
    client_secret: h.apiKey,
    grant_type: 'authorization_code',
    code,
  });
  expect(r.status).toBe(200);
  return json<{ user: { id: string }; authentication_method: string; access_token: string }>(r);
}

const count = async (table: 'passkey_credentials' | 'authorization_codes' | 'sessions') =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const events = async (name: string) =>
  (await db().selectFrom('events').select(['data']).where('event', '=', name).execute()).map(
    (e) => JSON.parse(e.data) as Record<string, unknown>,
  );

async function createUser(email: string) {
  const r = await h.api('POST', '/user_management/users', {
    email,
    password: 'correct horse battery staple 42',
    email_verified: true,
  });
  expect(r.status).toBe(201);
  return json<{ id: string }>(r);
}

/** Password sign-in, then "Add a passkey" with the emulator: the user now has a passkey. */
async function registerViaOffer(emulator: WebAuthnEmulator, email: string) {
  const user = await createUser(email);
  const first = await passwordSignIn(email, 'correct horse battery staple 42');
  expect(first.location).toMatch(/^http:\/\/localhost:8080\/authkit\/continue\/pending_/);
  const offer = await get(new URL(first.location).pathname, first.cookie);
  expect(offer.status).toBe(200);
  const f = form(offer, 'add-passkey');
  const credential = emulator.createJSON(ORIGIN, f.options);
  const done = await post(f.action, offer.cookie, { csrf: f.csrf, credential: JSON.stringify(credential) });
  expect(done.status).toBe(302);
  return { user, location: done.headers.get('location')! };
}

async function passkeyAssertion(emulator: WebAuthnEmulator, origin = ORIGIN) {
  const page = await signInPage();
  const f = form(page, 'passkey-sign-in');
  return { page, f, credential: emulator.getJSON(origin, f.options) };
}

describe('passkeys off (the default)', () => {
  it('the sign-in page has no passkey form and the passkey endpoint answers passkeys_disabled', async () => {
    expect(await json(await admin('GET', '/_admin/passkey_settings'))).toEqual({
      enabled: false,
      rp_id: 'localhost',
      origins: [ORIGIN],
    });
    const page = await signInPage();
    expect(page.html).not.toContain('data-passkey');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const r = await post(page.url.replace('/authkit/sign-in', '/authkit/passkey'), page.cookie, {
      csrf,
      credential: '{}',
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('passkeys_disabled');
  });

  it('PUT /_admin/passkey_settings refuses an RP id that is not a host and an origin outside it (nothing stored)', async () => {
    const bad = await admin('PUT', '/_admin/passkey_settings', { enabled: true, rp_id: 'https://x.test' });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ code: 'passkey_settings_invalid' });
    const outside = await admin('PUT', '/_admin/passkey_settings', {
      rp_id: 'portico.test',
      origins: ['https://evil.test'],
    });
    expect(outside.status).toBe(422);
    expect((await json<{ message: string }>(outside)).message).toContain('https://evil.test');
    expect(await db().selectFrom('passkey_settings').selectAll().execute()).toEqual([]);
    // An API key does not reach the dashboard's settings.
    expect((await h.api('PUT', '/_admin/passkey_settings', { enabled: true })).status).toBeGreaterThanOrEqual(
      401,
    );
  });
});

describe('passkeys on', () => {
  const emulator = authenticator();
  let userId: string;

  beforeAll(async () => {
    const on = await admin('PUT', '/_admin/passkey_settings', { enabled: true });
    expect(await json(on)).toEqual({ enabled: true, rp_id: 'localhost', origins: [ORIGIN] });
  });

  it('after a password sign-in, "Add a passkey" registers a discoverable ES256 credential and the sign-in goes on', async () => {
    const { user, location } = await registerViaOffer(emulator, 'ada@passkeys.test');
    userId = user.id;
    const tokens = await redeem(codeOf(location));
    expect(tokens.authentication_method).toBe('Password');
    const rows = await db()
      .selectFrom('passkey_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ environment_id: h.environmentId });
    // The device type follows the backup-eligible flag the authenticator set.
    expect(rows[0]!.device_type).toBe(rows[0]!.backed_up === 1 ? 'multiDevice' : rows[0]!.device_type);
    expect(Number(rows[0]!.counter)).toBe(0);
    const listed = await json<{ data: Array<Record<string, unknown>> }>(
      await h.api('GET', `/user_management/users/${user.id}/passkeys`),
    );
    expect(listed.data).toEqual([
      expect.objectContaining({ object: 'passkey', id: rows[0]!.id, credential_id: rows[0]!.credential_id }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(rows[0]!.public_key);
    // The next password sign-in is not offered a passkey again: the user has one.
    const next = await passwordSignIn('ada@passkeys.test', 'correct horse battery staple 42');
    expect(next.location).toContain(`${REDIRECT_URI}?code=`);
  });

  it('"Not now" skips the offer and the sign-in reaches the application', async () => {
    await createUser('nobody@passkeys.test');
    const first = await passwordSignIn('nobody@passkeys.test', 'correct horse battery staple 42');
    const offer = await get(new URL(first.location).pathname, first.cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(offer.html)![1]!;
    const skipped = await post(`${new URL(first.location).pathname}/skip`, offer.cookie, { csrf });
    expect(skipped.status).toBe(302);
    expect((await redeem(codeOf(skipped.headers.get('location')!))).authentication_method).toBe('Password');
  });

  it('"Sign in with a passkey" signs in as the credential’s user: authentication_method Passkey, counter moved, event recorded', async () => {
    const { page, f, credential } = await passkeyAssertion(emulator);
    expect(f.options.allowCredentials ?? []).toEqual([]);
    expect(f.options.userVerification).toBe('required');
    const r = await post(f.action, page.cookie, { csrf: f.csrf, credential: JSON.stringify(credential) });
    expect(r.status).toBe(302);
    const tokens = await redeem(codeOf(r.headers.get('location')!));
    expect(tokens).toMatchObject({ authentication_method: 'Passkey', user: { id: userId } });
    const row = await db()
      .selectFrom('passkey_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(Number(row.counter)).toBe(1);
    expect(row.last_used_at).not.toBeNull();
    const ok = await events('authentication.passkey_succeeded');
    expect(ok.at(-1)).toMatchObject({ type: 'passkey', status: 'succeeded', user_id: userId });
    const session = await db()
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(session.auth_method).toBe('passkey');
  });

  describe('bad input: a clear code, nothing written', () => {
    const refused = async (
      credential: string,
      code: string,
      target?: { page: Page; f: ReturnType<typeof form> },
    ) => {
      const t =
        target ??
        (await (async () => {
          const page = await signInPage();
          return { page, f: form(page, 'passkey-sign-in') };
        })());
      const before = {
        codes: await count('authorization_codes'),
        creds: await db()
          .selectFrom('passkey_credentials')
          .select(['id', 'counter', 'last_used_at'])
          .orderBy('id')
          .execute(),
        failed: (await events('authentication.passkey_failed')).length,
      };
      const r = await post(t.f.action, t.page.cookie, { csrf: t.f.csrf, credential });
      const html = await r.text();
      expect(r.status).toBe(400);
      expect(html).toContain(code);
      // The form is shown again with a fresh challenge, ready for another try.
      expect(html).toContain('id="passkey-sign-in"');
      expect(await count('authorization_codes')).toBe(before.codes);
      expect(
        await db()
          .selectFrom('passkey_credentials')
          .select(['id', 'counter', 'last_used_at'])
          .orderBy('id')
          .execute(),
      ).toEqual(before.creds);
      const failed = await events('authentication.passkey_failed');
      expect(failed).toHaveLength(before.failed + 1);
      expect(failed.at(-1)).toMatchObject({ type: 'passkey', status: 'failed', error: { code } });
      return html;
    };

    it('malformed JSON, an empty credential and a non-WebAuthn object are passkey_response_invalid', async () => {
      await refused('{not json', 'passkey_response_invalid');
      await refused('', 'passkey_response_invalid');
      await refused(JSON.stringify({ id: 'x', type: 'password' }), 'passkey_response_invalid');
    });

    it('a wrong origin is passkey_origin_mismatch; the challenge stays usable', async () => {
      const { page, f, credential } = await passkeyAssertion(emulator, 'http://localhost:9999');
      await refused(JSON.stringify(credential), 'passkey_origin_mismatch', { page, f });
      const challenges = await db()
        .selectFrom('webauthn_challenges')
        .select('used_at')
        .where('flow_id', '=', new URL(page.url, ORIGIN).searchParams.get('request')!)
        .execute();
      expect(challenges.every((c) => c.used_at === null)).toBe(true);
    });

    it('a wrong RP id (authenticator data for another relying party) is passkey_rp_id_mismatch', async () => {
      const { page, f, credential } = await passkeyAssertion(emulator);
      const data = Buffer.from(credential.response.authenticatorData, 'base64url');
      data.fill(7, 0, 32); // rpIdHash of another RP
      const forged = {
        ...credential,
        response: { ...credential.response, authenticatorData: data.toString('base64url') },
      };
      await refused(JSON.stringify(forged), 'passkey_rp_id_mismatch', { page, f });
    });

    it('a replayed assertion (its challenge used) and one for another sign-in are passkey_challenge_invalid', async () => {
      const first = await passkeyAssertion(emulator);
      const ok = await post(first.f.action, first.page.cookie, {
        csrf: first.f.csrf,
        credential: JSON.stringify(first.credential),
      });
      expect(ok.status).toBe(302);
      await refused(JSON.stringify(first.credential), 'passkey_challenge_invalid');
    });

    it('an expired challenge (older than 5 minutes) is passkey_challenge_invalid', async () => {
      const { page, f, credential } = await passkeyAssertion(emulator);
      h.testClock!.advance(5 * 60 * 1000 + 1);
      await refused(JSON.stringify(credential), 'passkey_challenge_invalid', { page, f });
    });

    it('a counter that does not go up is passkey_counter_regression (a cloned authenticator)', async () => {
      const row = await db()
        .selectFrom('passkey_credentials')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      await db().updateTable('passkey_credentials').set({ counter: 1000 }).where('id', '=', row.id).execute();
      const { page, f, credential } = await passkeyAssertion(emulator);
      await refused(JSON.stringify(credential), 'passkey_counter_regression', { page, f });
      await db()
        .updateTable('passkey_credentials')
        .set({ counter: row.counter })
        .where('id', '=', row.id)
        .execute();
    });

    it('another environment’s credential and a deleted one are passkey_unknown', async () => {
      const other = await h.portico.services.environments.createEnvironment('Other');
      const stranger = authenticator();
      // A passkey registered in the other environment (same RP id) is not this environment's.
      const otherUser = await h.portico.services.users.create(
        other.environmentId,
        { email: 'eve@other.test' },
        {},
      );
      await db()
        .insertInto('passkey_settings')
        .values({
          environment_id: other.environmentId,
          enabled: 1,
          rp_id: null,
          origins: null,
          updated_at: new Date().toISOString(),
        })
        .execute();
      const reg = await h.portico.services.passkeys.registrationOptions(
        other.environmentId,
        'flow-other',
        { id: otherUser.id, email: 'eve@other.test', first_name: null, last_name: null },
        'Other',
      );
      const store = await h.portico.services.passkeys.verifyRegistration(
        other.environmentId,
        'flow-other',
        otherUser.id,
        stranger.createJSON(ORIGIN, reg as never),
      );
      await db()
        .transaction()
        .execute((tx) => store(tx));
      const { page, f, credential } = await passkeyAssertion(stranger);
      await refused(JSON.stringify(credential), 'passkey_unknown', { page, f });

      // Deleting through the API removes it: the next assertion names an unknown credential.
      const mine = await json<{ data: Array<{ id: string }> }>(
        await h.api('GET', `/user_management/users/${userId}/passkeys`),
      );
      const bystander = await createUser('bystander@passkeys.test');
      expect(
        (await h.api('DELETE', `/user_management/users/${bystander.id}/passkeys/${mine.data[0]!.id}`)).status,
      ).toBe(404);
      expect(
        (await h.api('DELETE', `/user_management/users/${userId}/passkeys/${mine.data[0]!.id}`)).status,
      ).toBe(204);
      const gone = await passkeyAssertion(emulator);
      await refused(JSON.stringify(gone.credential), 'passkey_unknown', gone);
    });
  });

  it('MFA: "Use a passkey instead" at enrollment finishes the sign-in; the next challenge offers "Use your passkey"', async () => {
    await admin('PUT', '/_admin/mfa_policy', { mfa_required: true });
    try {
      const emu = authenticator();
      const user = await createUser('grace@passkeys.test');
      const first = await passwordSignIn('grace@passkeys.test', 'correct horse battery staple 42');
      const path = new URL(first.location).pathname;
      const enroll = await get(path, first.cookie);
      expect(enroll.html).toContain('id="use-passkey-instead"');
      const add = await get(`${path}?method=passkey`, enroll.cookie);
      const f = form(add, 'add-passkey');
      expect(add.html).not.toContain('passkey-not-now');
      const done = await post(f.action, add.cookie, {
        csrf: f.csrf,
        credential: JSON.stringify(emu.createJSON(ORIGIN, f.options)),
      });
      expect(done.status).toBe(302);
      expect((await redeem(codeOf(done.headers.get('location')!))).authentication_method).toBe('Password');

      // Next password sign-in: the MFA challenge offers the passkey (only this user's credentials).
      const again = await passwordSignIn('grace@passkeys.test', 'correct horse battery staple 42');
      const challengePage = await get(new URL(again.location).pathname, again.cookie);
      const c = form(challengePage, 'passkey-challenge');
      const mine = await db()
        .selectFrom('passkey_credentials')
        .select('credential_id')
        .where('user_id', '=', user.id)
        .execute();
      expect(c.options.allowCredentials.map((x: { id: string }) => x.id)).toEqual(
        mine.map((m) => m.credential_id),
      );
      // A passkey that is not one of this user's (this authenticator's was deleted) does not pass.
      const wrong = await post(c.action, challengePage.cookie, {
        csrf: c.csrf,
        credential: JSON.stringify(emulator.getJSON(ORIGIN, { ...c.options, allowCredentials: [] })),
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('passkey_unknown');
      const fresh = await get(new URL(again.location).pathname, again.cookie);
      const c2 = form(fresh, 'passkey-challenge');
      const passed = await post(c2.action, fresh.cookie, {
        csrf: c2.csrf,
        credential: JSON.stringify(emu.getJSON(ORIGIN, c2.options)),
      });
      expect(passed.status).toBe(302);
      expect((await redeem(codeOf(passed.headers.get('location')!))).authentication_method).toBe('Password');

      // A passkey sign-in is already MFA: no second step.
      const direct = await passkeyAssertion(emu);
      const r = await post(direct.f.action, direct.page.cookie, {
        csrf: direct.f.csrf,
        credential: JSON.stringify(direct.credential),
      });
      expect(r.status).toBe(302);
      expect((await redeem(codeOf(r.headers.get('location')!))).authentication_method).toBe('Passkey');
    } finally {
      await admin('PUT', '/_admin/mfa_policy', { mfa_required: false });
    }
  });

  it('deleting a user deletes their passkeys', async () => {
    const emu = authenticator();
    const { user } = await registerViaOffer(emu, 'linus@passkeys.test');
    expect(
      await db().selectFrom('passkey_credentials').select('id').where('user_id', '=', user.id).execute(),
    ).toHaveLength(1);
    expect((await h.api('DELETE', `/user_management/users/${user.id}`)).status).toBe(202);
    expect(
      await db().selectFrom('passkey_credentials').select('id').where('user_id', '=', user.id).execute(),
    ).toEqual([]);
  });
});
