/**
 * SSO connections: WorkOS's read/delete API plus Portico's management API (WorkOS creates
 * connections only in its dashboard). SAML connections come from IdP metadata XML or from fields
 * (entity id, SSO URL, certificates — several, for rotation); OIDC connections from a discovery
 * URL with client id and secret (sealed with the master key). A connection is active only when
 * its set-up is complete; activation changes write connection.activated / .deactivated.
 */
import { certificateFingerprint, parseIdpMetadata, type SamlError } from '@portico/saml';
import type { z } from 'zod';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import { safeFetch } from '../../platform/safe-http.ts';
import type { ConnectionTable } from '../../platform/schema.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import { organizationRepo } from '../organizations/repo.ts';
import { applicableRoleSlugs } from '../roles/service.ts';
import {
  certificateInfo,
  horizon,
  mergeWithAdded,
  reminderBucket,
  renewalRequiredData,
  renewedData,
  trustedCertificates,
} from './certificates.ts';
import {
  type ConnectionWire,
  type CreateConnectionBody,
  connectionToWire,
  OIDC_TYPES,
  type UpdateConnectionBody,
} from './wire.ts';

export function spValues(publicUrl: string, c: Pick<ConnectionTable, 'id'>) {
  return {
    sp_entity_id: `${publicUrl}/sso/saml/${c.id}`,
    acs_url: `${publicUrl}/sso/saml/${c.id}/acs`,
    metadata_url: `${publicUrl}/sso/saml/${c.id}/metadata`,
    oidc_redirect_uri: `${publicUrl}/sso/oidc/${c.id}/callback`,
  };
}

export function stripPem(cert: string) {
  return cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function missingSetup(c: ConnectionTable): string | null {
  if (c.protocol === 'saml') {
    if (!c.saml_idp_entity_id) return 'the IdP entity id (Issuer) is missing';
    if (!c.saml_idp_sso_url) return 'the IdP single sign-on URL is missing';
    if ((JSON.parse(c.saml_idp_certificates) as string[]).length === 0)
      return 'no IdP signing certificate was uploaded';
    return null;
  }
  if (!c.oidc_discovery_url || !c.oidc_client_id || !c.oidc_client_secret_sealed)
    return 'the discovery URL, client id or client secret is missing';
  return null;
}

export class ConnectionService {
  constructor(private deps: Deps) {}

  async row(env: string, id: string) {
    const c = await this.deps.db
      .selectFrom('connections')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!c) throw notFound('Connection', id);
    return c;
  }

  /** A group → role map whose every role exists for the connection's organization, or a 422 naming each miss. */
  private async checkGroupRoles(
    env: string,
    organizationId: string | null,
    map: Record<string, string> = {},
  ) {
    const slugs = [...new Set(Object.values(map))];
    if (!slugs.length) return map;
    const known = new Set(
      (await applicableRoleSlugs(this.deps.db, env, organizationId ?? '')).map((r) => r.slug),
    );
    const errors = Object.entries(map)
      .filter(([, slug]) => !known.has(slug))
      .map(([group, slug]) => ({
        field: `group_role_map.${group}`,
        code: 'role_not_found',
        message: `No role with slug ${quote(slug)} exists${organizationId ? ' for this connection’s organization' : ''}. Create it first (POST /authorization/roles${organizationId ? ', or an org- role of the organization' : ''}) or map the group to an existing role: ${[...known].join(', ')}.`,
      }));
    if (errors.length)
      throw new AppError('invalid_request_parameters', {
        message:
          errors.length === 1
            ? `The group → role map was not saved: ${errors[0]!.message}`
            : `The group → role map was not saved: ${errors.length} groups map to roles that do not exist (${errors.map((e) => e.field).join(', ')}); each one's reason is in errors[].`,
        errors,
      });
    return map;
  }

  async wire(c: ConnectionTable): Promise<ConnectionWire> {
    const domains = c.organization_id
      ? ((await organizationRepo.domainsFor(this.deps.db, c.environment_id, [c.organization_id])).get(
          c.organization_id,
        ) ?? [])
      : [];
    return connectionToWire(c, domains);
  }

  /** The set-up view: WorkOS's Connection plus the values the IdP needs and what is configured. */
  async details(c: ConnectionTable) {
    const sp = spValues(this.deps.config.publicUrl, c);
    const base = await this.wire(c);
    return {
      ...base,
      attribute_map: JSON.parse(c.attribute_map) as Record<string, string>,
      group_role_map: JSON.parse(c.group_role_map) as Record<string, string>,
      setup_problem: missingSetup(c),
      ...(c.protocol === 'saml'
        ? {
            saml: {
              sp_entity_id: sp.sp_entity_id,
              acs_url: sp.acs_url,
              metadata_url: sp.metadata_url,
              idp_entity_id: c.saml_idp_entity_id,
              idp_sso_url: c.saml_idp_sso_url,
              certificates: trustedCertificates(c, this.deps.clock.now()).map(({ info, source }) => ({
                fingerprint_sha256: info.fingerprint_sha256,
                subject: info.subject,
                not_before: info.not_before,
                not_after: info.not_after,
                expired: info.expired,
                days_until_expiry: info.days_left,
                source,
              })),
              allow_idp_initiated: c.saml_allow_idp_initiated === 1,
              sign_requests: c.saml_sign_requests === 1,
            },
          }
        : {
            oidc: {
              discovery_url: c.oidc_discovery_url,
              client_id: c.oidc_client_id,
              redirect_uri: sp.oidc_redirect_uri,
            },
          }),
    };
  }

  async list(
    env: string,
    p: Pagination,
    f: { organizationId?: string; connectionType?: string; domain?: string },
  ) {
    let qb = this.deps.db.selectFrom('connections').selectAll().where('environment_id', '=', env);
    if (f.organizationId) qb = qb.where('organization_id', '=', f.organizationId);
    if (f.connectionType) qb = qb.where('connection_type', '=', f.connectionType);
    if (f.domain) {
      const domain = f.domain.toLowerCase();
      qb = qb.where('organization_id', 'in', (sub) =>
        sub
          .selectFrom('organization_domains')
          .select('organization_id')
          .where('environment_id', '=', env)
          .where('domain', '=', domain),
      );
    }
    const page = await paginate(qb, 'id', p);
    return { data: await Promise.all(page.rows.map((c) => this.wire(c))), list_metadata: page.list_metadata };
  }

  /** Fetches IdP metadata through the SSRF-safe client. */
  async fetchMetadata(url: string): Promise<string> {
    const { webhooks } = this.deps.config;
    const get = safeFetch({ allowLoopback: webhooks.allowLoopback, allowPrivate: webhooks.allowPrivate });
    let res: Response;
    try {
      res = await get(url, {
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
      });
    } catch (err) {
      throw new AppError('invalid_idp_metadata', {
        message: `The IdP metadata URL could not be fetched (${(err as Error).message}). Check the URL, or paste the metadata XML instead.`,
      });
    }
    if (res.status !== 200) {
      throw new AppError('invalid_idp_metadata', {
        message: `The IdP metadata URL answered HTTP ${res.status}. Check the URL (it must serve the XML directly, without a redirect or a sign-in).`,
      });
    }
    return res.text();
  }

  /** Re-reads the metadata of every SAML connection whose URL is due (the minute sweeper calls it). */
  async refreshDueMetadata(maxAgeMs: number) {
    const due = new Date(this.deps.clock.now().getTime() - maxAgeMs).toISOString();
    const rows = await this.deps.db
      .selectFrom('connections')
      .selectAll()
      .where('saml_idp_metadata_url', 'is not', null)
      .where((eb) =>
        eb.or([eb('saml_metadata_refreshed_at', 'is', null), eb('saml_metadata_refreshed_at', '<', due)]),
      )
      .limit(20)
      .execute();
    for (const c of rows) {
      const now = this.deps.clock.now().toISOString();
      try {
        const next = { ...c };
        this.applyMetadata(next, await this.fetchMetadata(c.saml_idp_metadata_url!));
        await this.deps.db.transaction().execute(async (tx) => {
          await tx
            .updateTable('connections')
            .set({
              saml_idp_entity_id: next.saml_idp_entity_id,
              saml_idp_sso_url: next.saml_idp_sso_url,
              saml_idp_certificates: next.saml_idp_certificates,
              saml_added_certificates: next.saml_added_certificates,
              saml_metadata_refreshed_at: now,
              updated_at: now,
            })
            .where('id', '=', c.id)
            .execute();
          await this.renewedIfLater(tx, c, next, {
            actor: { id: null, source: 'system', name: 'IdP metadata refresh' },
          });
        });
      } catch (err) {
        // Keep the last good metadata; try again at the next interval.
        this.deps.log.warn({ connection: c.id, err: (err as Error).message }, 'IdP metadata refresh failed');
        await this.deps.db
          .updateTable('connections')
          .set({ saml_metadata_refreshed_at: now })
          .where('id', '=', c.id)
          .execute();
      }
    }
    return rows.length;
  }

  private applyMetadata(c: ConnectionTable, xml: string) {
    let meta: ReturnType<typeof parseIdpMetadata>;
    try {
      meta = parseIdpMetadata(xml);
    } catch (err) {
      const e = err as SamlError;
      throw new AppError('invalid_idp_metadata', {
        message: `The IdP metadata could not be used: ${e.message}`,
        extra: { fix: e.fix },
      });
    }
    c.saml_idp_entity_id = meta.entityId;
    c.saml_idp_sso_url = meta.ssoRedirectUrl ?? meta.ssoPostUrl;
    // The metadata replaces its own certificates; the ones an admin added stay until they expire.
    const merged = mergeWithAdded(
      meta.certificates,
      JSON.parse(c.saml_added_certificates) as string[],
      this.deps.clock.now(),
    );
    c.saml_idp_certificates = JSON.stringify(merged.trusted);
    c.saml_added_certificates = JSON.stringify(merged.added);
  }

  private async applySaml(
    c: ConnectionTable,
    saml: NonNullable<z.output<typeof CreateConnectionBody>['saml']>,
  ) {
    if (saml.idp_metadata_url) {
      this.applyMetadata(c, await this.fetchMetadata(saml.idp_metadata_url));
      c.saml_idp_metadata_url = saml.idp_metadata_url;
      c.saml_metadata_refreshed_at = this.deps.clock.now().toISOString();
    }
    if (saml.idp_metadata_xml) this.applyMetadata(c, saml.idp_metadata_xml);
    if (saml.idp_entity_id) c.saml_idp_entity_id = saml.idp_entity_id;
    if (saml.idp_sso_url) c.saml_idp_sso_url = saml.idp_sso_url;
    if (saml.idp_certificates) {
      const ders = saml.idp_certificates.map(stripPem);
      for (const der of ders) {
        try {
          certificateFingerprint(der);
        } catch {
          throw new AppError('invalid_certificate', {
            message:
              'An IdP certificate is not a valid X.509 certificate. Paste the PEM block (BEGIN CERTIFICATE … END CERTIFICATE).',
          });
        }
      }
      // A whole list is the trusted set as given: nothing is "added" beside it any more.
      c.saml_idp_certificates = JSON.stringify(ders);
      c.saml_added_certificates = '[]';
    }
    if (saml.allow_idp_initiated !== undefined) c.saml_allow_idp_initiated = saml.allow_idp_initiated ? 1 : 0;
    if (saml.sign_requests !== undefined) c.saml_sign_requests = saml.sign_requests ? 1 : 0;
  }

  private checkActivation(c: ConnectionTable, requested: string | undefined) {
    const problem = missingSetup(c);
    if (requested === 'active' && problem) {
      throw new AppError('connection_incomplete', {
        message: `The connection cannot be activated: ${problem}. Complete the set-up first.`,
      });
    }
    if (requested) return requested;
    return problem ? 'draft' : 'active';
  }

  async create(env: string, body: z.output<typeof CreateConnectionBody>, ctx: EventContext) {
    const { deps } = this;
    const protocol = (OIDC_TYPES as readonly string[]).includes(body.connection_type) ? 'oidc' : 'saml';
    if (protocol === 'saml' && body.oidc)
      throw new AppError('invalid_request_parameters', {
        message: `${body.connection_type} is a SAML connection: send \`saml\`, not \`oidc\`.`,
      });
    if (protocol === 'oidc' && body.saml)
      throw new AppError('invalid_request_parameters', {
        message: `${body.connection_type} is an OIDC connection: send \`oidc\`, not \`saml\`.`,
      });
    if (body.organization_id && !(await organizationRepo.get(deps.db, env, body.organization_id)))
      throw notFound('Organization', body.organization_id);
    const now = deps.clock.now().toISOString();
    const c: ConnectionTable = {
      id: deps.ids.next('conn'),
      environment_id: env,
      organization_id: body.organization_id ?? null,
      name: body.name,
      connection_type: body.connection_type,
      protocol,
      state: 'draft',
      saml_idp_entity_id: null,
      saml_idp_sso_url: null,
      saml_idp_certificates: '[]',
      saml_idp_metadata_url: null,
      saml_metadata_refreshed_at: null,
      saml_added_certificates: '[]',
      saml_certificate_notice: null,
      saml_allow_idp_initiated: 0,
      saml_sign_requests: 0,
      oidc_discovery_url: body.oidc?.discovery_url ?? null,
      oidc_client_id: body.oidc?.client_id ?? null,
      oidc_client_secret_sealed: body.oidc ? deps.secrets.seal(body.oidc.client_secret) : null,
      attribute_map: JSON.stringify(body.attribute_map ?? {}),
      group_role_map: JSON.stringify(
        await this.checkGroupRoles(env, body.organization_id ?? null, body.group_role_map),
      ),
      test_idp_key_sealed: null,
      created_at: now,
      updated_at: now,
    };
    if (body.saml) await this.applySaml(c, body.saml);
    c.state = this.checkActivation(c, body.state);
    // Built before the transaction: on SQLite a query outside the open transaction would wait on it.
    const data = await this.eventData(c);
    await deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('connections').values(c).execute();
      if (c.state === 'active') {
        await appendEvent(tx, deps, {
          environmentId: env,
          event: 'connection.activated',
          data,
          organizationId: c.organization_id,
          context: ctx,
        });
      }
    });
    return this.details(c);
  }

  private async eventData(c: ConnectionTable) {
    const w = await this.wire(c);
    return { ...w, external_key: c.id };
  }

  async update(env: string, id: string, body: z.output<typeof UpdateConnectionBody>, ctx: EventContext) {
    const { deps } = this;
    const before = await this.row(env, id);
    const c: ConnectionTable = { ...before, updated_at: deps.clock.now().toISOString() };
    if (body.name) c.name = body.name;
    if (body.saml) {
      if (c.protocol !== 'saml')
        throw new AppError('invalid_request_parameters', {
          message: 'This is an OIDC connection: send `oidc`, not `saml`.',
        });
      await this.applySaml(c, body.saml);
    }
    if (body.oidc) {
      if (c.protocol !== 'oidc')
        throw new AppError('invalid_request_parameters', {
          message: 'This is a SAML connection: send `saml`, not `oidc`.',
        });
      if (body.oidc.discovery_url) c.oidc_discovery_url = body.oidc.discovery_url;
      if (body.oidc.client_id) c.oidc_client_id = body.oidc.client_id;
      if (body.oidc.client_secret) c.oidc_client_secret_sealed = deps.secrets.seal(body.oidc.client_secret);
    }
    if (body.attribute_map)
      c.attribute_map = JSON.stringify({ ...JSON.parse(c.attribute_map), ...body.attribute_map });
    if (body.group_role_map)
      c.group_role_map = JSON.stringify(
        await this.checkGroupRoles(env, c.organization_id, body.group_role_map),
      );
    c.state = body.state
      ? this.checkActivation(c, body.state)
      : before.state === 'draft'
        ? this.checkActivation(c, undefined)
        : before.state;
    const data = await this.eventData(c);
    await deps.db.transaction().execute(async (tx) => {
      await tx.updateTable('connections').set(c).where('id', '=', id).execute();
      await this.renewedIfLater(tx, before, c, ctx);
      if (before.state !== 'active' && c.state === 'active') {
        await appendEvent(tx, deps, {
          environmentId: env,
          event: 'connection.activated',
          data,
          organizationId: c.organization_id,
          context: ctx,
        });
      } else if (before.state === 'active' && c.state !== 'active') {
        await appendEvent(tx, deps, {
          environmentId: env,
          event: 'connection.deactivated',
          data,
          organizationId: c.organization_id,
          context: ctx,
        });
      }
    });
    return this.details(c);
  }

  // ── certificates, one at a time (see certificates.ts) ────────────────────

  /** Trusts one more IdP certificate beside the others (the IdP's next one, for an overlap). */
  async addCertificate(env: string, id: string, pem: string, ctx: EventContext) {
    const c = await this.samlRow(env, id);
    const der = stripPem(pem);
    const info = certificateInfo(der, this.deps.clock.now());
    if (!info)
      throw new AppError('invalid_certificate', {
        message:
          'This is not a valid X.509 certificate. Paste the whole PEM block, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.',
      });
    if (info.expired)
      throw new AppError('invalid_certificate', {
        message: `This certificate expired on ${info.not_after}: it cannot sign anything Portico would accept. Ask the IdP for its current certificate.`,
      });
    const trusted = JSON.parse(c.saml_idp_certificates) as string[];
    if (trusted.includes(der)) return this.details(c);
    if (trusted.length >= 5)
      throw new AppError('too_many_certificates', {
        message: 'A connection trusts at most 5 certificates. Remove one that is no longer used first.',
      });
    const next: ConnectionTable = {
      ...c,
      saml_idp_certificates: JSON.stringify([...trusted, der]),
      saml_added_certificates: JSON.stringify([...(JSON.parse(c.saml_added_certificates) as string[]), der]),
      updated_at: this.deps.clock.now().toISOString(),
    };
    await this.saveCertificates(c, next, ctx);
    return this.details(next);
  }

  /** Stops trusting one certificate; the last one, or one the IdP's metadata publishes, stays. */
  async removeCertificate(env: string, id: string, fingerprint: string, ctx: EventContext) {
    const c = await this.samlRow(env, id);
    const all = trustedCertificates(c, this.deps.clock.now());
    const gone = all.find((x) => x.info.fingerprint_sha256 === fingerprint.toLowerCase());
    if (!gone) throw notFound('Certificate', fingerprint);
    if (all.length === 1)
      throw new AppError('last_certificate', {
        message:
          'This is the connection’s only certificate: sign-ins would stop working. Add the new certificate first, then remove this one.',
      });
    if (gone.source === 'metadata')
      throw new AppError('certificate_in_idp_metadata', {
        message:
          'The IdP’s metadata publishes this certificate, so the next metadata refresh would trust it again. Remove it at the IdP (or register the connection without a metadata URL).',
      });
    const next: ConnectionTable = {
      ...c,
      saml_idp_certificates: JSON.stringify(all.filter((x) => x !== gone).map((x) => x.der)),
      saml_added_certificates: JSON.stringify(
        (JSON.parse(c.saml_added_certificates) as string[]).filter((der) => der !== gone.der),
      ),
      updated_at: this.deps.clock.now().toISOString(),
    };
    await this.saveCertificates(c, next, ctx);
    return this.details(next);
  }

  private async samlRow(env: string, id: string) {
    const c = await this.row(env, id);
    if (c.protocol !== 'saml')
      throw new AppError('invalid_request_parameters', {
        message: 'This is an OIDC connection: it has no SAML signing certificates.',
      });
    return c;
  }

  private async saveCertificates(before: ConnectionTable, next: ConnectionTable, ctx: EventContext) {
    await this.deps.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('connections')
        .set({
          saml_idp_certificates: next.saml_idp_certificates,
          saml_added_certificates: next.saml_added_certificates,
          updated_at: next.updated_at,
        })
        .where('id', '=', before.id)
        .execute();
      await this.renewedIfLater(tx, before, next, ctx);
    });
  }

  /** `connection.saml_certificate_renewed` when a newly trusted certificate outlasts the others. */
  private async renewedIfLater(tx: Tx, before: ConnectionTable, after: ConnectionTable, ctx: EventContext) {
    if (after.protocol !== 'saml') return;
    const now = this.deps.clock.now();
    const was = horizon(JSON.parse(before.saml_idp_certificates) as string[], now);
    const is = horizon(JSON.parse(after.saml_idp_certificates) as string[], now);
    if (!was || !is || is.not_after <= was.not_after) return;
    await tx
      .updateTable('connections')
      .set({ saml_certificate_notice: null })
      .where('id', '=', after.id)
      .execute();
    await appendEvent(tx, this.deps, {
      environmentId: after.environment_id,
      event: 'connection.saml_certificate_renewed',
      data: renewedData(after, is, now),
      organizationId: after.organization_id,
      context: ctx,
    });
  }

  /**
   * Writes the renewal reminders that are due (the sweeper calls it): one per connection per
   * reminder, claimed with a conditional UPDATE so that processes sweeping at once write it once.
   */
  /** When this process last ran `remindCertificateRenewals` from the sweeper (ms since epoch). */
  lastReminderRun = 0;

  async remindCertificateRenewals() {
    const { deps } = this;
    const now = deps.clock.now();
    const rows = await deps.db
      .selectFrom('connections')
      .selectAll()
      .where('protocol', '=', 'saml')
      .where('state', '=', 'active')
      .execute();
    let written = 0;
    for (const c of rows) {
      const h = horizon(JSON.parse(c.saml_idp_certificates) as string[], now);
      const bucket = h ? reminderBucket(h) : null;
      if (bucket === c.saml_certificate_notice) continue;
      await deps.db.transaction().execute(async (tx) => {
        const claimed = await tx
          .updateTable('connections')
          .set({ saml_certificate_notice: bucket })
          .where('id', '=', c.id)
          .where((eb) =>
            c.saml_certificate_notice === null
              ? eb('saml_certificate_notice', 'is', null)
              : eb('saml_certificate_notice', '=', c.saml_certificate_notice),
          )
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0 || !bucket || !h) return;
        await appendEvent(tx, deps, {
          environmentId: c.environment_id,
          event: 'connection.saml_certificate_renewal_required',
          data: renewalRequiredData(c, h),
          organizationId: c.organization_id,
          context: { actor: { id: null, source: 'system', name: 'certificate expiry check' } },
        });
        written += 1;
      });
    }
    return written;
  }

  async delete(env: string, id: string, ctx: EventContext) {
    const c = await this.row(env, id);
    const data = await this.eventData(c);
    await this.deps.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('connections').where('id', '=', id).execute();
      await appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'connection.deleted',
        data,
        organizationId: c.organization_id,
        context: ctx,
      });
    });
  }

  /** The active connection for an organization (the first active one if several). */
  async activeForOrganization(env: string, organizationId: string) {
    return this.deps.db
      .selectFrom('connections')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .where('state', '=', 'active')
      .orderBy('id', 'asc')
      .executeTakeFirst();
  }

  /** The active connection of the organization that owns an email's domain. */
  async activeForDomain(env: string, domain: string) {
    const org = await this.deps.db
      .selectFrom('organization_domains')
      .select('organization_id')
      .where('environment_id', '=', env)
      .where('domain', '=', domain.toLowerCase())
      .executeTakeFirst();
    return org ? this.activeForOrganization(env, org.organization_id) : undefined;
  }

  /** Routing: a connection id, else an organization's active connection, else a domain's. */
  async resolve(
    env: string,
    r: { connection?: string; organization?: string; domain?: string; loginHint?: string; provider?: string },
  ) {
    if (r.connection) {
      const conn = await this.deps.db
        .selectFrom('connections')
        .selectAll()
        .where('environment_id', '=', env)
        .where('id', '=', r.connection)
        .executeTakeFirst();
      if (!conn)
        throw new AppError('invalid_connection', {
          message: `Connection not found in this environment: ${describeId(r.connection, 'conn')}.`,
        });
      if (conn.state !== 'active')
        throw new AppError('invalid_connection', {
          message: `Connection '${r.connection}' is ${conn.state}; activate it first.`,
        });
      return conn;
    }
    if (r.organization) {
      const org = await this.deps.db
        .selectFrom('organizations')
        .select('id')
        .where('environment_id', '=', env)
        .where('id', '=', r.organization)
        .executeTakeFirst();
      if (!org)
        throw new AppError('organization_invalid', {
          message: `Organization not found in this environment: ${describeId(r.organization, 'org')}.`,
        });
      const conn = await this.activeForOrganization(env, org.id);
      if (!conn)
        throw new AppError('organization_invalid', {
          message: `Organization '${r.organization}' has no active SSO connection. Set one up (Admin Portal or POST /connections).`,
        });
      return conn;
    }
    const domain = r.domain ?? (r.loginHint?.includes('@') ? r.loginHint.split('@')[1] : undefined);
    if (domain) {
      const conn = await this.activeForDomain(env, domain);
      if (!conn)
        throw new AppError('invalid_connection', {
          message: `No organization with an active SSO connection owns the domain ${quote(domain, 253)}.`,
        });
      return conn;
    }
    if (r.provider)
      throw new AppError('invalid_request', {
        message: `provider ${quote(r.provider)} is not configured on this Portico server.`,
      });
    throw new AppError('invalid_request', {
      message: 'Pass connection, organization, domain_hint or login_hint to choose the SSO connection.',
    });
  }
}
