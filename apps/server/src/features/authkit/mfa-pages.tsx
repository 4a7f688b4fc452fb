/** @jsxImportSource hono/jsx */
/**
 * Hosted pages of AuthKit's MFA step (`/authkit/continue/:id`): set up an authenticator (QR code
 * and the key to type in, then a first code), the recovery codes shown once after set-up, and
 * the challenge (a code from the authenticator, or a recovery code instead). Each works without
 * JavaScript, ties its error to the field (aria-invalid, aria-describedby) and carries the flow's
 * CSRF token.
 */
import type { FC } from 'hono/jsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';
import { PasskeyForm, PasskeyScript } from '../passkeys/pages.tsx';

const TotpField: FC<{ error?: PageError; help: string; focus?: boolean }> = ({
  error,
  help,
  focus = true,
}) => (
  <>
    <label for="code">Six-digit code</label>
    <input
      id="code"
      name="code"
      class="otp"
      type="text"
      inputmode="numeric"
      pattern="[0-9]{6}"
      maxlength={6}
      autocomplete="one-time-code"
      required
      autofocus={focus}
      aria-describedby={error ? 'form-error code-help' : 'code-help'}
      aria-invalid={error ? 'true' : undefined}
    />
    <small id="code-help">{help}</small>
  </>
);

/** The secret in groups of four, easier to type into an authenticator app. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export const MfaEnrollPage: FC<{
  pendingId: string;
  csrf: string;
  email: string;
  secret: string;
  qrCode: string;
  error?: PageError;
  /** Passkeys are on: offer one instead of the authenticator app. */
  passkey?: boolean;
}> = (p) => (
  <Layout title="Set up two-step verification">
    <h1>Set up two-step verification</h1>
    <ErrorBox error={p.error} />
    <p>
      Your account needs a second step at sign-in. Scan this code with an authenticator app (Google
      Authenticator, 1Password, Authy…) for <strong>{p.email}</strong>.
    </p>
    <img
      class="qr"
      id="totp-qr"
      src={p.qrCode}
      alt="QR code to add this account to an authenticator app"
      width={200}
      height={200}
    />
    <p id="manual-key-label">Or type this key into the app:</p>
    <p class="key" id="manual-key" data-secret={p.secret}>
      {grouped(p.secret)}
    </p>
    <form method="post" action={`/authkit/continue/${encodeURIComponent(p.pendingId)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <TotpField error={p.error} help="Enter the code the app shows now to confirm it is set up." />
      <button type="submit">Verify and continue</button>
    </form>
    {p.passkey ? (
      <p class="hint">
        <a
          id="use-passkey-instead"
          href={`/authkit/continue/${encodeURIComponent(p.pendingId)}?method=passkey`}
        >
          Use a passkey instead
        </a>
      </p>
    ) : null}
  </Layout>
);

export const RecoveryCodesPage: FC<{ codes: string[]; href: string }> = (p) => (
  <Layout title="Save your recovery codes">
    <h1>Save your recovery codes</h1>
    <p id="recovery-help">
      If you lose your authenticator, each of these codes signs you in once instead of a code from the app.
      Keep them somewhere safe: they are shown only now.
    </p>
    <ul class="codes" id="recovery-codes" aria-describedby="recovery-help">
      {p.codes.map((c) => (
        <li>
          <code>{c}</code>
        </li>
      ))}
    </ul>
    <a class="button" id="continue" href={p.href}>
      I saved them, continue
    </a>
  </Layout>
);

export const MfaChallengePage: FC<{
  pendingId: string;
  csrf: string;
  error?: PageError;
  recoveryError?: PageError;
  /** The user has passkeys: the WebAuthn options of "Use your passkey". */
  passkeyOptions?: unknown;
  /** The user has no authenticator app, only passkeys. */
  passkeyOnly?: boolean;
}> = (p) => (
  <Layout title="Two-step verification">
    <h1>Two-step verification</h1>
    <ErrorBox error={p.error ?? p.recoveryError} />
    {p.passkeyOptions ? (
      <>
        <PasskeyForm
          id="passkey-challenge"
          action={`/authkit/continue/${encodeURIComponent(p.pendingId)}/passkey`}
          csrf={p.csrf}
          mode="get"
          options={p.passkeyOptions}
          label="Use your passkey"
        />
        <PasskeyScript />
      </>
    ) : null}
    <form
      method="post"
      action={`/authkit/continue/${encodeURIComponent(p.pendingId)}`}
      hidden={p.passkeyOnly ? true : undefined}
    >
      <input type="hidden" name="csrf" value={p.csrf} />
      <TotpField
        error={p.error}
        focus={!p.recoveryError}
        help="Open your authenticator app and enter the code it shows for this account."
      />
      <button type="submit">Verify</button>
    </form>
    <details open={p.recoveryError ? true : undefined}>
      <summary>Use a recovery code instead</summary>
      <form method="post" action={`/authkit/continue/${encodeURIComponent(p.pendingId)}`}>
        <input type="hidden" name="csrf" value={p.csrf} />
        <label for="recovery_code">Recovery code</label>
        <input
          id="recovery_code"
          name="recovery_code"
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          autofocus={p.recoveryError ? true : undefined}
          aria-describedby={p.recoveryError ? 'form-error recovery-help' : 'recovery-help'}
          aria-invalid={p.recoveryError ? 'true' : undefined}
        />
        <small id="recovery-help">
          One of the ten codes you saved when you set up two-step verification (like abcde-23456). Each works
          once.
        </small>
        <button type="submit" class="secondary">
          Use recovery code
        </button>
      </form>
    </details>
  </Layout>
);
