/**
 * Admin Portal wire shapes (reference §5.4, §10.1). `POST /portal/generate_link` takes the
 * organization, an intent, where to send the IT admin afterwards (`return_url`, `success_url`),
 * intent options (`sso.provider_type`, `sso.bookmark_slug`, `domain_verification.domain_name`),
 * the IT contacts' emails (`admin_emails` in SDK 11, `it_contact_emails` in the spec and SDK 12:
 * both are accepted, at most 20 together) and, from SDK 12, `external_user_id` — the app's id for
 * the admin, which `POST /portal/revoke_link` later names to revoke that admin's links. It answers
 * 201 `{link}`.
 */
import { z } from 'zod';

export const PORTAL_INTENTS = [
  'sso',
  'dsync',
  'domain_verification',
  'certificate_renewal',
  'audit_logs',
  'log_streams',
  'bring_your_own_key',
] as const;
export type PortalIntent = (typeof PORTAL_INTENTS)[number];
/** Intents whose pages Portico does not have yet: generate_link refuses them with a 422. */
export const UNAVAILABLE_INTENTS: readonly PortalIntent[] = ['bring_your_own_key'];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An absolute https:// URL (http:// only on localhost), as for redirect URIs. */
export const returnUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      if (u.username || u.password) return false;
      return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
    } catch {
      return false;
    }
  }, 'must be an absolute https:// URL (http:// only for localhost)');

const emails = z.array(z.string().trim().toLowerCase().email()).max(20);

/** The app's id for an admin (SDK 12 `externalUserId`): any non-empty string it chooses. */
const externalUserId = z.string().trim().min(1).max(255);

/**
 * Known options are type-checked; others are kept as sent (the portal reads only these).
 * SDK 9–12 send `sso` only, and always with both keys (undefined ones dropped).
 */
const IntentOptions = z.looseObject({
  sso: z
    .looseObject({
      provider_type: z.string().min(1).max(64).optional(),
      /** The IdP bookmark app's slug; stored with the link, not used by Portico's portal yet. */
      bookmark_slug: z.string().trim().min(1).max(255).optional(),
    })
    .optional(),
  domain_verification: z.looseObject({ domain_name: z.string().min(1).max(253).optional() }).optional(),
});

export const GenerateLinkBody = z
  .object({
    organization: z.string().min(1).max(128),
    intent: z.enum(PORTAL_INTENTS).default('sso'),
    return_url: returnUrl.optional(),
    success_url: returnUrl.optional(),
    intent_options: IntentOptions.optional(),
    admin_emails: emails.optional(),
    it_contact_emails: emails.optional(),
    external_user_id: externalUserId.optional(),
  })
  .refine((b) => (b.admin_emails?.length ?? 0) + (b.it_contact_emails?.length ?? 0) <= 20, {
    message: 'admin_emails and it_contact_emails together hold at most 20 addresses',
    path: ['admin_emails'],
  });
export type GenerateLinkBody = z.output<typeof GenerateLinkBody>;

export const GenerateLinkResponse = z.object({ link: z.string().url() });

/** `POST /portal/revoke_link` (SDK 12 `adminPortal.revokeLink`). */
export const RevokeLinkBody = z.object({
  organization: z.string().min(1).max(128),
  external_user_id: externalUserId,
});
export type RevokeLinkBody = z.output<typeof RevokeLinkBody>;

/**
 * What a revocation did (Portico's answer; the SDK does not read it). A repeated revocation
 * answers zeros: the links are already revoked.
 */
export const RevokeLinkResponse = z.object({
  object: z.literal('portal_link_revocation'),
  organization_id: z.string(),
  external_user_id: z.string(),
  revoked_links: z.number().int().min(0),
  ended_sessions: z.number().int().min(0),
});
