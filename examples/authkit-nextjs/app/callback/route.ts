import { handleAuth } from '@workos-inc/authkit-nextjs';

// Portico redirects here with a code: exchange it, set the session cookie, go home. The way back
// home is built on the redirect URI's origin, not on the Host Next.js saw (`next start` reports
// `localhost` for a server bound to 127.0.0.1, and behind a proxy it is the proxy's address).
const redirectUri = process.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI;

export const GET = handleAuth({
  returnPathname: '/',
  baseURL: redirectUri ? new URL(redirectUri).origin : undefined,
});
