/** @jsxImportSource hono/jsx */
/**
 * AuthKit's own hosted pages (sign-in, sign-up, signed out), on the shared layout of
 * surfaces/page-layout.tsx.
 */
import type { FC } from 'hono/jsx';
import { Field } from '../../surfaces/field.tsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';
import { PasskeyForm, PasskeyScript } from '../passkeys/pages.tsx';

export interface FormProps {
  requestId: string;
  csrf: string;
  email?: string;
  error?: PageError;
  firstName?: string;
  lastName?: string;
  /** Sign-up from an invitation: the email is the invited one and cannot be changed. */
  lockedEmail?: string;
  /** The environment has passkeys on: the WebAuthn options of "Sign in with a passkey". */
  passkeyOptions?: unknown;
}

export const SignInPage: FC<FormProps> = (p) => (
  <Layout title="Sign in">
    <h1>Sign in</h1>
    <ErrorBox error={p.error} />
    <form
      method="post"
      action={`/authkit/sign-in?request=${encodeURIComponent(p.requestId)}`}
      novalidate={false}
    >
      <input type="hidden" name="csrf" value={p.csrf} />
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="username"
        required
        value={p.email ?? ''}
        autofocus={!p.email}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autocomplete="current-password"
        autofocus={!!p.email}
        help="Leave it empty if your company signs you in with single sign-on."
      />
      <button type="submit" name="action" value="password">
        Sign in
      </button>
      <button type="submit" name="action" value="magic" class="secondary" formnovalidate>
        Email me a sign-in code
      </button>
    </form>
    {p.passkeyOptions ? (
      <>
        <PasskeyForm
          id="passkey-sign-in"
          action={`/authkit/passkey?request=${encodeURIComponent(p.requestId)}`}
          csrf={p.csrf}
          mode="get"
          options={p.passkeyOptions}
          label="Sign in with a passkey"
          secondary
        />
        <PasskeyScript />
      </>
    ) : null}
    <p class="hint">
      <a href={`/authkit/forgot-password?request=${encodeURIComponent(p.requestId)}`}>Forgot password?</a>
    </p>
    <p class="switch">
      No account yet? <a href={`/authkit/sign-up?request=${encodeURIComponent(p.requestId)}`}>Create one</a>
    </p>
  </Layout>
);

export const SignUpPage: FC<FormProps> = (p) => (
  <Layout title="Create your account">
    <h1>Create your account</h1>
    <ErrorBox error={p.error} />
    <form method="post" action={`/authkit/sign-up?request=${encodeURIComponent(p.requestId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <div class="row">
        <span>
          <Field id="first_name" label="First name" autocomplete="given-name" value={p.firstName ?? ''} />
        </span>
        <span>
          <Field id="last_name" label="Last name" autocomplete="family-name" value={p.lastName ?? ''} />
        </span>
      </div>
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="email"
        required
        value={p.lockedEmail ?? p.email ?? ''}
        readonly={!!p.lockedEmail}
        help={p.lockedEmail ? 'You were invited with this email.' : undefined}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autocomplete="new-password"
        required
        minlength={8}
        help="At least 8 characters."
      />
      <button type="submit">Create account</button>
    </form>
    <p class="switch">
      Already have an account?{' '}
      <a href={`/authkit/sign-in?request=${encodeURIComponent(p.requestId)}`}>Sign in</a>
    </p>
  </Layout>
);

/**
 * Where sign-out lands when the application passed no `return_to` and the environment has no
 * default logout URI: a calm confirmation, not an error (no alert, no code).
 */
export const SignedOutPage: FC = () => (
  <Layout title="You are signed out">
    <h1>You are signed out</h1>
    <p id="signed-out">Your session has ended on this device.</p>
    <p class="hint">
      You can close this tab. To continue, go back to the application you were using and sign in again.
    </p>
  </Layout>
);
