/**
 * Admin Portal links and the sessions they open (reference §5.4; DESIGN.md "Secrets at rest",
 * "Single use means single use").
 *
 * A link token is `<payload>.<secret>.<mac>`: the payload names the link, organization and
 * expiry; the secret is 32 random bytes; the mac is an HMAC of both under a key derived from
 * PORTICO_SECRET. Only SHA-256(token) is stored. The mac lets a refusal tell a tampered or
 * truncated link (`portal_link_invalid`) from a genuine one whose organization was deleted (the
 * link row goes with it) or that expired. Launching consumes the link with one
 * `UPDATE … WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > now` and opens the
 * session in the same transaction. A session is a random cookie (hashed at rest, one hour); its
 * CSRF token is an HMAC of the session id.
 *
 * Revocation (SDK 12 `revokeLink`): every link of an organization generated with one
 * `external_user_id` gets `revoked_at`, and the portal sessions opened from them are deleted, in one
 * transaction. A revoked link is refused at launch like a used one (`portal_link_revoked`), and a
 * session whose link is revoked no longer resolves, so neither a launch nor a session request that
 * races the revocation gets through.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual, sha256 } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId, quote } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { PortalSessionTable } from '../../platform/schema.ts';
import { organizationRepo } from '../organizations/repo.ts';
import {
  type GenerateLinkBody,
  type PortalIntent,
  type RevokeLinkBody,
  UNAVAILABLE_INTENTS,
} from './wire.ts';

export const LINK_TTL_MS = 5 * 60 * 1000;
export const SESSION_TTL_MS = 60 * 60 * 1000;
export const SESSION_COOKIE = 'portico_portal';

interface LinkPayload {
  l: string;
  o: string;
  x: number;
}

export interface PortalSession {
  id: string;
  environmentId: string;
  organizationId: string;
  organizationName: string;
  intent: PortalIntent;
  linkId: string;
  returnUrl: string | null;
  successUrl: string | null;
  intentOptions: Record<string, unknown>;
  expiresAt: string;
}

export class PortalLinks {
  private readonly key: Buffer;
  constructor(private deps: Deps) {
    this.key = createHmac('sha256', deps.config.secret).update('admin-portal-v1').digest();
  }

  private mac(value: string) {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }

  /** The CSRF token of a session: whoever holds it also read `GET /portal/api/session`. */
  csrfFor(sessionId: string) {
    return this.mac(`csrf|${sessionId}`);
  }

  async generate(env: string, body: GenerateLinkBody): Promise<{ link: string }> {
    const { deps } = this;
    if (UNAVAILABLE_INTENTS.includes(body.intent)) {
      throw new AppError('portal_intent_not_available', {
        message: `The Admin Portal intent ${quote(body.intent)} is not available in Portico yet. Use sso, dsync, domain_verification, certificate_renewal, audit_logs or log_streams.`,
        errors: [{ field: 'intent', code: 'not_available' }],
      });
    }
    const org = await organizationRepo.get(deps.db, env, body.organization);
    if (!org)
      throw new AppError('entity_not_found', {
        message: `Organization not found: ${describeId(body.organization, 'org')}. Pass the id of an organization of this environment.`,
      });
    const now = deps.clock.now();
    const expires = new Date(now.getTime() + LINK_TTL_MS);
    const id = deps.ids.next('portal_link');
    const payload = Buffer.from(
      JSON.stringify({ l: id, o: org.id, x: expires.getTime() } satisfies LinkPayload),
    ).toString('base64url');
    const signed = `${payload}.${token(deps.random, 32)}`;
    const linkToken = `${signed}.${this.mac(signed)}`;
    const emails = [...new Set([...(body.admin_emails ?? []), ...(body.it_contact_emails ?? [])])];
    await deps.db
      .insertInto('portal_links')
      .values({
        id,
        environment_id: env,
        organization_id: org.id,
        intent: body.intent,
        token_hash: sha256(linkToken),
        return_url: body.return_url ?? null,
        success_url: body.success_url ?? null,
        intent_options: JSON.stringify(body.intent_options ?? {}),
        admin_emails: JSON.stringify(emails),
        created_at: now.toISOString(),
        expires_at: expires.toISOString(),
        used_at: null,
        external_user_id: body.external_user_id ?? null,
        revoked_at: null,
      })
      .execute();
    return { link: `${deps.config.publicUrl}/portal/launch?token=${encodeURIComponent(linkToken)}` };
  }

  /**
   * Revokes every link of the organization generated with this `external_user_id` — opened or
   * not, expired or not — and ends the portal sessions they opened. 404 for an organization of
   * another environment, and for an id no link of the organization was generated with (a typo
   * would otherwise look like a successful deprovisioning). Repeating it answers zeros.
   */
  async revoke(env: string, body: RevokeLinkBody) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const org = await organizationRepo.get(tx, env, body.organization);
      if (!org)
        throw new AppError('entity_not_found', {
          message: `Organization not found: ${describeId(body.organization, 'org')}. Pass the id of an organization of this environment.`,
        });
      const links = tx
        .selectFrom('portal_links')
        .select('id')
        .where('environment_id', '=', env)
        .where('organization_id', '=', org.id)
        .where('external_user_id', '=', body.external_user_id);
      const any = await links.limit(1).executeTakeFirst();
      if (!any)
        throw new AppError('portal_link_not_found', {
          message: `No Admin Portal link of organization '${org.id}' was generated with external_user_id ${quote(body.external_user_id)}. Only links generated with external_user_id (externalUserId in SDK 12) can be revoked: pass it to generate_link for every admin you may need to deprovision.`,
        });
      const now = deps.clock.now().toISOString();
      const revoked = await tx
        .updateTable('portal_links')
        .set({ revoked_at: now })
        .where('id', 'in', links)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      const ended = await tx.deleteFrom('portal_sessions').where('link_id', 'in', links).executeTakeFirst();
      return {
        object: 'portal_link_revocation' as const,
        organization_id: org.id,
        external_user_id: body.external_user_id,
        revoked_links: Number(revoked.numUpdatedRows),
        ended_sessions: Number(ended.numDeletedRows),
      };
    });
  }

  /** Reads the mac-checked payload of a link token, or null when it was not made by this server. */
  private payloadOf(linkToken: string): LinkPayload | null {
    const parts = linkToken.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]{1,512}$/.test(p))) return null;
    const signed = `${parts[0]}.${parts[1]}`;
    if (!constantTimeEqual(this.mac(signed), parts[2]!)) return null;
    try {
      const p = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as LinkPayload;
      return typeof p.l === 'string' && typeof p.o === 'string' && typeof p.x === 'number' ? p : null;
    } catch {
      return null;
    }
  }

  /**
   * Consumes a link and opens its session; returns the session cookie value. Throws one of
   * portal_link_invalid / _expired / _used / _revoked / _organization_deleted.
   */
  async launch(linkToken: string | undefined): Promise<{ cookie: string; session: PortalSessionTable }> {
    const { deps } = this;
    const payload = linkToken ? this.payloadOf(linkToken) : null;
    if (!linkToken || !payload) throw new AppError('portal_link_invalid');
    const now = deps.clock.now();
    const nowIso = now.toISOString();
    const hash = sha256(linkToken);
    const cookie = token(deps.random, 32, 'portal_');
    const sessionId = deps.ids.next('portal_session');
    return deps.db.transaction().execute(async (tx) => {
      const link = await tx
        .selectFrom('portal_links')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      if (!link) {
        // A genuine link (the mac holds) whose row is gone: its organization was deleted (links
        // cascade with it), or it expired and was swept.
        const org = await tx
          .selectFrom('organizations')
          .select('id')
          .where('id', '=', payload.o)
          .executeTakeFirst();
        if (!org) throw new AppError('portal_link_organization_deleted');
        if (payload.x <= now.getTime()) throw new AppError('portal_link_expired');
        throw new AppError('portal_link_invalid');
      }
      if (link.revoked_at) throw new AppError('portal_link_revoked');
      const org = await organizationRepo.get(tx, link.environment_id, link.organization_id);
      if (!org) throw new AppError('portal_link_organization_deleted');
      const consumed = await tx
        .updateTable('portal_links')
        .set({ used_at: nowIso })
        .where('id', '=', link.id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', nowIso)
        .executeTakeFirst();
      if (Number(consumed.numUpdatedRows) !== 1) {
        // Read again: a revocation or another launch may have won since the first read.
        const current = await tx
          .selectFrom('portal_links')
          .select(['used_at', 'revoked_at'])
          .where('id', '=', link.id)
          .executeTakeFirst();
        if (current?.revoked_at) throw new AppError('portal_link_revoked');
        if (current?.used_at ?? link.used_at) throw new AppError('portal_link_used');
        throw new AppError('portal_link_expired');
      }
      const session: PortalSessionTable = {
        id: sessionId,
        environment_id: link.environment_id,
        organization_id: link.organization_id,
        link_id: link.id,
        intent: link.intent,
        token_hash: sha256(cookie),
        created_at: nowIso,
        expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      };
      await tx.insertInto('portal_sessions').values(session).execute();
      return { cookie, session };
    });
  }

  /**
   * The return_url of a refused link (expired, used, revoked), for its page's way back. Only for a
   * link this server made (the mac holds) whose row still exists: a tampered or unknown token
   * gets none, so a refusal page never offers an address the application did not set.
   */
  async returnUrlOf(linkToken: string | undefined): Promise<string | null> {
    if (!linkToken || !this.payloadOf(linkToken)) return null;
    const row = await this.deps.db
      .selectFrom('portal_links')
      .select('return_url')
      .where('token_hash', '=', sha256(linkToken))
      .executeTakeFirst();
    return row?.return_url ?? null;
  }

  /** The live session a cookie belongs to, with its link's settings, or null. */
  async session(cookie: string | undefined): Promise<PortalSession | null> {
    if (!cookie || !/^portal_[A-Za-z0-9_-]{20,80}$/.test(cookie)) return null;
    const row = await this.deps.db
      .selectFrom('portal_sessions')
      .innerJoin('portal_links', 'portal_links.id', 'portal_sessions.link_id')
      .innerJoin('organizations', 'organizations.id', 'portal_sessions.organization_id')
      .select([
        'portal_sessions.id',
        'portal_sessions.environment_id',
        'portal_sessions.organization_id',
        'portal_sessions.intent',
        'portal_sessions.link_id',
        'portal_sessions.expires_at',
        'portal_links.return_url',
        'portal_links.success_url',
        'portal_links.intent_options',
        'organizations.name as organization_name',
        'organizations.environment_id as organization_environment_id',
      ])
      .where('portal_sessions.token_hash', '=', sha256(cookie))
      .where('portal_links.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row || row.expires_at <= this.deps.clock.now().toISOString()) return null;
    if (row.organization_environment_id !== row.environment_id) return null;
    return {
      id: row.id,
      environmentId: row.environment_id,
      organizationId: row.organization_id,
      organizationName: row.organization_name,
      intent: row.intent as PortalIntent,
      linkId: row.link_id,
      returnUrl: row.return_url,
      successUrl: row.success_url,
      intentOptions: JSON.parse(row.intent_options) as Record<string, unknown>,
      expiresAt: row.expires_at,
    };
  }
}
