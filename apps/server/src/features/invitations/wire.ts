/** WorkOS Invitation wire shape and request bodies (User Management, Invitations). */
import { z } from 'zod';
import type { InvitationTable } from '../../platform/schema.ts';
import { email } from '../users/wire.ts';

export const InvitationState = z.enum(['pending', 'accepted', 'expired', 'revoked']);
export type InvitationState = z.infer<typeof InvitationState>;

export const InvitationWire = z.object({
  object: z.literal('invitation'),
  id: z.string(),
  email: z.string(),
  state: InvitationState,
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  expires_at: z.string(),
  organization_id: z.string().nullable(),
  inviter_user_id: z.string().nullable(),
  accepted_user_id: z.string().nullable(),
  role_slug: z.string().nullable(),
  token: z.string(),
  accept_invitation_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type InvitationWire = z.infer<typeof InvitationWire>;

/** The stored state, with `expired` for a pending invitation past its `expires_at`. */
export function stateOf(row: Pick<InvitationTable, 'state' | 'expires_at'>, now: Date): InvitationState {
  if (row.state === 'pending' && row.expires_at <= now.toISOString()) return 'expired';
  return row.state as InvitationState;
}

/** Where the invited person goes: the hosted invitation page. */
export function acceptUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/authkit/invite?invitation_token=${encodeURIComponent(token)}`;
}

export function invitationToWire(
  row: InvitationTable,
  token: string,
  publicUrl: string,
  now: Date,
): InvitationWire {
  return {
    object: 'invitation',
    id: row.id,
    email: row.email,
    state: stateOf(row, now),
    accepted_at: row.accepted_at,
    revoked_at: row.revoked_at,
    expires_at: row.expires_at,
    organization_id: row.organization_id,
    inviter_user_id: row.inviter_user_id,
    accepted_user_id: row.accepted_user_id,
    role_slug: row.role_slug,
    token,
    accept_invitation_url: acceptUrl(publicUrl, token),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Event payloads omit the secret: `token` and `accept_invitation_url`. */
export function invitationEventData(w: InvitationWire) {
  const { token: _token, accept_invitation_url: _url, ...rest } = w;
  return rest;
}

export const SendInvitationBody = z.object({
  email,
  organization_id: z.string().min(1).optional(),
  // The 1–30 range is checked by the service: WorkOS answers 400 expires_in_days_too_short / _too_long.
  expires_in_days: z.number().int().optional(),
  inviter_user_id: z.string().min(1).optional(),
  role_slug: z.string().min(1).max(100).optional(),
  locale: z.string().min(2).max(35).optional(),
});

export const ResendInvitationBody = z.object({
  locale: z.string().min(2).max(35).optional(),
});
