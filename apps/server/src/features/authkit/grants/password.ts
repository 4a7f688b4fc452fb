/** `password`: the email and password of an AuthKit user, checked from the app's server. */
import { z } from 'zod';
import { AppError } from '../../../platform/errors.ts';
import { callerMeta, defineGrant, grantCommon } from './grant.ts';

export const passwordGrant = defineGrant({
  type: 'password',
  body: z.object({
    grant_type: z.literal('password'),
    ...grantCommon,
    email: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    invitation_token: z.string().optional(),
  }),
  async handle(b, { client, c, services }) {
    if (!client.confidential) {
      throw new AppError('invalid_client', {
        message: 'The password grant needs client_secret: call it from your server with an API key.',
      });
    }
    const identity = await services.password.verify(client.id, b.email, b.password, callerMeta(c, b));
    return services.pipeline.completeWithSession(identity, client, {
      invitation: b.invitation_token ? { token: b.invitation_token } : undefined,
    });
  },
});
