/** @jsxImportSource hono/jsx */
/**
 * The hosted pages of the device flow (RFC 8628 §3.3, device.ts): "Sign in to a device" (type
 * the code the device shows), "Sign in to <app> on your device?" (Approve / Deny, with the code
 * and the application so the person can check it is their device), and the two endings. Usable
 * without JavaScript; each form carries its flow's CSRF token.
 */
import type { FC } from 'hono/jsx';
import { Field } from '../../surfaces/field.tsx';
import { ErrorBox, Layout, type PageError } from '../../surfaces/page-layout.tsx';

export const DeviceCodePage: FC<{ csrf: string; userCode?: string; error?: PageError }> = (p) => (
  <Layout title="Sign in to a device">
    <h1>Sign in to a device</h1>
    <ErrorBox error={p.error} />
    <p id="device-intro">Enter the code shown on your device or in your terminal.</p>
    <form method="post" action="/authkit/device">
      <input type="hidden" name="csrf" value={p.csrf} />
      <Field
        id="user_code"
        label="Code"
        autocomplete="off"
        required
        maxlength={12}
        value={p.userCode ?? ''}
        autofocus
        describedBy={p.error ? ['form-error'] : []}
        invalid={!!p.error}
        help="Eight letters, such as BCDF-GHJK."
      />
      <button type="submit">Continue</button>
    </form>
  </Layout>
);

export const DeviceConfirmPage: FC<{
  id: string;
  csrf: string;
  appName: string;
  userCode: string;
  email: string;
}> = (p) => (
  <Layout title="Confirm the device">
    <h1 id="device-confirm">Sign in to {p.appName} on your device?</h1>
    <p>
      You are signed in as <strong id="device-email">{p.email}</strong>.
    </p>
    <p>
      Check that your device shows this code: <strong id="device-user-code">{p.userCode}</strong>. Approve
      only if you started this sign-in yourself.
    </p>
    <form method="post" action={`/authkit/device/confirm?id=${encodeURIComponent(p.id)}`}>
      <input type="hidden" name="csrf" value={p.csrf} />
      <button type="submit" name="decision" value="approve" id="device-approve">
        Approve
      </button>
      <button type="submit" name="decision" value="deny" class="secondary" id="device-deny">
        Deny
      </button>
    </form>
  </Layout>
);

export const DeviceApprovedPage: FC<{ appName: string }> = (p) => (
  <Layout title="You’re signed in">
    <h1 id="device-approved">You’re signed in</h1>
    <p>{p.appName} on your device is now signed in. Return to your terminal; you can close this tab.</p>
  </Layout>
);

export const DeviceDeniedPage: FC<{ appName: string }> = (p) => (
  <Layout title="Sign-in denied">
    <h1 id="device-denied">Sign-in denied</h1>
    <p>
      The device was not signed in to {p.appName}. If you did not start this sign-in, nothing more is needed;
      you can close this tab.
    </p>
  </Layout>
);
