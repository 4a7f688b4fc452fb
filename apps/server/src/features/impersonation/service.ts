/**
 * Impersonation (docs/impersonation.md): a dashboard admin signs in to the application as one of
 * its users, with a reason. Owns `impersonations` — the durable record of who, whom, why and when.
 *
 * 1. `start` (the dashboard, cookie + CSRF only): checks the user, the organization and the
 *    redirect URI, and records the impersonation behind a random token (stored as its SHA-256).
 * 2. The hosted page `/authkit/impersonate/<token>` shows the banner; its Continue button calls
 *    `continue`, which consumes the record once (`UPDATE … WHERE consumed_at IS NULL RETURNING`),
 *    checks again that the user and the membership exist, and mints an AuthKit authorization code
 *    (`authentication_method: "Impersonation"`, no PKCE: the application exchanges it with its API
 *    key). The user's MFA and email-verification policies are not applied, as on WorkOS.
 * 3. The code becomes a short session (PORTICO_IMPERSONATION_TTL_MINUTES) whose tokens carry
 *    `act: {sub: <admin email>}` and whose responses and `session.created` event carry
 *    `impersonator: {email, reason}` (sessions/service.ts).
 */
import { sha256 } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, quote } from '../../platform/errors.ts';
import { CODE_TTL_MS } from '../../platform/pkce.ts';
import { token } from '../../platform/random.ts';
import type { ImpersonationTable } from '../../platform/schema.ts';
import type { AuthorizationCodes } from '../authkit/codes.ts';
import type { EnvironmentService } from '../environments/service.ts';
import type { UserService } from '../users/service.ts';

export const IMPERSONATION_PATH = '/authkit/impersonate/';

export interface StartImpersonation {
  reason: string;
  organization_id?: string;
  redirect_uri?: string;
}

export interface ImpersonationRecord {
  id: string;
  user_id: string;
  organization_id: string | null;
  admin: { id: string; email: string };
  reason: string;
  redirect_uri: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  session_id: string | null;
}

const toRecord = (r: ImpersonationTable, sessionId: string | null): ImpersonationRecord => ({
  id: r.id,
  user_id: r.user_id,
  organization_id: r.organization_id,
  admin: { id: r.admin_user_id, email: r.admin_email },
  reason: r.reason,
  redirect_uri: r.redirect_uri,
  created_at: r.created_at,
  expires_at: r.expires_at,
  consumed_at: r.consumed_at,
  session_id: sessionId,
});

export class ImpersonationService {
  constructor(
    private deps: Deps,
    private users: UserService,
    private environments: EnvironmentService,
    private codes: AuthorizationCodes,
  ) {}

  /** Records an impersonation and returns the hosted page that continues it (10 minutes, once). */
  async start(env: string, admin: { id: string; email: string }, userId: string, body: StartImpersonation) {
    const { deps } = this;
    if (deps.config.impersonation === 'off') throw new AppError('impersonation_disabled');
    const user = await this.users.row(deps.db, env, userId);
    const organizationId = body.organization_id ?? null;
    if (organizationId) await this.checkMembership(env, user.id, organizationId);
    let redirectUri = body.redirect_uri;
    if (redirectUri !== undefined) {
      if (!(await this.environments.isRedirectAllowed(env, redirectUri))) {
        throw new AppError('redirect_uri_not_allowed', {
          message: `${quote(redirectUri, 512)} is not an allowed redirect URI of this environment. Pick one of the environment's redirect URIs (Redirect URIs page), or leave redirect_uri out to use the first.`,
          errors: [{ field: 'redirect_uri', code: 'redirect_uri_not_allowed' }],
        });
      }
    } else {
      redirectUri = (await this.environments.listRedirectUris(env))[0];
      if (!redirectUri) throw new AppError('impersonation_redirect_uri_missing');
    }
    const secret = token(deps.random, 32);
    const now = deps.clock.now();
    const row: ImpersonationTable = {
      id: deps.ids.next('impersonation'),
      environment_id: env,
      token_hash: sha256(secret),
      admin_user_id: admin.id,
      admin_email: admin.email,
      user_id: user.id,
      organization_id: organizationId,
      reason: body.reason,
      redirect_uri: redirectUri,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
      consumed_at: null,
    };
    await deps.db.insertInto('impersonations').values(row).execute();
    deps.log.info(
      { impersonationId: row.id, adminUserId: admin.id, userId: user.id },
      'impersonation started from the dashboard',
    );
    return {
      ...toRecord(row, null),
      url: `${deps.config.publicUrl}${IMPERSONATION_PATH}${secret}`,
    };
  }

  /**
   * The open impersonation behind a page's token, for the admin who started it: null when it is
   * unknown, expired, used, of another environment, or another admin's.
   */
  async open(secret: string, adminUserId: string, env: string) {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(secret)) return null;
    const row = await this.deps.db
      .selectFrom('impersonations')
      .selectAll()
      .where('token_hash', '=', sha256(secret))
      .where('environment_id', '=', env)
      .where('admin_user_id', '=', adminUserId)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', this.deps.clock.now().toISOString())
      .executeTakeFirst();
    if (!row) return null;
    const user = await this.users.row(this.deps.db, env, row.user_id);
    return { row, user };
  }

  /**
   * Consumes the impersonation and mints its authorization code, in one transaction: a second
   * Continue (or a user deleted meanwhile) writes nothing. Returns where the browser goes next.
   */
  async continue(row: ImpersonationTable, meta: { ip: string | null; userAgent: string | null }) {
    const { deps } = this;
    if (deps.config.impersonation === 'off') throw new AppError('impersonation_disabled');
    const code = await deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now().toISOString();
      const taken = await tx
        .updateTable('impersonations')
        .set({ consumed_at: now })
        .where('id', '=', row.id)
        .where('environment_id', '=', row.environment_id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      if (!taken) throw new AppError('impersonation_link_expired');
      // Never past the user's existence and environment: a user deleted since the start is refused.
      const user = await this.users.row(tx, taken.environment_id, taken.user_id);
      if (taken.organization_id)
        await this.checkMembership(taken.environment_id, user.id, taken.organization_id, tx);
      return this.codes.mint(tx, {
        environmentId: taken.environment_id,
        userId: user.id,
        organizationId: taken.organization_id,
        redirectUri: taken.redirect_uri,
        codeChallenge: null,
        method: 'Impersonation',
        meta,
        impersonationId: taken.id,
      });
    });
    const target = new URL(row.redirect_uri);
    target.searchParams.set('code', code);
    return target.toString();
  }

  /** A user's impersonations, newest first, with the session each became. */
  async listForUser(env: string, userId: string, limit = 20): Promise<ImpersonationRecord[]> {
    const { deps } = this;
    await this.users.row(deps.db, env, userId);
    const rows = await deps.db
      .selectFrom('impersonations')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (!rows.length) return [];
    const codes = await deps.db
      .selectFrom('authorization_codes')
      .select(['impersonation_id', 'session_id'])
      .where('environment_id', '=', env)
      .where(
        'impersonation_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const sessionOf = new Map(codes.map((c) => [c.impersonation_id, c.session_id]));
    return rows.map((r) => toRecord(r, sessionOf.get(r.id) ?? null));
  }

  private async checkMembership(env: string, userId: string, organizationId: string, q = this.deps.db) {
    const m = await q
      .selectFrom('organization_memberships')
      .select('id')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!m) {
      throw new AppError('impersonation_organization_invalid', {
        message: `The user is not an active member of organization ${quote(organizationId)}. Pick one of the user's organizations, or leave organization_id out.`,
        errors: [{ field: 'organization_id', code: 'impersonation_organization_invalid' }],
      });
    }
  }
}
