/**
 * Emails (`/_admin/emails`, `/_admin/email_settings`, dashboard session only): the environment's
 * AuthKit emails newest first — sent, queued for a retry (with the last error), failed, or kept in
 * the dev outbox when the server has no PORTICO_SMTP_URL; outside production each one opens to its
 * plain-text body with the code or link. Below, the settings: branding (name, logo, colour), the
 * From address, and the email types turned off because the application sends its own.
 */
import { useState } from 'react';
import { qs } from '../../shared/api.ts';
import {
  Button,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { Badge, CheckboxGroup, fieldError, MfaPolicyPanel, PageHeader } from '../kit.tsx';

interface Email {
  id: string;
  template: string;
  to: string;
  from: string;
  subject: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'dev_outbox';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
  text?: string;
}

interface Settings {
  brand_name: string | null;
  logo_url: string | null;
  brand_color: string | null;
  from_address: string | null;
  disabled_types: string[];
  delivery: 'smtp' | 'dev_outbox';
  default_from: string;
  types: string[];
}

const STATUS_LABEL: Record<Email['status'], string> = {
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  failed: 'failed',
  dev_outbox: 'dev outbox',
};

function EmailSettings({ settings, reload }: { settings: Settings; reload: () => void }) {
  const [name, setName] = useState(settings.brand_name ?? '');
  const [logo, setLogo] = useState(settings.logo_url ?? '');
  const [color, setColor] = useState(settings.brand_color ?? '');
  const [from, setFrom] = useState(settings.from_address ?? '');
  const [off, setOff] = useState(settings.disabled_types);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await dash.put('/_admin/email_settings', {
      brand_name: name.trim() || null,
      logo_url: logo.trim() || null,
      brand_color: color.trim() || null,
      from_address: from.trim() || null,
      disabled_types: off,
    });
    reload();
    setSaved(true);
  });
  return (
    <div className="panel" id="email-settings">
      <h2>Branding and email settings</h2>
      <p className="hint">
        The branding (name, logo, colour) applies to AuthKit's emails and to every hosted page: sign-in,
        sign-up, codes, password reset, invitations.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
        noValidate
      >
        <Field
          label="Brand name"
          name="brand_name"
          value={name}
          onChange={setName}
          hint="Shown in email subjects and bodies, and in the header of the hosted pages. Empty: the environment's name (on the pages, only beside a logo)."
          error={fieldError(save.error, 'brand_name')}
        />
        <Field
          label="Logo URL"
          name="logo_url"
          value={logo}
          onChange={setLogo}
          placeholder="https://example.com/logo.png"
          hint="An https:// image URL, shown 40 px high in emails and in the hosted pages' header (pages show https:// logos only). Empty: the brand name in text."
          error={fieldError(save.error, 'logo_url')}
        />
        <Field
          label="Brand colour"
          name="brand_color"
          value={color}
          onChange={setColor}
          placeholder="#4f46e5"
          hint="#rrggbb, used for buttons and links in emails and on the hosted pages. Where it is too light or too dark to read (below WCAG AA, 4.5:1), the pages keep their default colour."
          error={fieldError(save.error, 'brand_color')}
        />
        <Field
          label="From address"
          name="from_address"
          value={from}
          onChange={setFrom}
          placeholder={settings.default_from}
          hint={
            <>
              Empty: <code>{settings.default_from}</code> (PORTICO_EMAIL_FROM).
            </>
          }
          error={fieldError(save.error, 'from_address')}
        />
        <CheckboxGroup
          legend="Email types turned off"
          options={settings.types}
          value={off}
          onChange={setOff}
          hint="Portico does not send these: your application sends its own, with the code or link it reads from the API and events."
        />
        <Button type="submit" busy={save.busy}>
          Save settings
        </Button>
      </form>
      {saved ? <Notice kind="success">Email settings saved.</Notice> : null}
      <ErrorNotice error={save.error} />
    </div>
  );
}

/** `/_admin/authentication_policy`: a sign-in of an unverified email stops at a code first. */
function VerificationPolicy() {
  const policy = useLoad(
    () => dash.get<{ email_verification_required: boolean }>('/_admin/authentication_policy'),
    [],
  );
  const save = useAction(async (required: boolean) => {
    await dash.put('/_admin/authentication_policy', { email_verification_required: required });
    policy.reload();
  });
  return (
    <div className="panel" id="verification-policy">
      <h2>Email verification</h2>
      <LoadState loaded={policy} what="the verification policy">
        {(p) => (
          <>
            <p id="verification-policy-current">
              {p.email_verification_required
                ? 'Required: a user whose email is not verified gets a six-digit code by email before the sign-in completes (the API answers email_verification_required).'
                : 'Not required: users sign in whether or not their email is verified.'}
            </p>
            <Button
              kind="secondary"
              busy={save.busy}
              onClick={() => void save.run(!p.email_verification_required)}
            >
              {p.email_verification_required ? 'Stop requiring verified emails' : 'Require verified emails'}
            </Button>
          </>
        )}
      </LoadState>
      <ErrorNotice error={save.error} />
    </div>
  );
}

/** `/_admin/mfa_policy`: every AuthKit sign-in (but SSO) needs a second factor (docs/mfa.md). */
function MfaPolicy() {
  return (
    <MfaPolicyPanel
      path="/_admin/mfa_policy"
      id="mfa-policy"
      required="Required: every sign-in (but SSO) needs a code from an authenticator app; users without one set it up first (the API answers mfa_enrollment or mfa_challenge)."
      notRequired="Not required for the environment (an organization can still require it, on its page or with PUT /_admin/organizations/{id}/mfa_policy)."
      requireLabel="Require MFA"
      stopLabel="Stop requiring MFA"
    />
  );
}

export function EmailsPage() {
  const [stack, setStack] = useState<string[]>([]);
  const before = stack[stack.length - 1];
  const [open, setOpen] = useState<string | null>(null);
  const list = useLoad(
    () =>
      dash.get<{ data: Email[]; list_metadata: { before: string | null } }>(
        `/_admin/emails${qs({ limit: 25, before })}`,
      ),
    [before],
  );
  const settings = useLoad(() => dash.get<Settings>('/_admin/email_settings'), []);
  const resend = useAction(async (id: string) => {
    await dash.post(`/_admin/emails/${encodeURIComponent(id)}/resend`);
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Emails">
        <Button kind="secondary" onClick={list.reload}>
          Refresh
        </Button>
      </PageHeader>
      <LoadState loaded={settings} what="email settings">
        {(s) =>
          s.delivery === 'dev_outbox' ? (
            <Notice kind="info">
              No SMTP server is configured (PORTICO_SMTP_URL), so emails are not sent: they are kept here, in
              the dev outbox. Open one to read its code or link.
            </Notice>
          ) : (
            <p className="muted">
              Emails are sent over SMTP by the worker, and retried when the server refuses.
            </p>
          )
        }
      </LoadState>
      <VerificationPolicy />
      <MfaPolicy />
      <ErrorNotice error={resend.error} />
      <LoadState loaded={list} what="emails">
        {(page) => (
          <>
            <Table
              caption="Emails, newest first"
              head={['To', 'Subject', 'Type', 'Status', 'Created', '']}
              rows={page.data.map((e) => [
                e.to,
                <span key="s">
                  {e.subject}
                  {open === e.id && e.text !== undefined ? (
                    <pre className="json email-body" title={`Body of ${e.subject}`}>
                      {e.text}
                    </pre>
                  ) : null}
                  {e.last_error && e.status !== 'sent' ? (
                    <span className="hint email-error">
                      {e.last_error}
                      {e.next_attempt_at ? ` — next attempt ${formatDate(e.next_attempt_at)}` : ''}
                    </span>
                  ) : null}
                </span>,
                <code key="t">{e.template}</code>,
                <Badge key="b" ok={e.status === 'sent' ? true : e.status === 'failed' ? false : null}>
                  {STATUS_LABEL[e.status]}
                  {e.attempts > 1 ? ` (${e.attempts} attempts)` : ''}
                </Badge>,
                formatDate(e.created_at),
                <span key="o" className="actions">
                  {e.text !== undefined ? (
                    <Button kind="secondary" onClick={() => setOpen(open === e.id ? null : e.id)}>
                      {open === e.id ? 'Hide' : 'Show'}
                    </Button>
                  ) : null}
                  {e.status === 'failed' ? (
                    <Button kind="secondary" busy={resend.busy} onClick={() => resend.run(e.id)}>
                      Resend
                    </Button>
                  ) : null}
                </span>,
              ])}
              empty={
                <Empty title="No emails yet.">
                  Emails appear when AuthKit sends a sign-in code, a verification code, a password reset or an
                  invitation.
                </Empty>
              }
            />
            {stack.length || page.list_metadata.before ? (
              <nav className="pager" aria-label="Pages">
                <Button
                  kind="secondary"
                  disabled={!stack.length}
                  onClick={() => setStack((s) => s.slice(0, -1))}
                >
                  Newer
                </Button>
                <Button
                  kind="secondary"
                  disabled={!page.list_metadata.before}
                  onClick={() => {
                    const next = page.list_metadata.before;
                    if (next) setStack((s) => [...s, next]);
                  }}
                >
                  Older
                </Button>
              </nav>
            ) : null}
          </>
        )}
      </LoadState>
      <LoadState loaded={settings} what="email settings">
        {(s) => <EmailSettings settings={s} reload={settings.reload} />}
      </LoadState>
    </section>
  );
}
