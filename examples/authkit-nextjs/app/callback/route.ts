import { handleAuth } from '@workos-inc/authkit-nextjs';

// Portico redirects here with a code: exchange it, set the session cookie, go home. The way back
// home is built on the redirect URI's origin, not on the host Next.js saw (which, for `next start
// -H 127.0.0.1`, was not that origin, and behind a proxy is the proxy's address): the hosted sign-in's
// CSP form-action allows the redirect URI's origin only, and governs this redirect too.
const redirectUri = process.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI;

export const GET = handleAuth({
  returnPathname: '/',
  baseURL: redirectUri ? new URL(redirectUri).origin : undefined,
});
