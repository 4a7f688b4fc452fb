/**
 * Directory Sync routes: the SCIM 2.0 surface the IdPs call (`/scim/v2/{directory id}/…`, bearer
 * token per directory, `application/scim+json`, RFC 7644 errors, every request logged), the WorkOS
 * read API (`/directories`, `/directory_users`, `/directory_groups`, and the directory-scoped reads
 * of scoped-routes.ts) and Portico's management API.
 */
import {
  detectPersona,
  listResponse,
  projectAttributes,
  resourceTypes,
  SCHEMAS,
  ScimError,
  SERVICE_PROVIDER_CONFIG,
  scimErrorBody,
} from '@portico/scim';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { constantTimeEqual } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { listOf, listSchema, paginationQuery, parseJsonBody } from '../../platform/http.ts';
import { type ApiSurface, apiEventContext, bearer } from '../../surfaces/api.ts';
import { directoryScopedRoutes } from './scoped-routes.ts';
import { type DirectoryService, redactScimBody, scimError } from './service.ts';
import {
  CreateDirectoryBody,
  DirectoryGroupWire,
  DirectorySettingsWire,
  DirectoryUserWire,
  DirectoryWire,
  UpdateDirectorySettingsBody,
} from './wire.ts';

const SCIM_JSON = 'application/scim+json';
const idParam = z.object({ id: z.string().min(1) });

export function directoryApiRoutes(api: ApiSurface, dirs: DirectoryService) {
  api.route({
    method: 'get',
    path: '/directories',
    summary: 'List directories',
    query: paginationQuery.extend({ organization_id: z.string().optional(), search: z.string().optional() }),
    handler: async ({ env, query }) => {
      const page = await dirs.list(env.environmentId, query, {
        organizationId: query.organization_id,
        search: query.search,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/directories/:id',
    summary: 'Get a directory',
    params: idParam,
    response: DirectoryWire,
    handler: async ({ env, params }) => {
      const { directoryToWire } = await import('./wire.ts');
      return directoryToWire(await dirs.get(env.environmentId, params.id));
    },
  });
  api.route({
    method: 'delete',
    path: '/directories/:id',
    summary: 'Delete a directory',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await dirs.delete(env.environmentId, params.id, apiEventContext(env));
      return c.body(null, 202);
    },
  });
  api.route({
    method: 'post',
    path: '/directories',
    summary: 'Create a directory and its SCIM endpoint; the bearer token is shown once (Portico)',
    body: CreateDirectoryBody,
    status: 201,
    sealReplay: true,
    handler: ({ env, body }) => dirs.create(env.environmentId, body, apiEventContext(env)),
  });
  api.route({
    method: 'get',
    path: '/directories/:id/settings',
    summary: 'A directory’s deprovisioning, group → role and attribute mappings (Portico)',
    params: idParam,
    response: DirectorySettingsWire,
    handler: ({ env, params }) => dirs.settings(env.environmentId, params.id),
  });
  api.route({
    method: 'put',
    path: '/directories/:id/settings',
    summary: 'Change a directory’s name, deprovisioning, group → role and attribute mappings (Portico)',
    params: idParam,
    body: UpdateDirectorySettingsBody,
    response: DirectorySettingsWire,
    handler: ({ env, params, body }) => dirs.updateSettings(env.environmentId, params.id, body),
  });
  api.route({
    method: 'post',
    path: '/directories/:id/token',
    summary: 'Rotate a directory’s SCIM bearer token (Portico)',
    params: idParam,
    sealReplay: true,
    handler: ({ env, params }) => dirs.rotateToken(env.environmentId, params.id),
  });
  api.route({
    method: 'get',
    path: '/directories/:id/scim_requests',
    summary: 'The directory’s SCIM request log (Portico)',
    params: idParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    handler: async ({ env, params, query }) => ({
      object: 'list',
      data: await dirs.requestLog(env.environmentId, params.id, query.limit),
    }),
  });
  api.route({
    method: 'get',
    path: '/directory_users',
    summary: 'List directory users',
    query: paginationQuery.extend({ directory: z.string().optional(), group: z.string().optional() }),
    response: listSchema(DirectoryUserWire),
    handler: async ({ env, query }) => {
      if (!query.directory && !query.group) {
        throw new AppError('invalid_request_parameters', {
          message: 'Pass directory or group to list directory users.',
          errors: [{ field: 'directory', code: 'required' }],
        });
      }
      const page = await dirs.listUsers(env.environmentId, query, {
        directory: query.directory,
        group: query.group,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/directory_users/:id',
    summary: 'Get a directory user',
    params: idParam,
    response: DirectoryUserWire,
    handler: ({ env, params }) => dirs.getUser(env.environmentId, params.id),
  });
  api.route({
    method: 'get',
    path: '/directory_groups',
    summary: 'List directory groups',
    query: paginationQuery.extend({ directory: z.string().optional(), user: z.string().optional() }),
    response: listSchema(DirectoryGroupWire),
    handler: async ({ env, query }) => {
      if (!query.directory && !query.user) {
        throw new AppError('invalid_request_parameters', {
          message: 'Pass directory or user to list directory groups.',
          errors: [{ field: 'directory', code: 'required' }],
        });
      }
      const page = await dirs.listGroups(env.environmentId, query, {
        directory: query.directory,
        user: query.user,
      });
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/directory_groups/:id',
    summary: 'Get a directory group',
    params: idParam,
    response: DirectoryGroupWire,
    handler: ({ env, params }) => dirs.getGroup(env.environmentId, params.id),
  });
  directoryScopedRoutes(api, dirs);
}

/**
 * A SCIM body through the shared parser (depth cap, NUL and lone surrogates refused), its
 * refusals as RFC 7644 errors: malformed or too deep is `invalidSyntax`, bad characters
 * `invalidValue`. An empty body is null.
 */
function parseScimBody(text: string): unknown {
  try {
    return parseJsonBody(text) ?? null;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'invalid_json') {
      throw scimError(400, err.message.replace('request body', 'body'), 'invalidSyntax');
    }
    throw scimError(
      400,
      `${err.message} (${err.code})`,
      err.code === 'body_too_deep' ? 'invalidSyntax' : 'invalidValue',
    );
  }
}

/** The SCIM surface. */
export function scimRoutes(app: Hono, deps: Deps, dirs: DirectoryService) {
  const MAX_BODY = 1024 * 1024;
  const scimJson = (c: Context, status: number, body: unknown, headers: Record<string, string> = {}) =>
    body === null
      ? c.body(null, status as 204)
      : c.body(JSON.stringify(body), status as 200, { ...headers, 'Content-Type': SCIM_JSON });

  const handle =
    (
      fn: (ctx: {
        c: Context;
        d: Awaited<ReturnType<DirectoryService['byToken']>> & object;
        body: () => unknown;
        persona: ReturnType<typeof detectPersona>;
      }) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>,
    ) =>
    async (c: Context) => {
      const started = performance.now();
      const presented = bearer(c);
      const d = presented ? await dirs.byToken(presented) : undefined;
      // The token must belong to the directory in the URL: another directory's token is refused.
      if (!d || !constantTimeEqual(d.id, c.req.param('dir') ?? '')) {
        return scimJson(
          c,
          401,
          scimErrorBody(
            scimError(
              401,
              'The bearer token is missing or not valid for this directory. Copy the token shown when the directory was created (or rotate it).',
            ),
          ),
        );
      }
      let text = '';
      let status = 500;
      let error: string | null = null;
      try {
        const len = Number(c.req.header('content-length') ?? 0);
        if (len > MAX_BODY) throw scimError(413, `The request body is larger than ${MAX_BODY} bytes.`);
        text = c.req.method === 'GET' || c.req.method === 'DELETE' ? '' : await c.req.text();
        if (text.length > MAX_BODY)
          throw scimError(413, `The request body is larger than ${MAX_BODY} bytes.`);
        // Parsed once, before the handler acts, by the parser every surface shares.
        const parsed = parseScimBody(text);
        const body = () => parsed;
        const out = await fn({ c, d, body, persona: detectPersona(c.req.header('user-agent')) });
        status = out.status;
        return scimJson(c, out.status, out.body, out.headers);
      } catch (err) {
        const e = err instanceof ScimError ? err : null;
        if (!e) deps.log.error({ err, directory: d.id }, 'SCIM request failed');
        const se = e ?? scimError(500, 'Portico hit an internal error; the change was rolled back.');
        status = se.status;
        error = se.message;
        return scimJson(c, se.status, scimErrorBody(se));
      } finally {
        await dirs
          .logRequest(d, {
            method: c.req.method,
            path: c.req.path,
            status,
            durationMs: Math.round(performance.now() - started),
            body: redactScimBody(text),
            error,
            userAgent: c.req.header('user-agent') ?? null,
          })
          .catch(() => {});
      }
    };

  const listParams = (c: Context) => {
    const startIndex = Math.max(1, Number.parseInt(c.req.query('startIndex') ?? '1', 10) || 1);
    const count = Math.min(200, Math.max(0, Number.parseInt(c.req.query('count') ?? '100', 10) || 0));
    return {
      startIndex,
      count,
      filter: c.req.query('filter'),
      attributes: c.req.query('attributes'),
      excluded: c.req.query('excludedAttributes'),
    };
  };
  const base = '/scim/v2/:dir';

  app.get(
    `${base}/ServiceProviderConfig`,
    handle(async () => ({ status: 200, body: SERVICE_PROVIDER_CONFIG })),
  );
  app.get(
    `${base}/ResourceTypes`,
    handle(async ({ d }) => ({
      status: 200,
      body: listResponse(resourceTypes(dirs.scimBaseUrl(d.id)) as never, 2, 1, 2),
    })),
  );
  const schemas = (dir: string) =>
    (SCHEMAS as { id: string; meta: object }[]).map((s) => ({
      ...s,
      meta: { ...s.meta, location: `${dirs.scimBaseUrl(dir)}/Schemas/${s.id}` },
    }));
  app.get(
    `${base}/Schemas`,
    handle(async ({ d }) => ({
      status: 200,
      body: listResponse(schemas(d.id) as never, SCHEMAS.length, 1, SCHEMAS.length),
    })),
  );
  // RFC 7644 §4: a single schema by its URN (compared ignoring case, as schema URIs are).
  app.get(
    `${base}/Schemas/:urn`,
    handle(async ({ c, d }) => {
      const urn = c.req.param('urn') ?? '';
      const found = schemas(d.id).find((s) => s.id.toLowerCase() === urn.toLowerCase());
      if (!found)
        throw scimError(
          404,
          `No schema '${urn.slice(0, 200)}'. GET /Schemas lists the ${SCHEMAS.length} schemas this endpoint supports.`,
        );
      return { status: 200, body: found };
    }),
  );
  app.get(
    `${base}/ResourceTypes/:name`,
    handle(async ({ c, d }) => {
      const name = c.req.param('name') ?? '';
      const found = (resourceTypes(dirs.scimBaseUrl(d.id)) as { id: string }[]).find(
        (r) => r.id.toLowerCase() === name.toLowerCase(),
      );
      if (!found)
        throw scimError(
          404,
          `No resource type '${name.slice(0, 200)}'. The resource types are User and Group.`,
        );
      return { status: 200, body: found };
    }),
  );

  for (const kind of ['Users', 'Groups'] as const) {
    const isUser = kind === 'Users';
    app.get(
      `${base}/${kind}`,
      handle(async ({ c, d }) => {
        const p = listParams(c);
        const r = isUser
          ? await dirs.listUserResources(d, p.filter, p.startIndex, p.count)
          : await dirs.listGroupResources(d, p.filter, p.startIndex, p.count);
        return {
          status: 200,
          body: listResponse(
            r.page.map((x) => projectAttributes(x, p.attributes, p.excluded)),
            r.total,
            p.startIndex,
            r.page.length,
          ),
        };
      }),
    );
    app.post(
      `${base}/${kind}`,
      handle(async ({ d, body, persona }) => {
        const created = isUser
          ? await dirs.createUser(d, body(), persona)
          : await dirs.createGroup(d, body(), persona);
        // RFC 7644 §3.3: 201 Created names the new resource in Location, equal to meta.location.
        const location = (created.meta as { location: string }).location;
        return { status: 201, body: created, headers: { Location: location } };
      }),
    );
    app.get(
      `${base}/${kind}/:id`,
      handle(async ({ c, d }) => {
        const r = isUser
          ? await dirs.getUserResource(d, c.req.param('id')!)
          : await dirs.getGroupResource(d, c.req.param('id')!);
        return {
          status: 200,
          body: projectAttributes(r, c.req.query('attributes'), c.req.query('excludedAttributes')),
        };
      }),
    );
    app.put(
      `${base}/${kind}/:id`,
      handle(async ({ c, d, body, persona }) => ({
        status: 200,
        body: isUser
          ? await dirs.replaceUser(d, c.req.param('id')!, body(), persona)
          : await dirs.replaceGroup(d, c.req.param('id')!, body(), persona),
      })),
    );
    app.patch(
      `${base}/${kind}/:id`,
      handle(async ({ c, d, body, persona }) => ({
        status: 200,
        body: isUser
          ? await dirs.patchUser(d, c.req.param('id')!, body(), persona)
          : await dirs.patchGroup(d, c.req.param('id')!, body(), persona),
      })),
    );
    app.delete(
      `${base}/${kind}/:id`,
      handle(async ({ c, d }) => {
        if (isUser) await dirs.deleteUser(d, c.req.param('id')!);
        else await dirs.deleteGroup(d, c.req.param('id')!);
        return { status: 204, body: null };
      }),
    );
  }

  // Everything else under the SCIM base answers a SCIM error (RFC 7644 §3.12), never the WorkOS
  // JSON 404: a method the path does not take is 405, the unsupported /Bulk and /Me are 501
  // (RFC 7644 §3.7, §3.11), any other path is 404.
  const KNOWN: [RegExp, string[]][] = [
    [/^\/(ServiceProviderConfig|ResourceTypes|Schemas)$/, ['GET']],
    [/^\/(ResourceTypes|Schemas)\/[^/]+$/, ['GET']],
    [/^\/(Users|Groups)$/, ['GET', 'POST']],
    [/^\/(Users|Groups)\/[^/]+$/, ['GET', 'PUT', 'PATCH', 'DELETE']],
  ];
  const unknown = handle(async ({ c }) => {
    const rest = c.req.path.slice(`/scim/v2/${c.req.param('dir')}`.length) || '/';
    if (/^\/(Bulk|Me)(\/|$)/i.test(rest))
      throw scimError(
        501,
        `${rest.split('/')[1]} is not supported by this SCIM endpoint (see /ServiceProviderConfig).`,
      );
    const known = KNOWN.find(([re]) => re.test(rest));
    if (known)
      throw scimError(405, `${c.req.method} is not supported on ${rest}; use ${known[1].join(', ')}.`);
    throw scimError(
      404,
      `There is no SCIM resource at ${rest.slice(0, 200)}. The endpoints are /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas (paths are case-sensitive).`,
    );
  });
  app.all(base, unknown);
  app.all(`${base}/*`, unknown);
  // The SCIM base without a directory id: an IdP configured with the wrong base URL.
  app.all('/scim/v2', (c) =>
    scimJson(
      c,
      404,
      scimErrorBody(
        scimError(
          404,
          'The SCIM base URL names a directory: /scim/v2/<directory id>. Copy the SCIM base URL of the directory (scim_base_url in GET /directories/{id}/settings).',
        ),
      ),
    ),
  );
}
