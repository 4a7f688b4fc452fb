/**
 * OpenID Connect relying party for SSO connections of type GenericOIDC (issue 4, item 3).
 *
 * Pure protocol code over openid-client 6: no routes, no database. The server keeps the flow
 * secrets (keyed by `state`) between `authorizationUrl` and `completeCallback`.
 *
 * - Authorization code flow (OpenID Connect Core 1.0 §3.1) with PKCE S256 (RFC 7636), `state`
 *   and `nonce`; the scope always includes `openid` (default `openid email profile`).
 * - The callback is checked in order: state (constant-time), the RFC 9207 `iss` parameter, an
 *   IdP error, the code. Then the code is exchanged (client_secret_basic unless the IdP supports
 *   only client_secret_post) and the ID token validated: signature against the IdP's JWKS (even
 *   over TLS, where the spec would allow skipping it),
 *   issuer, audience/azp, exp/iat at the injected `now`, nonce.
 * - Userinfo is fetched when the IdP has the endpoint and merged: the ID token wins, userinfo
 *   fills the gaps; a userinfo `sub` that differs is refused (oidc-claims.ts).
 * - `email_verified: false` is refused unless `requireVerifiedEmail: false`; an absent
 *   `email_verified` is accepted and reported as `emailVerified: null`.
 * - Every attempt yields trace steps (STYLE item 8); every failure an `OidcError` whose message
 *   names the cause and the fix, with `details.steps`. Tokens, the authorization code, the client
 *   secret and the flow secrets never appear in errors, steps or `profile.raw`.
 * - Time and randomness are arguments (STYLE item 4): `now` drives ID-token time checks and the
 *   discovery cache; `newFlowSecrets` takes the random source.
 */
import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { type Claims, mergeClaims, type OidcProfile, pickEmail, toProfile } from './oidc-claims.ts';
import { cachedJwks, clearDiscoveryCache, discover, storeJwks } from './oidc-discovery.ts';
import { OidcError, type TraceStep } from './oidc-errors.ts';
import { grantFailure, type HttpHit, hitFor, idpError, userinfoFailure } from './oidc-failures.ts';

export type { OidcProfile } from './oidc-claims.ts';
export { DISCOVERY_TTL_MS } from './oidc-discovery.ts';
export { OidcError, type OidcErrorCode, type TraceStep } from './oidc-errors.ts';
export { clearDiscoveryCache };

export interface OidcConnectionConfig {
  /** The issuer URL, or the full `…/.well-known/openid-configuration` URL. */
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** Default `['openid', 'email', 'profile']`; `openid` is added when missing. */
  scopes?: string[];
  /** Allow http:// IdPs. Tests and local development only. */
  allowInsecureHttp?: boolean;
  /** Default: client_secret_basic, unless the IdP advertises only client_secret_post. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Outbound HTTP for every IdP request (an egress-policy fetch in the server; tests tamper with it). */
  fetch?: client.CustomFetch;
  /** Per-request timeout, default 10 s. */
  timeoutSeconds?: number;
}

export interface OidcFlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** 256 bits each; the verifier is 43 characters, the RFC 7636 minimum length. */
export function newFlowSecrets(random: (n: number) => Uint8Array): OidcFlowSecrets {
  return { state: b64url(random(32)), nonce: b64url(random(32)), codeVerifier: b64url(random(32)) };
}

export async function authorizationUrl(
  cfg: OidcConnectionConfig,
  o: {
    redirectUri: string;
    secrets: OidcFlowSecrets;
    loginHint?: string;
    domainHint?: string;
    prompt?: string;
    /** Sent as-is, except that they cannot replace the protocol parameters set here. */
    extraParams?: Record<string, string>;
    /** Only for the discovery cache's age. */
    now?: Date;
  },
): Promise<string> {
  checkRedirectUri(o.redirectUri);
  const rp = await relyingParty(cfg, o.now, []);
  const params = new URLSearchParams(o.extraParams);
  if (o.loginHint) params.set('login_hint', o.loginHint);
  if (o.domainHint) params.set('domain_hint', o.domainHint);
  if (o.prompt) params.set('prompt', o.prompt);
  params.set('client_id', cfg.clientId);
  params.set('response_type', 'code');
  params.set('redirect_uri', o.redirectUri);
  params.set('scope', scopesOf(cfg).join(' '));
  params.set('state', o.secrets.state);
  params.set('nonce', o.secrets.nonce);
  params.set('code_challenge', await client.calculatePKCECodeChallenge(o.secrets.codeVerifier));
  params.set('code_challenge_method', 'S256');
  return client.buildAuthorizationUrl(rp.config, params).href;
}

export async function completeCallback(
  cfg: OidcConnectionConfig,
  o: {
    /** The full URL the IdP redirected the browser to. */
    callbackUrl: URL;
    /** The redirect URI sent in the authorization request. */
    redirectUri: string;
    secrets: OidcFlowSecrets;
    now?: Date;
    /** Default true: `email_verified: false` is refused; an absent claim is accepted as null. */
    requireVerifiedEmail?: boolean;
  },
): Promise<{ profile: OidcProfile; steps: TraceStep[]; tokens: OidcTokens }> {
  checkRedirectUri(o.redirectUri);
  const steps: TraceStep[] = [];
  const failAt = (step: string, e: OidcError, ms?: number) => {
    steps.push({ step, ok: false, detail: e.message, ...(ms === undefined ? {} : { ms }) });
    e.details.steps = steps;
    return e;
  };

  const rp = await relyingParty(cfg, o.now, steps);
  const { config, server, hits } = rp;

  // 1. The callback's parameters, before anything is sent to the IdP.
  const params = o.callbackUrl.searchParams;
  const repeated = ['state', 'code', 'iss', 'error'].find((k) => params.getAll(k).length > 1);
  if (repeated) {
    throw failAt(
      'callback',
      new OidcError(
        'oidc_idp_error',
        `The callback carries the ${repeated} parameter more than once, so it cannot be trusted.`,
        `Start the sign-in again; if it persists, check that the redirect URI registered at the IdP is exactly ${o.redirectUri}, without parameters.`,
      ),
    );
  }
  const state = params.get('state');
  if (state === null || !sameSecret(state, o.secrets.state)) {
    const idpSaid = params.get('error') ? idpError(params, o.redirectUri) : null;
    throw failAt(
      'callback',
      new OidcError(
        'oidc_state_mismatch',
        `${state === null ? 'The callback carries no state' : "The callback's state does not match the one Portico sent"}: the sign-in was started in another browser or tab, or the link was reused.${idpSaid ? ` (The callback also carries an IdP error: ${idpSaid.details.error}.)` : ''}`,
        'Start the sign-in again.',
        idpSaid ? { error: idpSaid.details.error, errorDescription: idpSaid.details.errorDescription } : {},
      ),
    );
  }
  const iss = params.get('iss');
  if (iss !== null ? iss !== server.issuer : server.authorization_response_iss_parameter_supported === true) {
    throw failAt(
      'callback',
      new OidcError(
        'oidc_idp_error',
        iss === null
          ? `The callback has no iss parameter, although ${server.issuer} promises one (RFC 9207): it may not come from this IdP.`
          : `The callback was issued by ${iss}, not by this connection's IdP ${server.issuer} (RFC 9207): it comes from another IdP.`,
        "Start the sign-in again; if it persists, check that the connection's discovery URL is the IdP users sign in with.",
        { issuer: server.issuer, callbackIssuer: iss },
      ),
    );
  }
  if (params.get('error') !== null) throw failAt('callback', idpError(params, o.redirectUri));
  if (!params.get('code')) {
    throw failAt(
      'callback',
      new OidcError(
        'oidc_idp_error',
        'The callback has neither an authorization code nor an error.',
        `Check that the IdP application uses the authorization code flow and redirects to ${o.redirectUri}.`,
      ),
    );
  }
  steps.push({
    step: 'callback',
    ok: true,
    detail: `state matches; authorization code received${iss ? ` from ${iss}` : ''}`,
  });

  // 2. Code exchange and ID-token validation (one openid-client call).
  const current = new URL(o.redirectUri);
  for (const [k, v] of params) current.searchParams.append(k, v);
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: o.secrets.codeVerifier,
      expectedState: o.secrets.state,
      expectedNonce: o.secrets.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    const e = grantFailure(err, {
      hits,
      server,
      clientId: cfg.clientId,
      authMethod: rp.authMethod,
      redirectUri: o.redirectUri,
      nowSeconds: rp.nowSeconds,
    });
    const token = hitFor(hits, server.token_endpoint);
    if (e.code !== 'oidc_token_exchange_failed' && token) steps.push(tokenStep(token, rp.authMethod));
    if (e.code === 'oidc_token_exchange_failed') throw failAt('token_exchange', e, token?.ms);
    throw failAt(e.code === 'oidc_idp_error' ? 'callback' : 'id_token', e);
  } finally {
    storeJwks(cfg.discoveryUrl, !!cfg.allowInsecureHttp, client.getJwksCache(config));
  }
  const token = hitFor(hits, server.token_endpoint);
  if (token) steps.push(tokenStep(token, rp.authMethod));
  const idClaims = tokens.claims() as Claims & { sub: string };
  const header = jwtHeader(tokens.id_token);
  steps.push({
    step: 'id_token',
    ok: true,
    detail: `signature (${header.alg ?? '?'}${header.kid ? `, kid ${header.kid}` : ''}), issuer, audience, expiry and nonce valid; sub ${idClaims.sub}`,
  });

  // 3. Userinfo, merged under the ID token.
  let userinfo: Claims | null = null;
  if (server.userinfo_endpoint && tokens.access_token) {
    try {
      userinfo = (await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)) as Claims;
    } catch (err) {
      throw failAt(
        'userinfo',
        userinfoFailure(err, server, hits),
        hitFor(hits, server.userinfo_endpoint)?.ms,
      );
    }
    steps.push({
      step: 'userinfo',
      ok: true,
      detail: `claims: ${Object.keys(userinfo).sort().join(', ')}`,
      ms: hitFor(hits, server.userinfo_endpoint)?.ms,
    });
  } else {
    steps.push({ step: 'userinfo', ok: true, detail: 'skipped: the IdP has no userinfo endpoint' });
  }

  // 4. The email and the profile.
  const email = pickEmail(idClaims, userinfo);
  if (email.email === null) {
    throw failAt(
      'email',
      new OidcError(
        'oidc_email_missing',
        `The IdP sent no email address for user ${idClaims.sub}, neither in the ID token nor from userinfo.`,
        `Make the IdP application release the email claim and allow the email scope (Portico requests: ${scopesOf(cfg).join(' ')}). For Entra ID, add the optional "email" claim under Token configuration; the user also needs an email address at the IdP.`,
        { sub: idClaims.sub },
      ),
    );
  }
  if (email.verified === false && o.requireVerifiedEmail !== false) {
    throw failAt(
      'email',
      new OidcError(
        'oidc_email_unverified',
        `The IdP says the email address ${email.email} is not verified (email_verified: false).`,
        "Verify the address at the IdP, or allow unverified emails for this connection if the IdP's addresses are trusted.",
        { sub: idClaims.sub, email: email.email },
      ),
    );
  }
  steps.push({
    step: 'email',
    ok: true,
    detail: `${email.email} from the ${email.source === 'id_token' ? 'ID token' : 'userinfo'}; email_verified ${email.verified ?? 'not stated'}`,
  });
  const profile = toProfile(idClaims.sub, mergeClaims(idClaims, userinfo), { ...email, email: email.email });
  steps.push({
    step: 'profile',
    ok: true,
    detail: `${profile.name ?? '(no name)'}; ${profile.groups.length} group${profile.groups.length === 1 ? '' : 's'}`,
  });
  return {
    profile,
    steps,
    tokens: {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresIn: typeof tokens.expires_in === 'number' ? tokens.expires_in : null,
      scope: typeof tokens.scope === 'string' ? tokens.scope : null,
    },
  };
}

/** The IdP's own tokens (social sign-in hands them to the app as `oauth_tokens`). */
export interface OidcTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number | null;
  scope: string | null;
}

// ── internals ───────────────────────────────────────────────────────────────

interface RelyingParty {
  config: client.Configuration;
  server: client.ServerMetadata;
  hits: HttpHit[];
  authMethod: string;
  nowSeconds: number;
}

async function relyingParty(cfg: OidcConnectionConfig, now: Date | undefined, steps: TraceStep[]) {
  const hits: HttpHit[] = [];
  const fetch = recordingFetch(cfg.fetch ?? defaultFetch, hits);
  const nowMs = now?.getTime() ?? Date.now();
  const insecure = !!cfg.allowInsecureHttp;
  const timeoutSeconds = cfg.timeoutSeconds ?? 10;
  const server = await discover(cfg.discoveryUrl, {
    allowInsecureHttp: insecure,
    fetch,
    timeoutSeconds,
    nowMs,
    steps,
  });
  const supported = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const authMethod =
    cfg.tokenEndpointAuthMethod ??
    (!supported.includes('client_secret_basic') && supported.includes('client_secret_post')
      ? 'client_secret_post'
      : 'client_secret_basic');
  const auth =
    authMethod === 'client_secret_post'
      ? client.ClientSecretPost(cfg.clientSecret)
      : client.ClientSecretBasic(cfg.clientSecret);
  // openid-client reads the time as Date.now() + clockSkew (seconds): this makes it read `now`.
  const skew = now ? Math.round((nowMs - Date.now()) / 1000) : 0;
  const config = new client.Configuration(server, cfg.clientId, { [client.clockSkew]: skew }, auth);
  if (insecure) client.allowInsecureRequests(config);
  // openid-client trusts TLS for ID tokens from the token endpoint (Core §3.1.3.7 item 6 allows
  // it); Portico also verifies the signature against the IdP's JWKS, so a TLS-terminating proxy
  // or a compromised hop cannot forge identities, and the trace's "signature valid" is true.
  client.enableNonRepudiationChecks(config);
  config.timeout = timeoutSeconds;
  config[client.customFetch] = fetch;
  const jwks = cachedJwks(cfg.discoveryUrl, insecure);
  if (jwks) client.setJwksCache(config, jwks);
  return { config, server, hits, authMethod, nowSeconds: Math.floor(nowMs / 1000) } satisfies RelyingParty;
}

const defaultFetch: client.CustomFetch = (url, init) => fetch(url, init as RequestInit);

/** Records each request's URL, status and duration (never bodies or headers) for the trace. */
function recordingFetch(base: client.CustomFetch, hits: HttpHit[]): client.CustomFetch {
  return async (url, init) => {
    const hit: HttpHit = { url, method: init.method, status: null, ms: 0 };
    hits.push(hit);
    const started = performance.now();
    try {
      const res = await base(url, init);
      hit.status = res.status;
      return res;
    } finally {
      hit.ms = Math.round(performance.now() - started);
    }
  };
}

function tokenStep(hit: HttpHit, authMethod: string): TraceStep {
  return {
    step: 'token_exchange',
    ok: hit.status === 200,
    detail: `POST ${hit.url} (${authMethod}) → ${hit.status ?? 'no response'}`,
    ms: hit.ms,
  };
}

function scopesOf(cfg: OidcConnectionConfig): string[] {
  const scopes = cfg.scopes?.length ? cfg.scopes : DEFAULT_SCOPES;
  return scopes.includes('openid') ? scopes : ['openid', ...scopes];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function jwtHeader(jwt: string | undefined): { alg?: string; kid?: string } {
  try {
    const h = JSON.parse(Buffer.from(jwt?.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return {
      alg: typeof h.alg === 'string' ? h.alg : undefined,
      kid: typeof h.kid === 'string' ? h.kid : undefined,
    };
  } catch {
    return {};
  }
}

/** openid-client sends the callback URL minus its query as redirect_uri, so a query cannot survive. */
function checkRedirectUri(redirectUri: string) {
  let u: URL;
  try {
    u = new URL(redirectUri);
  } catch {
    throw new TypeError(`redirectUri must be an absolute URL, got ${JSON.stringify(redirectUri)}`);
  }
  if (u.search || u.hash) throw new TypeError('redirectUri must not have a query or a fragment');
}
