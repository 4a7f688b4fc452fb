import { authkitMiddleware } from '@workos-inc/authkit-nextjs';

// On every page request: refresh the session when its access token has expired, and send a
// signed-out visitor to Portico's hosted sign-in (except on the sign-in and callback routes).
// The redirect URI is read when the server starts, not when it is built, so one build can run
// against any Portico and on any port.
export default authkitMiddleware({
  redirectUri: process.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI,
  middlewareAuth: { enabled: true, unauthenticatedPaths: ['/login', '/callback'] },
});

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
