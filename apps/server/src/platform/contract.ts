/**
 * Route contracts. Every route declares its request (params, query, body) and response schemas
 * in zod; the same declarations validate requests, validate responses when
 * `validateResponses` is on (tests), and produce /openapi.json.
 */
import { z } from 'zod';

export interface RouteContract {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  surface: string;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  status: number;
  response?: z.ZodType;
}

export class ContractRegistry {
  readonly routes: RouteContract[] = [];
  add(route: RouteContract) {
    this.routes.push(route);
  }

  openapi(publicUrl: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schema = (s: z.ZodType, io: 'input' | 'output') => {
      try {
        return z.toJSONSchema(s, { io, unrepresentable: 'any' });
      } catch {
        return {};
      }
    };
    for (const r of this.routes) {
      const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.surface],
        responses: {
          [String(r.status)]: {
            description: 'Success',
            ...(r.response
              ? { content: { 'application/json': { schema: schema(r.response, 'output') } } }
              : {}),
          },
        },
      };
      const parameters: unknown[] = [];
      for (const m of r.path.matchAll(/:([A-Za-z_]+)/g)) {
        parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
      }
      if (r.query) {
        const js = schema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, s] of Object.entries(js.properties ?? {})) {
          parameters.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: s });
        }
      }
      if (parameters.length) op.parameters = parameters;
      if (r.body) op.requestBody = { content: { 'application/json': { schema: schema(r.body, 'input') } } };
      paths[path] ??= {};
      paths[path][r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Portico API',
        version: '0.1.0',
        description: 'WorkOS-compatible API served by Portico.',
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'sk_test_… API key' } },
      },
      security: [{ apiKey: [] }],
      paths,
    };
  }
}
