/**
 * The Admin Portal's `audit_logs` page: the organization's audit log events for its IT admin,
 * read-only, with filters, search, paging, details and export (shared/audit-logs.tsx).
 */
import { api } from '../shared/api.ts';
import { AuditLogViewer } from '../shared/audit-logs.tsx';
import { BackLink } from './App.tsx';
import type { PortalSession } from './session.ts';

export function AuditLogs({ session }: { session: PortalSession }) {
  return (
    <>
      <p className="muted">
        What happened in {session.organization.name}, newest first. Filter, search, open an event for its full
        record, or export the filtered events as CSV.
      </p>
      <AuditLogViewer base="/portal/api/audit_logs" client={api} />
      <BackLink session={session} />
    </>
  );
}
