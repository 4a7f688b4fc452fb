/**
 * `urn:workos:oauth:grant-type:mfa-totp` (`authenticateWithTotp`): finishes a sign-in that
 * stopped at `mfa_challenge` (or at `mfa_enrollment`, once the app enrolled a factor with
 * createUserAuthFactor) with a challenge of one of the user's TOTP factors and the code the
 * authenticator shows.
 */
import { z } from 'zod';
import { callerMeta, defineGrant, grantCommon } from './grant.ts';

export const mfaTotpGrant = defineGrant({
  type: 'urn:workos:oauth:grant-type:mfa-totp',
  body: z.object({
    grant_type: z.literal('urn:workos:oauth:grant-type:mfa-totp'),
    ...grantCommon,
    code: z.string().min(1).max(32),
    pending_authentication_token: z.string().min(1).max(512),
    authentication_challenge_id: z.string().min(1).max(128),
  }),
  async handle(b, { client, c, services }) {
    const pending = await services.pendings.byToken(client.id, b.pending_authentication_token, [
      'mfa_challenge',
      'mfa_enrollment',
    ]);
    const consume = await services.mfa.checkForSignIn(
      client.id,
      pending.row.user_id,
      b.authentication_challenge_id,
      b.code,
      callerMeta(c, b),
    );
    const r = await services.pipeline.resume(
      pending,
      { ...pending.identity, mfaVerified: true },
      { client, alongside: consume },
    );
    return r.response!;
  },
});
