/**
 * Audit logs: pick an organization, then its events with filters, search, server-side paging,
 * details and export (shared/audit-logs.tsx over `/_admin/audit_logs/…`).
 */
import { useState } from 'react';
import { AuditLogViewer } from '../../shared/audit-logs.tsx';
import { Empty } from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { OrganizationSelect, PageHeader, useOrganizations } from '../kit.tsx';

export function AuditLogsPage() {
  const orgs = useOrganizations();
  const [org, setOrg] = useState('');
  return (
    <section>
      <PageHeader title="Audit logs" />
      <div className="row">
        <OrganizationSelect orgs={orgs} value={org} onChange={setOrg} emptyLabel="Choose an organization" />
      </div>
      {org ? (
        <AuditLogViewer base="/_admin/audit_logs" scope={{ organization_id: org }} client={dash} />
      ) : (
        <Empty title="Choose an organization to see its audit log.">
          <p>Each organization has its own trail of events (createEvent with its id).</p>
        </Empty>
      )}
    </section>
  );
}
