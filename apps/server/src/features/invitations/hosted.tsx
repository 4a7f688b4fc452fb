/** @jsxImportSource hono/jsx */
/**
 * `GET /authkit/invite?invitation_token=…` — where `accept_invitation_url` points. The token
 * alone names the invitation (its SHA-256 is unique), so the page works without a session. It
 * continues to `/user_management/authorize` with `invitation_token`, `login_hint` and the
 * environment's oldest redirect URI (where a new user lands once signed up, like WorkOS's default
 * redirect URI); the authorize request carries the invitation to the sign-up, which is locked to
 * the invited email and accepts the invitation as it creates the user.
 */
import type { Hono } from 'hono';
import type { Deps } from '../../platform/deps.ts';
import { loadPageBrand } from '../../surfaces/brand.ts';
import { pageHeaders, setPageBrand } from '../../surfaces/hosted.ts';
import { errorPage, pageErrors, renderPage } from '../../surfaces/page-layout.tsx';
import { InvitePage } from './pages.tsx';
import type { InvitationService } from './service.ts';

export function invitationPageRoutes(app: Hono, deps: Deps, invitations: InvitationService) {
  app.get('/authkit/invite', pageErrors, async (c) => {
    const token = c.req.query('invitation_token') ?? '';
    const peek = token && token.length <= 512 ? await invitations.peekByToken(token) : null;
    if (!peek)
      return errorPage(c, 400, {
        title: 'Invitation not recognised',
        code: 'invitation_invalid',
        message: 'This invitation link is not valid: it may have been cut short when it was copied.',
        hint: 'Open the link from the invitation email again, or ask the person who invited you to resend it.',
      });
    const { invitation } = peek;
    setPageBrand(c, await loadPageBrand(deps.db, peek.environmentId));
    if (invitation.state !== 'pending') {
      const why = {
        accepted: 'This invitation was already accepted.',
        revoked: 'This invitation was withdrawn by the person who sent it.',
        expired: `This invitation expired on ${invitation.expires_at.slice(0, 10)}.`,
      }[invitation.state];
      return errorPage(c, 400, {
        title: 'Invitation can no longer be used',
        code: 'invitation_invalid',
        message: why,
        hint:
          invitation.state === 'accepted'
            ? 'Sign in to the application with the invited email.'
            : 'Ask the person who invited you to send a new invitation.',
      });
    }
    const redirect = await deps.db
      .selectFrom('redirect_uris')
      .select('uri')
      .where('environment_id', '=', peek.environmentId)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (!redirect)
      return errorPage(c, 400, {
        title: 'This application is not ready for invitations',
        code: 'invitation_no_redirect_uri',
        message:
          'The application has no redirect URI, so there is nowhere to send you after you accept the invitation.',
        hint: 'Tell the person who invited you. Its developers add one with `npm run portico -- redirect-uris add <uri>` or PORTICO_REDIRECT_URIS.',
      });
    pageHeaders(c);
    return c.html(
      renderPage(
        c,
        <InvitePage
          email={invitation.email}
          organizationName={peek.organizationName}
          inviterName={peek.inviterName}
          roleSlug={invitation.role_slug}
          expiresAt={invitation.expires_at}
          userExists={peek.userExists}
          authorize={{
            client_id: peek.clientId,
            redirect_uri: redirect.uri,
            response_type: 'code',
            provider: 'authkit',
            screen_hint: peek.userExists ? 'sign-in' : 'sign-up',
            login_hint: invitation.email,
            invitation_token: token,
          }}
        />,
      ),
      200,
    );
  });
}
