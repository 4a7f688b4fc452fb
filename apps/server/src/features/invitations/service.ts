/**
 * Invitations (WorkOS User Management, Invitations): send, get, find by token, list, revoke,
 * resend and accept, plus what the hosted pages and the sign-in pipeline need (`peekByToken`,
 * `acceptForUser`).
 *
 * - The token is 32 random bytes (deps.random). The API returns it on every read, so it is kept
 *   sealed with the master key; `by_token` and the accept link find it by its SHA-256.
 * - State is stored as pending / accepted / revoked; a pending invitation past `expires_at` reads
 *   `expired`. Accept and revoke are single `UPDATE … WHERE state = 'pending' RETURNING`
 *   statements, so two racing accepts cannot both win.
 * - Resend works on a pending invitation only (WorkOS answers `invite_expired`, `invite_revoked`,
 *   `invite_accepted` otherwise): the same token, a fresh `expires_at` (now + the original
 *   `expires_in_days`), the email again and `invitation.resent`.
 * - Accepting creates (or reactivates) the membership of the invitation's organization with its
 *   role, in the same transaction, and emits `invitation.accepted`.
 * - Every query is scoped by environment; another environment's ids are `entity_not_found`.
 */
import type { z } from 'zod';
import { sha256 } from '../../platform/crypto.ts';
import { type Queryable, serialized } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import { token as randomToken } from '../../platform/random.ts';
import type { InvitationTable } from '../../platform/schema.ts';
import type { EmailService } from '../email/service.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import type { MembershipService } from '../memberships/service.ts';
import type { RoleService } from '../roles/service.ts';
import {
  acceptUrl,
  type InvitationWire,
  invitationEventData,
  invitationToWire,
  type ResendInvitationBody,
  type SendInvitationBody,
  stateOf,
} from './wire.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_EXPIRES_IN_DAYS = 7;

/** The invitation as the hosted invite page shows it. */
export interface InvitationPeek {
  invitation: InvitationWire;
  environmentId: string;
  clientId: string;
  organizationName: string | null;
  inviterName: string | null;
  /** Whether a user with the invited email exists already (then the page continues to sign-in). */
  userExists: boolean;
}

const systemContext = (clientId?: string): EventContext => ({
  ...(clientId ? { client_id: clientId } : {}),
  actor: { id: null, source: 'system', name: 'AuthKit invitation' },
});

export class InvitationService {
  constructor(
    private deps: Deps,
    private roles: RoleService,
    private memberships: MembershipService,
    private emails: EmailService,
  ) {}

  private wire(row: InvitationTable): InvitationWire {
    return invitationToWire(
      row,
      this.deps.secrets.open(row.token_sealed),
      this.deps.config.publicUrl,
      this.deps.clock.now(),
    );
  }

  private async row(q: Queryable, env: string, id: string) {
    const row = await q
      .selectFrom('invitations')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Invitation', id);
    return row;
  }

  private async names(q: Queryable, env: string, row: InvitationTable) {
    const org = row.organization_id
      ? await q
          .selectFrom('organizations')
          .select('name')
          .where('environment_id', '=', env)
          .where('id', '=', row.organization_id)
          .executeTakeFirst()
      : undefined;
    const inviter = row.inviter_user_id
      ? await q
          .selectFrom('users')
          .select(['first_name', 'last_name', 'email'])
          .where('environment_id', '=', env)
          .where('id', '=', row.inviter_user_id)
          .executeTakeFirst()
      : undefined;
    const inviterName = inviter
      ? [inviter.first_name, inviter.last_name].filter(Boolean).join(' ') || inviter.email
      : null;
    return { organizationName: org?.name ?? null, inviterName };
  }

  /** The invitation email, queued in the caller's transaction (null when the environment turned it off). */
  private async mail(q: Queryable, env: string, row: InvitationTable) {
    const { organizationName, inviterName } = await this.names(q, env, row);
    return this.emails.enqueue(q, {
      environmentId: env,
      template: 'invitation',
      to: row.email,
      data: {
        url: acceptUrl(this.deps.config.publicUrl, this.deps.secrets.open(row.token_sealed)),
        email: row.email,
        organization_name: organizationName,
        inviter_name: inviterName,
      },
    });
  }

  /** Why an invitation is not pending, for a message. */
  private why(row: InvitationTable): string {
    const state = stateOf(row, this.deps.clock.now());
    if (state === 'accepted') return `was already accepted${row.accepted_at ? ` at ${row.accepted_at}` : ''}`;
    if (state === 'revoked') return `was revoked${row.revoked_at ? ` at ${row.revoked_at}` : ''}`;
    return `expired at ${row.expires_at}`;
  }

  /** Accept and revoke of an invitation that is not pending: `invite_not_pending`, saying why. */
  private notPending(row: InvitationTable): AppError {
    return new AppError('invite_not_pending', {
      message: `Invitation ${row.id} is not pending: it ${this.why(row)}. Send a new invitation if one is still needed.`,
    });
  }

  /** Resend of an invitation that is not pending: WorkOS's one code per state. */
  private notResendable(row: InvitationTable): AppError {
    const state = stateOf(row, this.deps.clock.now());
    const code =
      state === 'accepted' ? 'invite_accepted' : state === 'revoked' ? 'invite_revoked' : 'invite_expired';
    return new AppError(code, {
      message: `Invitation ${row.id} ${this.why(row)}, so it cannot be resent.${state === 'accepted' ? '' : ' Send a new invitation to the same email.'}`,
    });
  }

  async send(env: string, body: z.output<typeof SendInvitationBody>, ctx: EventContext) {
    const { deps } = this;
    const email = body.email;
    const days = body.expires_in_days ?? DEFAULT_EXPIRES_IN_DAYS;
    if (days < 1)
      throw new AppError('expires_in_days_too_short', {
        message: `expires_in_days is ${days}; it must be at least 1 (1 to 30, 7 when omitted).`,
      });
    if (days > 30)
      throw new AppError('expires_in_days_too_long', {
        message: `expires_in_days is ${days}; it must be at most 30 (1 to 30, 7 when omitted).`,
      });
    return serialized(deps, `invitation:${env}:${email}`, async (tx) => {
      const now = deps.clock.now();
      if (body.organization_id) {
        const org = await tx
          .selectFrom('organizations')
          .select('id')
          .where('environment_id', '=', env)
          .where('id', '=', body.organization_id)
          .executeTakeFirst();
        if (!org) throw notFound('Organization', body.organization_id);
      }
      if (body.inviter_user_id) {
        const inviter = await tx
          .selectFrom('users')
          .select('id')
          .where('environment_id', '=', env)
          .where('id', '=', body.inviter_user_id)
          .executeTakeFirst();
        if (!inviter) throw notFound('User', body.inviter_user_id);
      }
      if (body.role_slug !== undefined && !body.organization_id) {
        throw new AppError('invalid_request_parameters', {
          message:
            'role_slug is the role in the organization the user is invited to: send organization_id too.',
          errors: [{ field: 'organization_id', code: 'required', message: 'required with role_slug' }],
        });
      }
      let roleSlug: string | null = null;
      if (body.role_slug !== undefined) {
        try {
          roleSlug = (
            await this.roles.resolveSlugs(tx, env, [body.role_slug], body.organization_id ?? null)
          )[0]!;
        } catch (err) {
          // WorkOS answers an unknown role on sendInvitation with 400, not the memberships' 422.
          if (err instanceof AppError && err.code === 'invalid_role')
            throw new AppError('invalid_role', { message: err.message, status: 400 });
          throw err;
        }
      }
      const user = await tx
        .selectFrom('users')
        .select('id')
        .where('environment_id', '=', env)
        .where('email', '=', email)
        .executeTakeFirst();
      if (user && !body.organization_id) {
        throw new AppError('user_already_exists', {
          message: `A user with the email '${email}' already exists (${user.id}). Send organization_id to invite them to an organization.`,
        });
      }
      if (user && body.organization_id) {
        const member = await tx
          .selectFrom('organization_memberships')
          .select('id')
          .where('environment_id', '=', env)
          .where('organization_id', '=', body.organization_id)
          .where('user_id', '=', user.id)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (member) {
          throw new AppError('user_already_organization_member', {
            message: `The user with the email '${email}' (${user.id}) is already a member of organization ${body.organization_id} (membership ${member.id}).`,
          });
        }
      }
      let pending = tx
        .selectFrom('invitations')
        .select('id')
        .where('environment_id', '=', env)
        .where('email', '=', email)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now.toISOString());
      pending = body.organization_id
        ? pending.where('organization_id', '=', body.organization_id)
        : pending.where('organization_id', 'is', null);
      const open = await pending.executeTakeFirst();
      if (open) {
        throw new AppError(
          body.organization_id ? 'email_already_invited_to_organization' : 'email_already_invited',
          {
            message: `'${email}' already has a pending invitation ${open.id}${body.organization_id ? ` to organization ${body.organization_id}` : ' to the application'}. Resend it (POST /user_management/invitations/${open.id}/resend) or revoke it first.`,
          },
        );
      }
      const secret = randomToken(deps.random, 32);
      const at = now.toISOString();
      const row: InvitationTable = {
        id: deps.ids.next('invitation'),
        environment_id: env,
        email,
        organization_id: body.organization_id ?? null,
        inviter_user_id: body.inviter_user_id ?? null,
        accepted_user_id: null,
        role_slug: roleSlug,
        locale: body.locale ?? null,
        token_hash: sha256(secret),
        token_sealed: deps.secrets.seal(secret),
        expires_in_days: days,
        state: 'pending',
        expires_at: new Date(now.getTime() + days * DAY_MS).toISOString(),
        accepted_at: null,
        revoked_at: null,
        created_at: at,
        updated_at: at,
      };
      await tx.insertInto('invitations').values(row).execute();
      await this.mail(tx, env, row);
      const wire = invitationToWire(row, secret, deps.config.publicUrl, now);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'invitation.created',
        data: invitationEventData(wire),
        organizationId: row.organization_id,
        context: ctx,
      });
      return wire;
    });
  }

  async get(env: string, id: string) {
    return this.wire(await this.row(this.deps.db, env, id));
  }

  private async byToken(q: Queryable, token: string, env?: string) {
    let qb = q.selectFrom('invitations').selectAll().where('token_hash', '=', sha256(token));
    if (env) qb = qb.where('environment_id', '=', env);
    return qb.executeTakeFirst();
  }

  async findByToken(env: string, token: string) {
    const row = await this.byToken(this.deps.db, token, env);
    if (!row)
      throw new AppError('entity_not_found', {
        message: 'Invitation not found: no invitation of this environment has this token.',
      });
    return this.wire(row);
  }

  async list(env: string, p: Pagination, f: { organizationId?: string; email?: string }) {
    let qb = this.deps.db.selectFrom('invitations').selectAll().where('environment_id', '=', env);
    if (f.organizationId) qb = qb.where('organization_id', '=', f.organizationId);
    if (f.email) qb = qb.where('email', '=', f.email.trim().toLowerCase());
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map((r) => this.wire(r)), list_metadata: page.list_metadata };
  }

  async revoke(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const current = await this.row(tx, env, id);
      const at = deps.clock.now().toISOString();
      const row = await tx
        .updateTable('invitations')
        .set({ state: 'revoked', revoked_at: at, updated_at: at })
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!row) throw this.notPending(current);
      const wire = this.wire(row);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'invitation.revoked',
        data: invitationEventData(wire),
        organizationId: row.organization_id,
        context: ctx,
      });
      return wire;
    });
  }

  async resend(env: string, id: string, body: z.output<typeof ResendInvitationBody>, ctx: EventContext) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const current = await this.row(tx, env, id);
      const now = deps.clock.now();
      const at = now.toISOString();
      const locale = body.locale ?? current.locale;
      const row = await tx
        .updateTable('invitations')
        .set({
          expires_at: new Date(now.getTime() + current.expires_in_days * DAY_MS).toISOString(),
          locale,
          updated_at: at,
        })
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('expires_at', '>', at)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw this.notResendable(current);
      await this.mail(tx, env, row);
      const wire = this.wire(row);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'invitation.resent',
        data: invitationEventData(wire),
        organizationId: row.organization_id,
        context: ctx,
      });
      return wire;
    });
  }

  /**
   * Marks a pending, unexpired invitation accepted by `user` and creates its membership, on `q`
   * (an open transaction). Refusals say which rule failed; the caller's transaction rolls back.
   */
  private async consume(
    q: Queryable,
    env: string,
    current: InvitationTable,
    user: { id: string; email: string },
    ctx: EventContext,
  ) {
    const { deps } = this;
    if (current.email !== user.email.trim().toLowerCase()) {
      throw new AppError('invitation_cannot_be_used_for_email', {
        message: `This invitation was sent to another email address than ${user.email}. Sign in or sign up with the invited email, or ask for an invitation to this one.`,
      });
    }
    const now = deps.clock.now().toISOString();
    const row = await q
      .updateTable('invitations')
      .set({ state: 'accepted', accepted_at: now, accepted_user_id: user.id, updated_at: now })
      .where('environment_id', '=', env)
      .where('id', '=', current.id)
      .where('state', '=', 'pending')
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    if (row.organization_id) {
      await this.memberships.ensureActive(
        q,
        env,
        { organizationId: row.organization_id, userId: user.id, roleSlug: row.role_slug },
        ctx,
      );
    }
    const wire = this.wire(row);
    await appendEvent(q, deps, {
      environmentId: env,
      event: 'invitation.accepted',
      data: invitationEventData(wire),
      organizationId: row.organization_id,
      context: ctx,
    });
    return wire;
  }

  /** `POST /user_management/invitations/{id}/accept`: for the existing user with the invited email. */
  async accept(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const current = await this.row(tx, env, id);
      if (stateOf(current, deps.clock.now()) !== 'pending') throw this.notPending(current);
      const user = await tx
        .selectFrom('users')
        .select(['id', 'email'])
        .where('environment_id', '=', env)
        .where('email', '=', current.email)
        .executeTakeFirst();
      if (!user) {
        throw new AppError('invalid_invite', {
          message: `No user with the email '${current.email}' exists yet, so invitation ${id} cannot be accepted through the API. The recipient signs up through accept_invitation_url, or create the user first and accept again.`,
        });
      }
      const wire = await this.consume(tx, env, current, user, ctx);
      if (!wire) throw this.notPending(await this.row(tx, env, id));
      return wire;
    });
  }

  /**
   * For the sign-in pipeline: accepts the invitation named by `ref` (the `invitation_token` of a
   * grant or of the authorize URL, or the invitation id an authorization request carries) for
   * `user`, on the caller's open transaction — the user's creation, the membership and
   * `invitation.accepted` commit together. Throws `invitation_invalid` (unknown token, another
   * environment's, or not pending / expired) or `invitation_cannot_be_used_for_email`.
   */
  async acceptForUser(
    tx: Queryable,
    environmentId: string,
    ref: { token: string } | { id: string },
    user: { id: string; email: string },
    ctx: EventContext = systemContext(),
  ): Promise<{ invitationId: string; organizationId: string | null }> {
    const current =
      'token' in ref
        ? await this.byToken(tx, ref.token, environmentId)
        : await tx
            .selectFrom('invitations')
            .selectAll()
            .where('environment_id', '=', environmentId)
            .where('id', '=', ref.id)
            .executeTakeFirst();
    const invalid = (why: string) =>
      new AppError('invitation_invalid', {
        message: `The invitation ${why}. Ask the person who invited you to resend it or send a new one.`,
      });
    if (!current) throw invalid('token is not valid in this application');
    const state = stateOf(current, this.deps.clock.now());
    if (state !== 'pending') throw invalid(`was already ${state === 'expired' ? 'expired' : state}`);
    const wire = await this.consume(tx, environmentId, current, user, ctx);
    if (!wire) throw invalid('was already used');
    return { invitationId: wire.id, organizationId: wire.organization_id };
  }

  /**
   * What the hosted invite page shows, by the token in the accept link (the token alone names
   * the environment: its hash is unique). Null when no invitation has this token.
   */
  async peekByToken(token: string, environmentId?: string): Promise<InvitationPeek | null> {
    const q = this.deps.db;
    const row = await this.byToken(q, token, environmentId);
    if (!row) return null;
    const env = await q
      .selectFrom('environments')
      .select('client_id')
      .where('id', '=', row.environment_id)
      .executeTakeFirstOrThrow();
    const names = await this.names(q, row.environment_id, row);
    const user = await q
      .selectFrom('users')
      .select('id')
      .where('environment_id', '=', row.environment_id)
      .where('email', '=', row.email)
      .executeTakeFirst();
    return {
      invitation: this.wire(row),
      environmentId: row.environment_id,
      clientId: env.client_id,
      ...names,
      userExists: !!user,
    };
  }

  /** The invitation an authorization request carries (for locking the sign-up email). */
  async pendingById(environmentId: string, id: string) {
    const row = await this.deps.db
      .selectFrom('invitations')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || stateOf(row, this.deps.clock.now()) !== 'pending') return null;
    return { id: row.id, email: row.email, organizationId: row.organization_id };
  }
}
