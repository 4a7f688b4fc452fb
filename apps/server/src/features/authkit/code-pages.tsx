/** @jsxImportSource hono/jsx */
/**
 * Hosted pages for the one-time-code and pending steps: "Check your email" (a Magic Auth code),
 * "Verify your email" (an email-verification code) and "Choose an organization". Each works
 * without JavaScript, ties its error to the field (aria-invalid, aria-describedby) and carries the
 * flow's CSRF token.
 */
import type { FC } from 'hono/jsx';
import { Field } from '../../surfaces/field.tsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';

/** The code's error is the page's (ErrorBox, `form-error`), tied to the field. */
const CodeField: FC<{ error?: PageError }> = ({ error }) => (
  <Field
    id="code"
    label="Code"
    class="otp"
    inputmode="numeric"
    pattern="[0-9]{6}"
    maxlength={6}
    autocomplete="one-time-code"
    required
    autofocus
    describedBy={error ? ['form-error'] : []}
    invalid={!!error}
    help="The six digits in the email. The code works once, for 10 minutes."
  />
);

/** After "Email me a sign-in code": the same page whether or not the email has an account. */
export const MagicCodePage: FC<{ requestId: string; csrf: string; email: string; error?: PageError }> = (
  p,
) => (
  <Layout title="Check your email">
    <h1>Check your email</h1>
    <ErrorBox error={p.error} />
    <p id="sent-to">
      We sent a six-digit sign-in code to <strong>{p.email}</strong>. Enter it below.
    </p>
    <form method="post" action={`/authkit/magic/verify?request=${encodeURIComponent(p.requestId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <input type="hidden" name="email" value={p.email} />
      <CodeField error={p.error} />
      <button type="submit">Continue</button>
    </form>
    <form class="inline" method="post" action={`/authkit/sign-in?request=${encodeURIComponent(p.requestId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <input type="hidden" name="email" value={p.email} />
      <button type="submit" name="action" value="magic" class="secondary">
        Send a new code
      </button>
    </form>
    <p class="switch">
      <a href={`/authkit/sign-in?request=${encodeURIComponent(p.requestId)}`}>
        Use another email or a password
      </a>
    </p>
  </Layout>
);

/** A sign-in stopped at email verification. */
export const VerifyEmailPage: FC<{
  pendingId: string;
  csrf: string;
  email: string;
  error?: PageError;
  resent?: boolean;
}> = (p) => (
  <Layout title="Verify your email">
    <h1>Verify your email</h1>
    <ErrorBox error={p.error} />
    <p id="sent-to">
      {p.resent
        ? 'We sent a new code to '
        : 'Before you continue, confirm your address: we sent a six-digit code to '}
      <strong>{p.email}</strong>.
    </p>
    <form method="post" action={`/authkit/continue/${encodeURIComponent(p.pendingId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <CodeField error={p.error} />
      <button type="submit">Verify and continue</button>
    </form>
    <form class="inline" method="post" action={`/authkit/continue/${encodeURIComponent(p.pendingId)}/resend`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <button type="submit" class="secondary">
        Send a new code
      </button>
    </form>
  </Layout>
);

/** A member of several organizations picks the one to sign in to. */
export const OrganizationPickerPage: FC<{
  pendingId: string;
  csrf: string;
  organizations: { id: string; name: string }[];
  error?: PageError;
}> = (p) => (
  <Layout title="Choose an organization">
    <h1>Choose an organization</h1>
    <ErrorBox error={p.error} />
    <form method="post" action={`/authkit/continue/${encodeURIComponent(p.pendingId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <fieldset aria-describedby={p.error ? 'form-error' : undefined}>
        <legend>Your account belongs to several organizations. Which one do you want to use?</legend>
        {p.organizations.map((o, i) => (
          <label class="choice" for={`org-${i}`}>
            <input
              type="radio"
              id={`org-${i}`}
              name="organization_id"
              value={o.id}
              required
              checked={i === 0}
            />
            {o.name}
          </label>
        ))}
      </fieldset>
      <button type="submit">Continue</button>
    </form>
  </Layout>
);
