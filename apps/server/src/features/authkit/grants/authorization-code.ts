/** `authorization_code`: redeems the code a browser sign-in minted (hosted page, SSO). */
import { z } from 'zod';
import { defineGrant, grantCommon } from './grant.ts';

export const authorizationCodeGrant = defineGrant({
  type: 'authorization_code',
  body: z.object({
    grant_type: z.literal('authorization_code'),
    ...grantCommon,
    code: z.string().min(1).max(512),
    code_verifier: z.string().min(43).max(128).optional(),
    invitation_token: z.string().optional(),
  }),
  // Only what the app's server forwards describes the person; the token request's own address is
  // the app server's, so the hosted page's captured values are kept otherwise.
  handle: (b, { client, services }) =>
    services.codes.redeem(
      client,
      b.code,
      b.code_verifier,
      client.confidential,
      { ip: b.ip_address ?? null, userAgent: b.user_agent ?? null },
      b.invitation_token,
    ),
});
