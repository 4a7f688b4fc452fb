/**
 * Admin Portal wire shapes (reference §5.4). `POST /portal/generate_link` takes the organization,
 * an intent, where to send the IT admin afterwards (`return_url`, `success_url`), intent options
 * and the IT contacts' emails (`admin_emails` in SDK 11, `it_contact_emails` in the spec: both are
 * accepted, at most 20 together). It answers 201 `{link}`.
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
export const UNAVAILABLE_INTENTS: readonly PortalIntent[] = [
  'audit_logs',
  'log_streams',
  'bring_your_own_key',
];

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

export const GenerateLinkBody = z
  .object({
    organization: z.string().min(1).max(128),
    intent: z.enum(PORTAL_INTENTS).default('sso'),
    return_url: returnUrl.optional(),
    success_url: returnUrl.optional(),
    intent_options: z.record(z.string(), z.unknown()).optional(),
    admin_emails: emails.optional(),
    it_contact_emails: emails.optional(),
  })
  .refine((b) => (b.admin_emails?.length ?? 0) + (b.it_contact_emails?.length ?? 0) <= 20, {
    message: 'admin_emails and it_contact_emails together hold at most 20 addresses',
    path: ['admin_emails'],
  });
export type GenerateLinkBody = z.output<typeof GenerateLinkBody>;

export const GenerateLinkResponse = z.object({ link: z.string().url() });
