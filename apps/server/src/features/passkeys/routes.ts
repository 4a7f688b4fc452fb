/**
 * Passkey management routes. WorkOS's API has no passkey endpoints, so these are Portico's own,
 * next to the user's other factors: `GET /user_management/users/{id}/passkeys` and
 * `DELETE /user_management/users/{id}/passkeys/{passkey_id}` (API key or the dashboard session,
 * scoped to the caller's environment), and the dashboard's `GET|PUT /_admin/passkey_settings`
 * (enabled, relying-party id, allowed origins).
 */
import { z } from 'zod';
import { listOf, listSchema } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AdminEnv } from '../admin/routes.ts';
import type { UserService } from '../users/service.ts';
import { type PasskeyService, type PasskeySettings, passkeyToWire } from './service.ts';

const Id = z.string().min(1).max(128);

export const PasskeyWire = z.object({
  object: z.literal('passkey'),
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  credential_id: z.string(),
  device_type: z.enum(['singleDevice', 'multiDevice']),
  backed_up: z.boolean(),
  transports: z.array(z.string()),
  sign_count: z.number(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});

const SettingsWire = z.object({ enabled: z.boolean(), rp_id: z.string(), origins: z.array(z.string()) });
const SettingsBody = z.object({
  enabled: z.boolean().optional(),
  rp_id: z.string().trim().toLowerCase().max(253).nullable().optional(),
  origins: z.array(z.string().trim().max(300)).max(20).nullable().optional(),
});
const settingsToWire = (s: PasskeySettings) => ({ enabled: s.enabled, rp_id: s.rpId, origins: s.origins });

export function passkeyRoutes(api: ApiSurface, passkeys: PasskeyService, users: UserService) {
  api.route({
    method: 'get',
    path: '/user_management/users/:id/passkeys',
    summary: 'List a user’s passkeys (Portico extension: public metadata only, no key material)',
    params: z.object({ id: Id }),
    response: listSchema(PasskeyWire),
    handler: async ({ env, params }) => {
      const user = await users.get(env.environmentId, params.id);
      const rows = await passkeys.list(env.environmentId, user.id);
      return listOf(rows.map(passkeyToWire), { before: null, after: null });
    },
  });
  api.route({
    method: 'delete',
    path: '/user_management/users/:id/passkeys/:passkey_id',
    summary: 'Delete one of a user’s passkeys (Portico extension)',
    params: z.object({ id: Id, passkey_id: Id }),
    handler: async ({ env, params, c }) => {
      await passkeys.delete(env.environmentId, params.id, params.passkey_id);
      return c.body(null, 204);
    },
  });
}

export function passkeyAdminRoutes(surface: JsonSurface<AdminEnv>, passkeys: PasskeyService) {
  surface.route({
    method: 'get',
    path: '/_admin/passkey_settings',
    summary: 'Passkeys of the environment: on or off, the WebAuthn relying-party id and allowed origins',
    response: SettingsWire,
    handler: async ({ env }) => settingsToWire(await passkeys.settings(env.environmentId)),
  });
  surface.route({
    method: 'put',
    path: '/_admin/passkey_settings',
    summary: 'Turn passkeys on or off, set the RP id and allowed origins (null: back to the public URL’s)',
    body: SettingsBody,
    response: SettingsWire,
    handler: async ({ env, body }) => settingsToWire(await passkeys.setSettings(env.environmentId, body)),
  });
}
