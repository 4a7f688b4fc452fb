/**
 * The one place a verified identity becomes a signed-in user (DESIGN.md, "Sign-in flows one way").
 * Every identity module — password, SSO, Magic Auth, email codes — ends here, with either a browser
 * target (an authorization code for the app's redirect URI) or a direct grant (a session now):
 *
 *   identity → user (JIT through UserService) → membership (JIT through MembershipService)
 *            → policies: email verification, MFA, organization selection
 *            → success event → authorization code | session
 *
 * all in one transaction, so a sign-in is recorded completely or not at all. A policy that needs
 * one more step ends the transaction with a pending authentication instead (pending.ts): the API
 * answers `email_verification_required` / `organization_selection_required` with its token, a
 * browser is sent to the hosted page for the step, and the step's grant or page comes back here.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { UserTable } from '../../platform/schema.ts';
import type { CodeTarget, SignInPort, UserIdentity, VerifiedIdentity } from '../../platform/sign-in.ts';
import type { ClientEnvironment, EnvironmentService } from '../environments/service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { InvitationService } from '../invitations/service.ts';
import type { MembershipService } from '../memberships/service.ts';
import type { MfaService } from '../mfa/service.ts';
import type { SessionService } from '../sessions/service.ts';
import type { UserService } from '../users/service.ts';
import { userToWire } from '../users/wire.ts';
import type { AuthorizationCodes } from './codes.ts';
import type { EmailVerificationService } from './email-verification.ts';
import type { Pending, PendingAuthentications, PendingTarget } from './pending.ts';

export type Outcome = { kind: 'session'; client: ClientEnvironment } | { kind: 'code'; target: CodeTarget };

export interface RunOptions {
  /** The identity module's own writes (consuming its code…), first in the sign-in's transaction. */
  alongside?: (tx: Queryable) => Promise<unknown>;
  /** The pending authentication this run finishes (consumed in the same transaction). */
  pending?: Pending;
  /**
   * An invitation to accept for the signed-in user (a grant's `invitation_token`). Left out, a
   * code sign-in accepts the one its authorization request carries; `null`: already accepted.
   */
  invitation?: { token: string } | { id: string } | null;
  /** Runs once the identity's user is known (provisioned or found), in the same transaction. */
  onUser?: (tx: Queryable, user: UserTable) => Promise<unknown>;
}

/** What the pipeline asks of the passkey feature (features/passkeys/service.ts). */
export interface PasskeyPolicy {
  enabled(env: string, q: Queryable): Promise<boolean>;
  hasPasskeys(q: Queryable, env: string, userId: string): Promise<boolean>;
}

type Stopped = {
  kind:
    | 'email_verification'
    | 'organization_selection'
    | 'mfa_enrollment'
    | 'mfa_challenge'
    | 'passkey_enrollment';
  id: string;
  token: string;
  user: UserTable;
  extra: Record<string, unknown>;
};

/** The hosted page that takes a browser through a pending step. */
export function pendingPagePath(id: string) {
  return `/authkit/continue/${encodeURIComponent(id)}`;
}

export class SignInPipeline implements SignInPort {
  constructor(
    private deps: Deps,
    private users: UserService,
    private memberships: MembershipService,
    private sessions: SessionService,
    private codes: AuthorizationCodes,
    private environments: EnvironmentService,
    private pendings: PendingAuthentications,
    private verifications: EmailVerificationService,
    private invitations?: InvitationService,
    private mfa?: MfaService,
    private passkeys?: PasskeyPolicy,
  ) {}

  /** The identity's user, provisioned just in time, with its JIT membership. */
  private async resolve(tx: Queryable, identity: VerifiedIdentity): Promise<UserTable> {
    const env = identity.environmentId;
    const actor = {
      id: identity.provisionedBy?.id ?? null,
      source: 'system' as const,
      name: identity.provisionedBy?.name ?? 'AuthKit sign-in',
    };
    let user =
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
    // An IdP that vouches for the address, or a code that went through the inbox, verifies it.
    if (identity.emailVerified && user.email_verified !== 1) {
      user = await this.users.markEmailVerified(tx, user, { actor });
    }
    if (identity.organizationId) {
      await this.memberships.ensureForSignIn(
        tx,
        env,
        identity.organizationId,
        user.id,
        { actor },
        identity.groupRoles,
      );
    }
    return user;
  }

  private asUserIdentity(identity: VerifiedIdentity, user: UserTable): UserIdentity {
    const {
      environmentId,
      method,
      eventType,
      organizationId,
      sso,
      provisionedBy,
      meta,
      mfaVerified,
      groupRoles,
      passkeyOffered,
    } = identity;
    return {
      kind: 'user',
      userId: user.id,
      environmentId,
      method,
      eventType,
      organizationId,
      sso,
      provisionedBy,
      meta,
      mfaVerified,
      groupRoles,
      passkeyOffered,
    };
  }

  private pendingTarget(outcome: Outcome): PendingTarget {
    return outcome.kind === 'session'
      ? { kind: 'session', clientId: outcome.client.clientId }
      : { kind: 'code', ...outcome.target, requestId: undefined };
  }

  /**
   * The policies, in WorkOS's order: a verified email when the environment requires one, then a
   * second factor when the environment or the user's organization requires MFA (not for SSO: the
   * IdP owns that), then an organization when the user has several. MFA comes before the
   * organization choice so that no organization is offered before the second factor; with no
   * organization named, any of the user's active organizations requiring MFA requires it. Returns the organization the session starts in, or the
   * pending step that must come first.
   */
  private async policies(
    tx: Queryable,
    identity: VerifiedIdentity,
    user: UserTable,
    outcome: Outcome,
  ): Promise<{ organizationId: string | null } | { stopped: Stopped }> {
    const env = identity.environmentId;
    if (user.email_verified !== 1 && (await this.environments.requiresEmailVerification(env, tx))) {
      const verification = await this.verifications.issue(tx, user, identity.meta);
      const p = await this.pendings.create(tx, {
        kind: 'email_verification',
        identity: this.asUserIdentity(identity, user),
        target: this.pendingTarget(outcome),
        emailVerificationId: verification.id,
      });
      return {
        stopped: {
          kind: 'email_verification',
          ...p,
          user,
          extra: { email: user.email, email_verification_id: verification.id },
        },
      };
    }
    if (this.mfa && identity.method !== 'SSO' && !identity.mfaVerified) {
      const orgIds = identity.organizationId
        ? [identity.organizationId]
        : (await this.memberships.activeOrganizations(tx, env, user.id)).map((o) => o.id);
      if (await this.mfa.required(tx, env, orgIds)) {
        const factors = await this.mfa.totpFactors(tx, env, user.id);
        // In a browser a passkey is a factor too (the hosted challenge offers it); the API's
        // mfa_challenge lists TOTP factors only, since a grant cannot carry a WebAuthn assertion.
        const passkey =
          outcome.kind === 'code' &&
          !!this.passkeys &&
          (await this.passkeys.enabled(env, tx)) &&
          (await this.passkeys.hasPasskeys(tx, env, user.id));
        const kind = factors.length > 0 || passkey ? 'mfa_challenge' : 'mfa_enrollment';
        const p = await this.pendings.create(tx, {
          kind,
          identity: this.asUserIdentity(identity, user),
          target: this.pendingTarget(outcome),
        });
        const extra =
          kind === 'mfa_challenge'
            ? { authentication_factors: factors.map((f) => ({ id: f.id, type: f.type })) }
            : {};
        return { stopped: { kind, ...p, user, extra } };
      }
    }
    // A browser sign-in of a user without a passkey, in an environment with passkeys on, is
    // offered "Add a passkey" once (added or "Not now", the sign-in goes on).
    if (
      outcome.kind === 'code' &&
      this.passkeys &&
      identity.method !== 'Passkey' &&
      !identity.passkeyOffered &&
      (await this.passkeys.enabled(env, tx)) &&
      !(await this.passkeys.hasPasskeys(tx, env, user.id))
    ) {
      const p = await this.pendings.create(tx, {
        kind: 'passkey_enrollment',
        identity: this.asUserIdentity(identity, user),
        target: this.pendingTarget(outcome),
      });
      return { stopped: { kind: 'passkey_enrollment', ...p, user, extra: {} } };
    }
    if (identity.organizationId) return { organizationId: identity.organizationId };
    const orgs = await this.memberships.activeOrganizations(tx, env, user.id);
    if (orgs.length > 1) {
      const p = await this.pendings.create(tx, {
        kind: 'organization_selection',
        identity: this.asUserIdentity(identity, user),
        target: this.pendingTarget(outcome),
      });
      return { stopped: { kind: 'organization_selection', ...p, user, extra: { organizations: orgs } } };
    }
    return { organizationId: orgs[0]?.id ?? null };
  }

  private succeeded(tx: Queryable, identity: VerifiedIdentity, user: UserTable) {
    return appendEvent(tx, this.deps, {
      environmentId: identity.environmentId,
      event: `authentication.${identity.eventType}_succeeded`,
      ...(identity.sso ? { organizationId: identity.sso.organization_id } : {}),
      data: {
        type: identity.eventType,
        ...(identity.eventType === 'oauth' ? { provider: identity.method } : {}),
        status: 'succeeded',
        user_id: user.id,
        email: user.email,
        ip_address: identity.meta.ip,
        user_agent: identity.meta.userAgent,
        ...(identity.sso ? { sso: { ...identity.sso, session_id: null } } : {}),
      },
    });
  }

  /** Runs the pipeline; returns the session, the browser's next URL, or throws the pending step. */
  async run(identity: VerifiedIdentity, outcome: Outcome, o: RunOptions = {}) {
    const { deps } = this;
    const result = await deps.db.transaction().execute(async (tx) => {
      if (o.pending) await this.pendings.consume(tx, o.pending);
      let invitation = o.invitation;
      if (outcome.kind === 'code' && outcome.target.requestId) {
        const closed = await tx
          .updateTable('authorization_requests')
          .set({ completed_at: deps.clock.now().toISOString() })
          .where('id', '=', outcome.target.requestId)
          .where('completed_at', 'is', null)
          .returning(['invitation_id'])
          .executeTakeFirst();
        if (!closed) {
          throw new AppError('invalid_grant', {
            message: 'This sign-in was already completed. Start again from the application.',
          });
        }
        // An authorize request that carried invitation_token accepts it whichever way the person
        // proves who they are (password, code, SSO, social).
        if (invitation === undefined && closed.invitation_id) invitation = { id: closed.invitation_id };
      }
      if (o.alongside) await o.alongside(tx);
      const user = await this.resolve(tx, identity);
      if (o.onUser) await o.onUser(tx, user);
      if (invitation) {
        if (!this.invitations) throw new Error('invitations are not wired into the sign-in pipeline');
        // Accepting creates the membership; the session then starts in the invited organization.
        const accepted = await this.invitations.acceptForUser(tx, identity.environmentId, invitation, user);
        if (accepted.organizationId) identity = { ...identity, organizationId: accepted.organizationId };
      }
      const policy = await this.policies(tx, identity, user, outcome);
      if ('stopped' in policy) return { stopped: policy.stopped, userId: user.id };
      await this.succeeded(tx, identity, user);
      if (outcome.kind === 'code') {
        const t = outcome.target;
        const code = await this.codes.mint(tx, {
          environmentId: identity.environmentId,
          userId: user.id,
          organizationId: policy.organizationId,
          redirectUri: t.redirectUri,
          codeChallenge: t.codeChallenge,
          method: identity.method,
          meta: identity.meta,
          ssoProfileId: t.ssoProfileId ?? null,
          oauthTokensSealed: t.oauthTokensSealed ?? null,
        });
        const url = new URL(t.redirectUri);
        url.searchParams.set('code', code);
        if (t.state !== null) url.searchParams.set('state', t.state);
        return { redirectUrl: url.toString(), userId: user.id };
      }
      const issued = await this.sessions.start(tx, {
        environmentId: identity.environmentId,
        clientId: outcome.client.clientId,
        user,
        organizationId: policy.organizationId,
        authenticationMethod: identity.method,
        ipAddress: identity.meta.ip,
        userAgent: identity.meta.userAgent,
        // A resumed sign-in authenticated when its pending step began (the password, the code).
        authTime: o.pending ? new Date(o.pending.row.created_at) : deps.clock.now(),
      });
      return { issued, userId: user.id };
    });
    if ('stopped' in result && result.stopped) {
      const s = result.stopped;
      if (outcome.kind === 'code') {
        return {
          redirectUrl: new URL(pendingPagePath(s.id), deps.config.publicUrl).toString(),
          userId: result.userId,
        };
      }
      if (s.kind === 'passkey_enrollment') throw new Error('a session sign-in has no passkey step');
      const code = (
        {
          email_verification: 'email_verification_required',
          organization_selection: 'organization_selection_required',
          mfa_enrollment: 'mfa_enrollment',
          mfa_challenge: 'mfa_challenge',
        } as const
      )[s.kind];
      throw new AppError(code, {
        extra: { pending_authentication_token: s.token, user: userToWire(s.user), ...s.extra },
      });
    }
    if ('issued' in result && result.issued)
      return { response: await this.sessions.complete(result.issued), userId: result.userId };
    if ('redirectUrl' in result && result.redirectUrl)
      return { redirectUrl: result.redirectUrl, userId: result.userId };
    throw new Error('the sign-in pipeline ended without an outcome');
  }

  /** A browser sign-in: the app's redirect URI with a code, or Portico's page for a pending step. */
  async completeWithCode(
    identity: VerifiedIdentity,
    target: CodeTarget,
    alongside?: (tx: Queryable) => Promise<void>,
    invitation?: RunOptions['invitation'],
  ): Promise<{ redirectUrl: string; userId: string }> {
    const r = await this.run(identity, { kind: 'code', target }, { alongside, invitation });
    if (!r.redirectUrl) throw new Error('a code sign-in ended without a redirect');
    return { redirectUrl: r.redirectUrl, userId: r.userId };
  }

  /** A direct grant (password, Magic Auth code): the session starts now. */
  async completeWithSession(identity: VerifiedIdentity, client: ClientEnvironment, o: RunOptions = {}) {
    const r = await this.run(identity, { kind: 'session', client }, o);
    if (!r.response) throw new Error('a session sign-in ended without a session');
    return r.response;
  }

  /**
   * Finishes a pending step: `identity` is the stored one (with the organization the person chose,
   * for organization selection), `alongside` the step's own proof.
   */
  async resume(
    pending: Pending,
    identity: UserIdentity,
    o: Omit<RunOptions, 'pending'> & { client?: ClientEnvironment },
  ) {
    const t = pending.target;
    if (t.kind === 'session') {
      if (!o.client || o.client.clientId !== t.clientId)
        throw new AppError('invalid_pending_authentication_token', {
          message:
            'This pending_authentication_token was issued to another client id. Use the client that started the sign-in.',
        });
      return this.run(identity, { kind: 'session', client: o.client }, { ...o, pending });
    }
    const { kind: _k, ...target } = t;
    return this.run(identity, { kind: 'code', target }, { ...o, pending });
  }

  consumeProfileCode(environmentId: string, code: string) {
    return this.codes.consumeProfileCode(environmentId, code);
  }
}
