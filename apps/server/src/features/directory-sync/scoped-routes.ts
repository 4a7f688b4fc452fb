/**
 * Directory-scoped reads (WorkOS API reference, Directory Sync: "List Users for a Directory",
 * "Get a User for a Directory", "List Groups for a Directory", "Get a Group for a Directory";
 * SDK 12's `directorySync.listDirectoryUsers`, `getDirectoryUser`, `listDirectoryGroups`,
 * `getDirectoryGroup`):
 *
 *   GET /directories/{id}/users[?group&email&idp_id]   GET /directories/{id}/users/{user_id}
 *   GET /directories/{id}/groups[?user]                GET /directories/{id}/groups/{group_id}
 *
 * The objects, pagination and `group` / `user` filters are those of `/directory_users` and
 * `/directory_groups`. Tenancy: the directory must be one of the caller's environment, and every id
 * in the path or a filter must belong to that directory — another directory's user, group, or a
 * filter naming one, answers 404 `entity_not_found` rather than an empty or foreign result.
 */
import { z } from 'zod';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { DirectoryService } from './service.ts';
import { DirectoryGroupWire, DirectoryUserWire } from './wire.ts';

const id = z.string().min(1).max(128);
const directoryParam = z.object({ id });

export function directoryScopedRoutes(api: ApiSurface, dirs: DirectoryService) {
  api.route({
    method: 'get',
    path: '/directories/:id/users',
    summary: 'List the users of a directory, optionally the members of one of its groups',
    params: directoryParam,
    query: paginationQuery.extend({
      group: id.optional(),
      email: z.string().trim().min(1).max(320).optional(),
      idp_id: z.string().min(1).max(512).optional(),
    }),
    response: listSchema(DirectoryUserWire),
    handler: async ({ env, params, query }) => {
      await dirs.get(env.environmentId, params.id);
      if (query.group) await dirs.getGroup(env.environmentId, query.group, params.id);
      const page = await dirs.listUsers(env.environmentId, query, {
        directory: params.id,
        group: query.group,
        email: query.email,
        idpId: query.idp_id,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/directories/:id/users/:user_id',
    summary: 'Get a user of a directory',
    params: directoryParam.extend({ user_id: id }),
    response: DirectoryUserWire,
    handler: async ({ env, params }) => {
      await dirs.get(env.environmentId, params.id);
      return dirs.getUser(env.environmentId, params.user_id, params.id);
    },
  });
  api.route({
    method: 'get',
    path: '/directories/:id/groups',
    summary: 'List the groups of a directory, optionally those one of its users belongs to',
    params: directoryParam,
    query: paginationQuery.extend({ user: id.optional() }),
    response: listSchema(DirectoryGroupWire),
    handler: async ({ env, params, query }) => {
      await dirs.get(env.environmentId, params.id);
      if (query.user) await dirs.getUser(env.environmentId, query.user, params.id);
      const page = await dirs.listGroups(env.environmentId, query, {
        directory: params.id,
        user: query.user,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/directories/:id/groups/:group_id',
    summary: 'Get a group of a directory',
    params: directoryParam.extend({ group_id: id }),
    response: DirectoryGroupWire,
    handler: async ({ env, params }) => {
      await dirs.get(env.environmentId, params.id);
      return dirs.getGroup(env.environmentId, params.group_id, params.id);
    },
  });
}
