/**
 * The Admin Portal's JSON API (`/portal/api/…`), used by the portal SPA. Authenticated by the
 * portal session cookie; every write also carries `X-Portico-CSRF` (an HMAC of the session id,
 * handed out by `GET /portal/api/session`). Every query is scoped to the session's environment,
 * organization and intent: an sso session cannot reach directories, and another organization's
 * connection, directory or domain id answers 404 as if it did not exist. Business rules live in
 * the existing services (connections, SSO, directories, organizations); this module only maps
 * the portal's choices onto them and records the actor as `admin_portal`.
 */
import type { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import type { ContractRegistry } from '../../platform/contract.ts';
import { constantTimeEqual } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AuditLogStreamService } from '../audit-logs/streams/service.ts';
import type { DirectoryService } from '../directory-sync/service.ts';
import type { EventContext } from '../events/outbox.ts';
import { organizationRepo } from '../organizations/repo.ts';
import { checkDomainTxt, type OrganizationService, VERIFICATION_PREFIX } from '../organizations/service.ts';
import { CreateDomainBody } from '../organizations/wire.ts';
import { trustedCertificates } from '../sso/certificates.ts';
import { type ConnectionService, spValues } from '../sso/connections.ts';
import type { SsoService } from '../sso/service.ts';
import { AttributeMapBody, OidcSetup } from '../sso/wire.ts';
import { type PortalLinks, type PortalSession, SESSION_COOKIE } from './links.ts';
import { portalLogStreamRoutes } from './portal-log-streams.ts';
import type { PortalIntent } from './wire.ts';

/**
 * The IdPs the portal offers for SSO, and the connection type each becomes. `label` is the tile's
 * text (a generic tile says what it is: "Other SAML 2.0 identity provider"); `name` goes into the
 * connection's name.
 */
export const SSO_IDPS = {
  okta: { type: 'OktaSAML', label: 'Okta', name: 'Okta' },
  entra: { type: 'AzureSAML', label: 'Microsoft Entra ID', name: 'Microsoft Entra ID' },
  google: { type: 'GoogleSAML', label: 'Google Workspace', name: 'Google Workspace' },
  adfs: { type: 'ADFSSAML', label: 'Microsoft AD FS', name: 'Microsoft AD FS' },
  saml: { type: 'GenericSAML', label: 'Other SAML 2.0 identity provider', name: 'SAML 2.0' },
  oidc: { type: 'GenericOIDC', label: 'Other OpenID Connect provider', name: 'OpenID Connect' },
} as const;

/** The IdPs the portal offers for Directory Sync, and the directory type each becomes. */
export const DIRECTORY_IDPS = {
  okta: { type: 'okta scim v2.0', label: 'Okta', name: 'Okta' },
  entra: { type: 'azure scim v2.0', label: 'Microsoft Entra ID', name: 'Microsoft Entra ID' },
  google: { type: 'gsuite directory', label: 'Google Workspace', name: 'Google Workspace' },
  onelogin: { type: 'onelogin scim v2.0', label: 'OneLogin', name: 'OneLogin' },
  jumpcloud: { type: 'jump cloud scim v2.0', label: 'JumpCloud', name: 'JumpCloud' },
  generic: { type: 'generic scim v2.0', label: 'Other SCIM 2.0 directory', name: 'SCIM 2.0' },
} as const;

export const TEST_CALLBACK_PATH = '/portal/sso/test/callback';

const idParam = z.object({ id: z.string().min(1).max(128) });

export interface PortalServices {
  links: PortalLinks;
  connections: ConnectionService;
  sso: SsoService;
  directories: DirectoryService;
  organizations: OrganizationService;
  streams: AuditLogStreamService;
}

export function need(s: PortalSession, ...intents: PortalIntent[]) {
  if (!intents.includes(s.intent)) {
    throw new AppError('portal_intent_not_allowed', {
      message: `This portal session was opened for '${s.intent}', not for ${intents.map((i) => `'${i}'`).join(' or ')}. Ask the application that sent you here for a link with that intent.`,
    });
  }
}

export function portalContext(s: PortalSession): EventContext {
  return { actor: { id: s.id, source: 'admin_portal', name: null } };
}

export function portalApiRoutes(
  app: Hono,
  deps: Deps,
  registry: ContractRegistry,
  limiter: RateLimiter,
  svc: PortalServices,
) {
  const portal = new JsonSurface<PortalSession>(app, deps, registry, limiter, {
    name: 'portal',
    async authenticate(c) {
      const session = await svc.links.session(getCookie(c, SESSION_COOKIE));
      if (!session) throw new AppError('portal_session_required');
      if (c.req.method !== 'GET') {
        const sent = c.req.header('x-portico-csrf');
        if (!sent || !constantTimeEqual(sent, svc.links.csrfFor(session.id)))
          throw new AppError('portal_csrf_invalid');
      }
      return session;
    },
    rateLimit: (s) => ({ bucket: `portal:${s.id}`, limit: 600, windowMs: 60_000 }),
    environmentIdOf: (s) => s.environmentId,
  });

  const ownConnection = async (s: PortalSession, id: string) => {
    const c = await svc.connections.row(s.environmentId, id);
    if (c.organization_id !== s.organizationId) throw notFound('Connection', id);
    return c;
  };
  const ownDirectory = async (s: PortalSession, id: string) => {
    const d = await svc.directories.get(s.environmentId, id);
    if (d.organization_id !== s.organizationId) throw notFound('Directory', id);
    return d;
  };
  const connectionView = async (s: PortalSession, id: string) => {
    const c = await ownConnection(s, id);
    const details = await svc.connections.details(c);
    const now = deps.clock.now();
    const sp = spValues(deps.config.publicUrl, c);
    // A connection is live for sign-in as soon as its set-up is complete (state 'active'); whether
    // a sign-in through it has ever succeeded is what tells the IT admin it was tested.
    const succeeded = (await svc.sso.traces(s.environmentId, c.id, 50)).find(
      (t) => t.outcome === 'succeeded',
    );
    return {
      ...details,
      sp,
      last_successful_sign_in_at: succeeded?.finished_at ?? null,
      certificates: trustedCertificates(c, now).map(({ info, source }) => ({ ...info, source })),
      metadata_url: c.saml_idp_metadata_url,
    };
  };

  portal.route({
    method: 'get',
    path: '/portal/api/session',
    summary: 'Admin Portal: the session, its organization, intent and CSRF token',
    handler: async ({ env: s }) => ({
      organization: { id: s.organizationId, name: s.organizationName },
      intent: s.intent,
      intent_options: s.intentOptions,
      return_url: s.returnUrl,
      success_url: s.successUrl,
      expires_at: s.expiresAt,
      csrf: svc.links.csrfFor(s.id),
      sso_idps: Object.entries(SSO_IDPS).map(([id, v]) => ({ id, ...v })),
      directory_idps: Object.entries(DIRECTORY_IDPS).map(([id, v]) => ({ id, ...v })),
    }),
  });

  // ── SSO ───────────────────────────────────────────────────────────────────

  portal.route({
    method: 'get',
    path: '/portal/api/sso/connections',
    summary: 'Admin Portal: the organization’s connections',
    handler: async ({ env: s }) => {
      need(s, 'sso', 'certificate_renewal');
      const rows = await deps.db
        .selectFrom('connections')
        .select('id')
        .where('environment_id', '=', s.environmentId)
        .where('organization_id', '=', s.organizationId)
        .orderBy('id', 'asc')
        .execute();
      return { data: await Promise.all(rows.map((r) => connectionView(s, r.id))) };
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/sso/connections',
    summary: 'Admin Portal: create a connection for the organization',
    body: z.object({ idp: z.enum(Object.keys(SSO_IDPS) as [keyof typeof SSO_IDPS]) }),
    status: 201,
    handler: async ({ env: s, body }) => {
      need(s, 'sso');
      const idp = SSO_IDPS[body.idp];
      const created = await svc.connections.create(
        s.environmentId,
        {
          name: `${s.organizationName} · ${idp.name}`,
          organization_id: s.organizationId,
          connection_type: idp.type,
        },
        portalContext(s),
      );
      return connectionView(s, created.id);
    },
  });
  portal.route({
    method: 'get',
    path: '/portal/api/sso/connections/:id',
    summary: 'Admin Portal: a connection with the values the IdP needs',
    params: idParam,
    handler: async ({ env: s, params }) => {
      need(s, 'sso', 'certificate_renewal');
      return connectionView(s, params.id);
    },
  });
  portal.route({
    method: 'put',
    path: '/portal/api/sso/connections/:id',
    summary: 'Admin Portal: set the IdP metadata, OIDC settings or attribute mapping',
    params: idParam,
    body: z.object({
      saml: z
        .object({
          idp_metadata_url: z.string().url().max(2048).optional(),
          idp_metadata_xml: z.string().min(20).max(2_000_000).optional(),
        })
        .optional(),
      oidc: OidcSetup.partial().optional(),
      attribute_map: AttributeMapBody.optional(),
    }),
    handler: async ({ env: s, params, body }) => {
      need(s, 'sso');
      await ownConnection(s, params.id);
      await svc.connections.update(s.environmentId, params.id, body, portalContext(s));
      return connectionView(s, params.id);
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/sso/connections/:id/test',
    summary: 'Admin Portal: start a test sign-in with the connection',
    params: idParam,
    body: z.object({}).passthrough(),
    handler: async ({ env: s, params }) => {
      need(s, 'sso', 'certificate_renewal');
      const c = await ownConnection(s, params.id);
      // The test's id travels as the flow's state; the callback and the verdict find it by that.
      const testId = `${s.id}.${deps.ids.next('portal_test')}`;
      const url = await svc.sso.start(c, {
        kind: 'sso_api',
        redirectUri: `${deps.config.publicUrl}${TEST_CALLBACK_PATH}`,
        appState: testId,
        codeChallenge: null,
      });
      return { authorization_url: url, test_id: testId };
    },
  });
  portal.route({
    method: 'get',
    path: '/portal/api/sso/tests/:id',
    summary: 'Admin Portal: the verdict of a test sign-in',
    params: z.object({ id: z.string().min(1).max(200) }),
    handler: async ({ env: s, params }) => {
      need(s, 'sso', 'certificate_renewal');
      if (!params.id.startsWith(`${s.id}.`)) throw notFound('Test sign-in', params.id);
      const flow = await deps.db
        .selectFrom('sso_flows')
        .select(['connection_id', 'trace_id'])
        .where('environment_id', '=', s.environmentId)
        .where('app_state', '=', params.id)
        .executeTakeFirst();
      if (!flow?.trace_id) throw notFound('Test sign-in', params.id);
      const c = await ownConnection(s, flow.connection_id);
      const trace = (await svc.sso.traces(s.environmentId, c.id, 50)).find((t) => t.id === flow.trace_id);
      if (!trace) throw notFound('Test sign-in', params.id);
      return {
        test_id: params.id,
        connection_id: c.id,
        outcome: trace.outcome,
        email: trace.email,
        error: trace.error,
        steps: trace.steps,
        started_at: trace.started_at,
        finished_at: trace.finished_at,
      };
    },
  });

  // ── certificate renewal ─────────────────────────────────────────────────

  portal.route({
    method: 'post',
    path: '/portal/api/sso/connections/:id/certificates',
    summary: 'Admin Portal: add the IdP’s next signing certificate (both stay valid)',
    params: idParam,
    body: z.object({ certificate: z.string().min(20).max(20_000) }),
    status: 201,
    handler: async ({ env: s, params, body }) => {
      need(s, 'certificate_renewal', 'sso');
      const c = await ownConnection(s, params.id);
      await svc.connections.addCertificate(s.environmentId, c.id, body.certificate, portalContext(s));
      return connectionView(s, c.id);
    },
  });
  portal.route({
    method: 'delete',
    path: '/portal/api/sso/connections/:id/certificates/:fingerprint',
    summary: 'Admin Portal: remove an IdP certificate that is no longer used',
    params: z.object({ id: z.string().min(1).max(128), fingerprint: z.string().regex(/^[0-9a-f]{64}$/) }),
    handler: async ({ env: s, params }) => {
      need(s, 'certificate_renewal', 'sso');
      const c = await ownConnection(s, params.id);
      await svc.connections.removeCertificate(s.environmentId, c.id, params.fingerprint, portalContext(s));
      return connectionView(s, c.id);
    },
  });

  // ── Directory Sync ──────────────────────────────────────────────────────

  const directoryView = (d: Awaited<ReturnType<DirectoryService['get']>>) => ({
    id: d.id,
    name: d.name,
    type: d.type,
    state: d.state,
    scim_base_url: svc.directories.scimBaseUrl(d.id),
    token_hint: d.token_hint,
    created_at: d.created_at,
  });

  portal.route({
    method: 'get',
    path: '/portal/api/directories',
    summary: 'Admin Portal: the organization’s directories',
    handler: async ({ env: s }) => {
      need(s, 'dsync');
      const rows = await deps.db
        .selectFrom('directories')
        .selectAll()
        .where('environment_id', '=', s.environmentId)
        .where('organization_id', '=', s.organizationId)
        .orderBy('id', 'asc')
        .execute();
      return { data: rows.map(directoryView) };
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/directories',
    summary: 'Admin Portal: create a directory (its SCIM token is shown once)',
    body: z.object({ idp: z.enum(Object.keys(DIRECTORY_IDPS) as [keyof typeof DIRECTORY_IDPS]) }),
    status: 201,
    handler: async ({ env: s, body }) => {
      need(s, 'dsync');
      const idp = DIRECTORY_IDPS[body.idp];
      const created = await svc.directories.create(
        s.environmentId,
        {
          organization_id: s.organizationId,
          name: `${s.organizationName} · ${idp.name}`,
          type: idp.type,
          deprovision: 'deactivate',
        },
        portalContext(s),
      );
      const d = await ownDirectory(s, created.id);
      return { ...directoryView(d), bearer_token: created.scim.bearer_token };
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/directories/:id/token',
    summary: 'Admin Portal: replace the directory’s SCIM token (the old one stops working)',
    params: idParam,
    body: z.object({}).passthrough(),
    handler: async ({ env: s, params }) => {
      need(s, 'dsync');
      await ownDirectory(s, params.id);
      const rotated = await svc.directories.rotateToken(s.environmentId, params.id);
      const d = await ownDirectory(s, params.id);
      return { ...directoryView(d), bearer_token: rotated.scim.bearer_token };
    },
  });
  const page = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });
  portal.route({
    method: 'get',
    path: '/portal/api/directories/:id/users',
    summary: 'Admin Portal: the users the IdP has provisioned',
    params: idParam,
    query: page,
    handler: async ({ env: s, params, query }) => {
      need(s, 'dsync');
      await ownDirectory(s, params.id);
      const list = await svc.directories.listUsers(
        s.environmentId,
        { limit: query.limit, order: 'desc' },
        { directory: params.id },
      );
      return {
        data: list.data.map((u) => ({
          id: u.id,
          email: u.email,
          first_name: u.first_name,
          last_name: u.last_name,
          state: u.state,
          groups: (u.groups ?? []).map((g) => g.name),
        })),
      };
    },
  });
  portal.route({
    method: 'get',
    path: '/portal/api/directories/:id/groups',
    summary: 'Admin Portal: the groups the IdP has provisioned',
    params: idParam,
    query: page,
    handler: async ({ env: s, params, query }) => {
      need(s, 'dsync');
      await ownDirectory(s, params.id);
      const list = await svc.directories.listGroups(
        s.environmentId,
        { limit: query.limit, order: 'desc' },
        { directory: params.id },
      );
      return { data: list.data.map((g) => ({ id: g.id, name: g.name })) };
    },
  });

  // ── domain verification ─────────────────────────────────────────────────

  const domainView = (d: {
    id: string;
    domain: string;
    state: string;
    verification_token: string | null;
  }) => ({
    id: d.id,
    domain: d.domain,
    state: d.state,
    record_type: 'TXT',
    record_name: `${VERIFICATION_PREFIX}.${d.domain}`,
    record_value: d.verification_token,
  });
  const ownDomain = async (s: PortalSession, id: string) => {
    const d = await organizationRepo.getDomain(deps.db, s.environmentId, id);
    if (!d || d.organization_id !== s.organizationId) throw notFound('Organization domain', id);
    return d;
  };

  portal.route({
    method: 'get',
    path: '/portal/api/domains',
    summary: 'Admin Portal: the organization’s domains and their TXT records',
    handler: async ({ env: s }) => {
      need(s, 'domain_verification');
      const rows =
        (await organizationRepo.domainsFor(deps.db, s.environmentId, [s.organizationId])).get(
          s.organizationId,
        ) ?? [];
      return { data: rows.map(domainView) };
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/domains',
    summary: 'Admin Portal: add a domain to verify',
    body: CreateDomainBody.pick({ domain: true }),
    status: 201,
    handler: async ({ env: s, body }) => {
      need(s, 'domain_verification');
      const created = await svc.organizations.createDomain(
        s.environmentId,
        { organization_id: s.organizationId, domain: body.domain },
        portalContext(s),
      );
      return domainView(await ownDomain(s, created.id));
    },
  });
  portal.route({
    method: 'post',
    path: '/portal/api/domains/:id/verify',
    summary: 'Admin Portal: look up the TXT record and verify the domain',
    params: idParam,
    body: z.object({}).passthrough(),
    handler: async ({ env: s, params }) => {
      need(s, 'domain_verification');
      const d = await ownDomain(s, params.id);
      if (d.verification_strategy !== 'dns') {
        const check = await checkDomainTxt(deps, d);
        return { ...domainView(d), check };
      }
      const r = await svc.organizations.verifyDomain(s.environmentId, d.id, portalContext(s));
      return { ...domainView(await ownDomain(s, d.id)), check: r.check };
    },
  });

  portalLogStreamRoutes(portal, svc.streams, need);
  return portal;
}
