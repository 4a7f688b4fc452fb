/**
 * 0027 — the OAuth 2.0 device authorization grant (RFC 8628), AuthKit's CLI sign-in.
 *
 * `device_authorizations` is one sign-in started by a device (a CLI) at
 * `POST /user_management/authorize/device`. `device_code_hash` is the SHA-256 of the
 * `device_code` the device polls with (never stored in clear). `user_code` is the short code the
 * person types on `/authkit/device`, normalized (8 letters, no separator); it is looked up among
 * live rows only, so an expired row's code may come back. `status` is `pending` until the person
 * approves or denies (`approved`, `denied`), `consumed` once the device's poll started the session
 * (atomically, in the session's transaction). `browser_challenge` is the S256 challenge of the
 * verifier kept in the browser that entered the code (the hosted sign-in's code and the
 * confirmation are bound to it); `user_id`, `organization_id`, `authentication_method` and
 * `auth_time` are the sign-in that browser completed. `interval` (seconds) grows by 5 at each
 * `slow_down`; `last_polled_at` is the last poll. Immutable once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('device_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_code', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('browser_challenge', 'text')
    .addColumn('user_id', 'text')
    .addColumn('organization_id', 'text')
    .addColumn('authentication_method', 'text')
    .addColumn('auth_time', 'text')
    .addColumn('interval', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  // The hosted page looks a typed code up among the live rows of every environment.
  await db.schema
    .createIndex('device_authorizations_user_code')
    .on('device_authorizations')
    .columns(['user_code', 'expires_at'])
    .execute();
}
