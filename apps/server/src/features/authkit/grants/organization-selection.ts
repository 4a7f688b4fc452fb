/**
 * `urn:workos:oauth:grant-type:organization-selection`: the organization the user chose after a
 * sign-in stopped at `organization_selection_required`, with that answer's token.
 */
import { z } from 'zod';
import { defineGrant, grantCommon } from './grant.ts';

export const organizationSelectionGrant = defineGrant({
  type: 'urn:workos:oauth:grant-type:organization-selection',
  body: z.object({
    grant_type: z.literal('urn:workos:oauth:grant-type:organization-selection'),
    ...grantCommon,
    organization_id: z.string().min(1).max(128),
    pending_authentication_token: z.string().min(1).max(512),
  }),
  async handle(b, { client, services }) {
    const pending = await services.pendings.byToken(
      client.id,
      b.pending_authentication_token,
      'organization_selection',
    );
    const identity = await services.organizations.choose(pending, b.organization_id);
    const r = await services.pipeline.resume(pending, identity, { client });
    return r.response!;
  },
});
