/** `refresh_token`: rotates a refresh token (optionally switching the session's organization). */
import { z } from 'zod';
import { defineGrant, grantCommon } from './grant.ts';

export const refreshTokenGrant = defineGrant({
  type: 'refresh_token',
  body: z.object({
    grant_type: z.literal('refresh_token'),
    ...grantCommon,
    refresh_token: z.string().min(1).max(512),
    organization_id: z.string().min(1).optional(),
  }),
  handle: (b, { client, services }) =>
    services.sessions.refresh(client.id, client.clientId, b.refresh_token, b.organization_id),
});
