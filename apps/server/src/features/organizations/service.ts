/**
 * Organizations and their domains (reference §5.2). Each change and its event are written in
 * one transaction. `domains[]` (SDK 7) and `domain_data[]` (SDK 8+) are both accepted.
 */
import type { z } from 'zod';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import type { OrganizationDomainTable } from '../../platform/schema.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import { organizationRepo as repo } from './repo.ts';
import {
  type CreateDomainBody,
  type CreateOrganizationBody,
  domainToWire,
  organizationToWire,
  type UpdateOrganizationBody,
} from './wire.ts';

type DomainInput = { domain: string; state: 'pending' | 'verified' };

function domainInputs(body: { domains?: string[]; domain_data?: DomainInput[] }): DomainInput[] | undefined {
  if (!body.domains && !body.domain_data) return undefined;
  const all = [
    ...(body.domain_data ?? []),
    ...(body.domains ?? []).map((domain) => ({ domain, state: 'pending' as const })),
  ];
  const seen = new Map<string, DomainInput>();
  for (const d of all) if (!seen.has(d.domain)) seen.set(d.domain, d);
  return [...seen.values()];
}

function cleanMetadata(m: Record<string, string | null> | undefined, base: Record<string, string> = {}) {
  if (!m) return base;
  const out = { ...base };
  for (const [k, v] of Object.entries(m)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * What another feature removes when an organization is deleted, inside the deleting transaction
 * (each feature writes only its own tables; app.ts registers them).
 */
export type OrganizationDeleteHook = (
  tx: Tx,
  env: string,
  organizationId: string,
  ctx: EventContext,
) => Promise<void>;

export class OrganizationService {
  private deleteHooks: OrganizationDeleteHook[] = [];
  constructor(private deps: Deps) {}

  /** Registers what must go with a deleted organization (its directories, for one). */
  onDelete(hook: OrganizationDeleteHook) {
    this.deleteHooks.push(hook);
  }

  async get(env: string, id: string) {
    const org = await repo.get(this.deps.db, env, id);
    if (!org) throw notFound('Organization', id);
    const domains = await repo.domainsFor(this.deps.db, env, [org.id]);
    return organizationToWire(org, domains.get(org.id) ?? []);
  }

  async getByExternalId(env: string, externalId: string) {
    const org = await repo.getByExternalId(this.deps.db, env, externalId);
    if (!org) throw notFound('Organization with external_id', externalId);
    const domains = await repo.domainsFor(this.deps.db, env, [org.id]);
    return organizationToWire(org, domains.get(org.id) ?? []);
  }

  async list(env: string, p: Pagination, filter: { domains?: string[]; search?: string }) {
    let qb = this.deps.db.selectFrom('organizations').selectAll().where('environment_id', '=', env);
    if (filter.domains?.length) {
      const domains = filter.domains.map((d) => d.toLowerCase());
      qb = qb.where('id', 'in', (sub) =>
        sub
          .selectFrom('organization_domains')
          .select('organization_id')
          .where('environment_id', '=', env)
          .where('domain', 'in', domains),
      );
    }
    if (filter.search) qb = qb.where('name', 'like', `%${filter.search.replace(/[%_]/g, '')}%`);
    const page = await paginate(qb, 'id', p);
    const domains = await repo.domainsFor(
      this.deps.db,
      env,
      page.rows.map((o) => o.id),
    );
    return {
      data: page.rows.map((o) => organizationToWire(o, domains.get(o.id) ?? [])),
      list_metadata: page.list_metadata,
    };
  }

  async create(env: string, body: z.output<typeof CreateOrganizationBody>, ctx: EventContext) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    const domains = domainInputs(body) ?? [];
    return deps.db.transaction().execute(async (tx) => {
      if (body.external_id) {
        const clash = await repo.getByExternalId(tx, env, body.external_id);
        if (clash) throw new AppError('external_id_already_used');
      }
      await this.assertDomainsFree(
        tx,
        env,
        domains.map((d) => d.domain),
      );
      const org = {
        id: deps.ids.next('org'),
        environment_id: env,
        name: body.name,
        external_id: body.external_id ?? null,
        metadata: JSON.stringify(cleanMetadata(body.metadata)),
        allow_profiles_outside_organization: body.allow_profiles_outside_organization ? 1 : 0,
        stripe_customer_id: null,
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('organizations').values(org).execute();
      const rows = await this.insertDomains(tx, env, org.id, domains, now);
      const wire = organizationToWire(org, rows);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization.created',
        data: wire,
        organizationId: org.id,
        context: ctx,
      });
      return wire;
    });
  }

  async update(env: string, id: string, body: z.output<typeof UpdateOrganizationBody>, ctx: EventContext) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      const org = await repo.get(tx, env, id);
      if (!org) throw notFound('Organization', id);
      const before = organizationToWire(org, (await repo.domainsFor(tx, env, [id])).get(id) ?? []);
      if (body.external_id && body.external_id !== org.external_id) {
        const clash = await repo.getByExternalId(tx, env, body.external_id);
        if (clash && clash.id !== id) throw new AppError('external_id_already_used');
      }
      const next = {
        ...org,
        name: body.name ?? org.name,
        external_id: body.external_id === undefined ? org.external_id : body.external_id,
        stripe_customer_id:
          body.stripe_customer_id === undefined ? org.stripe_customer_id : body.stripe_customer_id,
        metadata: JSON.stringify(cleanMetadata(body.metadata, JSON.parse(org.metadata))),
        allow_profiles_outside_organization:
          body.allow_profiles_outside_organization === undefined
            ? org.allow_profiles_outside_organization
            : body.allow_profiles_outside_organization
              ? 1
              : 0,
        updated_at: now,
      };
      await tx
        .updateTable('organizations')
        .set(next)
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      const wanted = domainInputs(body);
      if (wanted) {
        const current = before.domains;
        const keep = new Set(wanted.map((d) => d.domain));
        const removed = current.filter((d) => !keep.has(d.domain)).map((d) => d.id);
        if (removed.length) {
          await tx
            .deleteFrom('organization_domains')
            .where('environment_id', '=', env)
            .where('id', 'in', removed)
            .execute();
        }
        const have = new Set(current.map((d) => d.domain));
        const added = wanted.filter((d) => !have.has(d.domain));
        await this.assertDomainsFree(
          tx,
          env,
          added.map((d) => d.domain),
          id,
        );
        await this.insertDomains(tx, env, id, added, now);
        for (const d of wanted) {
          const existing = current.find((c) => c.domain === d.domain);
          if (
            existing &&
            body.domain_data?.some((x) => x.domain === d.domain) &&
            existing.state !== d.state
          ) {
            await tx
              .updateTable('organization_domains')
              .set({ state: d.state, updated_at: now })
              .where('environment_id', '=', env)
              .where('id', '=', existing.id)
              .execute();
          }
        }
      }
      const after = organizationToWire(next, (await repo.domainsFor(tx, env, [id])).get(id) ?? []);
      const previous: Record<string, unknown> = {};
      for (const k of [
        'name',
        'external_id',
        'metadata',
        'stripe_customer_id',
        'allow_profiles_outside_organization',
      ] as const) {
        if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) previous[k] = before[k];
      }
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization.updated',
        data: after,
        organizationId: id,
        context: { ...ctx, previous_attributes: previous },
      });
      return after;
    });
  }

  async delete(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    await deps.db.transaction().execute(async (tx) => {
      const org = await repo.get(tx, env, id);
      if (!org) throw notFound('Organization', id);
      const wire = organizationToWire(org, (await repo.domainsFor(tx, env, [id])).get(id) ?? []);
      for (const hook of this.deleteHooks) await hook(tx, env, id, ctx);
      await tx
        .deleteFrom('organization_memberships')
        .where('environment_id', '=', env)
        .where('organization_id', '=', id)
        .execute();
      await tx
        .deleteFrom('organization_domains')
        .where('environment_id', '=', env)
        .where('organization_id', '=', id)
        .execute();
      await tx
        .updateTable('sessions')
        .set({ organization_id: null })
        .where('environment_id', '=', env)
        .where('organization_id', '=', id)
        .execute();
      await tx.deleteFrom('organizations').where('environment_id', '=', env).where('id', '=', id).execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization.deleted',
        data: wire,
        organizationId: id,
        context: ctx,
      });
    });
  }

  // ── domains ─────────────────────────────────────────────────────────────

  async getDomain(env: string, id: string) {
    const d = await repo.getDomain(this.deps.db, env, id);
    if (!d) throw notFound('Organization domain', id);
    return domainToWire(d);
  }

  async createDomain(env: string, body: z.output<typeof CreateDomainBody>, ctx: EventContext) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      const org = await repo.get(tx, env, body.organization_id);
      if (!org) throw notFound('Organization', body.organization_id);
      await this.assertDomainsFree(tx, env, [body.domain]);
      const [row] = await this.insertDomains(
        tx,
        env,
        org.id,
        [{ domain: body.domain, state: 'pending' }],
        now,
        'dns',
      );
      const wire = domainToWire(row!);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization_domain.created',
        data: wire,
        organizationId: org.id,
        context: ctx,
      });
      return wire;
    });
  }

  async deleteDomain(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    await deps.db.transaction().execute(async (tx) => {
      const d = await repo.getDomain(tx, env, id);
      if (!d) throw notFound('Organization domain', id);
      await tx
        .deleteFrom('organization_domains')
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization_domain.deleted',
        data: domainToWire(d),
        organizationId: d.organization_id,
        context: ctx,
      });
    });
  }

  /**
   * `POST /organization_domains/:id/verify`: looks up the TXT record
   * `_portico-verification.<domain>` through the injected resolver; the domain becomes `verified`
   * when one of its values equals the verification token, else `failed` (verify again after
   * fixing DNS). `organization_domain.verified` / `.verification_failed` are written on each
   * change of state. The lookup happens before the transaction (never hold one open over DNS).
   */
  async verifyDomain(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    const d = await repo.getDomain(deps.db, env, id);
    if (!d) throw notFound('Organization domain', id);
    const check = await checkDomainTxt(deps, d);
    if (d.state === 'verified') return { domain: domainToWire(d), check };
    const next = check.ok ? 'verified' : 'failed';
    const now = deps.clock.now().toISOString();
    const wire = await deps.db.transaction().execute(async (tx) => {
      const row = await repo.getDomain(tx, env, id);
      if (!row) throw notFound('Organization domain', id);
      if (row.state === next) return domainToWire(row);
      const updated = { ...row, state: next, updated_at: now };
      await tx
        .updateTable('organization_domains')
        .set({ state: next, updated_at: now })
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      const w = domainToWire(updated);
      await appendEvent(tx, deps, {
        environmentId: env,
        event:
          next === 'verified' ? 'organization_domain.verified' : 'organization_domain.verification_failed',
        data: next === 'verified' ? w : { reason: 'txt_record_not_found', organization_domain: w },
        organizationId: row.organization_id,
        context: ctx,
      });
      return w;
    });
    return { domain: wire, check };
  }

  private async assertDomainsFree(tx: Deps['db'], env: string, domains: string[], exceptOrg?: string) {
    const taken = await repo.domainsTaken(tx, env, domains, exceptOrg);
    if (taken.length) {
      throw new AppError('organization_domain_already_used', {
        message: `The domain ${taken.map((t) => `'${t.domain}'`).join(', ')} already belongs to organization ${taken[0]!.organization_id}. Remove it there first.`,
      });
    }
  }

  private async insertDomains(
    tx: Deps['db'],
    env: string,
    orgId: string,
    domains: DomainInput[],
    now: string,
    strategy: 'dns' | 'manual' = 'manual',
  ): Promise<OrganizationDomainTable[]> {
    const rows: OrganizationDomainTable[] = domains.map((d) => ({
      id: this.deps.ids.next('org_domain'),
      environment_id: env,
      organization_id: orgId,
      domain: d.domain,
      state: d.state,
      verification_strategy: strategy,
      verification_token: strategy === 'dns' ? Buffer.from(this.deps.random.bytes(12)).toString('hex') : null,
      created_at: now,
      updated_at: now,
    }));
    if (rows.length) await tx.insertInto('organization_domains').values(rows).execute();
    return rows;
  }
}

export const VERIFICATION_PREFIX = '_portico-verification';

/** The TXT lookup behind domain verification: what was found, and why it does not match. */
export async function checkDomainTxt(deps: Deps, d: OrganizationDomainTable) {
  const name = `${VERIFICATION_PREFIX}.${d.domain}`;
  const expected = d.verification_token ?? '';
  let found: string[] = [];
  let lookupError: string | null = null;
  try {
    found = (await deps.dns.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'ERROR';
    lookupError = code === 'ENOTFOUND' || code === 'ENODATA' ? null : code;
  }
  const ok = expected !== '' && found.some((v) => v.trim() === expected);
  const reason = ok
    ? null
    : lookupError
      ? `The DNS lookup of ${name} failed (${lookupError}). Try again in a few minutes.`
      : found.length === 0
        ? `No TXT record was found at ${name}. Add it at your DNS provider, wait a few minutes for it to spread, then verify again.`
        : `A TXT record exists at ${name}, but its value is not the one shown here. Replace it with the value shown, then verify again.`;
  return { ok, record_name: name, record_value: expected, found, reason };
}
