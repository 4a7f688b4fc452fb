/**
 * The token surface: `POST /user_management/authenticate` (and later `/sso/token`). The client
 * authenticates in the body (`client_id`, `client_secret` = an API key of the same environment)
 * or with a Bearer header; public clients send only `client_id` and must use PKCE. Errors use the
 * OAuth shape where WorkOS does.
 */
import type { Context, Hono } from 'hono';
import type { ClientEnvironment, EnvironmentService } from '../features/environments/service.ts';
import type { ContractRegistry } from '../platform/contract.ts';
import type { Deps } from '../platform/deps.ts';
import { AppError, quote } from '../platform/errors.ts';
import { parseFormBody, parseJsonBody } from '../platform/http.ts';
import { type ApiKeyResolver, bearer } from './api.ts';
import type { RateLimiter } from './common.ts';
import { JsonSurface } from './json-surface.ts';

export interface TokenClient extends ClientEnvironment {
  confidential: boolean;
}

export type TokenSurface = JsonSurface<TokenClient>;

/**
 * The body, read before the route's own parsing to find the client: the same shared parser, so a
 * deep or NUL-carrying body is refused here (before any lookup) exactly as it would be later.
 */
async function peekBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if ((c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return parseFormBody(text);
  }
  let v: unknown;
  try {
    v = parseJsonBody(text);
  } catch (err) {
    // Malformed JSON is reported by the route's parser (invalid_json) once the client is known.
    if (err instanceof AppError && err.code === 'invalid_json') return {};
    throw err;
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function createTokenSurface(
  app: Hono,
  deps: Deps,
  registry: ContractRegistry,
  limiter: RateLimiter,
  keys: ApiKeyResolver,
  environments: EnvironmentService,
): TokenSurface {
  return new JsonSurface<TokenClient>(app, deps, registry, limiter, {
    name: 'token',
    async authenticate(c) {
      const body = await peekBody(c);
      const clientId = typeof body.client_id === 'string' ? body.client_id : null;
      if (!clientId)
        throw new AppError('invalid_request', {
          message: 'client_id is required. Pass your environment’s client id (client_…).',
        });
      const env = await environments.byClientId(clientId);
      if (!env)
        throw new AppError('invalid_client', {
          message: `client_id ${quote(clientId)} is not known to this Portico server.`,
        });
      const secret = typeof body.client_secret === 'string' ? body.client_secret : bearer(c);
      if (!secret) return { ...env, confidential: false };
      const key = await keys.resolve(secret);
      if (!key || key.environmentId !== env.id) {
        throw new AppError('invalid_client', {
          message:
            'client_secret is not an API key of the environment that owns this client_id. Use an sk_… key from the same environment.',
        });
      }
      return { ...env, confidential: true };
    },
    rateLimit: (env) => ({
      bucket: `token:${env.id}`,
      limit: deps.config.rateLimitApi * 10,
      windowMs: 60_000,
    }),
    environmentIdOf: (env) => env.id,
  });
}
