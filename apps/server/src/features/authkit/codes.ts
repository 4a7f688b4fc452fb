/**
 * AuthKit's authorization codes (`authorization_codes`, owned here): minted once per browser
 * sign-in, single use, 10 minutes, one PKCE check; a replayed code revokes the session it created
 * (RFC 6749 §4.1.2).
 */
import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { CODE_TTL_MS, checkPkce } from '../../platform/pkce.ts';
import { token } from '../../platform/random.ts';
import type { AuthenticationMethod, RequestMeta } from '../../platform/sign-in.ts';
import type { ClientEnvironment } from '../environments/service.ts';
import type { InvitationService } from '../invitations/service.ts';
import type { SessionService } from '../sessions/service.ts';
import type { UserService } from '../users/service.ts';

export interface MintCode {
  environmentId: string;
  userId: string;
  organizationId: string | null;
  redirectUri: string;
  codeChallenge: string | null;
  method: AuthenticationMethod | 'Impersonation';
  meta: RequestMeta;
  ssoProfileId?: string | null;
  /** A social sign-in's provider tokens (sealed), answered once as `oauth_tokens`. */
  oauthTokensSealed?: string | null;
  /** An impersonation's code (features/impersonation): the session gets its `impersonator`. */
  impersonationId?: string | null;
}

export class AuthorizationCodes {
  constructor(
    private deps: Deps,
    private sessions: SessionService,
    private users: UserService,
    private invitations?: InvitationService,
  ) {}

  /** Inserts a code in the caller's transaction and returns its value (stored only as a hash). */
  async mint(tx: Queryable, m: MintCode): Promise<string> {
    const { deps } = this;
    const code = token(deps.random, 32);
    const now = deps.clock.now();
    await tx
      .insertInto('authorization_codes')
      .values({
        id: deps.ids.next('code'),
        environment_id: m.environmentId,
        code_hash: sha256(code),
        user_id: m.userId,
        organization_id: m.organizationId,
        redirect_uri: m.redirectUri,
        code_challenge: m.codeChallenge,
        authentication_method: m.method,
        ip_address: m.meta.ip,
        user_agent: m.meta.userAgent,
        session_id: null,
        sso_profile_id: m.ssoProfileId ?? null,
        oauth_tokens_sealed: m.oauthTokensSealed ?? null,
        impersonation_id: m.impersonationId ?? null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
        used_at: null,
      })
      .execute();
    return code;
  }

  /**
   * The authorization_code grant. The code is consumed atomically; a replayed code is refused and
   * the session minted from it is revoked.
   */
  async redeem(
    env: ClientEnvironment,
    code: string,
    verifier: string | undefined,
    confidential: boolean,
    meta: RequestMeta,
    /** `invitation_token` on the grant: accepted for the code's user in the same transaction. */
    invitationToken?: string,
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
      checkPkce({
        challenge: row.code_challenge,
        verifier,
        confidential,
        authorizeEndpoint: '/user_management/authorize',
      });
      const user = await this.users.row(tx, env.id, row.user_id);
      const impersonator = row.impersonation_id
        ? await this.impersonatorOf(tx, env.id, row.impersonation_id)
        : undefined;
      let organizationId = row.organization_id;
      if (invitationToken) {
        if (!this.invitations) throw new Error('invitations are not wired into AuthorizationCodes');
        const accepted = await this.invitations.acceptForUser(tx, env.id, { token: invitationToken }, user);
        organizationId = accepted.organizationId ?? organizationId;
      }
      // The browser's address and agent were captured on the hosted page; the token request
      // comes from the app's server, so its own headers describe the wrong machine.
      const issued = await this.sessions.start(tx, {
        environmentId: env.id,
        clientId: env.clientId,
        user,
        organizationId,
        authenticationMethod: row.authentication_method,
        ipAddress: meta.ip ?? row.ip_address,
        userAgent: meta.userAgent ?? row.user_agent,
        // The user authenticated when the code was minted (hosted sign-in, SSO), not now.
        authTime: new Date(row.created_at),
        impersonator: impersonator ? { email: impersonator.email, reason: impersonator.reason } : undefined,
      });

      // The provider's tokens are handed over once: the sealed copy goes with the code.
      await tx
        .updateTable('authorization_codes')
        .set({ session_id: issued.sessionId, oauth_tokens_sealed: null })
        .where('id', '=', row.id)
        .execute();
      const oauthTokens = row.oauth_tokens_sealed
        ? (JSON.parse(deps.secrets.open(row.oauth_tokens_sealed)) as Record<string, unknown>)
        : null;
      return { replay: false as const, issued, oauthTokens };
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
    const response = await this.sessions.complete(outcome.issued);
    return outcome.oauthTokens ? { ...response, oauth_tokens: outcome.oauthTokens } : response;
  }

  /**
   * A code minted for Portico's own device callback (device.ts): consumed in the caller's
   * transaction, with the PKCE check against the verifier the browser kept, without starting a
   * session (the device's poll starts it). Null when the code is unknown, used or for another URI.
   */
  async consumeForDevice(
    tx: Queryable,
    environmentId: string,
    code: string,
    verifier: string | undefined,
    redirectUri: string,
  ) {
    const now = this.deps.clock.now().toISOString();
    const row = await tx
      .updateTable('authorization_codes')
      .set({ used_at: now, oauth_tokens_sealed: null })
      .where('code_hash', '=', sha256(code))
      .where('environment_id', '=', environmentId)
      .where('redirect_uri', '=', redirectUri)
      .where('used_at', 'is', null)
      .returning([
        'user_id',
        'organization_id',
        'authentication_method',
        'created_at',
        'expires_at',
        'code_challenge',
      ])
      .executeTakeFirst();
    if (!row || row.expires_at <= now) return null;
    checkPkce({
      challenge: row.code_challenge,
      verifier,
      confidential: false,
      authorizeEndpoint: '/authkit/device',
    });
    return row;
  }

  /**
   * The impersonation behind a code. `impersonations` is written by features/impersonation alone;
   * the session a code became is found through `authorization_codes.session_id`.
   */
  private async impersonatorOf(tx: Queryable, env: string, id: string) {
    const row = await tx
      .selectFrom('impersonations')
      .select(['id', 'admin_email', 'reason'])
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row)
      throw new AppError('invalid_grant', { message: 'The code is invalid or has already been used.' });
    return { id: row.id, email: row.admin_email, reason: row.reason };
  }

  /** An IdP-initiated SSO code redeemed at /sso/token: consumes the row AuthKit would. */
  async consumeProfileCode(environmentId: string, code: string) {
    const row = await this.deps.db
      .updateTable('authorization_codes')
      .set({ used_at: this.deps.clock.now().toISOString() })
      .where('environment_id', '=', environmentId)
      .where('code_hash', '=', sha256(code))
      .where('used_at', 'is', null)
      .where('sso_profile_id', 'is not', null)
      .returning(['expires_at', 'code_challenge', 'sso_profile_id'])
      .executeTakeFirst();
    if (!row?.sso_profile_id) return null;
    return { expiresAt: row.expires_at, codeChallenge: row.code_challenge, profileId: row.sso_profile_id };
  }
}
