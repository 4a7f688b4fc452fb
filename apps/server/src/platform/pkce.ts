/**
 * Authorization codes' shared rules: their lifetime and the one PKCE check (RFC 7636, S256 only),
 * used by AuthKit's authorization_code grant and by the SSO API's /sso/token alike.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './crypto.ts';
import { AppError } from './errors.ts';

/** Codes are single use and live 10 minutes (WorkOS). */
export const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * A code minted with a `code_challenge` needs the matching verifier; one minted without it may be
 * redeemed only by a confidential client (with its API key). `authorizeEndpoint` names where the
 * challenge should have been sent, for the message.
 */
export function checkPkce(p: {
  challenge: string | null;
  verifier: string | undefined;
  confidential: boolean;
  authorizeEndpoint: string;
}) {
  if (p.challenge) {
    if (!p.verifier) {
      throw new AppError('invalid_grant', {
        message: 'This code was issued with a PKCE code_challenge: send the matching code_verifier.',
      });
    }
    const computed = createHash('sha256').update(p.verifier).digest('base64url');
    if (!constantTimeEqual(computed, p.challenge)) {
      throw new AppError('invalid_grant', {
        message: `code_verifier does not match the code_challenge sent to ${p.authorizeEndpoint}.`,
      });
    }
    return;
  }
  if (p.confidential) return;
  if (p.verifier) throw new AppError('code_challenge_not_found');
  throw new AppError('invalid_client', {
    message: `A public client (no client_secret) must use PKCE: send code_challenge to ${p.authorizeEndpoint} and code_verifier here.`,
  });
}
