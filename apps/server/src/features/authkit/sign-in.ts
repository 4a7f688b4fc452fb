/**
 * The one place a verified identity becomes a signed-in user (DESIGN.md, "Sign-in flows one way").
 * Every identity module — password, SSO, Magic Auth, email codes — ends here, with either a browser
 * target (an authorization code for the app's redirect URI) or a direct grant (a session now):
 *
 *   identity → user (JIT through UserService) → membership (JIT through MembershipService)
 *            → policy checks → success event → authorization code | session
 *
 * all in one transaction, so a sign-in is recorded completely or not at all.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { UserTable } from '../../platform/schema.ts';
import type { CodeTarget, SignInPort, VerifiedIdentity } from '../../platform/sign-in.ts';
import type { ClientEnvironment } from '../environments/service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { MembershipService } from '../memberships/service.ts';
import type { SessionService } from '../sessions/service.ts';
import type { UserService } from '../users/service.ts';
import type { AuthorizationCodes } from './codes.ts';

export class SignInPipeline implements SignInPort {
  constructor(
    private deps: Deps,
    private users: UserService,
    private memberships: MembershipService,
    private sessions: SessionService,
    private codes: AuthorizationCodes,
  ) {}

  /** The identity's user, provisioned just in time, with its JIT membership. */
  private async resolve(tx: Queryable, identity: VerifiedIdentity): Promise<UserTable> {
    const env = identity.environmentId;
    const actor = {
      id: identity.provisionedBy?.id ?? null,
      source: 'system' as const,
      name: identity.provisionedBy?.name ?? 'AuthKit sign-in',
    };
    const user =
      identity.kind === 'user'
        ? await this.users.row(tx, env, identity.userId)
        : await this.users.provision(
            tx,
            env,
            {
              email: identity.email,
              firstName: identity.firstName,
              lastName: identity.lastName,
              emailVerified: identity.emailVerified,
            },
            { actor },
          );
    if (identity.organizationId) {
      await this.memberships.ensureForSignIn(tx, env, identity.organizationId, user.id, { actor });
    }
    return user;
  }

  /** The organization the session starts in: the identity's, else the user's only active one. */
  private async organizationFor(tx: Queryable, identity: VerifiedIdentity, user: UserTable) {
    return (
      identity.organizationId ??
      (await this.memberships.soleActiveOrganization(tx, identity.environmentId, user.id))
    );
  }

  private succeeded(tx: Queryable, identity: VerifiedIdentity, user: UserTable) {
    return appendEvent(tx, this.deps, {
      environmentId: identity.environmentId,
      event: `authentication.${identity.eventType}_succeeded`,
      ...(identity.sso ? { organizationId: identity.sso.organization_id } : {}),
      data: {
        type: identity.eventType,
        status: 'succeeded',
        user_id: user.id,
        email: user.email,
        ip_address: identity.meta.ip,
        user_agent: identity.meta.userAgent,
        ...(identity.sso ? { sso: { ...identity.sso, session_id: null } } : {}),
      },
    });
  }

  /** A browser sign-in: closes the hosted request (if any) and mints the code for the app. */
  async completeWithCode(
    identity: VerifiedIdentity,
    target: CodeTarget,
    alongside?: (tx: Queryable) => Promise<void>,
  ): Promise<{ redirectUrl: string; userId: string }> {
    const { deps } = this;
    const { code, userId } = await deps.db.transaction().execute(async (tx) => {
      if (target.requestId) {
        const closed = await tx
          .updateTable('authorization_requests')
          .set({ completed_at: deps.clock.now().toISOString() })
          .where('id', '=', target.requestId)
          .where('completed_at', 'is', null)
          .executeTakeFirst();
        if (Number(closed.numUpdatedRows) !== 1) {
          throw new AppError('invalid_grant', {
            message: 'This sign-in was already completed. Start again from the application.',
          });
        }
      }
      if (alongside) await alongside(tx);
      const user = await this.resolve(tx, identity);
      await this.succeeded(tx, identity, user);
      const code = await this.codes.mint(tx, {
        environmentId: identity.environmentId,
        userId: user.id,
        organizationId: await this.organizationFor(tx, identity, user),
        redirectUri: target.redirectUri,
        codeChallenge: target.codeChallenge,
        method: identity.method,
        meta: identity.meta,
        ssoProfileId: target.ssoProfileId ?? null,
      });
      return { code, userId: user.id };
    });
    const url = new URL(target.redirectUri);
    url.searchParams.set('code', code);
    if (target.state !== null) url.searchParams.set('state', target.state);
    return { redirectUrl: url.toString(), userId };
  }

  /** A direct grant (password, Magic Auth code): the session starts now. */
  async completeWithSession(identity: VerifiedIdentity, client: ClientEnvironment) {
    const issued = await this.deps.db.transaction().execute(async (tx) => {
      const user = await this.resolve(tx, identity);
      await this.succeeded(tx, identity, user);
      return this.sessions.start(tx, {
        environmentId: identity.environmentId,
        clientId: client.clientId,
        user,
        organizationId: await this.organizationFor(tx, identity, user),
        authenticationMethod: identity.method,
        ipAddress: identity.meta.ip,
        userAgent: identity.meta.userAgent,
        authTime: this.deps.clock.now(),
      });
    });
    return this.sessions.complete(issued);
  }

  consumeProfileCode(environmentId: string, code: string) {
    return this.codes.consumeProfileCode(environmentId, code);
  }
}
