/**
 * The Admin Portal's log stream pages' JSON API (`/portal/api/log_streams…`, intent
 * `log_streams`): the IT admin lists their organization's streams with their delivery status,
 * creates one (destination, settings, secret), sends a test event, pauses or resumes one and
 * deletes one. The rules are
 * the stream service's (features/audit-logs/streams/service.ts); here every call is pinned to the
 * session's environment and organization, so another organization's stream id answers 404.
 */
import { z } from 'zod';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AuditLogStreamService } from '../audit-logs/streams/service.ts';
import { CreateStreamBody, UpdateStreamBody } from '../audit-logs/streams/wire.ts';
import type { PortalSession } from './links.ts';
import type { PortalIntent } from './wire.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });

export function portalLogStreamRoutes(
  portal: JsonSurface<PortalSession>,
  streams: AuditLogStreamService,
  need: (s: PortalSession, ...intents: PortalIntent[]) => void,
) {
  portal.route({
    method: 'get',
    path: '/portal/api/log_streams',
    summary: 'Admin Portal: the organization’s log streams and their delivery status',
    handler: async ({ env: s }) => {
      need(s, 'log_streams');
      return { data: await streams.list(s.environmentId, s.organizationId) };
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/log_streams',
    summary: 'Admin Portal: create a log stream to the organization’s SIEM or bucket',
    body: CreateStreamBody.omit({ organization_id: true }),
    status: 201,
    handler: async ({ env: s, body }) => {
      need(s, 'log_streams');
      return streams.create(s.environmentId, { ...body, organization_id: s.organizationId });
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/log_streams/:id/test',
    summary: 'Admin Portal: send a test event to a log stream’s destination',
    params: idParam,
    body: z.object({}).passthrough(),
    handler: async ({ env: s, params }) => {
      need(s, 'log_streams');
      return streams.test(s.environmentId, params.id, s.organizationId);
    },
  });
  portal.route({
    method: 'patch',
    path: '/portal/api/log_streams/:id',
    summary: 'Admin Portal: pause or resume a log stream (resuming retries a failing one at once)',
    params: idParam,
    body: UpdateStreamBody.pick({ state: true }),
    handler: async ({ env: s, params, body }) => {
      need(s, 'log_streams');
      return streams.update(s.environmentId, params.id, body, s.organizationId);
    },
  });
  portal.route({
    method: 'delete',
    path: '/portal/api/log_streams/:id',
    summary: 'Admin Portal: delete a log stream',
    params: idParam,
    handler: async ({ env: s, params, c }) => {
      need(s, 'log_streams');
      await streams.delete(s.environmentId, params.id, s.organizationId);
      return c.body(null, 204);
    },
  });
}
