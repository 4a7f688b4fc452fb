/**
 * A user's authorized applications (WorkOS API reference, User Management: "List authorized
 * applications", "Delete an authorized application"; SDK 12 `userManagement.listAuthorizedApplications`
 * and `deleteAuthorizedApplication`):
 *
 *   GET    /user_management/users/{id}/authorized_applications
 *   DELETE /user_management/users/{id}/authorized_applications/{application_id}
 *
 * At WorkOS these are WorkOS Connect grants: third-party OAuth applications a user approved on a
 * consent screen. Portico has no WorkOS Connect — no Connect applications, no consent, no tokens
 * for third parties — so no user of Portico has authorized one. The truthful answers follow: the
 * list is empty for a user of the caller's environment (404 for any other id, as every user route),
 * and a delete finds nothing to remove (404 `authorized_application_not_found`, saying why), rather
 * than a 204 that would report a revocation that never happened. When Portico gains Connect, these
 * routes list and delete its grants without a change on the wire.
 */
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';

const userParam = z.object({ id: z.string().min(1).max(128) });

export function authorizedApplicationRoutes(api: ApiSurface, deps: Deps) {
  const userOf = async (env: string, id: string) => {
    const user = await deps.db
      .selectFrom('users')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!user) throw notFound('User', id);
  };

  api.route({
    method: 'get',
    path: '/user_management/users/:id/authorized_applications',
    summary: 'List the Connect applications a user authorized (always empty: Portico has no WorkOS Connect)',
    params: userParam,
    query: paginationQuery,
    response: listSchema(z.never()),
    handler: async ({ env, params }) => {
      await userOf(env.environmentId, params.id);
      return listOf([], { before: null, after: null });
    },
  });
  api.route({
    method: 'delete',
    path: '/user_management/users/:id/authorized_applications/:application_id',
    summary: 'Delete a user’s authorization of a Connect application (none exist in Portico: 404)',
    params: userParam.extend({ application_id: z.string().min(1).max(128) }),
    handler: async ({ env, params }) => {
      await userOf(env.environmentId, params.id);
      throw new AppError('authorized_application_not_found', {
        message: `User ${quote(params.id)} has not authorized an application ${quote(params.application_id)}. Portico does not implement WorkOS Connect, so no user has authorized applications to remove (listAuthorizedApplications is always empty).`,
      });
    },
  });
}
