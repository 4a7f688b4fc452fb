/** `urn:workos:oauth:grant-type:magic-auth:code`: the code emailed by createMagicAuth. */
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
    const { identity, consume } = await services.magicAuth.check(
      client.id,
      b.email,
      b.code,
      callerMeta(c, b),
    );
    return services.pipeline.completeWithSession(identity, client, {
      alongside: consume,
      invitation: b.invitation_token ? { token: b.invitation_token } : undefined,
    });
  },
});
