/**
 * The Multi-Factor Auth API's objects as WorkOS sends them (API reference "Authentication
 * Factor", "Authentication Challenge"): the TOTP secret, URI and QR code only in the enrollment
 * answer; a challenge's `code` only for generic_otp, only at creation.
 */
import { z } from 'zod';
import type { AuthChallengeTable, AuthFactorTable } from '../../platform/schema.ts';

export const FactorWire = z.object({
  object: z.literal('authentication_factor'),
  id: z.string(),
  type: z.enum(['totp', 'sms', 'generic_otp']),
  user_id: z.string().optional(),
  totp: z
    .object({
      issuer: z.string(),
      user: z.string(),
      qr_code: z.string().optional(),
      secret: z.string().optional(),
      uri: z.string().optional(),
    })
    .optional(),
  sms: z.object({ phone_number: z.string() }).optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type FactorWire = z.infer<typeof FactorWire>;

export const ChallengeWire = z.object({
  object: z.literal('authentication_challenge'),
  id: z.string(),
  authentication_factor_id: z.string(),
  expires_at: z.string(),
  code: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ChallengeWire = z.infer<typeof ChallengeWire>;

export function factorToWire(
  row: AuthFactorTable,
  secrets?: { secret: string; uri: string; qr_code: string },
): FactorWire {
  return {
    object: 'authentication_factor',
    id: row.id,
    type: row.type,
    ...(row.user_id ? { user_id: row.user_id } : {}),
    ...(row.type === 'totp'
      ? { totp: { issuer: row.totp_issuer ?? '', user: row.totp_user ?? '', ...secrets } }
      : {}),
    ...(row.type === 'sms' ? { sms: { phone_number: row.phone_number ?? '' } } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function challengeToWire(row: AuthChallengeTable, code?: string): ChallengeWire {
  return {
    object: 'authentication_challenge',
    id: row.id,
    authentication_factor_id: row.factor_id,
    expires_at: row.expires_at,
    ...(code ? { code } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
