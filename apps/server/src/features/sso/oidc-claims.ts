/**
 * ID-token claims + userinfo → Portico's OIDC profile (OpenID Connect Core 1.0 §5.1 standard claims).
 *
 * - `sub` comes from the ID token only (openid-client already refused a userinfo `sub` that differs).
 * - Every other field: the ID token wins, userinfo fills what it lacks.
 * - `email` and `email_verified` travel as a pair: a userinfo `email_verified` is used for the ID
 *   token's email only when userinfo reports the same address. `"true"`/`"false"` strings (sent
 *   by some IdPs) count as booleans; anything else is "not stated" (null).
 * - Names: `given_name`/`family_name`, else split from `name` ("Ada Lovelace", "Lovelace, Ada").
 * - `groups`: an array (non-strings dropped) or a single string.
 * - `raw` never holds a token: `_claim_sources` (distributed claims carry access tokens), the
 *   token hashes and the nonce are removed.
 */

export interface OidcProfile {
  /** The ID token's `sub`. */
  idpId: string;
  email: string;
  emailVerified: boolean | null;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  groups: string[];
  /** Merged ID-token claims and userinfo (ID token wins), without tokens. */
  raw: Record<string, unknown>;
}

export type Claims = Record<string, unknown>;

const DROPPED = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  '_claim_sources',
  '_claim_names',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
]);

export function redactClaims(claims: Claims): Claims {
  const out: Claims = {};
  for (const [k, v] of Object.entries(claims)) if (!DROPPED.has(k)) out[k] = v;
  return out;
}

export function mergeClaims(idToken: Claims, userinfo: Claims | null): Claims {
  return { ...redactClaims(userinfo ?? {}), ...redactClaims(idToken) };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function asBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return null;
}

const looksLikeEmail = (v: string) => /^[^\s@]+@[^\s@]+$/.test(v);

export interface EmailPick {
  email: string | null;
  verified: boolean | null;
  source: 'id_token' | 'userinfo' | null;
}

export function pickEmail(idToken: Claims, userinfo: Claims | null): EmailPick {
  const idEmail = str(idToken.email);
  const uiEmail = str(userinfo?.email);
  if (idEmail && looksLikeEmail(idEmail)) {
    let verified = asBoolean(idToken.email_verified);
    if (verified === null && uiEmail && uiEmail.toLowerCase() === idEmail.toLowerCase()) {
      verified = asBoolean(userinfo?.email_verified);
    }
    return { email: idEmail, verified, source: 'id_token' };
  }
  if (uiEmail && looksLikeEmail(uiEmail)) {
    const verified = asBoolean(userinfo?.email_verified) ?? asBoolean(idToken.email_verified);
    return { email: uiEmail, verified, source: 'userinfo' };
  }
  return { email: null, verified: null, source: null };
}

export function splitName(name: string): { first: string | null; last: string | null } {
  const comma = name.indexOf(',');
  if (comma > 0) {
    return { first: str(name.slice(comma + 1)), last: str(name.slice(0, comma)) };
  }
  const parts = name.split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { first: null, last: null };
  return { first: parts[0]!, last: parts.length > 1 ? parts.slice(1).join(' ') : null };
}

export function groupsOf(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((g) =>
      typeof g === 'string' && g !== '' ? [g] : typeof g === 'number' ? [String(g)] : [],
    );
  }
  const s = str(v);
  return s ? [s] : [];
}

/** Builds the profile once the email is known to be acceptable. */
export function toProfile(sub: string, merged: Claims, email: EmailPick & { email: string }): OidcProfile {
  let firstName = str(merged.given_name);
  let lastName = str(merged.family_name);
  const fullName = str(merged.name);
  if (fullName && (!firstName || !lastName)) {
    if (firstName && fullName.startsWith(`${firstName} `)) {
      lastName = str(fullName.slice(firstName.length));
    } else if (lastName && fullName.endsWith(` ${lastName}`)) {
      firstName = str(fullName.slice(0, -lastName.length));
    } else {
      const split = splitName(fullName);
      firstName ??= split.first;
      lastName ??= split.last; // a one-word `name` is a first name only
    }
  }
  const name = fullName ?? ([firstName, lastName].filter(Boolean).join(' ') || null);
  return {
    idpId: sub,
    email: email.email,
    emailVerified: email.verified,
    firstName,
    lastName,
    name,
    groups: groupsOf(merged.groups),
    raw: merged,
  };
}
