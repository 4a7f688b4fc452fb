/**
 * Turns what went wrong in an OIDC callback into a precise `OidcError`: the IdP's own error
 * response (RFC 6749 §4.1.2.1), a failed token request (§5.2), an ID token that does not validate
 * (OpenID Connect Core 1.0 §3.1.3.7) and a failed userinfo request (§5.3.3).
 *
 * openid-client reports everything from `authorizationCodeGrant` as one call, so the phase is
 * decided from the requests actually made (the recording fetch in oidc.ts) and from oauth4webapi's
 * error codes. Only named fields are read from error causes: they hold response bodies, ID-token
 * claims and JWT signing input, none of which may reach a trace.
 */
import * as client from 'openid-client';
import { idpText, networkReason, OidcError, oauthCode } from './oidc-errors.ts';

export interface HttpHit {
  url: string;
  method: string;
  status: number | null;
  ms: number;
}

const sameUrl = (a: string, b: string | undefined) => {
  if (!b) return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
};

/** The last request made to `endpoint`. */
export function hitFor(hits: HttpHit[], endpoint: string | undefined): HttpHit | undefined {
  for (let i = hits.length - 1; i >= 0; i--) if (sameUrl(hits[i]!.url, endpoint)) return hits[i];
  return undefined;
}

// ── the IdP's error response on the callback ────────────────────────────────
const IDP_ERROR_FIX: Record<string, string> = {
  access_denied:
    'The user cancelled at the IdP or is not allowed to use this application there: assign the user (or one of their groups) to the application at the IdP, then sign in again.',
  login_required:
    'The IdP needs the user to sign in, but no interaction was allowed (prompt=none). Sign in again without prompt=none.',
  interaction_required:
    'The IdP needs the user to interact, but no interaction was allowed (prompt=none). Sign in again without prompt=none.',
  consent_required:
    'The user has not consented to this application at the IdP. Sign in again without prompt=none, or grant admin consent at the IdP.',
  invalid_scope:
    "Allow the requested scopes for this application at the IdP, or change the connection's scopes.",
  unauthorized_client: 'Enable the authorization code grant for this application at the IdP.',
  unsupported_response_type:
    'Enable the authorization code flow (response type "code") for this application at the IdP.',
  server_error:
    "The IdP failed while handling the sign-in. Try again; if it persists, check the IdP's status and logs.",
  temporarily_unavailable: 'The IdP is temporarily unavailable. Try again in a few minutes.',
};

export function idpError(params: URLSearchParams, redirectUri: string): OidcError {
  const error = idpText(params.get('error'), 100) ?? 'error';
  const description = idpText(params.get('error_description'));
  const uri = idpText(params.get('error_uri'));
  const fix =
    IDP_ERROR_FIX[error] ??
    (error === 'invalid_request'
      ? `Check that the IdP application's redirect URI is exactly ${redirectUri} and that the client id is right.`
      : "Look the error up in the IdP's documentation or logs.");
  return new OidcError(
    'oidc_idp_error',
    `The IdP returned an error instead of signing the user in: ${error}${description ? ` (${description})` : ''}.`,
    fix,
    { error, errorDescription: description ?? null, errorUri: uri ?? null },
  );
}

// ── the token request and the ID token ──────────────────────────────────────
export interface GrantContext {
  hits: HttpHit[];
  server: client.ServerMetadata;
  clientId: string;
  authMethod: string;
  redirectUri: string;
  nowSeconds: number;
}

export function grantFailure(err: unknown, ctx: GrantContext): OidcError {
  const { server, hits } = ctx;
  const token = hitFor(hits, server.token_endpoint);
  const tokenEndpoint = server.token_endpoint ?? '(none)';

  if (err instanceof client.ResponseBodyError) {
    return tokenRefused(ctx, err.status, err.error, err.error_description);
  }
  if (err instanceof client.WWWAuthenticateChallengeError) {
    const p = err.cause[0]?.parameters ?? {};
    return tokenRefused(ctx, err.status, p.error ?? 'invalid_client', p.error_description);
  }
  const net = networkReason(err);
  if (net && (!token || token.status === null)) {
    return new OidcError(
      'oidc_token_exchange_failed',
      `Portico could not reach the IdP's token endpoint ${tokenEndpoint}: ${net}.`,
      'Check that the IdP is reachable from the Portico server (DNS, firewall, proxy, TLS certificate), then sign in again.',
      { tokenEndpoint, network: net },
    );
  }
  const { code, message, cause } = oauthCode(err);
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && cause?.claim === 'nonce') {
    const claims = cause.claims as Record<string, unknown> | undefined;
    return claims?.nonce === undefined
      ? new OidcError(
          'oidc_nonce_mismatch',
          'The ID token carries no nonce, although Portico sent one: the IdP ignores the nonce parameter.',
          'Configure the IdP application to include the nonce in ID tokens (OpenID Connect Core §3.1.2.1); most IdPs do so by default.',
        )
      : new OidcError(
          'oidc_nonce_mismatch',
          "The ID token's nonce does not match the one Portico sent for this sign-in: the token belongs to another sign-in attempt or was replayed.",
          'Start the sign-in again.',
        );
  }
  if (!token) {
    return new OidcError(
      'oidc_idp_error',
      `The callback could not be processed: ${message ?? (err instanceof Error ? err.message : String(err))}.`,
      `Check that the IdP application uses the authorization code flow and returns to ${ctx.redirectUri} with query parameters (response_mode=query).`,
    );
  }
  if (token.status !== 200) {
    return new OidcError(
      'oidc_token_exchange_failed',
      `The IdP's token endpoint ${tokenEndpoint} answered HTTP ${token.status ?? '(no response)'} without a usable OAuth error (${message ?? 'unreadable response'}).`,
      "Check the IdP's status and logs; if it persists, check that the discovery URL belongs to this IdP.",
      { tokenEndpoint, status: token.status },
    );
  }
  const jwks = hitFor(hits, server.jwks_uri);
  if (jwks && jwks.status !== 200) {
    return idTokenInvalid(
      `Portico could not fetch the IdP's signing keys: ${server.jwks_uri} answered HTTP ${jwks.status ?? '(no response)'}${net ? ` (${net})` : ''}.`,
      'Check that the jwks_uri of the discovery document is reachable from the Portico server.',
      { jwksUri: server.jwks_uri ?? null, status: jwks.status },
    );
  }
  const isIdToken =
    code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' ||
    code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' ||
    code === 'OAUTH_KEY_SELECTION_FAILED' ||
    /JWT|JWS|ID Token|id_token/.test(message ?? '');
  if (isIdToken) return idTokenFailure(message ?? '', cause, ctx);
  return new OidcError(
    'oidc_token_exchange_failed',
    `The IdP's token response could not be used: ${message ?? (err instanceof Error ? err.message : String(err))}.`,
    'Check that the IdP application is an OpenID Connect web application using the authorization code flow.',
    { tokenEndpoint },
  );
}

function tokenRefused(ctx: GrantContext, status: number, error: string, description: string | undefined) {
  const e = idpText(error, 100) ?? 'error';
  const d = idpText(description);
  const what = `The IdP's token endpoint refused the authorization code exchange: HTTP ${status} ${e}${d ? ` (${d})` : ''}.`;
  const fix =
    e === 'invalid_client' || e === 'unauthorized_client'
      ? `Check the connection's client id and client secret against the IdP application; the secret may have expired or been rotated. Portico authenticates with ${ctx.authMethod}.`
      : e === 'invalid_grant'
        ? `The code expired, was already used, or the redirect URI or PKCE verifier does not match. Start the sign-in again; if it persists, check that the IdP application's redirect URI is exactly ${ctx.redirectUri}.`
        : "Look the error up in the IdP's documentation or logs.";
  return new OidcError('oidc_token_exchange_failed', what, fix, {
    tokenEndpoint: ctx.server.token_endpoint ?? null,
    status,
    error: e,
    errorDescription: d ?? null,
  });
}

const idTokenInvalid = (reason: string, fix: string, extra: Record<string, unknown> = {}) =>
  new OidcError('oidc_id_token_invalid', reason, fix, extra);

const iso = (s: unknown) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : String(s));

function idTokenFailure(message: string, cause: Record<string, unknown> | undefined, ctx: GrantContext) {
  const claims = (cause?.claims ?? {}) as Record<string, unknown>;
  const header = (cause?.header ?? {}) as Record<string, unknown>;
  const claim = cause?.claim;
  const clock = `Portico's clock reads ${iso(ctx.nowSeconds)}`;
  const clockFix = 'Check that the clocks of the Portico server and of the IdP are synchronised (NTP).';
  if (claim === 'iss') {
    return idTokenInvalid(
      `The ID token was issued by ${String(claims.iss)}, but this connection's IdP is ${String(cause?.expected)}.`,
      'Use the discovery URL of the IdP (and tenant) that actually issues these tokens.',
      { claim: 'iss', actual: String(claims.iss), expected: String(cause?.expected) },
    );
  }
  if (claim === 'aud' || claim === 'azp') {
    const actual = claim === 'aud' ? claims.aud : claims.azp;
    return idTokenInvalid(
      `The ID token is meant for ${JSON.stringify(actual)} (${claim}), not for this connection's client id ${ctx.clientId}.`,
      "Make the connection's client id match the IdP application that signs users in.",
      { claim, actual: JSON.stringify(actual), expected: ctx.clientId },
    );
  }
  if (claim === 'exp') {
    return idTokenInvalid(
      `The ID token expired at ${iso(claims.exp)}; ${clock}.`,
      `${clockFix} Then sign in again.`,
      { claim, exp: iso(claims.exp), now: iso(ctx.nowSeconds) },
    );
  }
  if (claim === 'iat' || claim === 'nbf' || claim === 'auth_time') {
    return idTokenInvalid(
      `The ID token's ${claim} (${iso(claims[claim])}) is outside the accepted window; ${clock}.`,
      clockFix,
      { claim, value: iso(claims[claim]), now: iso(ctx.nowSeconds) },
    );
  }
  if (message.includes('signature verification failed')) {
    return idTokenInvalid(
      `The ID token's signature does not verify with the keys the IdP publishes at ${ctx.server.jwks_uri}.`,
      "The token was altered, or the IdP signs with a key it does not publish: check the IdP's signing-key configuration (or the discovery URL, if it belongs to another IdP).",
      { jwksUri: ctx.server.jwks_uri ?? null },
    );
  }
  if (message.includes('verification key')) {
    return idTokenInvalid(
      `No key in the IdP's key set (${ctx.server.jwks_uri}) matches the ID token (kid ${String(header.kid ?? '(none)')}, alg ${String(header.alg)}).`,
      "The IdP may have rotated its signing key and not yet published it; try again shortly, and check the IdP's signing-key configuration.",
      { kid: header.kid ?? null, alg: header.alg ?? null },
    );
  }
  if (message.includes('unsupported JWS algorithm')) {
    const alg = (cause as { alg?: unknown } | undefined)?.alg;
    return idTokenInvalid(
      `The ID token is signed with ${String(alg ?? 'an unsupported algorithm')}; Portico accepts ID tokens signed with the IdP's published asymmetric keys only (HS* shared-secret signatures are not accepted).`,
      'Configure the IdP application to sign ID tokens with RS256 (or ES256).',
      { alg: alg ?? null },
    );
  }
  if (message.includes('"alg"')) {
    return idTokenInvalid(
      `The ID token is signed with ${String(header.alg)}, which is not an accepted algorithm (${JSON.stringify(cause?.expected ?? 'RS256')}).`,
      'Configure the IdP application to sign ID tokens with RS256 (or another asymmetric algorithm it lists in id_token_signing_alg_values_supported).',
      { alg: header.alg ?? null },
    );
  }
  if (message.includes('"id_token"')) {
    return idTokenInvalid(
      'The token response has no ID token: the IdP did not treat the request as an OpenID Connect sign-in.',
      'Make sure the IdP application is an OpenID Connect application and allows the openid scope.',
    );
  }
  return idTokenInvalid(
    `The ID token is invalid: ${message}.`,
    "Check the IdP application's ID-token settings (signing algorithm, audience, claims).",
  );
}

// ── userinfo ────────────────────────────────────────────────────────────────
export function userinfoFailure(err: unknown, server: client.ServerMetadata, hits: HttpHit[]): OidcError {
  const endpoint = server.userinfo_endpoint ?? '(none)';
  const hit = hitFor(hits, server.userinfo_endpoint);
  const base = { userinfoEndpoint: endpoint, status: hit?.status ?? null };
  if (err instanceof client.WWWAuthenticateChallengeError) {
    const p = err.cause[0]?.parameters ?? {};
    const e = idpText(p.error, 100) ?? 'invalid_token';
    const d = idpText(p.error_description);
    return new OidcError(
      'oidc_userinfo_failed',
      `The IdP's userinfo endpoint refused Portico's access token: HTTP ${err.status} ${e}${d ? ` (${d})` : ''}.`,
      'Allow this IdP application to call the userinfo endpoint (the openid scope), then sign in again.',
      { ...base, error: e, errorDescription: d ?? null },
    );
  }
  const net = networkReason(err);
  if (net && (!hit || hit.status === null)) {
    return new OidcError(
      'oidc_userinfo_failed',
      `Portico could not reach the IdP's userinfo endpoint ${endpoint}: ${net}.`,
      'Check that the IdP is reachable from the Portico server, then sign in again.',
      { ...base, network: net },
    );
  }
  const { code, message } = oauthCode(err);
  if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return new OidcError(
      'oidc_userinfo_failed',
      "The userinfo endpoint describes a different user (sub) than the ID token: the IdP's responses do not belong together.",
      'Sign in again; if it persists, report it to the IdP administrator, since it points at a misbehaving IdP.',
      base,
    );
  }
  if (hit && hit.status !== 200) {
    return new OidcError(
      'oidc_userinfo_failed',
      `The IdP's userinfo endpoint ${endpoint} answered HTTP ${hit.status}.`,
      "Try again; if it persists, check the IdP's status and logs.",
      base,
    );
  }
  return new OidcError(
    'oidc_userinfo_failed',
    `The IdP's userinfo response could not be used: ${message ?? (err instanceof Error ? err.message : String(err))}.`,
    'Configure the IdP application to return userinfo as plain JSON (not a signed or encrypted JWT).',
    base,
  );
}
