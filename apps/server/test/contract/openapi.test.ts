/**
 * /openapi.json checked against what the server really does, not against the registry it is
 * generated from:
 * - it is a structurally valid OpenAPI 3.1 document (path templates and their path parameters,
 *   operations, responses, security schemes), and every embedded schema is valid JSON Schema
 *   2020-12 (the dialect of OpenAPI 3.1);
 * - every route Hono serves (`app.routes`) that belongs to the JSON API is documented with its
 *   method and path parameters; everything else is named below with the reason it is not;
 * - every documented operation is routed: a request to it reaches a handler, never
 *   `route_not_found`.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

type Json = Record<string, unknown>;
interface Operation {
  summary?: string;
  operationId?: string;
  tags?: unknown;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { description?: unknown; content?: Record<string, { schema?: unknown }> }>;
  security?: Record<string, unknown>[];
}
interface Document {
  openapi: string;
  info: { title?: unknown; version?: unknown };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, { type?: string; scheme?: string }> };
  security?: Record<string, unknown>[];
}

/**
 * Routes Hono serves that are not the JSON API, each with the reason. A rule that matches no
 * served route, or matches a documented one, fails the test (it has gone stale).
 */
const NOT_JSON_API: { rule: RegExp; why: string }[] = [
  { rule: /^ALL \/\*$/, why: 'middleware on every request (request id, access log)' },
  {
    rule: /^ALL \/(_admin|portal\/api)\/\*$/,
    why: 'middleware: the browser-write guard (origin and JSON checks) before the dashboard and portal APIs',
  },
  { rule: /^GET \/(health|openapi\.json)$/, why: 'operations: the health check and this document' },
  { rule: /^GET \/(_app\/assets\/\{file\})?$/, why: 'the dashboard SPA and its assets' },
  { rule: /^(GET|POST) \/authkit\//, why: 'hosted AuthKit pages (HTML forms)' },
  {
    rule: /^GET \/portal(\/launch|\/sso\/test\/callback)?$/,
    why: 'the Admin Portal SPA, its link launch and its test sign-in return (browser navigations)',
  },
  {
    rule: /^((GET|POST|PUT|PATCH|DELETE) \/scim\/v2\/\{dir\}\/|ALL \/scim\/v2(\/\{dir\}(\/\*)?)?$)/,
    why: 'SCIM 2.0 (RFC 7644), self-described by /ServiceProviderConfig, /Schemas and /ResourceTypes; any other path under its base answers an RFC 7644 error',
  },
  { rule: /^GET \/(user_management|sso)\/authorize$/, why: 'browser redirects into sign-in' },
  {
    rule: /^(GET|POST) \/(oauth\/callback|test-oauth\/authorize)$/,
    why: 'social sign-in: the provider callback (GET, Apple form_post POST) and the Test OAuth provider page',
  },
  { rule: /^GET \/user_management\/sessions\/logout$/, why: 'a browser redirect out of a session' },
  { rule: /^GET \/sso\/jwks\/\{clientId\}$/, why: 'the public JWKS (RFC 7517)' },
  {
    rule: /^GET \/audit_logs\/(exports\/\{id\}\/download|jwks\/\{clientId\})$/,
    why: 'audit logs: an export’s signed CSV download and the public keys of the signed checkpoints (JWKS)',
  },
  {
    rule: /^(GET \/sso\/saml\/\{id\}\/metadata|POST \/sso\/saml\/\{id\}\/acs|GET \/sso\/oidc\/\{id\}\/callback)$/,
    why: 'IdP-facing protocol endpoints: SAML metadata and ACS, the OIDC callback',
  },
  { rule: /^GET \/sso\/test\/callback$/, why: 'the test sign-in’s return page' },
  {
    rule: /^GET \/sso\/profile$/,
    why:
      'the SSO profile (the SDK’s sso.getProfile) is authenticated by the profile access token and ' +
      'mounted with the public protocol endpoints, outside the contract registry: a known gap, not yet documented',
  },
  {
    rule: /^(GET|POST) \/test-(idp|oidc)\/\{id\}\//,
    why: 'the built-in test IdPs (not mounted in production)',
  },
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PATH_ITEM_KEYS = new Set([...METHODS, 'summary', 'description', 'servers', 'parameters', '$ref']);
const templateNames = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** Everything structurally wrong with an OpenAPI 3.1 document (empty when valid). */
function openApiProblems(doc: Document): string[] {
  const problems: string[] = [];
  const ajv = new Ajv2020({ strict: false });
  const checkSchema = (where: string, schema: unknown) => {
    if (typeof schema === 'boolean') return;
    if (!schema || typeof schema !== 'object') return void problems.push(`${where}: schema is not an object`);
    if (!ajv.validateSchema(schema as Json))
      problems.push(`${where}: not valid JSON Schema 2020-12: ${ajv.errorsText(ajv.errors)}`);
  };
  const checkContent = (where: string, content: Record<string, { schema?: unknown }> | undefined) => {
    if (!content || typeof content !== 'object' || Object.keys(content).length === 0)
      return void problems.push(`${where}: content is empty`);
    for (const [type, media] of Object.entries(content)) {
      if (!/^[\w.+-]+\/[\w.+*-]+$/.test(type)) problems.push(`${where}: '${type}' is not a media type`);
      if (media.schema !== undefined) checkSchema(`${where} ${type}`, media.schema);
    }
  };
  if (!/^3\.1\.\d+$/.test(String(doc.openapi))) problems.push(`openapi is '${doc.openapi}', not 3.1.x`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string')
    problems.push('info.title and info.version must be strings');
  const schemes = doc.components?.securitySchemes ?? {};
  for (const [name, s] of Object.entries(schemes)) {
    if (!['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(String(s.type)))
      problems.push(`securityScheme ${name}: unknown type '${s.type}'`);
    if (s.type === 'http' && typeof s.scheme !== 'string')
      problems.push(`securityScheme ${name}: http needs scheme`);
  }
  const checkSecurity = (where: string, reqs: Record<string, unknown>[] | undefined) => {
    for (const req of reqs ?? [])
      for (const name of Object.keys(req))
        if (!(name in schemes)) problems.push(`${where}: security names undefined scheme '${name}'`);
  };
  checkSecurity('document', doc.security);
  if (!doc.paths || typeof doc.paths !== 'object') return [...problems, 'paths is missing'];
  const shapes = new Map<string, string>();
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problems.push(`path '${path}' does not start with /`);
    const names = templateNames(path);
    if (new Set(names).size !== names.length) problems.push(`${path}: a template name repeats`);
    // Templated paths with the same shape but other names are identical to OpenAPI.
    const shape = path.replace(/\{[^}]+\}/g, '{}');
    if (shapes.has(shape)) problems.push(`${path} and ${shapes.get(shape)} are the same templated path`);
    shapes.set(shape, path);
    for (const key of Object.keys(item))
      if (!PATH_ITEM_KEYS.has(key)) problems.push(`${path}: '${key}' is not a path item field`);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (op.operationId !== undefined) {
        if (operationIds.has(op.operationId))
          problems.push(`${where}: operationId '${op.operationId}' repeats`);
        operationIds.add(op.operationId);
      }
      if (op.tags !== undefined && !(Array.isArray(op.tags) && op.tags.every((t) => typeof t === 'string')))
        problems.push(`${where}: tags must be strings`);
      const params = op.parameters ?? [];
      const seen = new Set<string>();
      for (const p of params) {
        if (typeof p.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(p.in))
          problems.push(
            `${where}: parameter ${JSON.stringify(p)} needs a name and in: query|header|path|cookie`,
          );
        if (seen.has(`${p.in}:${p.name}`)) problems.push(`${where}: parameter ${p.in} ${p.name} repeats`);
        seen.add(`${p.in}:${p.name}`);
        if (p.in === 'path' && p.required !== true)
          problems.push(`${where}: path parameter ${p.name} must be required`);
        if (p.schema === undefined) problems.push(`${where}: parameter ${p.name} has no schema`);
        else checkSchema(`${where} parameter ${p.name}`, p.schema);
      }
      // Every template name is declared as a path parameter, and nothing else is.
      const declared = params.filter((p) => p.in === 'path').map((p) => p.name);
      if (JSON.stringify([...declared].sort()) !== JSON.stringify([...names].sort()))
        problems.push(`${where}: path parameters [${declared}] do not match the template [${names}]`);
      if (op.requestBody !== undefined) checkContent(`${where} requestBody`, op.requestBody.content);
      const statuses = Object.keys(op.responses ?? {});
      if (statuses.length === 0) problems.push(`${where}: no responses`);
      for (const status of statuses) {
        const r = op.responses[status]!;
        if (!/^([1-5](\d\d|XX)|default)$/.test(status))
          problems.push(`${where}: '${status}' is not a status`);
        if (typeof r.description !== 'string') problems.push(`${where} ${status}: description is required`);
        if (r.content !== undefined) checkContent(`${where} ${status}`, r.content);
      }
      checkSecurity(where, op.security);
    }
  }
  return problems;
}

let h: Harness;
let doc: Document;
beforeAll(async () => {
  h = await createHarness();
  const res = await h.portico.app.request('/openapi.json');
  expect(res.status).toBe(200);
  doc = await json<Document>(res);
});
afterAll(() => h.close());

/** `METHOD /path/{param}` for each documented operation. */
function documented(d: Document): string[] {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** Hono's `/path/:param` as an OpenAPI template, segment by segment (`:param` is a whole segment). */
const asTemplate = (honoPath: string) =>
  honoPath
    .split('/')
    .map((seg) => (seg.startsWith(':') ? `{${seg.slice(1)}}` : seg))
    .join('/');
/** Every route Hono serves, as `METHOD /path/{param}`. */
const served = () => [...new Set(h.portico.app.routes.map((r) => `${r.method} ${asTemplate(r.path)}`))];
const excluded = (route: string) => NOT_JSON_API.find((x) => x.rule.test(route));

/** Served routes that are neither documented nor excluded. */
function undocumented(d: Document): string[] {
  const docs = new Set(documented(d));
  return served().filter((r) => !docs.has(r) && !excluded(r));
}

/** Documented operations Hono does not route (by its route table, and by a real request). */
async function unrouted(d: Document): Promise<string[]> {
  const out: string[] = [];
  const table = new Set(served());
  for (const route of documented(d)) {
    const [method, path] = route.split(' ') as [string, string];
    if (!table.has(route)) out.push(`${route} (not in app.routes)`);
    // With an API key (an unknown path under the API's prefixes is refused 401 without one, like
    // a real route): a route of another surface refuses the key (401/403/4xx), which proves the
    // route matched; only an unmatched one answers route_not_found.
    const res = await h.portico.app.request(path.replace(/\{(\w+)\}/g, 'x_$1'), {
      method,
      headers: { authorization: `Bearer ${h.apiKey}` },
    });
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    if (body.code === 'route_not_found') out.push(`${route} (answered ${res.status} route_not_found)`);
  }
  return out;
}

describe('/openapi.json', () => {
  it('is a structurally valid OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(openApiProblems(doc)).toEqual([]);
  });

  it('documents every JSON route Hono serves, with its method and path parameters', () => {
    expect(
      undocumented(doc),
      'served but neither documented nor listed in NOT_JSON_API: mount the route through its JsonSurface ' +
        '(so its contract is registered), or add it to NOT_JSON_API with the reason it is not JSON API',
    ).toEqual([]);
    const stale = NOT_JSON_API.filter((x) => !served().some((r) => x.rule.test(r))).map((x) =>
      String(x.rule),
    );
    expect(stale, 'NOT_JSON_API rules that match no served route').toEqual([]);
    expect(
      documented(doc).filter((r) => excluded(r)),
      'documented routes that NOT_JSON_API excludes',
    ).toEqual([]);
  });

  it('routes every documented operation: a request reaches a handler, not route_not_found', async () => {
    expect(await unrouted(doc)).toEqual([]);
  });

  it('the checks refuse a broken document (each check can fail)', async () => {
    const broken = structuredClone(doc);
    const get = broken.paths['/organizations/{id}']!.get!;
    get.parameters = get.parameters!.filter((p) => p.in !== 'path');
    broken.paths['/organizations/{other}'] = { get: { responses: { '200': { description: 'x' } } } };
    const post = broken.paths['/organizations']!.post!;
    post.responses = {};
    post.requestBody = { content: { 'application/json': { schema: { type: 'no-such-type' } } } };
    const problems = openApiProblems(broken).join('\n');
    expect(problems).toContain('GET /organizations/{id}: path parameters [] do not match the template [id]');
    expect(problems).toContain('POST /organizations: no responses');
    expect(problems).toContain('/organizations/{other} and /organizations/{id} are the same templated path');
    expect(problems).toContain(
      'POST /organizations requestBody application/json: not valid JSON Schema 2020-12',
    );

    const lost = structuredClone(doc);
    delete lost.paths['/user_management/organization_memberships/{id}/deactivate']!.put;
    expect(undocumented(lost)).toEqual(['PUT /user_management/organization_memberships/{id}/deactivate']);
    // A wrongly named path parameter: consistent inside the document, but not the served route.
    const misnamed = structuredClone(doc);
    const byExt = misnamed.paths['/organizations/external_id/{external_id}']!;
    for (const p of byExt.get!.parameters!) if (p.in === 'path') p.name = 'external';
    misnamed.paths['/organizations/external_id/{external}_id'] = byExt;
    delete misnamed.paths['/organizations/external_id/{external_id}'];
    expect(undocumented(misnamed)).toEqual(['GET /organizations/external_id/{external_id}']);
    expect(await unrouted(misnamed)).toEqual([
      'GET /organizations/external_id/{external}_id (not in app.routes)',
    ]);
    const renamed = structuredClone(doc);
    renamed.paths['/organizations/{id}/renamed'] = renamed.paths['/organizations/{id}']!;
    delete renamed.paths['/organizations/{id}'];
    expect(undocumented(renamed).sort()).toEqual([
      'DELETE /organizations/{id}',
      'GET /organizations/{id}',
      'PUT /organizations/{id}',
    ]);
    expect((await unrouted(renamed)).sort()).toEqual([
      'DELETE /organizations/{id}/renamed (answered 404 route_not_found)',
      'DELETE /organizations/{id}/renamed (not in app.routes)',
      'GET /organizations/{id}/renamed (answered 404 route_not_found)',
      'GET /organizations/{id}/renamed (not in app.routes)',
      'PUT /organizations/{id}/renamed (answered 404 route_not_found)',
      'PUT /organizations/{id}/renamed (not in app.routes)',
    ]);
  });
});
