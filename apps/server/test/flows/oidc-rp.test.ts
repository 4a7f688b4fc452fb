/**
 * The OIDC relying party (src/features/sso/oidc.ts) against a real OpenID Provider: oidc-provider 9
 * on 127.0.0.1 (test/support/oidc-idp.ts). Dialect-free: no database.
 *
 * One success, then each failure with its own code and a message that names the cause and the
 * fix; tokens, the authorization code, the client secret and the PKCE verifier never appear in a
 * result or an error. Tampering (a forged ID token, a failing userinfo, a foreign issuer) goes
 * through the connection's `fetch` hook, as an attacker or a broken IdP would present it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { CustomFetch } from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  clearDiscoveryCache,
  completeCallback,
  newFlowSecrets,
  type OidcConnectionConfig,
  OidcError,
  type OidcErrorCode,
  type OidcFlowSecrets,
} from '../../src/features/sso/oidc.ts';
import { pickEmail, splitName, toProfile } from '../../src/features/sso/oidc-claims.ts';
import { startTestIdp, type TestIdp } from '../support/oidc-idp.ts';

let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({
    alice: {
      claims: {
        email: 'alice@saml.portico.test',
        email_verified: true,
        given_name: 'Alice',
        family_name: 'Liddell',
      },
      // Released by userinfo only, like Okta's groups claim: the merge must pick it up.
      userinfoOnly: { groups: ['Engineering', 'Admins'], locale: 'en-GB' },
    },
    bob: { claims: { email: 'bob@saml.portico.test', email_verified: false, name: 'Bob The Builder' } },
    carol: { claims: { name: 'Carol' } },
    dave: { claims: { email: 'dave@example.com', name: 'Dave Grohl', groups: 'Foo Fighters' } },
  });
});
afterAll(() => idp?.close());
beforeEach(() => clearDiscoveryCache());

/** Records every request the RP makes and captures the token response, to prove nothing leaks. */
function spy(transform?: (url: string, res: Response) => Promise<Response> | Response) {
  const urls: string[] = [];
  const leaked: string[] = [];
  const fetchImpl: CustomFetch = async (url, init) => {
    urls.push(url);
    let res = await fetch(url, init as RequestInit);
    if (url.endsWith('/token') && res.headers.get('content-type')?.includes('json')) {
      const body = (await res.clone().json()) as Record<string, unknown>;
      for (const k of ['access_token', 'id_token', 'refresh_token'])
        if (typeof body[k] === 'string') leaked.push(body[k]);
    }
    if (transform) res = await transform(url, res);
    return res;
  };
  return { urls, leaked, fetch: fetchImpl };
}

function config(extra: Partial<OidcConnectionConfig> = {}): OidcConnectionConfig {
  return {
    discoveryUrl: idp.discoveryUrl,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    allowInsecureHttp: true,
    ...extra,
  };
}

/** Starts a sign-in and lets `login` sign in at the IdP. */
async function signIn(cfg: OidcConnectionConfig, login: string, o: { cancel?: boolean } = {}) {
  const secrets = newFlowSecrets((n) => randomBytes(n));
  const url = await authorizationUrl(cfg, { redirectUri: idp.redirectUri, secrets });
  const callbackUrl = await idp.signIn(url, { login, cancel: o.cancel });
  return { secrets, url, callbackUrl };
}

async function failure(p: Promise<unknown>, code: OidcErrorCode): Promise<OidcError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OidcError);
  const e = err as OidcError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code });
  expect(e.fix.length).toBeGreaterThan(10);
  return e;
}

function expectNoSecrets(json: string, secrets: string[]) {
  for (const s of secrets) expect(json).not.toContain(s);
}

describe('OIDC relying party against oidc-provider', () => {
  it('signs a user in: PKCE S256, state and nonce; the ID token validated; userinfo merged', async () => {
    const s = spy();
    const cfg = config({ fetch: s.fetch });
    const { secrets, url, callbackUrl } = await signIn(cfg, 'alice');

    const auth = new URL(url);
    expect(auth.origin).toBe(idp.issuer);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      client_id: idp.clientId,
      response_type: 'code',
      redirect_uri: idp.redirectUri,
      scope: 'openid email profile',
      state: secrets.state,
      nonce: secrets.nonce,
      code_challenge_method: 'S256',
    });
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url).not.toContain(secrets.codeVerifier);
    const code = callbackUrl.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const result = await completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets });
    expect(result.profile).toMatchObject({
      idpId: 'alice',
      email: 'alice@saml.portico.test',
      emailVerified: true,
      firstName: 'Alice',
      lastName: 'Liddell',
      name: 'Alice Liddell',
      groups: ['Engineering', 'Admins'],
    });
    expect(result.profile.raw).toMatchObject({
      sub: 'alice',
      iss: idp.issuer,
      aud: idp.clientId,
      locale: 'en-GB',
    });
    for (const k of ['nonce', 'at_hash', 'access_token', 'id_token'])
      expect(result.profile.raw).not.toHaveProperty(k);
    expect(result.steps.map((st) => [st.step, st.ok])).toEqual([
      ['discovery', true],
      ['callback', true],
      ['token_exchange', true],
      ['id_token', true],
      ['userinfo', true],
      ['email', true],
      ['profile', true],
    ]);
    expect(result.steps.find((st) => st.step === 'discovery')!.detail).toContain('(cached)');
    expect(result.steps.find((st) => st.step === 'id_token')!.detail).toContain('RS256, kid test-key-1');
    expect(result.steps.find((st) => st.step === 'userinfo')!.detail).toContain('groups');

    expect(s.leaked.length).toBeGreaterThanOrEqual(2);
    // The provider's tokens go back to the caller only (social sign-in returns them as
    // oauth_tokens); the profile and the trace steps, which are stored, never hold a secret.
    expect(result.tokens.accessToken).toEqual(expect.any(String));
    expectNoSecrets(JSON.stringify({ profile: result.profile, steps: result.steps }), [
      ...s.leaked,
      code,
      idp.clientSecret,
      secrets.codeVerifier,
      secrets.nonce,
      secrets.state,
    ]);
    // Discovery once, then one token, one JWKS and one userinfo request.
    expect(s.urls.map((u) => new URL(u).pathname)).toEqual([
      '/.well-known/openid-configuration',
      '/token',
      '/jwks',
      '/me',
    ]);

    // A second sign-in reuses the cached discovery document and signing keys.
    const again = await signIn(cfg, 'alice');
    await completeCallback(cfg, {
      callbackUrl: again.callbackUrl,
      redirectUri: idp.redirectUri,
      secrets: again.secrets,
    });
    expect(s.urls.slice(4).map((u) => new URL(u).pathname)).toEqual(['/token', '/me']);
  });

  it('refuses a callback whose state is not the one sent, before calling the token endpoint', async () => {
    const s = spy();
    const cfg = config({ fetch: s.fetch });
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const other = newFlowSecrets((n) => randomBytes(n));
    const e = await failure(
      completeCallback(cfg, {
        callbackUrl,
        redirectUri: idp.redirectUri,
        secrets: { ...secrets, state: other.state },
      }),
      'oidc_state_mismatch',
    );
    expect(e.message).toBe(
      "The callback's state does not match the one Portico sent: the sign-in was started in another browser or tab, or the link was reused.",
    );
    expect(e.fix).toBe('Start the sign-in again.');
    expect(s.urls.some((u) => u.endsWith('/token'))).toBe(false);
    expect((e.details.steps as { step: string; ok: boolean }[]).at(-1)).toMatchObject({
      step: 'callback',
      ok: false,
    });

    const noState = new URL(callbackUrl);
    noState.searchParams.delete('state');
    const e2 = await failure(
      completeCallback(cfg, { callbackUrl: noState, redirectUri: idp.redirectUri, secrets }),
      'oidc_state_mismatch',
    );
    expect(e2.message).toContain('carries no state');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const s = spy();
    const cfg = config({ fetch: s.fetch });
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const tampered: OidcFlowSecrets = { ...secrets, nonce: newFlowSecrets((n) => randomBytes(n)).nonce };
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets: tampered }),
      'oidc_nonce_mismatch',
    );
    expect(e.message).toContain('nonce does not match');
    const steps = e.details.steps as { step: string; ok: boolean }[];
    expect(steps.map((st) => [st.step, st.ok]).slice(-2)).toEqual([
      ['token_exchange', true],
      ['id_token', false],
    ]);
    expectNoSecrets(JSON.stringify(e), [...s.leaked, secrets.nonce, tampered.nonce, secrets.codeVerifier]);
  });

  it("reports the IdP's own error (the user pressed Cancel: access_denied)", async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'alice', { cancel: true });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_idp_error',
    );
    expect(e.details).toMatchObject({
      error: 'access_denied',
      errorDescription: 'End-User aborted interaction',
    });
    expect(e.message).toContain('access_denied (End-User aborted interaction)');
    expect(e.fix).toContain('assign the user');
  });

  it('refuses a callback that names another issuer (RFC 9207 mix-up)', async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const forged = new URL(callbackUrl);
    forged.searchParams.set('iss', 'https://idp.attacker.example');
    const e = await failure(
      completeCallback(cfg, { callbackUrl: forged, redirectUri: idp.redirectUri, secrets }),
      'oidc_idp_error',
    );
    expect(e.message).toContain('https://idp.attacker.example');
  });

  it('sends the PKCE verifier: a wrong one is refused by the IdP (invalid_grant)', async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const wrong = { ...secrets, codeVerifier: newFlowSecrets((n) => randomBytes(n)).codeVerifier };
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets: wrong }),
      'oidc_token_exchange_failed',
    );
    expect(e.details).toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(e.fix).toContain('PKCE verifier');
    expectNoSecrets(JSON.stringify(e), [secrets.codeVerifier, wrong.codeVerifier]);
  });

  it('refuses a callback that repeats a parameter', async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const polluted = new URL(callbackUrl);
    polluted.searchParams.append('code', 'attacker-code');
    const e = await failure(
      completeCallback(cfg, { callbackUrl: polluted, redirectUri: idp.redirectUri, secrets }),
      'oidc_idp_error',
    );
    expect(e.message).toContain('code parameter more than once');
  });

  it("reports a wrong client secret with the IdP's error, never the secret", async () => {
    const wrong = config({ clientSecret: 'not-the-secret-4242' });
    const { secrets, callbackUrl } = await signIn(wrong, 'alice');
    const e = await failure(
      completeCallback(wrong, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_token_exchange_failed',
    );
    expect(e.details).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(e.fix).toContain('client secret');
    expectNoSecrets(JSON.stringify(e), ['not-the-secret-4242', idp.clientSecret, secrets.codeVerifier]);
    expect(JSON.stringify(e)).not.toContain(callbackUrl.searchParams.get('code')!);
  });

  it('refuses email_verified: false unless the connection allows it', async () => {
    const cfg = config();
    const first = await signIn(cfg, 'bob');
    const e = await failure(
      completeCallback(cfg, {
        callbackUrl: first.callbackUrl,
        redirectUri: idp.redirectUri,
        secrets: first.secrets,
      }),
      'oidc_email_unverified',
    );
    expect(e.message).toContain('bob@saml.portico.test is not verified');

    const second = await signIn(cfg, 'bob');
    const ok = await completeCallback(cfg, {
      callbackUrl: second.callbackUrl,
      redirectUri: idp.redirectUri,
      secrets: second.secrets,
      requireVerifiedEmail: false,
    });
    expect(ok.profile).toMatchObject({
      email: 'bob@saml.portico.test',
      emailVerified: false,
      firstName: 'Bob',
      lastName: 'The Builder',
    });
  });

  it('accepts an absent email_verified as null; a single group string becomes a list', async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'dave');
    const { profile } = await completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets });
    expect(profile).toMatchObject({
      email: 'dave@example.com',
      emailVerified: null,
      firstName: 'Dave',
      lastName: 'Grohl',
      groups: ['Foo Fighters'],
    });
  });

  it('refuses a user without an email, saying how to release the claim', async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'carol');
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_email_missing',
    );
    expect(e.message).toContain('no email address for user carol');
    expect(e.fix).toContain('email scope');
  });

  it("validates the ID token's expiry at the injected time", async () => {
    const cfg = config();
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const e = await failure(
      completeCallback(cfg, {
        callbackUrl,
        redirectUri: idp.redirectUri,
        secrets,
        now: new Date(Date.now() + 2 * 3600_000),
      }),
      'oidc_id_token_invalid',
    );
    expect(e.message).toMatch(/^The ID token expired at .*; Portico's clock reads/);
    expect(e.fix).toContain('NTP');
  });

  it('refuses an ID token whose payload was altered (signature)', async () => {
    const s = spy(async (url, res) => {
      if (!url.endsWith('/token')) return res;
      const body = (await res.json()) as { id_token: string };
      const [h, p, sig] = body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
      claims.email = 'mallory@example.com';
      body.id_token = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
      return Response.json(body, { status: res.status });
    });
    const cfg = config({ fetch: s.fetch });
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_id_token_invalid',
    );
    expect(e.message).toContain('signature does not verify');
    expectNoSecrets(JSON.stringify(e), s.leaked);
  });

  it('refuses an ID token from an issuer other than the discovered one', async () => {
    const s = spy(async (url, res) => {
      if (!url.endsWith('/openid-configuration')) return res;
      const doc = (await res.json()) as Record<string, unknown>;
      doc.issuer = `${idp.issuer}/tenant-b`;
      delete doc.authorization_response_iss_parameter_supported;
      return Response.json(doc);
    });
    const cfg = config({ fetch: s.fetch, discoveryUrl: `${idp.issuer}/.well-known/openid-configuration` });
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    callbackUrl.searchParams.delete('iss');
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_id_token_invalid',
    );
    expect(e.details).toMatchObject({ claim: 'iss', actual: idp.issuer, expected: `${idp.issuer}/tenant-b` });
  });

  it('reports a failing userinfo endpoint', async () => {
    const s = spy((url, res) => (url.endsWith('/me') ? new Response('upstream down', { status: 503 }) : res));
    const cfg = config({ fetch: s.fetch });
    const { secrets, callbackUrl } = await signIn(cfg, 'alice');
    const e = await failure(
      completeCallback(cfg, { callbackUrl, redirectUri: idp.redirectUri, secrets }),
      'oidc_userinfo_failed',
    );
    expect(e.message).toContain('answered HTTP 503');
    expectNoSecrets(JSON.stringify(e), s.leaked);
  });

  describe('discovery', () => {
    it('a dead URL fails with oidc_discovery_failed, from both entry points', async () => {
      const port = await closedPort();
      const cfg = config({ discoveryUrl: `http://127.0.0.1:${port}` });
      const secrets = newFlowSecrets((n) => randomBytes(n));
      const e = await failure(
        authorizationUrl(cfg, { redirectUri: idp.redirectUri, secrets }),
        'oidc_discovery_failed',
      );
      expect(e.message).toContain('ECONNREFUSED');
      expect(e.fix).toContain('reachable');
      const e2 = await failure(
        completeCallback(cfg, {
          callbackUrl: new URL(`${idp.redirectUri}?code=x&state=${secrets.state}`),
          redirectUri: idp.redirectUri,
          secrets,
        }),
        'oidc_discovery_failed',
      );
      expect(e2.details.steps).toEqual([expect.objectContaining({ step: 'discovery', ok: false })]);
    });

    it('a URL that is not a discovery document says what the URL should look like', async () => {
      const cfg = config({ discoveryUrl: `${idp.issuer}/nope/.well-known/openid-configuration` });
      const secrets = newFlowSecrets((n) => randomBytes(n));
      const e = await failure(
        authorizationUrl(cfg, { redirectUri: idp.redirectUri, secrets }),
        'oidc_discovery_failed',
      );
      expect(e.message).toContain('HTTP 404');
      expect(e.fix).toContain('/.well-known/openid-configuration');
    });

    it('http:// is refused unless allowInsecureHttp', async () => {
      const cfg = config({ allowInsecureHttp: false });
      const secrets = newFlowSecrets((n) => randomBytes(n));
      const e = await failure(
        authorizationUrl(cfg, { redirectUri: idp.redirectUri, secrets }),
        'oidc_discovery_failed',
      );
      expect(e.message).toContain('https only');
    });

    it('is cached for a few minutes of the injected clock', async () => {
      const s = spy();
      const cfg = config({ fetch: s.fetch });
      const secrets = newFlowSecrets((n) => randomBytes(n));
      const t0 = new Date();
      await authorizationUrl(cfg, { redirectUri: idp.redirectUri, secrets, now: t0 });
      await authorizationUrl(cfg, {
        redirectUri: idp.redirectUri,
        secrets,
        now: new Date(t0.getTime() + 60_000),
      });
      expect(s.urls).toHaveLength(1);
      await authorizationUrl(cfg, {
        redirectUri: idp.redirectUri,
        secrets,
        now: new Date(t0.getTime() + 6 * 60_000),
      });
      expect(s.urls).toHaveLength(2);
    });
  });
});

describe('claims mapping', () => {
  it('keeps email and email_verified together', () => {
    // userinfo's verdict applies to the ID token's email only when it is about the same address
    expect(pickEmail({ email: 'a@x.io' }, { email: 'A@x.io', email_verified: 'true' })).toEqual({
      email: 'a@x.io',
      verified: true,
      source: 'id_token',
    });
    expect(pickEmail({ email: 'a@x.io' }, { email: 'b@x.io', email_verified: true }).verified).toBeNull();
    expect(pickEmail({ email_verified: false }, { email: 'b@x.io' })).toEqual({
      email: 'b@x.io',
      verified: false,
      source: 'userinfo',
    });
    expect(pickEmail({ email: 'not an email' }, null).email).toBeNull();
    expect(pickEmail({ email: 'a@x.io', email_verified: 'yes' }, null).verified).toBeNull();
  });

  it('splits names and reads groups', () => {
    expect(splitName('Lovelace, Ada')).toEqual({ first: 'Ada', last: 'Lovelace' });
    expect(splitName('Cher')).toEqual({ first: 'Cher', last: null });
    const email = { email: 'a@x.io', verified: null, source: 'id_token' as const };
    expect(toProfile('s', { given_name: 'Augusta Ada', name: 'Augusta Ada King' }, email)).toMatchObject({
      firstName: 'Augusta Ada',
      lastName: 'King',
      name: 'Augusta Ada King',
      groups: [],
    });
    expect(
      toProfile('s', { given_name: 'Ada', family_name: 'King', groups: ['a', 7, null, ''] }, email),
    ).toMatchObject({
      name: 'Ada King',
      groups: ['a', '7'],
    });
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
