/**
 * CLI sign-in: the OAuth 2.0 device authorization grant (RFC 8628), driven by an independent RFC
 * 8628 client (oauth4webapi) and by plain fetch against a listening server, with the person's
 * browser played in-process (cookies, CSRF tokens and redirects followed by hand): the user code
 * typed on /authkit/device, the hosted password sign-in, Approve or Deny; the poll's
 * authorization_pending, slow_down (+5 s), access_denied and expired_token; one session per
 * device_code; bad input refused with nothing written; expired rows swept.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { createHarness, type Harness, json, listen } from '../harness.ts';
import { totpAt } from '../support/totp.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const EMAIL = 'cli-user@example.com';
const PASSWORD = 'correct horse battery staple 42';

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let as: oauth.AuthorizationServer;
let client: oauth.Client;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  h = await createHarness();
  server = await listen(h);
  as = {
    issuer: server.url,
    device_authorization_endpoint: `${server.url}/user_management/authorize/device`,
    token_endpoint: `${server.url}/user_management/authenticate`,
  };
  client = { client_id: h.clientId };
  const created = await h.api('POST', '/user_management/users', {
    email: EMAIL,
    password: PASSWORD,
    email_verified: true,
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

const count = async (table: 'device_authorizations' | 'sessions') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The person's browser, in-process: a cookie jar and the hosted pages' forms. */
class Browser {
  private jar = new Map<string, string>();
  async request(path: string, init: { form?: Record<string, string> } = {}) {
    const res = await h.portico.app.request(path, {
      method: init.form ? 'POST' : 'GET',
      headers: {
        cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attrs.some((a) => /max-age=0/i.test(a)) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
  static csrf(html: string) {
    return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  }
  static path(location: string) {
    const u = new URL(location, 'http://portico.invalid');
    return `${u.pathname}${u.search}`;
  }

  /** Types the code; returns the sign-in page's path (or the refusal). */
  async enterCode(userCode: string) {
    const page = await this.request('/authkit/device');
    expect(page.status).toBe(200);
    const csrf = Browser.csrf(await page.text());
    return this.request('/authkit/device', { form: { csrf, user_code: userCode } });
  }

  /** Code → password sign-in → the callback; returns the confirmation page's response. */
  async signIn(userCode: string, email = EMAIL, password = PASSWORD) {
    const entered = await this.enterCode(userCode);
    expect(entered.status, await entered.clone().text()).toBe(302);
    const signInPath = Browser.path(entered.headers.get('location')!);
    expect(signInPath).toMatch(/^\/authkit\/sign-in\?request=/);
    const form = await this.request(signInPath);
    const csrf = Browser.csrf(await form.text());
    const signedIn = await this.request(signInPath, { form: { csrf, email, password } });
    expect(signedIn.status).toBe(302);
    let callback = new URL(signedIn.headers.get('location')!);
    if (callback.pathname.startsWith('/authkit/continue/')) {
      const step = await this.request(callback.pathname);
      const html = await step.text();
      const orgs = [...html.matchAll(/name="organization_id" value="([^"]+)"/g)].map((m) => m[1]!);
      // A policy step of the normal sign-in: a TOTP challenge, or choosing an organization.
      const answer: Record<string, string> = this.totpSecret
        ? { code: totpAt(this.totpSecret, h.clock.now().getTime()) }
        : { organization_id: this.organization ?? orgs[0]! };
      if (!this.totpSecret) expect(orgs.length).toBeGreaterThan(1);
      else expect(html).toContain('name="code"');
      const chosen = await this.request(callback.pathname, { form: { csrf: Browser.csrf(html), ...answer } });
      expect(chosen.status).toBe(302);
      callback = new URL(chosen.headers.get('location')!);
    }
    expect(callback.pathname).toBe('/authkit/device/callback');
    const back = await this.request(Browser.path(callback.toString()));
    expect(back.status).toBe(302);
    this.lastCallback = Browser.path(callback.toString());
    const confirmPath = Browser.path(back.headers.get('location')!);
    return { confirmPath, page: await this.request(confirmPath) };
  }
  lastCallback = '';
  /** The organization to pick when the sign-in asks for one. */
  organization?: string;
  /** The TOTP factor's secret, when the sign-in asks for a second factor. */
  totpSecret?: string;

  async decide(confirmPath: string, html: string, decision: 'approve' | 'deny') {
    return this.request(confirmPath, { form: { csrf: Browser.csrf(html), decision } });
  }
}

async function start() {
  const res = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), {}, insecure);
  return oauth.processDeviceAuthorizationResponse(as, client, res);
}
async function poll(deviceCode: string) {
  const res = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), deviceCode, insecure);
  return oauth.processDeviceCodeResponse(as, client, res);
}
/** The RFC 8628 §3.5 error a poll answers (oauth4webapi throws ResponseBodyError). */
async function pollError(deviceCode: string) {
  try {
    await poll(deviceCode);
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError)
      return { error: err.error, status: err.status, body: err.cause };
    throw err;
  }
  throw new Error('the poll succeeded');
}
const post = (path: string, body: unknown, type = 'application/json') =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('device authorization grant with oauth4webapi', () => {
  it('pending, slow_down, approval on the hosted pages, then the standard tokens once', async () => {
    const started = await start();
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(
      new URL('/authkit/device', h.portico.deps.config.publicUrl).toString(),
    );
    expect(started.verification_uri_complete).toBe(
      `${started.verification_uri}?user_code=${encodeURIComponent(started.user_code)}`,
    );
    expect(started.expires_in).toBe(600);
    expect(started.interval).toBe(5);
    // Only the hash is stored.
    const stored = await h.portico.deps.db.selectFrom('device_authorizations').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(started.device_code);

    expect((await pollError(started.device_code)).error).toBe('authorization_pending');
    // Sooner than 5 s after the last poll: slow_down, and the interval grows by 5 s.
    h.testClock!.advance(2_000);
    const slow = await pollError(started.device_code);
    expect(slow.error).toBe('slow_down');
    expect(slow.body).toMatchObject({ interval: 10 });
    h.testClock!.advance(6_000); // 6 s < the new 10 s
    expect((await pollError(started.device_code)).error).toBe('slow_down');
    h.testClock!.advance(15_000);
    expect((await pollError(started.device_code)).error).toBe('authorization_pending');

    const browser = new Browser();
    const { confirmPath, page } = await browser.signIn(started.user_code.toLowerCase());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(started.user_code);
    expect(html).toContain(EMAIL);
    expect(html).toMatch(/Sign in to .+ on your device\?/);
    // Signed in but not yet approved: still pending.
    h.testClock!.advance(20_000);
    expect((await pollError(started.device_code)).error).toBe('authorization_pending');

    const eventsBefore = await h.portico.deps.db.selectFrom('events').select('event').execute();
    const sessionsBefore = await count('sessions');
    const approved = await browser.decide(confirmPath, html, 'approve');
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain('Return to your terminal');

    h.testClock!.advance(20_000);
    const tokens = await poll(started.device_code);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token).toMatch(/^eyJ/);
    expect(tokens).toMatchObject({
      user: { email: EMAIL },
      authentication_method: 'Password',
      refresh_token: expect.any(String),
    });
    expect(await count('sessions')).toBe(sessionsBefore + 1);
    const events = (await h.portico.deps.db.selectFrom('events').select('event').execute())
      .map((e) => e.event)
      .slice(eventsBefore.length);
    expect(events).toEqual(['session.created']);
    // The sign-in itself was recorded when the person signed in on the hosted page.
    expect(eventsBefore.map((e) => e.event)).toContain('authentication.password_succeeded');

    // A second poll: a clear refusal, never a second session.
    h.testClock!.advance(20_000);
    const again = await pollError(started.device_code);
    expect(again.error).toBe('invalid_grant');
    expect(await count('sessions')).toBe(sessionsBefore + 1);

    // The refresh token works like any other.
    const refreshed = await post('/user_management/authenticate', {
      grant_type: 'refresh_token',
      client_id: h.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status).toBe(200);

    // The hosted sign-in's code went to Portico's callback: it cannot be replayed there…
    const replay = await browser.request(browser.lastCallback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('user_code_invalid');
  });

  it('Deny: the device is told access_denied and no session starts', async () => {
    const started = await start();
    const browser = new Browser();
    const { confirmPath, page } = await browser.signIn(started.user_code);
    const sessions = await count('sessions');
    const denied = await browser.decide(confirmPath, await page.text(), 'deny');
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain('Sign-in denied');
    const r = await pollError(started.device_code);
    expect(r).toMatchObject({ error: 'access_denied', status: 400 });
    expect(await count('sessions')).toBe(sessions);
    // The code cannot be used again on the page.
    const reuse = await new Browser().enterCode(started.user_code);
    expect(reuse.status).toBe(400);
    expect(await reuse.text()).toContain('user_code_invalid');
  });

  it('expiry: expired_token for the device, user_code_invalid on the page; swept an hour later', async () => {
    const started = await start();
    h.testClock!.advance(601_000);
    expect((await pollError(started.device_code)).error).toBe('expired_token');
    const late = await new Browser().enterCode(started.user_code);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('user_code_invalid');
    const before = await count('device_authorizations');
    h.testClock!.advance(3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('device_authorizations')).toBeLessThan(before);
    expect((await pollError(started.device_code)).error).toBe('invalid_grant');
  });

  it('approved but expired before the poll: expired_token, no session', async () => {
    const started = await start();
    const browser = new Browser();
    const { confirmPath, page } = await browser.signIn(started.user_code);
    expect((await browser.decide(confirmPath, await page.text(), 'approve')).status).toBe(200);
    const sessions = await count('sessions');
    h.testClock!.advance(601_000);
    expect((await pollError(started.device_code)).error).toBe('expired_token');
    expect(await count('sessions')).toBe(sessions);
  });
});

describe('the sign-in on the hosted page is the normal one', () => {
  it('a member of two organizations chooses one: the session starts in it', async () => {
    const email = 'two-orgs@example.com';
    const user = await json(
      await h.api('POST', '/user_management/users', { email, password: PASSWORD, email_verified: true }),
    );
    const orgs: string[] = [];
    for (const name of ['Alpha', 'Beta']) {
      const org = await json(await h.api('POST', '/organizations', { name }));
      await h.api('POST', '/user_management/organization_memberships', {
        organization_id: org.id,
        user_id: user.id,
      });
      orgs.push(String(org.id));
    }
    const started = await start();
    const browser = new Browser();
    browser.organization = orgs[1];
    const { confirmPath, page } = await browser.signIn(started.user_code, email, PASSWORD);
    expect((await browser.decide(confirmPath, await page.text(), 'approve')).status).toBe(200);
    const tokens = await poll(started.device_code);
    expect(tokens).toMatchObject({ organization_id: orgs[1], user: { email } });
  });

  it('concurrent polls after approval: exactly one session', async () => {
    const started = await start();
    const browser = new Browser();
    const { confirmPath, page } = await browser.signIn(started.user_code);
    expect((await browser.decide(confirmPath, await page.text(), 'approve')).status).toBe(200);
    const sessions = await count('sessions');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        post('/user_management/authenticate', {
          grant_type: DEVICE_GRANT,
          client_id: h.clientId,
          device_code: started.device_code,
        }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    expect(await count('sessions')).toBe(sessions + 1);
  });

  it('Idempotency-Key: a retried device authorization request gets the same codes', async () => {
    const send = () =>
      fetch(`${server.url}/user_management/authorize/device`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'device-retry-1' },
        body: JSON.stringify({ client_id: h.clientId }),
      });
    const before = await count('device_authorizations');
    const a = await json(await send());
    const b = await send();
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(b)).toEqual(a);
    expect(await count('device_authorizations')).toBe(before + 1);
  });
});

describe('the browser half is bound to the browser that typed the code', () => {
  it('another browser cannot use the callback or the confirmation', async () => {
    const started = await start();
    const mine = new Browser();
    const entered = await mine.enterCode(started.user_code);
    const signInPath = Browser.path(entered.headers.get('location')!);
    const form = await mine.request(signInPath);
    const signedIn = await mine.request(signInPath, {
      form: { csrf: Browser.csrf(await form.text()), email: EMAIL, password: PASSWORD },
    });
    const callback = Browser.path(signedIn.headers.get('location')!);
    // Someone else's browser (no verifier cookie) with the same URL: refused, nothing spent.
    const stolen = await new Browser().request(callback);
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).toContain('user_code_invalid');
    const back = await mine.request(callback);
    expect(back.status).toBe(302);
    const confirmPath = Browser.path(back.headers.get('location')!);
    const other = await new Browser().request(confirmPath);
    expect(other.status).toBe(400);
    const page = await mine.request(confirmPath);
    expect(page.status).toBe(200);
    // A forged decision (no CSRF token of this browser) changes nothing.
    const forged = await mine.request(confirmPath, { form: { csrf: 'x'.repeat(43), decision: 'approve' } });
    expect(forged.status).toBe(403);
    expect((await pollError(started.device_code)).error).toBe('authorization_pending');
    // The callback's code cannot be redeemed by an application either (PKCE with the browser's verifier).
  });

  it('a wrong code: a clear message; 10 attempts a minute per address, then 429', async () => {
    h.testClock!.advance(60_000);
    const b = new Browser();
    const bad = await b.enterCode('BCDF-GHJK');
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('user_code_invalid');
    expect(html).toContain('Check the code on your device');
    const malformed = await b.enterCode('12');
    expect(await malformed.text()).toContain('Enter the eight letters');
    let last: Response = malformed;
    for (let i = 0; i < 9; i++) last = await b.enterCode('BCDF-GHJK');
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await last.text()).toContain('rate_limit_exceeded');
    // Even a good code waits for the window.
    const started = await start();
    expect((await b.enterCode(started.user_code)).status).toBe(429);
    h.testClock!.advance(60_000);
    expect((await b.enterCode(started.user_code)).status).toBe(302);
  });

  it('verification_uri_complete prefills the normalized code; a cut-short one is refused on the form', async () => {
    const b = new Browser();
    const good = await b.request('/authkit/device?user_code=bcdf%20ghjk');
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('value="BCDF-GHJK"');
    const cut = await b.request('/authkit/device?user_code=BCD');
    expect(cut.status).toBe(400);
    const html = await cut.text();
    expect(html).toContain('user_code_invalid');
    expect(html).toContain('Type the eight letters your device shows');
  });

  it('the code form without its CSRF token: 403, nothing bound', async () => {
    const started = await start();
    const res = await new Browser().request('/authkit/device', { form: { user_code: started.user_code } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('form_expired');
    const row = await h.portico.deps.db
      .selectFrom('device_authorizations')
      .select('browser_challenge')
      .where('user_code', '=', started.user_code.replace('-', ''))
      .executeTakeFirstOrThrow();
    expect(row.browser_challenge).toBeNull();
  });
});

describe('bad input', () => {
  it('the device authorization request: unknown or missing client_id, malformed body; nothing written', async () => {
    const before = await count('device_authorizations');
    const unknown = await post(
      '/user_management/authorize/device',
      'client_id=client_nope',
      'application/x-www-form-urlencoded',
    );
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_client' });
    const missing = await post('/user_management/authorize/device', {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('client_id is required'),
    });
    const malformed = await post('/user_management/authorize/device', `{"client_id": "${h.clientId}"`);
    expect(malformed.status).toBe(400);
    // Unparseable JSON names no client: the token surface asks for client_id first.
    expect(await malformed.json()).toMatchObject({ error: 'invalid_request' });
    expect(await count('device_authorizations')).toBe(before);
  });

  it('the poll: missing, unknown and another environment’s device_code; a JSON body works too', async () => {
    const missing = await post('/user_management/authenticate', {
      grant_type: DEVICE_GRANT,
      client_id: h.clientId,
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('device_code'),
    });
    const unknown = await post('/user_management/authenticate', {
      grant_type: DEVICE_GRANT,
      client_id: h.clientId,
      device_code: 'not-a-device-code',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('POST /user_management/authorize/device'),
    });

    const other = await h.portico.services.environments.createEnvironment('Elsewhere');
    const theirs = await json<{ device_code: string }>(
      await post('/user_management/authorize/device', { client_id: other.clientId }),
    );
    const cross = await post('/user_management/authenticate', {
      grant_type: DEVICE_GRANT,
      client_id: h.clientId,
      device_code: theirs.device_code,
    });
    expect(cross.status).toBe(400);
    expect(await cross.json()).toMatchObject({ error: 'invalid_grant' });
    // Their row was not touched by our poll.
    const row = await h.portico.deps.db
      .selectFrom('device_authorizations')
      .select(['last_polled_at', 'interval'])
      .where('client_id', '=', other.clientId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ last_polled_at: null, interval: 5 });
    const own = await post('/user_management/authenticate', {
      grant_type: DEVICE_GRANT,
      client_id: other.clientId,
      device_code: theirs.device_code,
    });
    expect(await own.json()).toMatchObject({ error: 'authorization_pending' });
  });
});

describe('MFA applies to the device sign-in', () => {
  it('with MFA required, the hosted sign-in asks for the TOTP code before the confirmation', async () => {
    const email = 'mfa-cli@example.com';
    const user = await json(
      await h.api('POST', '/user_management/users', { email, password: PASSWORD, email_verified: true }),
    );
    const enrolled = await json<{ authentication_factor: { totp: { secret: string } } }>(
      await h.api('POST', `/user_management/users/${user.id}/auth_factors`, { type: 'totp' }),
    );
    await h.portico.services.environments.setMfaRequired(h.environmentId, true);
    try {
      const started = await start();
      const browser = new Browser();
      // Without the second factor the confirmation is never reached.
      const entered = await browser.enterCode(started.user_code);
      const signInPath = Browser.path(entered.headers.get('location')!);
      const form = await browser.request(signInPath);
      const stopped = await browser.request(signInPath, {
        form: { csrf: Browser.csrf(await form.text()), email, password: PASSWORD },
      });
      expect(new URL(stopped.headers.get('location')!).pathname).toMatch(/^\/authkit\/continue\//);
      expect((await pollError(started.device_code)).error).toBe('authorization_pending');

      const again = await start();
      const mfaBrowser = new Browser();
      mfaBrowser.totpSecret = enrolled.authentication_factor.totp.secret;
      const { confirmPath, page } = await mfaBrowser.signIn(again.user_code, email, PASSWORD);
      expect(page.status).toBe(200);
      expect((await mfaBrowser.decide(confirmPath, await page.text(), 'approve')).status).toBe(200);
      const tokens = await poll(again.device_code);
      expect(tokens).toMatchObject({ user: { email }, authentication_method: 'Password' });
    } finally {
      await h.portico.services.environments.setMfaRequired(h.environmentId, false);
    }
  });
});
