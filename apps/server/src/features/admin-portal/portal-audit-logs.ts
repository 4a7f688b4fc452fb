/**
 * The Admin Portal's Audit Logs viewer (`audit_logs` intent; docs/audit-logs.md "Viewer"): the
 * session's organization's events, read-only, paged from the server, one event's detail, and an
 * export of the current filters through the Audit Logs export service (the worker builds it; its
 * state and, once ready, its signed download link are read back here). Every query is the
 * session's environment and organization: another organization's event or export id answers 404.
 */
import { z } from 'zod';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AuditExportService } from '../audit-logs/exports.ts';
import {
  type AuditLogViewer,
  ViewerEventDetailWire,
  ViewerFilters,
  ViewerListWire,
  ViewerQuery,
} from '../audit-logs/query.ts';
import { AuditLogExportWire } from '../audit-logs/wire.ts';
import type { PortalSession } from './links.ts';
import { need } from './portal-api.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });

export function portalAuditLogRoutes(
  portal: JsonSurface<PortalSession>,
  viewer: AuditLogViewer,
  exports: AuditExportService,
) {
  portal.route({
    method: 'get',
    path: '/portal/api/audit_logs/events',
    summary: 'Admin Portal: the organization’s audit log events, newest first, filtered and paged by seq',
    query: ViewerQuery,
    response: ViewerListWire,
    handler: ({ env: s, query }) => {
      need(s, 'audit_logs');
      return viewer.list(s.environmentId, s.organizationId, query);
    },
  });
  portal.route({
    method: 'get',
    path: '/portal/api/audit_logs/events/:id',
    summary: 'Admin Portal: one audit log event with its place in the hash chain',
    params: idParam,
    response: ViewerEventDetailWire,
    handler: ({ env: s, params }) => {
      need(s, 'audit_logs');
      return viewer.get(s.environmentId, s.organizationId, params.id);
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/audit_logs/exports',
    summary: 'Admin Portal: export the events the current filters select (CSV, built by the worker)',
    body: ViewerFilters,
    status: 201,
    response: AuditLogExportWire,
    handler: async ({ env: s, body }) => {
      need(s, 'audit_logs');
      return exports.create(
        s.environmentId,
        await viewer.exportBody(s.environmentId, s.organizationId, body),
      );
    },
  });
  portal.route({
    method: 'get',
    path: '/portal/api/audit_logs/exports/:id',
    summary: 'Admin Portal: an export’s state, and its download link once ready',
    params: idParam,
    response: AuditLogExportWire,
    handler: ({ env: s, params }) => {
      need(s, 'audit_logs');
      return exports.getForOrganization(s.environmentId, s.organizationId, params.id);
    },
  });
}
