/**
 * AuthKit sign-in (reference §4.1–4.2): the authorize request, hosted password sign-in and
 * sign-up, single-use authorization codes (10 minutes, PKCE S256) and the password grant.
 *
 * Flow state lives on the server (`authorization_requests`), keyed by an unguessable id in the
 * hosted page's URL, so nothing depends on a cookie surviving a cross-site return.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual, sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { UserTable } from '../../platform/schema.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { appendEvent } from '../events/outbox.ts';
import type { InvitationService } from '../invitations/service.ts';
import type { SessionService } from '../sessions/service.ts';
import { hashPassword, verifyPassword } from '../users/passwords.ts';
import type { UserService } from '../users/service.ts';

export const CODE_TTL_MS = 10 * 60 * 1000;
const REQUEST_TTL_MS = 30 * 60 * 1000;

export interface Environment {
  id: string;
  clientId: string;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export class AuthKitService {
  private envCache = new Map<string, { at: number; env: Environment | null }>();
  private redirectCache = new Map<string, { at: number; uris: Set<string> }>();

  constructor(
    private deps: Deps,
    private sessions: SessionService,
    private users: UserService,
    private limiter: RateLimiter,
    private invitations?: InvitationService,
  ) {}

  async environmentByClientId(clientId: string): Promise<Environment | null> {
    const now = this.deps.clock.now().getTime();
    const hit = this.envCache.get(clientId);
    if (hit && now - hit.at < 5_000) return hit.env;
    const row = await this.deps.db
      .selectFrom('environments')
      .select(['id', 'client_id'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    const env = row ? { id: row.id, clientId: row.client_id } : null;
    if (this.envCache.size > 1000) this.envCache.clear();
    this.envCache.set(clientId, { at: now, env });
    return env;
  }

  async allowedRedirectUris(envId: string, fresh = false): Promise<Set<string>> {
    const now = this.deps.clock.now().getTime();
    const hit = this.redirectCache.get(envId);
    if (hit && !fresh && now - hit.at < 5_000) return hit.uris;
    const rows = await this.deps.db
      .selectFrom('redirect_uris')
      .select('uri')
      .where('environment_id', '=', envId)
      .execute();
    const uris = new Set(rows.map((r) => r.uri));
    this.redirectCache.set(envId, { at: now, uris });
    return uris;
  }

  /**
   * Redirect URIs match exactly, as OAuth 2.1 requires. A URI missing from the cached list is
   * looked up again before it is refused, so one just added (by the CLI, another process or the
   * dashboard) works at once; a removed one stops working within the cache's 5 seconds.
   */
  async isRedirectAllowed(envId: string, uri: string): Promise<boolean> {
    if ((await this.allowedRedirectUris(envId)).has(uri)) return true;
    return (await this.allowedRedirectUris(envId, true)).has(uri);
  }

  /** A logout `return_to` may be an allowed redirect URI or any URL on the same origin as one. */
  async isReturnToAllowed(envId: string, uri: string): Promise<boolean> {
    // Control characters (CR/LF above all) are refused outright: the URL parser drops tabs and
    // line breaks, so the origin checked would not be the text sent in the Location header.
    if ([...uri].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return false;
    let origin: string;
    try {
      origin = new URL(uri).origin;
    } catch {
      return false;
    }
    for (const allowed of await this.allowedRedirectUris(envId)) {
      if (allowed === uri) return true;
      try {
        if (new URL(allowed).origin === origin) return true;
      } catch {}
    }
    return false;
  }

  async createRequest(
    env: Environment,
    r: {
      redirectUri: string;
      state: string | null;
      codeChallenge: string | null;
      screenHint: string | null;
      loginHint: string | null;
      /** The invitation this sign-in or sign-up accepts (authorize `invitation_token`). */
      invitationId?: string | null;
    },
  ) {
    const now = this.deps.clock.now();
    const id = token(this.deps.random, 24, 'authreq_');
    await this.deps.db
      .insertInto('authorization_requests')
      .values({
        id,
        environment_id: env.id,
        redirect_uri: r.redirectUri,
        state: r.state,
        code_challenge: r.codeChallenge,
        screen_hint: r.screenHint,
        login_hint: r.loginHint,
        invitation_id: r.invitationId ?? null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(),
        completed_at: null,
      })
      .execute();
    return id;
  }

  async getRequest(id: string) {
    const row = await this.deps.db
      .selectFrom('authorization_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    if (row.completed_at || row.expires_at <= this.deps.clock.now().toISOString())
      return { ...row, usable: false as const };
    return { ...row, usable: true as const };
  }

  /** The organization a fresh session starts in: the user's only active membership, if exactly one. */
  async defaultOrganization(q: Queryable, env: string, userId: string): Promise<string | null> {
    const rows = await q
      .selectFrom('organization_memberships')
      .select('organization_id')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .limit(2)
      .execute();
    return rows.length === 1 ? rows[0]!.organization_id : null;
  }

  /**
   * Checks an email and password. Failures are rate limited per email (shared across nodes) and
   * recorded as `authentication.password_failed`; the error never says whether the email exists.
   */
  async verifyCredentials(
    env: string,
    emailRaw: string,
    password: string,
    meta: RequestMeta,
  ): Promise<UserTable> {
    const email = emailRaw.trim().toLowerCase();
    await this.limiter.shared(`cred:${env}:${email}`, this.deps.config.rateLimitCredentials, 60_000);
    const user = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('email', '=', email)
      .executeTakeFirst();
    const result = user?.password_hash
      ? await verifyPassword(user.password_hash, password)
      : { ok: false, needsRehash: false };
    if (!user?.password_hash) {
      // Spend comparable time so a missing account is not distinguishable by latency.
      await verifyPassword(DUMMY_HASH, password);
    }
    if (!user || !result.ok) {
      await appendEvent(this.deps.db, this.deps, {
        environmentId: env,
        event: 'authentication.password_failed',
        data: {
          type: 'password',
          status: 'failed',
          user_id: user?.id ?? null,
          email,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
          error: { code: 'invalid_credentials', message: 'Invalid credentials.' },
        },
      });
      throw new AppError('invalid_credentials');
    }
    if (result.needsRehash) {
      const upgraded = await hashPassword(password);
      await this.deps.db
        .updateTable('users')
        .set({ password_hash: upgraded })
        .where('id', '=', user.id)
        .execute();
      user.password_hash = upgraded;
    }
    return user;
  }

  private passwordSucceeded(q: Queryable, env: string, user: UserTable, meta: RequestMeta) {
    return appendEvent(q, this.deps, {
      environmentId: env,
      event: 'authentication.password_succeeded',
      data: {
        type: 'password',
        status: 'succeeded',
        user_id: user.id,
        email: user.email,
        ip_address: meta.ip,
        user_agent: meta.userAgent,
      },
    });
  }

  /** The password grant: verify, then start a session. */
  async passwordGrant(env: Environment, email: string, password: string, meta: RequestMeta) {
    const user = await this.verifyCredentials(env.id, email, password, meta);
    const issued = await this.deps.db.transaction().execute(async (tx) => {
      await this.passwordSucceeded(tx, env.id, user, meta);
      const org = await this.defaultOrganization(tx, env.id, user.id);
      return this.sessions.start(tx, {
        environmentId: env.id,
        clientId: env.clientId,
        user,
        organizationId: org,
        authenticationMethod: 'Password',
        ipAddress: meta.ip,
        userAgent: meta.userAgent,
        authTime: this.deps.clock.now(),
      });
    });
    return this.sessions.complete(issued);
  }

  /** Hosted sign-in: verify, mint a code, close the request, return where to send the browser. */
  async hostedSignIn(requestId: string, email: string, password: string, meta: RequestMeta): Promise<string> {
    const req = await this.getRequest(requestId);
    if (!req?.usable)
      throw new AppError('invalid_grant', {
        message: 'This sign-in link has expired. Start again from the application.',
      });
    const user = await this.verifyCredentials(req.environment_id, email, password, meta);
    return this.finishRequest(
      req,
      user,
      'Password',
      meta,
      async (tx) => this.passwordSucceeded(tx, req.environment_id, user, meta),
      async (tx) => this.acceptInvitation(tx, req, user),
    );
  }

  /** The pending invitation an authorize `invitation_token` names in this environment, or null. */
  async pendingInvitation(envId: string, invitationToken: string) {
    const peek = await this.invitations?.peekByToken(invitationToken, envId);
    if (peek?.invitation.state !== 'pending') return null;
    return { id: peek.invitation.id, email: peek.invitation.email };
  }

  /** The invitation an authorization request carries, while it is pending (the sign-up locks its email). */
  async invitationOfRequest(req: { environment_id: string; invitation_id: string | null }) {
    if (!req.invitation_id || !this.invitations) return null;
    return this.invitations.pendingById(req.environment_id, req.invitation_id);
  }

  /** The invitation an authorization request carries, accepted for `user` on `tx` (its organization). */
  private async acceptInvitation(
    tx: Queryable,
    req: { environment_id: string; invitation_id: string | null },
    user: UserTable,
  ): Promise<string | null | undefined> {
    if (!req.invitation_id || !this.invitations) return undefined;
    const accepted = await this.invitations.acceptForUser(
      tx,
      req.environment_id,
      { id: req.invitation_id },
      user,
    );
    return accepted.organizationId;
  }

  /** Hosted sign-up: create the user (user.created), then finish like a sign-in. */
  async hostedSignUp(
    requestId: string,
    input: { email: string; password: string; firstName: string | null; lastName: string | null },
    meta: RequestMeta,
  ): Promise<string> {
    const req = await this.getRequest(requestId);
    if (!req?.usable)
      throw new AppError('invalid_grant', {
        message: 'This sign-up link has expired. Start again from the application.',
      });
    await this.limiter.shared(`signup:${req.environment_id}:${meta.ip ?? 'unknown'}`, 20, 60_000);
    const env = await this.deps.db
      .selectFrom('environments')
      .select('client_id')
      .where('id', '=', req.environment_id)
      .executeTakeFirstOrThrow();
    // An invited sign-up accepts the invitation (and gets its membership) with the user's creation.
    let invitedOrg: string | null | undefined;
    const created = await this.users.create(
      req.environment_id,
      {
        email: input.email,
        password: input.password,
        first_name: input.firstName,
        last_name: input.lastName,
      },
      { client_id: env.client_id, actor: { id: null, source: 'system', name: 'AuthKit sign-up' } },
      async (tx, user) => {
        invitedOrg = await this.acceptInvitation(tx, req, user);
      },
    );
    const user = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    return this.finishRequest(
      req,
      user,
      'Password',
      meta,
      async (tx) => this.passwordSucceeded(tx, req.environment_id, user, meta),
      async () => invitedOrg,
    );
  }

  private async finishRequest(
    req: {
      id: string;
      environment_id: string;
      redirect_uri: string;
      state: string | null;
      code_challenge: string | null;
    },
    user: UserTable,
    method: string,
    meta: RequestMeta,
    inTx: (tx: Queryable) => Promise<unknown>,
    /** Runs after `inTx`; a string or null it returns is the code's organization (an invitation's). */
    organizationFor?: (tx: Queryable) => Promise<string | null | undefined>,
  ): Promise<string> {
    const { deps } = this;
    const code = token(deps.random, 32);
    await deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now();
      const closed = await tx
        .updateTable('authorization_requests')
        .set({ completed_at: now.toISOString() })
        .where('id', '=', req.id)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      if (Number(closed.numUpdatedRows) !== 1) {
        throw new AppError('invalid_grant', {
          message: 'This sign-in was already completed. Start again from the application.',
        });
      }
      await inTx(tx);
      const invitedOrg = organizationFor ? await organizationFor(tx) : undefined;
      await tx
        .insertInto('authorization_codes')
        .values({
          id: deps.ids.next('code'),
          environment_id: req.environment_id,
          code_hash: sha256(code),
          user_id: user.id,
          organization_id:
            invitedOrg === undefined || invitedOrg === null
              ? await this.defaultOrganization(tx, req.environment_id, user.id)
              : invitedOrg,
          redirect_uri: req.redirect_uri,
          code_challenge: req.code_challenge,
          authentication_method: method,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
          session_id: null,
          sso_profile_id: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
          used_at: null,
        })
        .execute();
    });
    const url = new URL(req.redirect_uri);
    url.searchParams.set('code', code);
    if (req.state !== null) url.searchParams.set('state', req.state);
    return url.toString();
  }

  /**
   * The authorization_code grant. The code is consumed atomically; a replayed code is refused
   * and the session minted from it is revoked (RFC 6749 §4.1.2).
   */
  async exchangeCode(
    env: Environment,
    code: string,
    verifier: string | undefined,
    confidential: boolean,
    meta: RequestMeta,
  ) {
    const { deps } = this;
    const hash = sha256(code);
    const outcome = await deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now().toISOString();
      const row = await tx
        .updateTable('authorization_codes')
        .set({ used_at: now })
        .where('code_hash', '=', hash)
        .where('environment_id', '=', env.id)
        .where('used_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (!row) return { replay: true as const };
      if (row.expires_at <= now) {
        throw new AppError('invalid_grant', {
          message: 'The code has expired (codes are valid for 10 minutes). Sign the user in again.',
        });
      }
      if (row.code_challenge) {
        if (!verifier) {
          throw new AppError('invalid_grant', {
            message: 'This code was issued with a PKCE code_challenge: send the matching code_verifier.',
          });
        }
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (!constantTimeEqual(computed, row.code_challenge)) {
          throw new AppError('invalid_grant', {
            message: 'code_verifier does not match the code_challenge sent to /user_management/authorize.',
          });
        }
      } else if (verifier && !confidential) {
        throw new AppError('code_challenge_not_found');
      }
      if (!row.code_challenge && !confidential) {
        throw new AppError('invalid_client', {
          message:
            'A public client (no client_secret) must use PKCE: send code_challenge to authorize and code_verifier here.',
        });
      }
      const user = await tx
        .selectFrom('users')
        .selectAll()
        .where('environment_id', '=', env.id)
        .where('id', '=', row.user_id)
        .executeTakeFirstOrThrow();
      // The browser's address and agent were captured on the hosted page; the token request
      // comes from the app's server, so its own headers describe the wrong machine.
      const issued = await this.sessions.start(tx, {
        environmentId: env.id,
        clientId: env.clientId,
        user,
        organizationId: row.organization_id,
        authenticationMethod: row.authentication_method,
        ipAddress: meta.ip ?? row.ip_address,
        userAgent: meta.userAgent ?? row.user_agent,
        // The user authenticated when the code was minted (hosted sign-in, SSO), not now.
        authTime: new Date(row.created_at),
      });
      await tx
        .updateTable('authorization_codes')
        .set({ session_id: issued.sessionId })
        .where('id', '=', row.id)
        .execute();
      return { replay: false as const, issued };
    });
    if (outcome.replay) {
      const used = await deps.db
        .selectFrom('authorization_codes')
        .select(['session_id'])
        .where('code_hash', '=', hash)
        .where('environment_id', '=', env.id)
        .executeTakeFirst();
      if (used?.session_id) {
        deps.log.warn(
          { sessionId: used.session_id },
          'authorization code replay: revoking the session it created',
        );
        await this.sessions
          .revoke(env.id, used.session_id, { reason: 'authorization_code_replay' })
          .catch(() => {});
      }
      throw new AppError('invalid_grant', { message: 'The code is invalid or has already been used.' });
    }
    return this.sessions.complete(outcome.issued);
  }
}

// An argon2id hash of a random string, verified when the account does not exist.
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0eV4BPMPNDBqhqfCmKX8DwLsWbHxh3oOp4sqBZOi6Yg';
