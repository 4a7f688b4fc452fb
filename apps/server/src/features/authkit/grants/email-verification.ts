/**
 * `urn:workos:oauth:grant-type:email-verification:code`: the code emailed when a sign-in stopped at
 * `email_verification_required`, with that answer's pending_authentication_token.
 */
import { z } from 'zod';
import { defineGrant, grantCommon } from './grant.ts';

export const emailVerificationGrant = defineGrant({
  type: 'urn:workos:oauth:grant-type:email-verification:code',
  body: z.object({
    grant_type: z.literal('urn:workos:oauth:grant-type:email-verification:code'),
    ...grantCommon,
    code: z.string().min(1).max(32),
    pending_authentication_token: z.string().min(1).max(512),
  }),
  async handle(b, { client, services }) {
    const pending = await services.pendings.byToken(
      client.id,
      b.pending_authentication_token,
      'email_verification',
    );
    const verify = await services.verifications.check(client.id, pending.row.user_id, b.code);
    const r = await services.pipeline.resume(pending, pending.identity, { client, alongside: verify });
    return r.response!;
  },
});
