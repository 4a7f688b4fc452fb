/**
 * The list page shared by Connections and Directories: a title with its "New …" link, a line of
 * explanation, an organization filter, the paged table with its empty state, and the panel that
 * hands the set-up to the customer's IT admin through an Admin Portal link.
 */
import { type ReactNode, useState } from 'react';
import { LoadState, Table } from '../../shared/ui.tsx';
import type { Organization } from '../client.ts';
import { OrganizationSelect, PageHeader, useOrganizations, usePagedList } from '../kit.tsx';
import { PortalLinkPanel } from './PortalLink.tsx';

export function OrgScopedList<T>(props: {
  title: string;
  newHref: string;
  newLabel: string;
  intro: ReactNode;
  /** The list endpoint, e.g. `/connections`; `organization_id` and paging are added. */
  endpoint: string;
  organization: string;
  head: string[];
  row: (item: T, orgName: (id?: string) => string) => ReactNode[];
  empty: ReactNode;
  intent: 'sso' | 'dsync';
}) {
  const orgs = useOrganizations();
  const [org, setOrg] = useState(props.organization);
  const { list, controls } = usePagedList<T>(
    `${props.endpoint}?limit=25${org ? `&organization_id=${encodeURIComponent(org)}` : ''}`,
  );
  const orgName = (id?: string) => orgs.data?.data.find((o: Organization) => o.id === id)?.name ?? id ?? '—';
  return (
    <section>
      <PageHeader title={props.title}>
        <a className="btn btn-primary" href={props.newHref}>
          {props.newLabel}
        </a>
      </PageHeader>
      <p className="muted">{props.intro}</p>
      <div className="row">
        <OrganizationSelect orgs={orgs} value={org} onChange={setOrg} emptyLabel="All organizations" />
      </div>
      <LoadState loaded={list} what={props.title.toLowerCase()}>
        {(page) => (
          <>
            <Table
              caption={props.title}
              head={props.head}
              rows={page.data.map((item) => props.row(item, orgName))}
              empty={props.empty}
            />
            {controls(page)}
          </>
        )}
      </LoadState>
      <PortalLinkPanel intent={props.intent} orgs={orgs} />
    </section>
  );
}
