/**
 * The dashboard's Audit Logs viewer (`/_admin/audit_logs/…`, docs/audit-logs.md "Viewer"): one
 * organization's events, filtered and paged from the server, one event's detail, and an export of
 * the current filters. Dashboard session + CSRF only, like the other `/_admin` routes; every query
 * names the session's environment and the organization asked for (404 for another's ids).
 */
import { z } from 'zod';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AuditExportService } from '../audit-logs/exports.ts';
import {
  type AuditLogViewer,
  ONE_CURSOR,
  oneCursor,
  ViewerEventDetailWire,
  ViewerFilters,
  ViewerListWire,
  ViewerQueryShape,
} from '../audit-logs/query.ts';
import { AuditLogExportWire } from '../audit-logs/wire.ts';
import type { AdminEnv } from './routes.ts';

const org = z.object({
  organization_id: z
    .string({ error: 'organization_id is required: the organization whose events to show' })
    .min(1)
    .max(128),
});
const idParam = z.object({ id: z.string().min(1).max(128) });

export function auditLogAdminRoutes(
  surface: JsonSurface<AdminEnv>,
  viewer: AuditLogViewer,
  exports: AuditExportService,
) {
  surface.route({
    method: 'get',
    path: '/_admin/audit_logs/events',
    summary: 'An organization’s audit log events, newest first, filtered and paged by seq (dashboard)',
    query: ViewerQueryShape.extend(org.shape).refine(oneCursor, ONE_CURSOR),
    response: ViewerListWire,
    handler: ({ env, query }) => viewer.list(env.environmentId, query.organization_id, query),
  });
  surface.route({
    method: 'get',
    path: '/_admin/audit_logs/events/:id',
    summary: 'One audit log event of an organization, with its place in the hash chain (dashboard)',
    params: idParam,
    query: org,
    response: ViewerEventDetailWire,
    handler: async ({ env, params, query }) => {
      await viewer.organization(env.environmentId, query.organization_id);
      return viewer.get(env.environmentId, query.organization_id, params.id);
    },
  });
  surface.route({
    method: 'post',
    path: '/_admin/audit_logs/exports',
    summary: 'Export the events the viewer’s filters select (dashboard)',
    body: ViewerFilters.extend(org.shape),
    status: 201,
    response: AuditLogExportWire,
    handler: async ({ env, body }) =>
      exports.create(
        env.environmentId,
        await viewer.exportBody(env.environmentId, body.organization_id, body),
      ),
  });
  surface.route({
    method: 'get',
    path: '/_admin/audit_logs/exports/:id',
    summary: 'An export’s state, and its download link once ready (dashboard)',
    params: idParam,
    query: org,
    response: AuditLogExportWire,
    handler: ({ env, params, query }) =>
      exports.getForOrganization(env.environmentId, query.organization_id, params.id),
  });
}
