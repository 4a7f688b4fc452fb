/** WorkOS Session wire shape (reference §7). */
import { z } from 'zod';
import type { SessionTable } from '../../platform/schema.ts';

export const SessionWire = z.object({
  object: z.literal('session'),
  id: z.string(),
  user_id: z.string(),
  organization_id: z.string().optional(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  impersonator: z.object({ email: z.string(), reason: z.string().nullable() }).optional(),
  auth_method: z.string(),
  status: z.enum(['active', 'expired', 'revoked']),
  expires_at: z.string(),
  ended_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export function sessionToWire(s: SessionTable): z.infer<typeof SessionWire> {
  return {
    object: 'session',
    id: s.id,
    user_id: s.user_id,
    ...(s.organization_id ? { organization_id: s.organization_id } : {}),
    ip_address: s.ip_address,
    user_agent: s.user_agent,
    ...(s.impersonator_email
      ? { impersonator: { email: s.impersonator_email, reason: s.impersonator_reason } }
      : {}),
    auth_method: s.auth_method,
    status: s.status as 'active' | 'expired' | 'revoked',
    expires_at: s.expires_at,
    ended_at: s.ended_at,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}
