/** The opt-in to platform audit events (a Portico extension; docs/audit-logs.md#platform-events). */
import { z } from 'zod';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { PlatformAuditService } from './platform.ts';

const PlatformSettingsWire = z.object({
  object: z.literal('audit_log_platform_events'),
  enabled: z.boolean(),
  enabled_at: z.string().nullable(),
  recorded_events: z.array(z.string()),
});

export function platformAuditRoutes(api: ApiSurface, platform: PlatformAuditService) {
  api.route({
    method: 'get',
    path: '/audit_logs/platform_events',
    summary: 'Whether Portico records its own audit events (sessions, memberships, SSO, directories…)',
    response: PlatformSettingsWire,
    handler: ({ env }) => platform.get(env.environmentId),
  });
  api.route({
    method: 'put',
    path: '/audit_logs/platform_events',
    summary: 'Turn platform audit events on or off for this environment (on: from now on)',
    body: z.object({
      enabled: z.boolean({ message: 'enabled is true (record platform audit events from now on) or false' }),
    }),
    response: PlatformSettingsWire,
    handler: ({ env, body }) => platform.set(env.environmentId, body.enabled),
  });
}
