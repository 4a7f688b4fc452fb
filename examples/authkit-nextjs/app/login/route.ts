import { getSignInUrl } from '@workos-inc/authkit-nextjs';
import { redirect } from 'next/navigation';

// Sign-in: off to Portico's hosted AuthKit sign-in page.
export async function GET() {
  redirect(await getSignInUrl());
}
