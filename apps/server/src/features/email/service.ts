/**
 * AuthKit email: the outbox side (docs/email.md). `enqueue` renders an email with the
 * environment's branding and inserts it in the caller's transaction, so the email exists exactly
 * when the change that needs it (a Magic Auth code, a reset token, an invitation) commits. Its
 * text and HTML are sealed with the master key: they carry one-time codes and links. The worker
 * (jobs/email-worker.ts) sends `queued` rows over SMTP; without PORTICO_SMTP_URL a row is kept as
 * `dev_outbox` (listed by the dashboard and `portico mail list`, printed to the log in
 * development only). An environment may turn any type off: the app then sends its own from the
 * codes and links the API and events give it, and `enqueue` returns null.
 */
import { parseFromAddress } from '../../config.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { EmailTable, EnvironmentTable } from '../../platform/schema.ts';
import { HEX_COLOR } from '../../surfaces/brand.ts';
import {
  type Branding,
  DEFAULT_COLOR,
  EMAIL_TEMPLATES,
  type EmailTemplate,
  REQUIRED,
  renderEmail,
} from './templates.ts';

export type { EmailTemplate } from './templates.ts';

export interface EmailInput {
  environmentId: string;
  template: EmailTemplate;
  to: string;
  /** magic_auth / email_verification: { code, email }; password_reset: { url, email };
   *  invitation: { url, email, organization_name (or null), inviter_name (or null) } */
  data: Record<string, string | null>;
}

export interface EmailSettings {
  brand_name: string | null;
  logo_url: string | null;
  brand_color: string | null;
  from_address: string | null;
  /** The types this environment does not send (the app sends its own). */
  disabled_types: EmailTemplate[];
}

export interface EmailSummary {
  id: string;
  template: EmailTemplate;
  to: string;
  from: string;
  subject: string;
  status: EmailTable['status'];
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface EmailView extends EmailSummary {
  /** The plain-text body: present only outside production (it holds codes and links). */
  text?: string;
}

function invalid(field: string, code: string, message: string): AppError {
  return new AppError('invalid_request_parameters', {
    message: `Email settings rejected: ${message}`,
    errors: [{ field, code, message }],
  });
}

export function parseDisabled(v: string | null): EmailTemplate[] {
  if (!v) return [];
  try {
    const arr = JSON.parse(v) as unknown;
    return Array.isArray(arr) ? EMAIL_TEMPLATES.filter((t) => arr.includes(t)) : [];
  } catch {
    return [];
  }
}

export function brandingOf(env: EnvironmentTable): Branding {
  return {
    name: env.email_brand_name || env.name,
    logoUrl: env.email_logo_url,
    color:
      env.email_brand_color && HEX_COLOR.test(env.email_brand_color) ? env.email_brand_color : DEFAULT_COLOR,
  };
}

export class EmailService {
  constructor(private deps: Deps) {}

  /** Queues one email inside the caller's transaction `q` (a Kysely transaction or deps.db). Returns the email id,
   *  or null when the environment turned this email type off (the app sends its own from the API/events). */
  async enqueue(q: Queryable, input: EmailInput): Promise<string | null> {
    const { deps } = this;
    if (!EMAIL_TEMPLATES.includes(input.template))
      throw new Error(`unknown email template ${input.template}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a recipient is one header value
    if (!/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(input.to) || /[\u0000-\u001f]/.test(input.to))
      throw new Error(`email recipient ${JSON.stringify(input.to)} is not one address`);
    for (const k of REQUIRED[input.template]) {
      if (!input.data[k]) throw new Error(`email ${input.template} needs data.${k}`);
    }
    const env = await q
      .selectFrom('environments')
      .selectAll()
      .where('id', '=', input.environmentId)
      .executeTakeFirst();
    if (!env) throw new Error(`environment ${input.environmentId} does not exist`);
    if (parseDisabled(env.email_disabled).includes(input.template)) return null;

    const rendered = renderEmail(input.template, input.data, brandingOf(env));
    const from = env.email_from ?? deps.config.email.from;
    const id = deps.ids.next('email');
    const domain = parseFromAddress(from)?.address.split('@')[1] ?? 'portico.local';
    const now = deps.clock.now().toISOString();
    const smtp = deps.config.email.smtpUrl !== null;
    await q
      .insertInto('emails')
      .values({
        id,
        environment_id: input.environmentId,
        template: input.template,
        to_address: input.to,
        from_address: from,
        subject: rendered.subject,
        text_sealed: deps.secrets.seal(rendered.text),
        html_sealed: deps.secrets.seal(rendered.html),
        message_id: `<${id.toLowerCase()}@${domain}>`,
        status: smtp ? 'queued' : 'dev_outbox',
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        last_error: null,
        smtp_response: null,
        created_at: now,
        updated_at: now,
        sent_at: null,
      })
      .execute();
    if (!smtp) {
      if (deps.config.production) {
        deps.log.warn(
          { email: id, template: input.template },
          'email kept in the dev outbox: PORTICO_SMTP_URL is not set, nothing was sent',
        );
      } else {
        // Development only: the code or link is what a developer needs to go on signing in.
        deps.log.info(
          { email: id, to: input.to, subject: rendered.subject, devOutbox: rendered.text },
          `dev outbox: ${rendered.subject} → ${input.to}\n${rendered.text}`,
        );
      }
    }
    return id;
  }

  /** The environment's newest emails first (`before`: an email id, for the next page). */
  async list(envId: string, opts: { limit: number; before?: string; status?: EmailTable['status'] }) {
    let q = this.deps.db
      .selectFrom('emails')
      .selectAll()
      .where('environment_id', '=', envId)
      .orderBy('id', 'desc')
      .limit(opts.limit + 1);
    if (opts.before) q = q.where('id', '<', opts.before);
    if (opts.status) q = q.where('status', '=', opts.status);
    const rows = await q.execute();
    const more = rows.length > opts.limit;
    const page = rows.slice(0, opts.limit);
    return { data: page.map((r) => this.view(r)), before: more ? page[page.length - 1]!.id : null };
  }

  /**
   * Queues a `failed` email again (the dashboard's Resend): the same message, Message-ID and body,
   * attempted at once with a fresh retry budget. Only a failed email: a queued one is already
   * retried, and a sent or dev-outbox one would reach the person twice.
   */
  async resend(envId: string, id: string): Promise<EmailView> {
    const now = this.deps.clock.now().toISOString();
    const row = await this.deps.db
      .updateTable('emails')
      .set({ status: 'queued', attempts: 0, next_attempt_at: now, claimed_until: null, updated_at: now })
      .where('environment_id', '=', envId)
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returningAll()
      .executeTakeFirst();
    if (row) return this.view(row);
    const current = await this.get(envId, id);
    if (!current) throw notFound('Email', id);
    throw new AppError('email_not_failed', {
      message: `Email ${id} is ${current.status}: only a failed email can be resent${
        current.status === 'queued' ? ' (this one is still being retried)' : ''
      }.`,
    });
  }

  async get(envId: string, id: string): Promise<EmailView | null> {
    const row = await this.deps.db
      .selectFrom('emails')
      .selectAll()
      .where('environment_id', '=', envId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.view(row) : null;
  }

  private view(r: EmailTable): EmailView {
    const v: EmailView = {
      id: r.id,
      template: r.template as EmailTemplate,
      to: r.to_address,
      from: r.from_address,
      subject: r.subject,
      status: r.status,
      attempts: r.attempts,
      last_error: r.last_error,
      next_attempt_at: r.status === 'queued' ? r.next_attempt_at : null,
      created_at: r.created_at,
      sent_at: r.sent_at,
    };
    if (!this.deps.config.production) v.text = this.deps.secrets.open(r.text_sealed);
    return v;
  }

  async settings(envId: string): Promise<EmailSettings> {
    const env = await this.deps.db
      .selectFrom('environments')
      .selectAll()
      .where('id', '=', envId)
      .executeTakeFirstOrThrow();
    return {
      brand_name: env.email_brand_name,
      logo_url: env.email_logo_url,
      brand_color: env.email_brand_color,
      from_address: env.email_from,
      disabled_types: parseDisabled(env.email_disabled),
    };
  }

  /** Updates the fields given (null clears one); every value is checked before anything changes. */
  async updateSettings(envId: string, patch: Partial<EmailSettings>): Promise<EmailSettings> {
    const set: Partial<EnvironmentTable> = {};
    if (patch.brand_name !== undefined) {
      const v = patch.brand_name?.trim() || null;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
      if (v !== null && (v.length > 100 || /[\u0000-\u001f\u007f]/.test(v)))
        throw invalid('brand_name', 'invalid_brand_name', 'the name must be 1–100 characters on one line.');
      set.email_brand_name = v;
    }
    if (patch.logo_url !== undefined) {
      const v = patch.logo_url?.trim() || null;
      if (v !== null) {
        let u: URL | null = null;
        try {
          u = new URL(v);
        } catch {}
        if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || v.length > 2048)
          throw invalid(
            'logo_url',
            'invalid_logo_url',
            'the logo URL must be an absolute https:// (or http://) URL of an image, at most 2048 characters.',
          );
      }
      set.email_logo_url = v;
    }
    if (patch.brand_color !== undefined) {
      const v = patch.brand_color?.trim() || null;
      if (v !== null && !HEX_COLOR.test(v))
        throw invalid('brand_color', 'invalid_brand_color', 'the colour must be #rrggbb, such as #4f46e5.');
      set.email_brand_color = v ? v.toLowerCase() : null;
    }
    if (patch.from_address !== undefined) {
      const v = patch.from_address?.trim() || null;
      if (v !== null && parseFromAddress(v) === null)
        throw invalid(
          'from_address',
          'invalid_from_address',
          "the From must be an address such as no-reply@example.com or 'Example <no-reply@example.com>'.",
        );
      set.email_from = v;
    }
    if (patch.disabled_types !== undefined) {
      const bad = patch.disabled_types.filter((t) => !EMAIL_TEMPLATES.includes(t));
      if (bad.length)
        throw invalid(
          'disabled_types',
          'invalid_email_type',
          `unknown email type ${JSON.stringify(bad[0])}: use ${EMAIL_TEMPLATES.join(', ')}.`,
        );
      const list = EMAIL_TEMPLATES.filter((t) => patch.disabled_types!.includes(t));
      set.email_disabled = list.length ? JSON.stringify(list) : null;
    }
    if (Object.keys(set).length)
      await this.deps.db.updateTable('environments').set(set).where('id', '=', envId).execute();
    return this.settings(envId);
  }
}
