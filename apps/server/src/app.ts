/**
 * App wiring: builds the services from one `deps` object and mounts each surface. Nothing here
 * listens on a port; `main.ts` does that, tests call `app.request()` or listen themselves.
 */

import dnsPromises from 'node:dns/promises';
import { ScimError, scimErrorBody } from '@portico/scim';
import { type Context, Hono } from 'hono';
import pino from 'pino';
import type { Config } from './config.ts';
import { auditLogAdminRoutes } from './features/admin/audit-logs.ts';
import { adminRoutes, dashboardSession } from './features/admin/routes.ts';
import { AdminService } from './features/admin/service.ts';
import { PortalLinks } from './features/admin-portal/links.ts';
import { portalAuditLogRoutes } from './features/admin-portal/portal-audit-logs.ts';
import { adminPortalRoutes } from './features/admin-portal/routes.tsx';
import { AuditExportService } from './features/audit-logs/exports.ts';
import { PlatformAuditService } from './features/audit-logs/platform.ts';
import { platformAuditRoutes } from './features/audit-logs/platform-routes.ts';
import { AuditLogViewer } from './features/audit-logs/query.ts';
import { auditLogRoutes } from './features/audit-logs/routes.ts';
import { AuditLogService } from './features/audit-logs/service.ts';
import { auditLogStreamRoutes } from './features/audit-logs/streams/routes.ts';
import { AuditLogStreamService } from './features/audit-logs/streams/service.ts';
import { oneTimeCodeRoutes } from './features/authkit/code-routes.ts';
import { AuthorizationCodes } from './features/authkit/codes.ts';
import { continueRoutes } from './features/authkit/continue-routes.tsx';
import { DeviceAuthorizations } from './features/authkit/device.ts';
import { deviceRoutes } from './features/authkit/device-routes.tsx';
import { EmailVerificationService } from './features/authkit/email-verification.ts';
import { MagicAuthIdentity } from './features/authkit/identities/magic-auth.ts';
import { OAuthIdentity } from './features/authkit/identities/oauth.ts';
import { PasskeyIdentity } from './features/authkit/identities/passkey.ts';
import { PasswordIdentity } from './features/authkit/identities/password.ts';
import { oauthAdminRoutes, oauthRoutes } from './features/authkit/oauth-routes.tsx';
import { OrganizationSelection } from './features/authkit/organization-selection.ts';
import { PendingAuthentications } from './features/authkit/pending.ts';
import { passwordResetPageRoutes } from './features/authkit/reset-routes.tsx';
import { authkitRoutes } from './features/authkit/routes.tsx';
import { AuthKitService } from './features/authkit/service.ts';
import { SignInPipeline } from './features/authkit/sign-in.ts';
import { directoryApiRoutes, scimRoutes } from './features/directory-sync/routes.ts';
import { DirectoryService } from './features/directory-sync/service.ts';
import { emailAdminRoutes } from './features/email/routes.ts';
import { EmailService } from './features/email/service.ts';
import { EnvironmentService } from './features/environments/service.ts';
import { eventRoutes } from './features/events/routes.ts';
import { EventService } from './features/events/service.ts';
import { impersonationAdminRoutes, impersonationPageRoutes } from './features/impersonation/routes.tsx';
import { ImpersonationService } from './features/impersonation/service.ts';
import { invitationPageRoutes } from './features/invitations/hosted.tsx';
import { invitationRoutes } from './features/invitations/routes.ts';
import { InvitationService } from './features/invitations/service.ts';
import { MembershipService } from './features/memberships/service.ts';
import { mfaAdminRoutes, mfaRoutes } from './features/mfa/routes.ts';
import { MfaService } from './features/mfa/service.ts';
import { DevSmsOutbox } from './features/mfa/sms.ts';
import { organizationRoutes } from './features/organizations/routes.ts';
import { OrganizationService } from './features/organizations/service.ts';
import { passkeyAdminRoutes, passkeyRoutes } from './features/passkeys/routes.ts';
import { PasskeyService } from './features/passkeys/service.ts';
import { roleRoutes } from './features/roles/routes.ts';
import { RoleService } from './features/roles/service.ts';
import { KeyStore } from './features/sessions/keys.ts';
import { SessionService } from './features/sessions/service.ts';
import { ConnectionService } from './features/sso/connections.ts';
import { ssoApiRoutes, ssoBrowserRoutes } from './features/sso/routes.tsx';
import { SsoService } from './features/sso/service.ts';
import { ensureTestOrganization, testIdpRoutes } from './features/sso/test-idp.tsx';
import { ensureTestOidc, testOidcRoutes } from './features/sso/test-oidc.tsx';
import { testSignInRoutes } from './features/sso/test-sign-in.tsx';
import { PasswordResetService } from './features/users/password-reset.ts';
import { passwordResetRoutes } from './features/users/password-reset-routes.ts';
import { userRoutes } from './features/users/routes.ts';
import { UserService } from './features/users/service.ts';
import { webhookRoutes } from './features/webhooks/routes.ts';
import { WebhookService } from './features/webhooks/service.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { ContractRegistry } from './platform/contract.ts';
import { SecretBox } from './platform/crypto.ts';
import { type DatabaseHandle, migrate } from './platform/db.ts';
import type { Deps, DnsResolver } from './platform/deps.ts';
import { AppError, quote } from './platform/errors.ts';
import { invalidCharacters, urlBadCharacters } from './platform/http.ts';
import { createIds } from './platform/ids.ts';
import { cryptoRandom, type Random, token } from './platform/random.ts';
import { ApiKeyResolver, authenticateApi, createApiSurface } from './surfaces/api.ts';
import { browserWriteGuard, checkBrowserWrite } from './surfaces/browser-writes.ts';
import { RateLimiter, renderJsonError, toAppError } from './surfaces/common.ts';
import { errorPage } from './surfaces/page-layout.tsx';
import { serveSpa, spaAssetRoutes } from './surfaces/spa.ts';
import { createTokenSurface } from './surfaces/token.ts';

export interface BuildOptions {
  config: Readonly<Config>;
  database: DatabaseHandle;
  clock?: Clock;
  random?: Random;
  logger?: pino.Logger;
  /** DNS resolver for domain verification (default node:dns/promises). */
  dns?: DnsResolver;
}

export interface Portico {
  app: Hono;
  /** Requests being handled right now (graceful shutdown waits for zero). */
  inFlight(): number;
  deps: Deps;
  services: {
    environments: EnvironmentService;
    organizations: OrganizationService;
    users: UserService;
    memberships: MembershipService;
    invitations: InvitationService;
    sessions: SessionService;
    authkit: AuthKitService;
    keys: KeyStore;
    apiKeys: ApiKeyResolver;
    events: EventService;
    webhooks: WebhookService;
    connections: ConnectionService;
    sso: SsoService;
    directories: DirectoryService;
    admin: AdminService;
    emails: EmailService;
    passwordResets: PasswordResetService;
    mfa: MfaService;
    oauth: OAuthIdentity;
    passkeys: PasskeyService;
    auditLogs: AuditLogService;
    auditExports: AuditExportService;
    platformAudit: PlatformAuditService;
    auditStreams: AuditLogStreamService;
  };
  registry: ContractRegistry;
}

/**
 * Redacts secrets from log lines by where they travel, not by any key that happens to match:
 * `code` is hidden only inside a logged request body, query or form (an authorization code on
 * the token endpoints, the OAuth callbacks), because an error's own `err.code` (PostgreSQL's
 * SQLSTATE such as `23505`, SQLite's `SQLITE_CONSTRAINT_…`, Node's `ECONNREFUSED`) is what an
 * operator needs to read.
 */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.new_password',
  '*.password_reset_token',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.code_verifier',
  // MFA: an imported TOTP secret (createUserAuthFactor) and a hosted page's recovery code.
  '*.totp_secret',
  '*.recovery_code',
  '*.apiKey',
  // A log stream's credential (POST/PATCH /audit_logs/streams and the portal's log stream API).
  'body.secret',
  '*.body.secret',
  // `token`: a password reset token (resetPassword's body, the hosted reset page's query and form).
  ...['body', 'query', 'form'].flatMap((where) => [
    `${where}.code`,
    `*.${where}.code`,
    `${where}.token`,
    `*.${where}.token`,
  ]),
];

export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino(
    { level, redact: { paths: LOG_REDACT, censor: '[redacted]' }, base: { service: 'portico' } },
    destination,
  );
}

export function buildApp(opts: BuildOptions): Portico {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? cryptoRandom;
  const deps: Deps = {
    db: opts.database.db,
    dialect: opts.database.dialect,
    clock,
    random,
    ids: createIds(clock, random),
    config: opts.config,
    log: opts.logger ?? createLogger(opts.config.logLevel),
    secrets: new SecretBox(opts.config.secret),
    dns: opts.dns ?? { resolveTxt: (name) => dnsPromises.resolveTxt(name) },
  };

  const app = new Hono();
  const registry = new ContractRegistry();
  const limiter = new RateLimiter(deps);
  const apiKeys = new ApiKeyResolver(deps);

  // Request id, access log and the in-flight count (shutdown waits for it) on every request.
  let inFlight = 0;
  app.use('*', async (c, next) => {
    inFlight += 1;
    try {
      await handle(c, next);
    } finally {
      inFlight -= 1;
    }
  });
  const handle = async (c: Parameters<Parameters<typeof app.use>[1]>[0], next: () => Promise<void>) => {
    const incoming = c.req.header('x-request-id');
    const requestId =
      incoming && /^[A-Za-z0-9._-]{1,128}$/.test(incoming) ? incoming : token(random, 12, 'req_');
    c.set('requestId' as never, requestId as never);
    const started = performance.now();
    await next();
    c.res.headers.set('X-Request-ID', requestId);
    deps.log.debug(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  };

  // Hostile input is refused at the edge, before any route or lookup: a NUL anywhere in the
  // decoded URL (path id, query, SCIM filter) is `invalid_characters` on both databases (bodies
  // go through the shared parsers in platform/http.ts, which refuse it there).
  app.use('*', async (c, next) => {
    const field = urlBadCharacters(c.req.url);
    if (field === null) return next();
    const err = invalidCharacters(field);
    if (c.req.path.startsWith('/scim/')) {
      return c.body(JSON.stringify(scimErrorBody(new ScimError(400, 'invalidValue', err.message))), 400, {
        'Content-Type': 'application/scim+json',
      });
    }
    if ((c.req.header('accept') ?? '').includes('text/html')) {
      return errorPage(c, 400, {
        title: 'This link cannot be used',
        code: err.code,
        message: 'The link contains a NUL character (%00), which Portico does not accept.',
        hint: 'Go back to the application and start again; if the link was typed or copied, check it.',
      });
    }
    return renderJsonError(c, err);
  });

  // State-changing requests of the dashboard and the Admin Portal come from their own pages, as JSON
  // (login CSRF, cross-site forms): checked before any route reads a body or authenticates.
  app.use('/_admin/*', browserWriteGuard(deps));
  app.use('/portal/api/*', browserWriteGuard(deps));

  const roles = new RoleService(deps);
  // AuthKit's emails (features/email): services that send one take it as a constructor argument.
  const emails = new EmailService(deps);
  const keys = new KeyStore(deps);
  const environments = new EnvironmentService(deps);
  const organizations = new OrganizationService(deps);
  const users = new UserService(deps);
  const memberships = new MembershipService(deps, roles);
  const invitations = new InvitationService(deps, roles, memberships, emails);
  const sessions = new SessionService(deps, keys, roles);
  // Sign-in flows one way: identity modules (password, SSO…) → the pipeline → codes and sessions.
  const codes = new AuthorizationCodes(deps, sessions, users, invitations);
  const pendings = new PendingAuthentications(deps);
  const verifications = new EmailVerificationService(deps, users, emails, limiter);
  // SMS codes go through a pluggable sender; the default keeps them in the dev outbox.
  const smsOutbox = new DevSmsOutbox(deps);
  const mfa = new MfaService(deps, users, environments, limiter, smsOutbox);
  const passkeys = new PasskeyService(deps);
  users.onDelete((tx, env, id) => passkeys.deleteForUser(tx, env, id));
  const passkey = new PasskeyIdentity(deps, passkeys);
  const pipeline = new SignInPipeline(
    deps,
    users,
    memberships,
    sessions,
    codes,
    environments,
    pendings,
    verifications,
    invitations,
    mfa,
    passkeys,
  );
  const magicAuth = new MagicAuthIdentity(deps, users, emails, limiter);
  const password = new PasswordIdentity(deps, users, limiter);
  const authkit = new AuthKitService(
    deps,
    users,
    environments,
    pipeline,
    password,
    magicAuth,
    limiter,
    invitations,
    passkey,
  );
  const passwordResets = new PasswordResetService(deps, users, sessions, environments, limiter, emails);
  const events = new EventService(deps);
  const auditLogs = new AuditLogService(deps);
  const auditExports = new AuditExportService(deps);
  const platformAudit = new PlatformAuditService(deps);
  const auditStreams = new AuditLogStreamService(deps);
  const webhooks = new WebhookService(deps);
  const connections = new ConnectionService(deps);
  const organizationSelection = new OrganizationSelection(deps, users, memberships, connections);
  const sso = new SsoService(deps, environments, pipeline);
  const oauth = new OAuthIdentity(deps, pipeline, users);
  const devices = new DeviceAuthorizations(deps, codes, sessions, users);
  const directories = new DirectoryService(deps, sessions);
  organizations.onDelete((tx, env, id, ctx) => directories.deleteForOrganization(tx, env, id, ctx));

  const admin = new AdminService(deps, limiter);
  // The dashboard calls the WorkOS API with its session cookie + CSRF header instead of a key.
  const dashboardAuth = async (c: Context) => {
    const s = await dashboardSession(c, admin);
    // The dashboard's own writes through the WorkOS API get the same origin/JSON check.
    if (s) checkBrowserWrite(c, deps);
    return s
      ? {
          environmentId: s.environmentId,
          clientId: s.clientId,
          apiKeyId: null,
          admin: { id: s.admin.adminUserId, email: s.admin.email },
        }
      : null;
  };
  const api = createApiSurface(app, deps, registry, limiter, apiKeys, dashboardAuth);
  const tokenSurface = createTokenSurface(app, deps, registry, limiter, apiKeys, environments);

  app.get('/health', async (c) => {
    try {
      await deps.db.selectFrom('environments').select('id').limit(1).execute();
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'unavailable', message: 'The database is not reachable.' }, 503);
    }
  });
  app.get('/openapi.json', (c) => c.json(registry.openapi(deps.config.publicUrl)));
  // The developer dashboard (a React app; it signs in with its own admin accounts).
  spaAssetRoutes(app);
  app.get('/', (c) => serveSpa(c, 'index.html'));

  authkitRoutes(
    app,
    deps,
    tokenSurface,
    api,
    authkit,
    sessions,
    keys,
    { connections, sso },
    environments,
    {
      codes,
      pipeline,
      password,
      magicAuth,
      verifications,
      pendings,
      organizations: organizationSelection,
      users,
      sessions,
      mfa,
      oauth,
      devices,
    },
    oauth,
    passkeys,
  );
  deviceRoutes(app, deps, tokenSurface, devices, authkit, limiter);
  oauthRoutes(app, deps, api, oauth, limiter);
  oneTimeCodeRoutes(api, magicAuth, verifications);
  mfaRoutes(api, mfa);
  passkeyRoutes(api, passkeys, users);
  continueRoutes(app, deps, {
    pendings,
    pipeline,
    verifications,
    organizations: organizationSelection,
    users,
    mfa,
    passkeys: { service: passkeys, identity: passkey },
  });
  ssoApiRoutes(api, deps, connections, sso);
  testSignInRoutes(app, deps, sso);
  directoryApiRoutes(api, directories);
  scimRoutes(app, deps, directories);
  ssoBrowserRoutes(app, deps, tokenSurface, connections, sso, environments);
  if (!deps.config.production) {
    testIdpRoutes(app, deps, sso.spKeys, environments);
    testOidcRoutes(app, deps, environments);
  }
  organizationRoutes(api, organizations);
  roleRoutes(api, roles);
  userRoutes(api, users, memberships);
  passwordResetRoutes(api, passwordResets);
  passwordResetPageRoutes(app, deps, authkit, passwordResets, limiter, environments);
  invitationRoutes(api, invitations);
  invitationPageRoutes(app, deps, invitations);
  eventRoutes(api, events, webhooks);
  webhookRoutes(api, webhooks);
  auditLogRoutes(app, deps, api, auditLogs, auditExports);
  platformAuditRoutes(api, platformAudit);
  auditLogStreamRoutes(api, auditStreams);
  const portalLinks = new PortalLinks(deps);
  const portalSurface = adminPortalRoutes(app, deps, api, registry, limiter, {
    links: portalLinks,
    connections,
    sso,
    directories,
    organizations,
    streams: auditStreams,
  });
  const auditViewer = new AuditLogViewer(deps);
  portalAuditLogRoutes(portalSurface, auditViewer, auditExports);
  const adminSurface = adminRoutes(app, deps, registry, limiter, admin, environments, apiKeys);
  emailAdminRoutes(adminSurface, deps, emails);
  auditLogAdminRoutes(adminSurface, auditViewer, auditExports);
  mfaAdminRoutes(adminSurface, deps, mfa, environments, smsOutbox);
  oauthAdminRoutes(adminSurface, oauth);
  passkeyAdminRoutes(adminSurface, passkeys);
  const impersonations = new ImpersonationService(deps, users, environments, codes);
  impersonationAdminRoutes(adminSurface, impersonations);
  impersonationPageRoutes(app, deps, admin, impersonations);

  // The first path segments of the JSON APIs (`user_management`, `organizations`, `portal`, `_admin`…).
  const apiPrefixes = new Set(registry.routes.map((r) => r.path.split('/')[1]!));
  app.notFound(async (c) => {
    const browser = (c.req.header('accept') ?? '').includes('text/html');
    // Under the JSON APIs' paths, authenticate before saying a route does not exist: an
    // unauthenticated caller gets 401 for an unknown path exactly as for a real one, so it
    // cannot map the API. Elsewhere (a mistyped link to a hosted page) no route needs
    // credentials, and a browser gets the page below.
    if (apiPrefixes.has(c.req.path.split('/')[1]!)) {
      try {
        await authenticateApi(c, apiKeys, dashboardAuth);
      } catch (err) {
        return renderJsonError(c, toAppError(err, deps, c));
      }
    }
    // A person's browser (a mistyped link to a hosted page) gets a page; the SDK and curl get JSON.
    if (browser) {
      return errorPage(c, 404, {
        title: 'Page not found',
        code: 'route_not_found',
        message: `Portico has no page at ${quote(c.req.path, 512)}.`,
        hint: 'Check the link you followed. Sign-in pages are reached through your application, not typed in.',
      });
    }
    return renderJsonError(
      c,
      new AppError('route_not_found', {
        message: `No endpoint ${c.req.method} ${quote(c.req.path, 512)}. Check the path against the WorkOS API reference.`,
      }),
    );
  });
  app.onError((err, c) => renderJsonError(c, toAppError(err, deps, c)));

  return {
    app,
    deps,
    registry,
    inFlight: () => inFlight,
    services: {
      environments,
      organizations,
      users,
      memberships,
      invitations,
      sessions,
      authkit,
      keys,
      apiKeys,
      events,
      webhooks,
      connections,
      sso,
      directories,
      admin,
      emails,
      passwordResets,
      mfa,
      oauth,
      passkeys,
      auditLogs,
      auditExports,
      platformAudit,
      auditStreams,
    },
  };
}

/**
 * `portico start`'s boot path (and the test harness's): migrates, builds, and bootstraps — the
 * first environment and the first dashboard admin on an empty database (each returned with its
 * generated secret only to the one process that created it, for main.ts to print once), the
 * pinned PORTICO_API_KEY / PORTICO_REDIRECT_URIS, and in development the Test IdP and the OIDC
 * Test Provider pointed at this server's public URL. Safe when several processes start at once
 * on one database: each step is a `serialized` check-then-insert. No other command runs it: the
 * CLI's database commands only migrate and look the environment up (cli/database-commands.ts),
 * and `portico worker` needs no environment at all.
 */
export async function startPortico(opts: BuildOptions) {
  const migrated = await migrate(opts.database);
  const portico = buildApp(opts);
  const bootstrap = await portico.services.environments.bootstrap();
  const adminBootstrap = await portico.services.admin.bootstrap();
  if (!opts.config.production) {
    await ensureTestOrganization(portico.deps, bootstrap.environmentId);
    await ensureTestOidc(portico.deps, bootstrap.environmentId);
  }
  return { portico, bootstrap, adminBootstrap, migrated };
}
