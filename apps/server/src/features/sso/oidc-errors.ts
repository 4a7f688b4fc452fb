/**
 * Errors and trace steps of the OIDC relying party (oidc.ts).
 *
 * Every failure is an `OidcError` (shaped like packages/saml's `SamlError`) with a stable code, a
 * message that names the cause, a `fix` that says what to change, and `details` (always `details.steps`: the trace up to the failure).
 * Invariant: no token, authorization code, client secret, nonce, state or PKCE verifier is ever
 * copied into a message, a step or `details` — openid-client's error causes carry response bodies
 * and JWT signing input, so they are read field by field here and never attached.
 */

export type OidcErrorCode =
  | 'oidc_discovery_failed'
  | 'oidc_state_mismatch'
  | 'oidc_idp_error'
  | 'oidc_token_exchange_failed'
  | 'oidc_id_token_invalid'
  | 'oidc_nonce_mismatch'
  | 'oidc_email_missing'
  | 'oidc_email_unverified'
  | 'oidc_userinfo_failed';

/** One step of an SSO attempt, for the tracer (STYLE item 8). */
export interface TraceStep {
  step: string;
  ok: boolean;
  detail?: string;
  /** Wall time the step took, in milliseconds (network steps only). */
  ms?: number;
}

export class OidcError extends Error {
  override readonly name = 'OidcError';
  constructor(
    readonly code: OidcErrorCode,
    /** What went wrong, precisely (the cause, never a secret). */
    message: string,
    /** What to do about it. */
    readonly fix: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON() {
    return { name: this.name, code: this.code, message: this.message, fix: this.fix, details: this.details };
  }
}

/** IdP-supplied text is untrusted: cap it and strip control characters before it reaches a trace. */
export function idpText(value: unknown, max = 300): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** The chain `err`, `err.cause`, `err.cause.cause`… (openid-client wraps oauth4webapi's errors). */
export function causeChain(err: unknown): Error[] {
  const out: Error[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 6) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

/** The first `code` (oauth4webapi's OAUTH_* codes) found along the cause chain, and its message. */
export function oauthCode(err: unknown): {
  code?: string;
  message?: string;
  cause?: Record<string, unknown>;
} {
  for (const e of causeChain(err).reverse()) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('OAUTH_')) {
      const c = e.cause;
      const cause =
        c && typeof c === 'object' && !(c instanceof Error) ? (c as Record<string, unknown>) : undefined;
      return { code, message: e.message, cause };
    }
  }
  return {};
}

/** A network-level reason: `ECONNREFUSED`, `ENOTFOUND`, a timeout… or undefined. */
export function networkReason(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'the request timed out';
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /^(E[A-Z_]+|UND_ERR_[A-Z_]+|ERR_TLS[A-Z_]*|[A-Z_]*CERT[A-Z_]*)$/.test(code)
    ) {
      return `${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''}`;
    }
  }
  // fetch's own "fetch failed", and Portico's SSRF-safe fetch's "fetch failed: <cause>".
  for (const e of causeChain(err)) {
    if (!(e instanceof TypeError) || !e.message.startsWith('fetch failed')) continue;
    const detail = idpText(e.message.slice('fetch failed'.length).replace(/^:\s*/, ''));
    return detail ? `the connection failed (${detail})` : 'the connection failed';
  }
  return undefined;
}
