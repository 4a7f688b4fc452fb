/**
 * `urn:workos:oauth:grant-type:magic-auth:code`: the code emailed by createMagicAuth. With
 * `link_authorization_code` (from a social sign-in refused for an unverified email), proving the
 * address also links that social account to the user.
 */
import { z } from 'zod';
import { callerMeta, defineGrant, grantCommon } from './grant.ts';

export const magicAuthGrant = defineGrant({
  type: 'urn:workos:oauth:grant-type:magic-auth:code',
  body: z.object({
    grant_type: z.literal('urn:workos:oauth:grant-type:magic-auth:code'),
    ...grantCommon,
    code: z.string().min(1).max(32),
    email: z.string().min(1).max(320),
    invitation_token: z.string().optional(),
    link_authorization_code: z.string().optional(),
  }),
  async handle(b, { client, c, services }) {
    // A social sign-in refused for an unverified email gave the app this code: checked before the
    // Magic Auth code is spent, consumed (and the identity linked) in the sign-in's transaction.
    const link = b.link_authorization_code
      ? await services.oauth.checkLink(client.id, b.link_authorization_code)
      : null;
    const { identity, consume } = await services.magicAuth.check(
      client.id,
      b.email,
      b.code,
      callerMeta(c, b),
    );
    return services.pipeline.completeWithSession(identity, client, {
      alongside: consume,
      onUser: link ? (tx, user) => link(tx, user.id) : undefined,
      invitation: b.invitation_token ? { token: b.invitation_token } : undefined,
    });
  },
});
