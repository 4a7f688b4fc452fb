/**
 * 0011 — An IdP-initiated SAML sign-in's code serves both kinds of application: AuthKit
 * (`authenticateWithCode`) and the standalone SSO API (`sso.getProfileAndToken`, POST /sso/token).
 * Its authorization code names the SSO profile the sign-in produced (`sso_profile_id`), so either
 * endpoint can redeem it — once, since both consume the same row. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('authorization_codes').addColumn('sso_profile_id', 'text').execute();
}
