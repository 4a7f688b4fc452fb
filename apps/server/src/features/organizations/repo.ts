/** Organization storage. Every query is scoped by environment. */
import type { Queryable } from '../../platform/db.ts';
import type { OrganizationDomainTable, OrganizationTable } from '../../platform/schema.ts';

export const organizationRepo = {
  async get(q: Queryable, env: string, id: string): Promise<OrganizationTable | undefined> {
    return q
      .selectFrom('organizations')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
  },
  async getByExternalId(q: Queryable, env: string, externalId: string) {
    return q
      .selectFrom('organizations')
      .selectAll()
      .where('environment_id', '=', env)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  },
  async domainsFor(
    q: Queryable,
    env: string,
    orgIds: string[],
  ): Promise<Map<string, OrganizationDomainTable[]>> {
    const map = new Map<string, OrganizationDomainTable[]>();
    if (orgIds.length === 0) return map;
    const rows = await q
      .selectFrom('organization_domains')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', 'in', orgIds)
      .orderBy('id', 'asc')
      .execute();
    for (const r of rows) {
      const list = map.get(r.organization_id) ?? [];
      list.push(r);
      map.set(r.organization_id, list);
    }
    return map;
  },
  async domainsTaken(q: Queryable, env: string, domains: string[], exceptOrg?: string) {
    if (domains.length === 0) return [];
    let qb = q
      .selectFrom('organization_domains')
      .select(['domain', 'organization_id'])
      .where('environment_id', '=', env)
      .where('domain', 'in', domains);
    if (exceptOrg) qb = qb.where('organization_id', '!=', exceptOrg);
    return qb.execute();
  },
  async getDomain(q: Queryable, env: string, id: string) {
    return q
      .selectFrom('organization_domains')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
  },
};
