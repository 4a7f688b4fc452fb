/**
 * Sessions, access tokens and rotating refresh tokens (reference §4.2, §6.1, §7 Session).
 *
 * Invariants:
 * - A refresh token is consumed by one atomic `UPDATE … WHERE used_at IS NULL RETURNING`; the
 *   whole refresh (consume, org check, new token) is one transaction, so a rejected refresh
 *   leaves the old token usable and a successful one leaves exactly one live token.
 * - Presenting a spent refresh token revokes its whole session (theft detection), except within
 *   the reuse grace (PORTICO_REFRESH_REUSE_GRACE): the same client presenting it again, with the
 *   same organization_id, shortly after it was used, gets the same successor (see `refresh`).
 * - Tokens are stored as SHA-256 hashes; the one exception is a used token's successor, kept
 *   sealed with the master key for the grace only, so that a retry can be answered with it.
 * - Every user access token carries `sid` and a numeric `auth_time` together (SDK 12's
 *   `verifyAccessToken` and sealed-session helpers refuse a token without both). `auth_time` is
 *   when the user last actively authenticated — the sign-in that started the session — so it
 *   stays the same across refresh-token rotations and organization switches.
 */

import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate, parseJson } from '../../platform/http.ts';
import { token } from '../../platform/random.ts';
import type { SessionTable, UserTable } from '../../platform/schema.ts';
import { appendEvent } from '../events/outbox.ts';
import type { RoleService } from '../roles/service.ts';
import { type UserWire, userToWire } from '../users/wire.ts';
import type { KeyStore } from './keys.ts';
import { sessionToWire } from './wire.ts';

/** WorkOS `authentication_method` → Session `auth_method`. */
const AUTH_METHOD: Record<string, string> = {
  Password: 'password',
  SSO: 'sso',
  MagicAuth: 'magic_code',
  Passkey: 'passkey',
  Impersonation: 'impersonation',
  MigratedSession: 'migrated_session',
  GoogleOAuth: 'oauth',
  MicrosoftOAuth: 'oauth',
  GitHubOAuth: 'oauth',
  AppleOAuth: 'oauth',
  GitLabOAuth: 'oauth',
  LinkedInOAuth: 'oauth',
  SlackOAuth: 'oauth',
  BitbucketOAuth: 'oauth',
  DiscordOAuth: 'oauth',
  IntuitOAuth: 'oauth',
  SalesforceOAuth: 'oauth',
  VercelOAuth: 'oauth',
  XeroOAuth: 'oauth',
};

export interface AuthenticateResponse {
  user: UserWire;
  organization_id?: string;
  access_token: string;
  refresh_token: string;
  authentication_method?: string;
  /** An impersonated session's dashboard admin and reason (reference §4.2). */
  impersonator?: Impersonator;
}

export interface Impersonator {
  email: string;
  reason: string | null;
}

/** Tokens issued inside a transaction; `complete()` signs the access token after commit. */
export interface Issued {
  sessionId: string;
  environmentId: string;
  claims: Record<string, unknown>;
  response: Omit<AuthenticateResponse, 'access_token'>;
}

export interface SessionStart {
  environmentId: string;
  clientId: string;
  user: UserTable;
  organizationId: string | null;
  authenticationMethod: string;
  ipAddress: string | null;
  userAgent: string | null;
  /**
   * When the user proved who they are: the hosted sign-in or IdP response that minted the
   * authorization code, or now for a grant that checks credentials itself (password).
   */
  authTime: Date;
  /**
   * A dashboard admin signing in as the user (docs/impersonation.md): the session is short
   * (PORTICO_IMPERSONATION_TTL_MINUTES), its tokens carry `act: {sub: email}`, and the
   * authenticate and refresh responses carry `impersonator`.
   */
  impersonator?: Impersonator;
}

export class SessionService {
  constructor(
    private deps: Deps,
    private keys: KeyStore,
    private roles: RoleService,
  ) {}

  /**
   * Creates a session and its refresh token inside the caller's transaction (which also carries
   * the events). The access token is signed by `complete()` after the commit: signing is CPU
   * work that must not hold the database, and SQLite has a single connection.
   */
  async start(tx: Queryable, s: SessionStart): Promise<Issued> {
    const { deps } = this;
    const now = deps.clock.now();
    const session: SessionTable = {
      id: deps.ids.next('session'),
      environment_id: s.environmentId,
      user_id: s.user.id,
      organization_id: s.organizationId,
      auth_method: AUTH_METHOD[s.authenticationMethod] ?? 'unknown',
      authentication_method: s.authenticationMethod,
      ip_address: s.ipAddress,
      user_agent: s.userAgent,
      status: 'active',
      expires_at: new Date(
        now.getTime() +
          (s.impersonator
            ? deps.config.impersonationTtlMinutes * 60_000
            : deps.config.sessionTtlDays * 86_400_000),
      ).toISOString(),
      ended_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      auth_time: s.authTime.toISOString(),
      impersonator_email: s.impersonator?.email ?? null,
      impersonator_reason: s.impersonator?.reason ?? null,
    };
    await tx.insertInto('sessions').values(session).execute();
    await tx
      .updateTable('users')
      .set({ last_sign_in_at: now.toISOString() })
      .where('environment_id', '=', s.environmentId)
      .where('id', '=', s.user.id)
      .execute();
    const user = { ...s.user, last_sign_in_at: now.toISOString() };
    const refresh = await this.newRefreshToken(tx, session);
    const claims = await this.accessClaims(tx, session, user.id);
    await appendEvent(tx, deps, {
      environmentId: s.environmentId,
      event: 'session.created',
      data: sessionToWire(session),
      organizationId: s.organizationId,
      context: { client_id: s.clientId },
    });
    return {
      sessionId: session.id,
      environmentId: s.environmentId,
      claims,
      response: {
        user: userToWire(user),
        ...(s.organizationId ? { organization_id: s.organizationId } : {}),
        refresh_token: refresh,
        authentication_method: s.authenticationMethod,
        ...(s.impersonator ? { impersonator: s.impersonator } : {}),
      },
    };
  }

  /** Signs the access token of tokens issued in a committed transaction. */
  async complete(issued: Issued): Promise<AuthenticateResponse> {
    const access_token = await this.keys.sign(
      issued.environmentId,
      issued.claims,
      this.deps.config.accessTokenTtlSeconds,
    );
    const { user, organization_id, refresh_token, authentication_method, impersonator } = issued.response;
    return {
      user,
      ...(organization_id ? { organization_id } : {}),
      access_token,
      refresh_token,
      ...(authentication_method ? { authentication_method } : {}),
      ...(impersonator ? { impersonator } : {}),
    };
  }

  /**
   * Exchanges a refresh token for new tokens, optionally switching organization.
   *
   * Reuse grace (PORTICO_REFRESH_REUSE_GRACE, docs/user-management.md "Refresh-token rotation"):
   * a token already used is answered again, with the same successor refresh token, when it comes
   * back within the grace from the same client with the same `organization_id` (or none, as
   * before): that is one request sent twice, as two tabs or an app's concurrent requests on one
   * session cookie do. Anything else is reuse and ends the session. The decision is taken inside
   * the transaction that tried to consume the token: on PostgreSQL its conditional UPDATE waits
   * for the transaction that holds the row and then finds it used, and the read after it sees
   * that transaction's whole write (used_at, the sealed successor, who used it); SQLite runs one
   * transaction at a time. So of N concurrent refreshes one rotates and N−1 get its successor.
   */
  async refresh(
    env: string,
    clientId: string,
    presented: string,
    organizationId: string | undefined,
  ): Promise<AuthenticateResponse> {
    const { deps } = this;
    const hash = sha256(presented);
    const graceMs = deps.config.refreshReuseGraceSeconds * 1000;
    const requestedOrg = organizationId ?? null;
    const result = await deps.db.transaction().execute(async (tx) => {
      const nowMs = deps.clock.now().getTime();
      const now = new Date(nowMs).toISOString();
      // The successor is chosen before the token is consumed, so the one conditional UPDATE that
      // consumes it also keeps the successor (sealed) for the grace: no extra statement per refresh.
      const successor = token(deps.random, 32);
      const consumed = await tx
        .updateTable('refresh_tokens')
        .set({
          used_at: now,
          used_client_id: clientId,
          used_organization_id: requestedOrg,
          successor_sealed: graceMs > 0 ? deps.secrets.seal(successor) : null,
        })
        .where('token_hash', '=', hash)
        .where('environment_id', '=', env)
        .where('used_at', 'is', null)
        .returning(['id', 'session_id'])
        .executeTakeFirst();
      if (!consumed) {
        const spent = await tx
          .selectFrom('refresh_tokens')
          .select(['session_id', 'used_at', 'successor_sealed', 'used_client_id', 'used_organization_id'])
          .where('token_hash', '=', hash)
          .where('environment_id', '=', env)
          .executeTakeFirst();
        const age = spent?.used_at ? nowMs - Date.parse(spent.used_at) : Number.POSITIVE_INFINITY;
        const retry =
          spent?.successor_sealed &&
          graceMs > 0 &&
          age >= 0 &&
          age <= graceMs &&
          spent.used_client_id === clientId &&
          spent.used_organization_id === requestedOrg;
        if (!spent || !retry) return { reuse: true as const };
        const session = await this.activeSession(tx, env, spent.session_id, now);
        const same = deps.secrets.open(spent.successor_sealed!);
        deps.log.debug({ sessionId: session.id }, 'refresh token presented again within the reuse grace');
        return { reuse: false as const, issued: await this.issue(tx, session, same) };
      }
      const session = await this.activeSession(tx, env, consumed.session_id, now);
      let org = session.organization_id;
      if (organizationId !== undefined && organizationId !== org) {
        const m = await tx
          .selectFrom('organization_memberships')
          .select('id')
          .where('environment_id', '=', env)
          .where('user_id', '=', session.user_id)
          .where('organization_id', '=', organizationId)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (!m) {
          throw new AppError('organization_membership_not_found', {
            message: `The user is not an active member of organization ${quote(organizationId)}. Create a membership first or refresh without organization_id.`,
          });
        }
        org = organizationId;
        await tx
          .updateTable('sessions')
          .set({ organization_id: org, updated_at: now })
          .where('id', '=', session.id)
          .execute();
      }
      const next = { ...session, organization_id: org };
      const refresh = await this.newRefreshToken(tx, next, successor);
      return { reuse: false as const, issued: await this.issue(tx, next, refresh) };
    });
    if (result.reuse) {
      await this.handleSpentToken(env, hash);
      throw new AppError('invalid_grant', {
        message: 'The refresh token is invalid, expired or has already been used.',
      });
    }
    return this.complete(result.issued);
  }

  /** The session a refresh token belongs to, if it may still be refreshed. */
  private async activeSession(tx: Queryable, env: string, sessionId: string, now: string) {
    const session = await tx
      .selectFrom('sessions')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (session?.status !== 'active' || session.expires_at <= now) {
      throw new AppError('invalid_grant', {
        message: 'The session of this refresh token has ended. Sign the user in again.',
      });
    }
    return session;
  }

  /** What a refresh answers: the session's user and claims now, with `refresh` as the new token. */
  private async issue(tx: Queryable, session: SessionTable, refresh: string): Promise<Issued> {
    const user = await tx
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', session.environment_id)
      .where('id', '=', session.user_id)
      .executeTakeFirstOrThrow();
    return {
      sessionId: session.id,
      environmentId: session.environment_id,
      claims: await this.accessClaims(tx, session, user.id),
      response: {
        user: userToWire(user),
        ...(session.organization_id ? { organization_id: session.organization_id } : {}),
        refresh_token: refresh,
        authentication_method: session.authentication_method,
        // An impersonated session stays one across refreshes (SDK 12's sealed-session refresh
        // reads `impersonator` from this response).
        ...(session.impersonator_email
          ? { impersonator: { email: session.impersonator_email, reason: session.impersonator_reason } }
          : {}),
      },
    };
  }

  /**
   * A spent token presented again (after the grace, or by another client, or naming another
   * organization) means it leaked: end the whole session. A token of another environment presented
   * with this client_id is looked up by its hash alone — deliberately across environments, since the
   * hash is the credential — and ends its session too when it was already used: that is reuse by a
   * different client.
   */
  private async handleSpentToken(env: string, hash: string) {
    const rows = await this.deps.db
      .selectFrom('refresh_tokens')
      .select(['environment_id', 'session_id', 'used_at'])
      .where('token_hash', '=', hash)
      .execute();
    const row = rows.find((r) => r.environment_id === env) ?? rows[0];
    if (row?.used_at) {
      this.deps.log.warn({ sessionId: row.session_id }, 'refresh token reuse detected: revoking session');
      await this.revoke(row.environment_id, row.session_id, { reason: 'refresh_token_reuse' }).catch(
        () => {},
      );
    }
  }

  private async newRefreshToken(
    tx: Queryable,
    session: SessionTable,
    value = token(this.deps.random, 32),
  ): Promise<string> {
    await tx
      .insertInto('refresh_tokens')
      .values({
        id: this.deps.ids.next('rt'),
        environment_id: session.environment_id,
        session_id: session.id,
        token_hash: sha256(value),
        created_at: this.deps.clock.now().toISOString(),
        used_at: null,
      })
      .execute();
    return value;
  }

  private async accessClaims(
    tx: Queryable,
    session: SessionTable,
    userId: string,
  ): Promise<Record<string, unknown>> {
    const claims: Record<string, unknown> = {
      iss: this.deps.config.publicUrl,
      sub: userId,
      sid: session.id,
      // Sessions from before migration 0009 have no auth_time: the sign-in created the session.
      auth_time: Math.floor(Date.parse(session.auth_time ?? session.created_at) / 1000),
      jti: this.deps.ids.next('jti').slice(4),
    };
    // RFC 8693 §4.1: the actor behind an impersonated session (reference §6).
    if (session.impersonator_email) claims.act = { sub: session.impersonator_email };
    if (session.organization_id) {
      const m = await tx
        .selectFrom('organization_memberships')
        .select('role_slugs')
        .where('environment_id', '=', session.environment_id)
        .where('organization_id', '=', session.organization_id)
        .where('user_id', '=', userId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      const slugs = parseJson<string[]>(m?.role_slugs, []);
      claims.org_id = session.organization_id;
      // Read fresh on every issue and refresh: a role or permission change shows at the next refresh.
      const rc = slugs.length
        ? await this.roles.claimsFor(tx, session.environment_id, session.organization_id, slugs)
        : null;
      if (rc) {
        claims.role = rc.role;
        claims.roles = rc.roles;
        claims.permissions = rc.permissions;
      }
    }
    return claims;
  }

  async revoke(env: string, sessionId: string, extra: { reason?: string } = {}) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const s = await tx
        .selectFrom('sessions')
        .selectAll()
        .where('environment_id', '=', env)
        .where('id', '=', sessionId)
        .executeTakeFirst();
      if (!s) throw notFound('Session', sessionId);
      if (s.status !== 'active') return sessionToWire(s);
      return this.endSession(tx, s, extra.reason);
    });
  }

  /**
   * Ends one active session inside the caller's transaction: revoked, tokens dropped, event written.
   * The change of status is one conditional UPDATE, so of concurrent callers (two replays of a spent
   * refresh token) exactly one ends the session and writes `session.revoked`; the others see it ended.
   */
  async endSession(tx: Queryable, s: SessionTable, reason?: string) {
    const now = this.deps.clock.now().toISOString();
    const ended = await tx
      .updateTable('sessions')
      .set({ status: 'revoked', ended_at: now, updated_at: now })
      .where('id', '=', s.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 0) {
      const current = await tx
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', s.id)
        .executeTakeFirstOrThrow();
      return sessionToWire(current);
    }
    await tx
      .deleteFrom('refresh_tokens')
      .where('session_id', '=', s.id)
      .where('used_at', 'is', null)
      .execute();
    await tx
      .updateTable('refresh_tokens')
      .set({ successor_sealed: null })
      .where('session_id', '=', s.id)
      .where('successor_sealed', 'is not', null)
      .execute();
    const wire = sessionToWire({ ...s, status: 'revoked', ended_at: now, updated_at: now });
    await appendEvent(tx, this.deps, {
      environmentId: s.environment_id,
      event: 'session.revoked',
      data: wire,
      organizationId: s.organization_id,
      context: reason ? { reason } : {},
    });
    return wire;
  }

  /** Ends every active session of a user inside the caller's transaction (deprovisioning). */
  async endAllForUser(tx: Queryable, env: string, userId: string, reason: string) {
    const active = await tx
      .selectFrom('sessions')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .execute();
    for (const s of active) await this.endSession(tx, s, reason);
    return active.length;
  }

  async listForUser(env: string, userId: string, p: Pagination) {
    const user = await this.deps.db
      .selectFrom('users')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user) throw notFound('User', userId);
    const qb = this.deps.db
      .selectFrom('sessions')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId);
    const page = await paginate(qb, 'id', p);
    const now = this.deps.clock.now().toISOString();
    return {
      data: page.rows.map((s) =>
        sessionToWire(s.status === 'active' && s.expires_at <= now ? { ...s, status: 'expired' } : s),
      ),
      list_metadata: page.list_metadata,
    };
  }

  async findEnvironmentOfSession(sessionId: string) {
    return this.deps.db
      .selectFrom('sessions')
      .select(['environment_id', 'status'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
  }
}
