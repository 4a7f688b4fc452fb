/** @jsxImportSource hono/jsx */
/**
 * SSO endpoints: WorkOS's `/connections` read/delete and `/sso/authorize|token|profile`
 * (reference §5.1), Portico's connection management API and tracer, and the SAML SP endpoints
 * (metadata, ACS) and OIDC callback the IdPs talk to.
 */
import { buildSpMetadata } from '@portico/saml';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId, quote } from '../../platform/errors.ts';
import { listOf, listSchema, paginationQuery, readForm } from '../../platform/http.ts';
import { type ApiSurface, apiEventContext, bearer } from '../../surfaces/api.ts';
import { openAuthorizeRequest } from '../../surfaces/authorize.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import { setPageBrand } from '../../surfaces/hosted.ts';
import { clientIp } from '../../surfaces/json-surface.ts';
import { errorPage, pageErrors } from '../../surfaces/page-layout.tsx';
import type { TokenSurface } from '../../surfaces/token.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { type ConnectionService, spValues } from './connections.ts';
import { SsoFailure, type SsoService } from './service.ts';
import { ReturnPath, startTestSignIn } from './test-sign-in.tsx';
import { ConnectionWire, CreateConnectionBody, ProfileWire, UpdateConnectionBody } from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });

export function ssoApiRoutes(api: ApiSurface, deps: Deps, connections: ConnectionService, sso: SsoService) {
  api.route({
    method: 'get',
    path: '/connections',
    summary: 'List connections',
    query: paginationQuery.extend({
      organization_id: z.string().optional(),
      connection_type: z.string().optional(),
      domain: z.string().optional(),
    }),
    response: listSchema(ConnectionWire),
    handler: async ({ env, query }) => {
      const page = await connections.list(env.environmentId, query, {
        organizationId: query.organization_id,
        connectionType: query.connection_type,
        domain: query.domain,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/connections/:id',
    summary: 'Get a connection',
    params: idParam,
    response: ConnectionWire,
    handler: async ({ env, params }) => connections.wire(await connections.row(env.environmentId, params.id)),
  });
  api.route({
    method: 'delete',
    path: '/connections/:id',
    summary: 'Delete a connection',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await connections.delete(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });
  api.route({
    method: 'post',
    path: '/connections',
    summary: 'Create a SAML or OIDC connection (Portico)',
    body: CreateConnectionBody,
    status: 201,
    handler: ({ env, body }) => connections.create(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'patch',
    path: '/connections/:id',
    summary: 'Update or (de)activate a connection (Portico)',
    params: idParam,
    body: UpdateConnectionBody,
    handler: ({ env, params, body }) =>
      connections.update(env.environmentId, params.id, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/connections/:id/setup',
    summary: 'A connection’s set-up values: ACS URL, entity id, metadata URL, certificates (Portico)',
    params: idParam,
    handler: async ({ env, params }) =>
      connections.details(await connections.row(env.environmentId, params.id)),
  });
  api.route({
    method: 'post',
    path: '/connections/:id/certificates',
    summary:
      'Trust one more IdP signing certificate beside the others — the IdP’s next one, for a rotation without a gap; kept across metadata refreshes until it expires or is removed (Portico)',
    params: idParam,
    body: z.object({ certificate: z.string().min(20).max(20_000) }),
    status: 201,
    handler: ({ env, params, body }) =>
      connections.addCertificate(env.environmentId, params.id, body.certificate, apiEventContext(env)),
  });
  api.route({
    method: 'delete',
    path: '/connections/:id/certificates/:fingerprint',
    summary:
      'Stop trusting one IdP signing certificate, by its SHA-256 fingerprint (hex); refused for the last one and for one the IdP’s metadata publishes (Portico)',
    params: z.object({ id: z.string().min(1).max(128), fingerprint: z.string().regex(/^[0-9a-fA-F]{64}$/) }),
    handler: ({ env, params }) =>
      connections.removeCertificate(env.environmentId, params.id, params.fingerprint, apiEventContext(env)),
  });
  api.route({
    method: 'post',
    path: '/connections/:id/test_sign_in',
    summary: 'Start a test sign-in at the connection’s IdP; the browser comes back to return_to (Portico)',
    params: idParam,
    body: z.object({ return_to: ReturnPath.optional() }),
    handler: async ({ env, params, body }) => {
      const c = await connections.row(env.environmentId, params.id);
      return {
        url: await startTestSignIn(deps, sso, c, body.return_to ?? `/#/connections/${c.id}`),
      };
    },
  });
  api.route({
    method: 'get',
    path: '/connections/:id/sso_traces',
    summary: 'Recent SSO attempts with their steps and failure reasons (Portico)',
    params: idParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
    handler: async ({ env, params, query }) => {
      await connections.row(env.environmentId, params.id);
      return { object: 'list', data: await sso.traces(env.environmentId, params.id, query.limit) };
    },
  });
}

export function ssoBrowserRoutes(
  app: Hono,
  deps: Deps,
  tokenSurface: TokenSurface,
  connections: ConnectionService,
  sso: SsoService,
  environments: EnvironmentService,
) {
  const meta = (c: Context) => ({ ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null });

  /** Sends an SSO failure back to the app when the flow is known, else explains it on a page. */
  const failure = (c: Context, err: unknown) => {
    if (!(err instanceof SsoFailure)) throw err;
    if (err.flow) {
      const url = new URL(err.flow.redirect_uri);
      url.searchParams.set('error', err.code);
      url.searchParams.set('error_description', `${err.message} ${err.fix}`);
      if (err.flow.app_state !== null) url.searchParams.set('state', err.flow.app_state);
      return c.redirect(url.toString(), 302);
    }
    return errorPage(c, 400, {
      title: 'Single sign-on failed',
      code: err.code,
      message: err.message,
      hint: err.fix,
    });
  };

  app.get('/sso/saml/:id/metadata', async (c) => {
    const conn = await deps.db
      .selectFrom('connections')
      .select(['id', 'protocol', 'environment_id'])
      .where('id', '=', c.req.param('id'))
      .executeTakeFirst();
    if (conn?.protocol !== 'saml') {
      return c.json(
        {
          code: 'entity_not_found',
          message: `SAML connection not found: ${describeId(c.req.param('id'), 'conn')}.`,
        },
        404,
      );
    }
    const sp = spValues(deps.config.publicUrl, conn);
    const key = await sso.spKeys.get(conn.environment_id);
    const xml = buildSpMetadata({
      entityId: sp.sp_entity_id,
      acsUrl: sp.acs_url,
      certificate: key.certificatePem,
      encryptionCertificate: key.certificatePem,
      wantAssertionsSigned: true,
    });
    return c.body(xml, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' });
  });

  // SAML responses are a few KiB; 2 MiB leaves room for large group lists and certificates.
  const acsLimit = bodyLimit({
    maxSize: 2 * 1024 * 1024,
    onError: (c) =>
      errorPage(c, 413, {
        title: 'Single sign-on failed',
        code: 'payload_too_large',
        message: 'The SAML response posted to the ACS is larger than 2 MiB.',
        hint: 'Reduce the attributes (for example group lists) the IdP sends.',
      }),
  });
  /** The connection's environment brands the pages that explain a failed return from its IdP. */
  const connectionBrand: MiddlewareHandler = async (c, next) => {
    const conn = await deps.db
      .selectFrom('connections')
      .select('environment_id')
      .where('id', '=', c.req.param('id') ?? '')
      .executeTakeFirst();
    if (conn) setPageBrand(c, await loadPageBrand(deps.db, conn.environment_id));
    await next();
  };
  app.post('/sso/saml/:id/acs', pageErrors, connectionBrand, acsLimit, async (c) => {
    const form = await readForm(c);
    const samlResponse = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : '';
    if (!samlResponse)
      return errorPage(c, 400, {
        title: 'Single sign-on failed',
        code: 'saml_response_missing',
        message: 'The IdP posted no SAMLResponse to the ACS URL.',
        hint: 'Configure the IdP to use the HTTP-POST binding for this ACS URL.',
      });
    try {
      const target = await sso.acs(
        c.req.param('id'),
        samlResponse,
        typeof form.RelayState === 'string' ? form.RelayState : null,
        meta(c),
      );
      return c.redirect(target, 302);
    } catch (err) {
      return failure(c, err);
    }
  });

  app.get('/sso/oidc/:id/callback', pageErrors, connectionBrand, async (c) => {
    try {
      const target = await sso.oidcCallback(c.req.param('id'), new URL(c.req.url), meta(c));
      return c.redirect(target, 302);
    } catch (err) {
      return failure(c, err);
    }
  });

  // ── the SSO API ──────────────────────────────────────────────────────────
  app.get('/sso/authorize', pageErrors, async (c) => {
    const opened = await openAuthorizeRequest(
      c,
      deps,
      environments,
      'sso.getAuthorizationUrl does not fill clientId from the constructor: pass clientId explicitly.',
    );
    if (opened instanceof Response) return opened;
    const { one, env, redirectUri, state, fail } = opened;
    try {
      const conn = await connections.resolve(env.id, {
        connection: one('connection'),
        organization: one('organization'),
        domain: one('domain_hint') ?? one('domain'),
        loginHint: one('login_hint'),
        provider: one('provider'),
      });
      const url = await sso.start(conn, {
        kind: 'sso_api',
        redirectUri,
        appState: state,
        codeChallenge: one('code_challenge') ?? null,
        loginHint: one('login_hint'),
        meta: meta(c),
      });
      return c.redirect(url, 302);
    } catch (err) {
      return fail(err);
    }
  });

  tokenSurface.route({
    method: 'post',
    path: '/sso/token',
    summary: 'Exchange an SSO code for the profile (form-encoded)',
    acceptsForm: true,
    sealReplay: true,
    body: z
      .object({
        grant_type: z.string(),
        code: z.string().min(1).max(512),
        code_verifier: z.string().optional(),
      })
      .passthrough(),
    response: z.object({
      token_type: z.literal('Bearer'),
      access_token: z.string(),
      expires_in: z.number(),
      profile: ProfileWire,
    }),
    handler: async ({ env, body }) => {
      if (body.grant_type !== 'authorization_code') {
        throw new AppError('unsupported_grant_type', {
          message: `grant_type must be authorization_code for /sso/token, not ${quote(body.grant_type)}.`,
        });
      }
      return sso.exchange(env.id, body.code, body.code_verifier, env.confidential);
    },
  });

  app.get('/sso/profile', async (c) => {
    const t = bearer(c);
    const profile = t ? await sso.profileForToken(t) : null;
    if (!profile)
      return c.json(
        {
          error: 'Unauthorized',
          message: 'The profile access token is missing, invalid or expired (they last 10 minutes).',
        },
        401,
      );
    return c.json(profile, 200);
  });
}
