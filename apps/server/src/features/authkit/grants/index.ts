/**
 * The grants of `POST /user_management/authenticate`, keyed by `grant_type`. Adding a grant is one
 * file beside this one plus a line here; the endpoint, its errors and /openapi.json follow.
 */
import { z } from 'zod';
import { authorizationCodeGrant } from './authorization-code.ts';
import { deviceCodeGrant } from './device-code.ts';
import { emailVerificationGrant } from './email-verification.ts';
import type { Grant } from './grant.ts';
import { magicAuthGrant } from './magic-auth.ts';
import { mfaTotpGrant } from './mfa-totp.ts';
import { organizationSelectionGrant } from './organization-selection.ts';
import { passwordGrant } from './password.ts';
import { refreshTokenGrant } from './refresh-token.ts';

const ALL = [
  authorizationCodeGrant,
  passwordGrant,
  refreshTokenGrant,
  magicAuthGrant,
  emailVerificationGrant,
  organizationSelectionGrant,
  mfaTotpGrant,
  deviceCodeGrant,
] as const;

export const GRANTS: ReadonlyMap<string, Grant> = new Map(ALL.map((g) => [g.type, g as unknown as Grant]));

/** Every grant's body, for the contract (the endpoint validates in two steps: type, then body). */
export const AuthenticateBodies = z.discriminatedUnion(
  'grant_type',
  ALL.map((g) => g.body) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
