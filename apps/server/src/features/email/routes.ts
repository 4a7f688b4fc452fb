/**
 * The dashboard's email endpoints (dashboard session + CSRF only, like the rest of `/_admin`):
 * the environment's emails newest first (in development with their body, which holds the code or
 * link: the dev outbox), and its email settings — branding, From, and the types turned off
 * because the app sends its own.
 */
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { notFound } from '../../platform/errors.ts';
import type { JsonSurface } from '../../surfaces/json-surface.ts';
import type { AdminEnv } from '../admin/routes.ts';
import type { EmailService } from './service.ts';
import { EMAIL_TEMPLATES, type EmailTemplate } from './templates.ts';

const STATUSES = ['queued', 'sending', 'sent', 'failed', 'dev_outbox'] as const;
const Template = z.enum(EMAIL_TEMPLATES as [EmailTemplate, ...EmailTemplate[]]);

const EmailWire = z.object({
  id: z.string(),
  template: Template,
  to: z.string(),
  from: z.string(),
  subject: z.string(),
  status: z.enum(STATUSES),
  attempts: z.number(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  text: z.string().optional(),
});

const SettingsWire = z.object({
  brand_name: z.string().nullable(),
  logo_url: z.string().nullable(),
  brand_color: z.string().nullable(),
  from_address: z.string().nullable(),
  disabled_types: z.array(Template),
  /** How this server delivers: over SMTP (PORTICO_SMTP_URL) or into the dev outbox. */
  delivery: z.enum(['smtp', 'dev_outbox']),
  /** The From used when `from_address` is null (PORTICO_EMAIL_FROM). */
  default_from: z.string(),
  /** The types there are, for the dashboard's checkboxes. */
  types: z.array(Template),
});

export function emailAdminRoutes(surface: JsonSurface<AdminEnv>, deps: Deps, emails: EmailService) {
  const settings = async (envId: string) => ({
    ...(await emails.settings(envId)),
    delivery: deps.config.email.smtpUrl ? ('smtp' as const) : ('dev_outbox' as const),
    default_from: deps.config.email.from,
    types: [...EMAIL_TEMPLATES],
  });

  surface.route({
    method: 'get',
    path: '/_admin/emails',
    summary: 'List the environment’s emails, newest first (with the body outside production: the dev outbox)',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50),
      before: z.string().min(1).max(200).optional(),
      status: z.enum(STATUSES).optional(),
    }),
    response: z.object({
      data: z.array(EmailWire),
      list_metadata: z.object({ before: z.string().nullable() }),
    }),
    handler: async ({ env, query }) => {
      const page = await emails.list(env.environmentId, query);
      return { data: page.data, list_metadata: { before: page.before } };
    },
  });
  surface.route({
    method: 'get',
    path: '/_admin/emails/:id',
    summary: 'One email (with its body outside production)',
    params: z.object({ id: z.string().min(1).max(200) }),
    response: EmailWire,
    handler: async ({ env, params }) => {
      const e = await emails.get(env.environmentId, params.id);
      if (!e) throw notFound('Email', params.id);
      return e;
    },
  });
  surface.route({
    method: 'post',
    path: '/_admin/emails/:id/resend',
    summary: 'Queue a failed email again: the same message, attempted at once with a fresh retry budget',
    params: z.object({ id: z.string().min(1).max(200) }),
    response: EmailWire,
    handler: async ({ env, params }) => emails.resend(env.environmentId, params.id),
  });
  surface.route({
    method: 'get',
    path: '/_admin/email_settings',
    summary: 'The environment’s email branding, From address and the types turned off',
    response: SettingsWire,
    handler: async ({ env }) => settings(env.environmentId),
  });
  surface.route({
    method: 'put',
    path: '/_admin/email_settings',
    summary:
      'Update the email settings given (null clears one); a type in disabled_types is not sent: the app sends its own',
    body: z
      .object({
        brand_name: z.string().max(100).nullable(),
        logo_url: z.string().max(2048).nullable(),
        brand_color: z.string().max(7).nullable(),
        from_address: z.string().max(320).nullable(),
        disabled_types: z.array(z.string().max(50)).max(10),
      })
      .partial()
      .strict(),
    response: SettingsWire,
    handler: async ({ env, body }) => {
      await emails.updateSettings(env.environmentId, {
        ...body,
        disabled_types: body.disabled_types as EmailTemplate[] | undefined,
      });
      return settings(env.environmentId);
    },
  });
}
