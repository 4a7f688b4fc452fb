/** @jsxImportSource hono/jsx */
/**
 * Hosted passkey pieces: the "Sign in with a passkey" form of the AuthKit sign-in page, the "Add a
 * passkey" page (a pending step: after a sign-in, or instead of TOTP at MFA enrollment) and the
 * "Use your passkey" form of the MFA challenge. Each form carries the server's WebAuthn options in
 * `data-options` for /authkit/passkey.js (browser.ts), the flow's CSRF token and an empty
 * `credential` field the script fills.
 */
import type { FC } from 'hono/jsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';

export const PasskeyForm: FC<{
  id: string;
  action: string;
  csrf: string;
  mode: 'get' | 'create';
  options: unknown;
  label: string;
  secondary?: boolean;
}> = (p) => (
  <form
    id={p.id}
    method="post"
    action={p.action}
    data-passkey={p.mode}
    data-options={JSON.stringify(p.options)}
  >
    <input type="hidden" name="csrf" value={p.csrf} />
    <input type="hidden" name="credential" value="" />
    <button type="submit" class={p.secondary ? 'secondary' : undefined}>
      {p.label}
    </button>
    <small data-passkey-status="" role="status" aria-live="polite" />
  </form>
);

export const PasskeyScript: FC = () => <script src="/authkit/passkey.js" defer />;

export const AddPasskeyPage: FC<{
  pendingId: string;
  csrf: string;
  options: unknown;
  /** At MFA enrollment: the passkey replaces the authenticator app, there is no "Not now". */
  mfa: boolean;
  error?: PageError;
}> = (p) => {
  const base = `/authkit/continue/${encodeURIComponent(p.pendingId)}`;
  return (
    <Layout title="Add a passkey">
      <h1>Add a passkey</h1>
      <ErrorBox error={p.error} />
      <p id="passkey-help">
        A passkey lets you sign in with your fingerprint, face or device PIN instead of a password. It stays
        on your device (or in your password manager) and only works on this site.
      </p>
      <PasskeyForm
        id="add-passkey"
        action={`${base}/passkey`}
        csrf={p.csrf}
        mode="create"
        options={p.options}
        label="Add a passkey"
      />
      {p.mfa ? (
        <p class="hint">
          <a href={base} id="use-authenticator">
            Use an authenticator app instead
          </a>
        </p>
      ) : (
        <form method="post" action={`${base}/skip`}>
          <input type="hidden" name="csrf" value={p.csrf} />
          <button type="submit" class="secondary" id="passkey-not-now">
            Not now
          </button>
        </form>
      )}
      <PasskeyScript />
    </Layout>
  );
};
