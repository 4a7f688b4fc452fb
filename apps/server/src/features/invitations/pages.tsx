/** @jsxImportSource hono/jsx */
/**
 * The hosted invitation page (`accept_invitation_url`): who invited whom to which organization,
 * and a button that starts AuthKit's sign-up (or sign-in, when the account exists) for the
 * invited email, carrying the invitation on the authorize request.
 */
import type { FC } from 'hono/jsx';
import { Layout } from '../../surfaces/page-layout.tsx';

export interface InvitePageProps {
  email: string;
  organizationName: string | null;
  inviterName: string | null;
  roleSlug: string | null;
  expiresAt: string;
  /** The authorize request to start: hidden fields of a GET form. */
  authorize: Record<string, string>;
  userExists: boolean;
}

export const InvitePage: FC<InvitePageProps> = (p) => {
  const what = p.organizationName ? `join ${p.organizationName}` : 'create an account';
  return (
    <Layout title="You are invited">
      <h1>You are invited</h1>
      <p id="invitation-summary">
        {p.inviterName ? `${p.inviterName} invited ` : 'You were invited as '}
        <strong>{p.email}</strong>
        {` to ${what}`}
        {p.organizationName && p.roleSlug ? ` as ${p.roleSlug}` : ''}.
      </p>
      <p class="hint">
        {p.userExists ? `Sign in as ${p.email} to accept.` : `Create your account with ${p.email} to accept.`}{' '}
        The invitation is valid until {p.expiresAt.replace('T', ' ').slice(0, 16)} UTC.
      </p>
      <form method="get" action="/user_management/authorize">
        {Object.entries(p.authorize).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit">{p.userExists ? 'Sign in to accept' : 'Accept and create account'}</button>
      </form>
    </Layout>
  );
};
