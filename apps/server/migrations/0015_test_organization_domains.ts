/**
 * 0015 — The development test organizations move off real-looking domains. The Test Organization
 * (SAML Test IdP) owned `example.com` and the Test OIDC Organization `example.org`, which blocked
 * an organization of the developer's from claiming either (domains are unique per environment).
 * Each moves to a name under `.test` (RFC 6761: reserved for testing, owned by nobody):
 * `saml.portico.test` and `oidc.portico.test`. A test organization is the one whose connection
 * carries a built-in test provider key (`test_idp_key_sealed`). Where the new name is already
 * taken in that environment, the old domain is left as it is. Immutable once released.
 */
import { type Kysely, sql } from 'kysely';

const MOVES = [
  { protocol: 'saml', from: 'example.com', to: 'saml.portico.test' },
  { protocol: 'oidc', from: 'example.org', to: 'oidc.portico.test' },
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const m of MOVES) {
    await sql`
      UPDATE organization_domains SET domain = ${m.to}
      WHERE domain = ${m.from}
        AND organization_id IN (
          SELECT organization_id FROM connections
          WHERE protocol = ${m.protocol} AND test_idp_key_sealed IS NOT NULL AND organization_id IS NOT NULL
        )
        AND NOT EXISTS (
          SELECT 1 FROM organization_domains taken
          WHERE taken.environment_id = organization_domains.environment_id AND taken.domain = ${m.to}
        )
    `.execute(db);
  }
}
