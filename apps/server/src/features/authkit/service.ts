/**
 * AuthKit's hosted sign-in flow (reference §4.1–4.2): the authorize request and the hosted
 * password sign-in and sign-up. Flow state lives on the server (`authorization_requests`, owned
 * here), keyed by an unguessable id in the hosted page's URL, so nothing depends on a cookie
 * surviving a cross-site return. Proving who someone is belongs to the identity modules
 * (identities/); what follows — the user, the policies, the code — to the sign-in pipeline.
 */

import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { RequestMeta, VerifiedIdentity } from '../../platform/sign-in.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import type { ClientEnvironment, EnvironmentService } from '../environments/service.ts';
import type { InvitationService } from '../invitations/service.ts';
import type { UserService } from '../users/service.ts';
import type { MagicAuthIdentity } from './identities/magic-auth.ts';
import type { PasskeyIdentity } from './identities/passkey.ts';
import type { PasswordIdentity } from './identities/password.ts';
import type { SignInPipeline } from './sign-in.ts';

const REQUEST_TTL_MS = 30 * 60 * 1000;

export class AuthKitService {
  constructor(
    private deps: Deps,
    private users: UserService,
    private environments: EnvironmentService,
    private pipeline: SignInPipeline,
    private password: PasswordIdentity,
    private magicAuth: MagicAuthIdentity,
    private limiter: RateLimiter,
    private invitations?: InvitationService,
    private passkey?: PasskeyIdentity,
  ) {}

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

  async createRequest(
    env: ClientEnvironment,
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

  private async usableRequest(requestId: string, what: 'sign-in' | 'sign-up') {
    const req = await this.getRequest(requestId);
    if (!req?.usable)
      throw new AppError('invalid_grant', {
        message: `This ${what} link has expired. Start again from the application.`,
      });
    return req;
  }

  /** Finishes a hosted request with a verified identity: returns where to send the browser. */
  private async finish(
    req: { id: string; redirect_uri: string; state: string | null; code_challenge: string | null },
    identity: VerifiedIdentity,
    alongside?: (tx: Queryable) => Promise<void>,
    invitation?: null,
  ): Promise<string> {
    const done = await this.pipeline.completeWithCode(
      identity,
      {
        requestId: req.id,
        redirectUri: req.redirect_uri,
        state: req.state,
        codeChallenge: req.code_challenge,
      },
      alongside,
      invitation,
    );
    return done.redirectUrl;
  }

  /**
   * Hosted "Email me a sign-in code": issues a Magic Auth code for the address. The page that
   * follows is the same whether or not an account exists (a new email signs up with its code).
   */
  async hostedMagicStart(requestId: string, email: string, meta: RequestMeta) {
    const req = await this.usableRequest(requestId, 'sign-in');
    await this.limiter.shared(`magic_page:${req.environment_id}:${meta.ip ?? 'unknown'}`, 20, 60_000);
    await this.magicAuth.create(req.environment_id, email, { meta });
  }

  /** Hosted code entry: the code proves the address; the sign-in finishes (or signs up). */
  async hostedMagicVerify(requestId: string, email: string, code: string, meta: RequestMeta) {
    const req = await this.usableRequest(requestId, 'sign-in');
    const { identity, consume } = await this.magicAuth.check(req.environment_id, email, code, meta);
    return this.finish(req, identity, consume);
  }

  /** Hosted sign-in with a password. */
  async hostedSignIn(requestId: string, email: string, password: string, meta: RequestMeta): Promise<string> {
    const req = await this.usableRequest(requestId, 'sign-in');
    const identity = await this.password.verify(req.environment_id, email, password, meta);
    // A request from an invitation (authorize `invitation_token`) accepts it in the sign-in's
    // transaction: the pipeline reads it from the request.
    return this.finish(req, identity);
  }

  /** Hosted sign-in with a passkey: the assertion answers the challenge issued for this request. */
  async hostedPasskey(requestId: string, credential: unknown, meta: RequestMeta): Promise<string> {
    if (!this.passkey) throw new Error('passkeys are not wired into AuthKit');
    const req = await this.usableRequest(requestId, 'sign-in');
    const { identity, consume } = await this.passkey.verify(req.environment_id, req.id, credential, meta);
    return this.finish(req, identity, consume);
  }

  /** Hosted sign-up: create the user (user.created), then finish like a sign-in. */
  async hostedSignUp(
    requestId: string,
    input: { email: string; password: string; firstName: string | null; lastName: string | null },
    meta: RequestMeta,
  ): Promise<string> {
    const req = await this.usableRequest(requestId, 'sign-up');
    await this.limiter.shared(`signup:${req.environment_id}:${meta.ip ?? 'unknown'}`, 20, 60_000);
    let invitedOrg: string | null = null;
    const created = await this.users.create(
      req.environment_id,
      {
        email: input.email,
        password: input.password,
        first_name: input.firstName,
        last_name: input.lastName,
      },
      {
        client_id: await this.environments.clientIdOf(req.environment_id),
        actor: { id: null, source: 'system', name: 'AuthKit sign-up' },
      },
      // An invited sign-up accepts the invitation (and gets its membership) with the user's creation.
      async (tx, user) => {
        if (!req.invitation_id || !this.invitations) return;
        invitedOrg = (
          await this.invitations.acceptForUser(tx, req.environment_id, { id: req.invitation_id }, user)
        ).organizationId;
      },
    );
    return this.finish(
      req,
      {
        kind: 'user',
        userId: created.id,
        environmentId: req.environment_id,
        method: 'Password',
        eventType: 'password',
        organizationId: invitedOrg,
        meta,
      },
      undefined,
      null, // accepted with the user's creation above
    );
  }
}
