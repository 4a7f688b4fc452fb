/** @jsxImportSource hono/jsx */
/**
 * The hosted password-reset pages, on the shared layout: "Forgot password?" (email form), "Check
 * your email" (the same answer whether or not the email has an account), the reset form (new
 * password twice; each problem is shown beside its field and tied to it with aria-describedby),
 * and the success page. No JavaScript; the CSP forbids inline script and style.
 */
import type { FC } from 'hono/jsx';
import { Field } from '../../surfaces/field.tsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';

export const ForgotPasswordPage: FC<{
  action: string;
  csrf: string;
  email?: string;
  error?: PageError;
  signInHref: string | null;
}> = (p) => (
  <Layout title="Reset your password">
    <h1>Reset your password</h1>
    <p class="hint" id="forgot-help">
      Enter the email address of your account. We will email you a link to choose a new password.
    </p>
    <ErrorBox error={p.error} />
    <form method="post" action={p.action}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="username"
        required
        describedBy={p.error ? ['forgot-help', 'form-error'] : ['forgot-help']}
        value={p.email ?? ''}
        autofocus
      />
      <button type="submit">Send reset link</button>
    </form>
    {p.signInHref ? (
      <p class="switch">
        Remembered it? <a href={p.signInHref}>Back to sign in</a>
      </p>
    ) : null}
  </Layout>
);

export const CheckEmailPage: FC<{ email: string; signInHref: string | null }> = (p) => (
  <Layout title="Check your email">
    <h1>Check your email</h1>
    <p id="reset-sent">
      If an account exists for {p.email}, we have sent it a link to reset the password. The link works for 15
      minutes, once.
    </p>
    <p class="hint">No email after a few minutes? Check your spam folder, or ask for another link.</p>
    {p.signInHref ? (
      <p class="switch">
        <a href={p.signInHref}>Back to sign in</a>
      </p>
    ) : null}
  </Layout>
);

export interface ResetFieldErrors {
  password?: PageError;
  confirm?: PageError;
}

export const ResetPasswordPage: FC<{
  token: string;
  csrf: string;
  email: string;
  minLength: number;
  error?: PageError;
  fields?: ResetFieldErrors;
}> = (p) => {
  const f = p.fields ?? {};
  return (
    <Layout title="Choose a new password">
      <h1>Choose a new password</h1>
      <p class="hint">
        For <strong>{p.email}</strong>. Changing the password signs this account out on every device.
      </p>
      <ErrorBox error={p.error} />
      {f.password || f.confirm ? (
        <p class="error" role="alert" id="form-error">
          The password was not changed. Fix the problem shown below and submit again.
        </p>
      ) : null}
      <form method="post" action="/authkit/reset-password">
        <input type="hidden" name="csrf" value={p.csrf} />
        <input type="hidden" name="token" value={p.token} />
        {/* Lets password managers attach the new password to the right account. */}
        <input type="hidden" name="username" autocomplete="username" value={p.email} />
        <Field
          id="password"
          label="New password"
          type="password"
          autocomplete="new-password"
          required
          minlength={p.minLength}
          autofocus
          help={`At least ${p.minLength} characters. A short phrase of several uncommon words is strong and easy to remember.`}
          error={f.password}
        />
        <Field
          id="confirm"
          label="Repeat the new password"
          type="password"
          autocomplete="new-password"
          required
          error={f.confirm}
        />
        <button type="submit">Reset password</button>
      </form>
    </Layout>
  );
};

export const ResetDonePage: FC<{ signInHref: string | null }> = (p) => (
  <Layout title="Password changed">
    <h1>Password changed</h1>
    <p id="reset-done">
      Your password has been reset, and every device that was signed in to this account has been signed out.
    </p>
    {p.signInHref ? (
      <p>
        <a href={p.signInHref}>Sign in with your new password</a>
      </p>
    ) : (
      <p class="hint">Go back to the application and sign in with your new password.</p>
    )}
  </Layout>
);
