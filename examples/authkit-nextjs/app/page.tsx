import { signOut, withAuth } from '@workos-inc/authkit-nextjs';

// The protected page: the middleware sends signed-out visitors to Portico's hosted sign-in.
export default async function Home() {
  const { user, sessionId } = await withAuth({ ensureSignedIn: true });
  return (
    <main>
      <h1>Signed in</h1>
      <p>
        <span id="email">{user.email}</span> (session <span id="session">{sessionId}</span>)
      </p>
      <form
        action={async () => {
          'use server';
          await signOut();
        }}
      >
        <button type="submit">Sign out</button>
      </form>
    </main>
  );
}
