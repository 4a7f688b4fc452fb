/**
 * The AuthKit emails: a subject, a plain-text body and an HTML body for each type, branded with
 * the environment's name, logo and colour. Every value is escaped for HTML; the subject never
 * carries the code or link (it is stored unsealed, and shown on lock screens and in previews).
 * HTML is table-based with inline styles, which is what mail clients render; the code is shown
 * large, links are a button and, for clients that block it, the same URL in plain text.
 */

export type EmailTemplate = 'magic_auth' | 'email_verification' | 'password_reset' | 'invitation';
export const EMAIL_TEMPLATES: readonly EmailTemplate[] = [
  'magic_auth',
  'email_verification',
  'password_reset',
  'invitation',
];

export interface Branding {
  /** Shown in the subject, the header and the footer. */
  name: string;
  logoUrl: string | null;
  /** `#rrggbb`. */
  color: string;
}

export const DEFAULT_COLOR = '#4f46e5';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A subject is one header line: no control characters, bounded. */
function oneLine(v: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const s = v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Which data each template needs (the others are optional). */
export const REQUIRED: Record<EmailTemplate, string[]> = {
  magic_auth: ['code', 'email'],
  email_verification: ['code', 'email'],
  password_reset: ['url', 'email'],
  invitation: ['url', 'email'],
};

interface Body {
  subject: string;
  heading: string;
  intro: string;
  code?: string;
  button?: { label: string; url: string };
  outro: string;
}

function body(template: EmailTemplate, data: Record<string, string | null>, brand: Branding): Body {
  const app = brand.name;
  const email = data.email ?? '';
  switch (template) {
    case 'magic_auth':
      return {
        subject: `Your sign-in code for ${app}`,
        heading: `Sign in to ${app}`,
        intro: `Enter this code to sign in as ${email}:`,
        code: data.code!,
        outro:
          'The code expires in 10 minutes and works once. If you did not try to sign in, ignore this email.',
      };
    case 'email_verification':
      return {
        subject: `Verify your email for ${app}`,
        heading: 'Verify your email address',
        intro: `Enter this code in ${app} to confirm that ${email} is yours:`,
        code: data.code!,
        outro: 'If you did not create an account, ignore this email.',
      };
    case 'password_reset':
      return {
        subject: `Reset your ${app} password`,
        heading: 'Reset your password',
        intro: `Someone asked to reset the password of ${email}. Choose a new one here:`,
        button: { label: 'Reset password', url: data.url! },
        outro:
          'The link works once and expires soon. If you did not ask for it, ignore this email: your password stays the same.',
      };
    case 'invitation': {
      const org = data.organization_name;
      const inviter = data.inviter_name;
      const target = org ? `${org} on ${app}` : app;
      return {
        subject: inviter
          ? `${inviter} invited you to join ${target}`
          : `You have been invited to join ${target}`,
        heading: `Join ${target}`,
        intro: `${inviter ? `${inviter} has invited you` : 'You have been invited'} to join ${target} as ${email}.`,
        button: { label: 'Accept invitation', url: data.url! },
        outro: 'If you were not expecting this invitation, ignore this email.',
      };
    }
  }
}

export function renderEmail(
  template: EmailTemplate,
  data: Record<string, string | null>,
  brand: Branding,
): Rendered {
  const b = body(template, data, brand);
  const subject = oneLine(b.subject);
  const text = [
    b.heading,
    '',
    b.intro,
    '',
    ...(b.code ? [`    ${b.code}`, ''] : []),
    ...(b.button ? [`${b.button.label}: ${b.button.url}`, ''] : []),
    b.outro,
    '',
    '—',
    `Sent by ${brand.name}`,
    '',
  ].join('\n');
  const e = escapeHtml;
  const color = /^#[0-9a-fA-F]{6}$/.test(brand.color) ? brand.color : DEFAULT_COLOR;
  const logo = brand.logoUrl
    ? `<img src="${e(brand.logoUrl)}" alt="${e(brand.name)}" height="40" style="display:block;height:40px;max-width:200px;border:0">`
    : `<span style="font-size:20px;font-weight:700;color:${color}">${e(brand.name)}</span>`;
  const code = b.code
    ? `<p style="margin:24px 0;font-size:36px;font-weight:700;letter-spacing:8px;font-family:ui-monospace,Menlo,Consolas,monospace;color:#111827">${e(b.code)}</p>`
    : '';
  const button = b.button
    ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0"><tr><td style="border-radius:6px;background:${color}"><a href="${e(b.button.url)}" style="display:inline-block;padding:12px 24px;color:#ffffff;font-weight:600;text-decoration:none;border-radius:6px">${e(b.button.label)}</a></td></tr></table>
<p style="margin:0 0 16px;font-size:13px;color:#6b7280">Or paste this link into your browser:<br><a href="${e(b.button.url)}" style="color:${color};word-break:break-all">${e(b.button.url)}</a></p>`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;padding:32px 0"><tr><td align="center">
<table role="presentation" width="480" cellpadding="0" cellspacing="0" style="max-width:480px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid ${color}">
<tr><td style="padding:32px 32px 0">${logo}</td></tr>
<tr><td style="padding:24px 32px 32px;color:#374151;font-size:15px;line-height:1.5">
<h1 style="margin:0 0 16px;font-size:22px;color:#111827">${e(b.heading)}</h1>
<p style="margin:0">${e(b.intro)}</p>
${code}${button}<p style="margin:16px 0 0;font-size:13px;color:#6b7280">${e(b.outro)}</p>
</td></tr></table>
<p style="margin:16px 0 0;font-size:12px;color:#9ca3af">Sent by ${e(brand.name)}</p>
</td></tr></table>
</body></html>
`;
  return { subject, text, html };
}
