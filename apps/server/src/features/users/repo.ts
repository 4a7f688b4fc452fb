/** User storage, scoped by environment. */
import type { Queryable } from '../../platform/db.ts';

export const userRepo = {
  get: (q: Queryable, env: string, id: string) =>
    q
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst(),
  getByEmail: (q: Queryable, env: string, email: string) =>
    q
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst(),
  getByExternalId: (q: Queryable, env: string, externalId: string) =>
    q
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('external_id', '=', externalId)
      .executeTakeFirst(),
};
