/**
 * The WorkOS API surface: `Authorization: Bearer sk_…`. Keys are looked up by their SHA-256 hash
 * (the database never holds a key), cached for a few seconds so the hot path does not pay a
 * query, and rate-limited per key (reference §9: 6,000 per 60 s by default).
 *
 * The developer dashboard uses the same surface with its session cookie instead of a key: when no
 * Bearer header is sent, a valid dashboard session cookie plus its `X-Portico-CSRF` header (the
 * CSRF defence; a cookie without it is refused with 403) acts in the first environment, with
 * `actor.source = 'dashboard'` in event contexts and a rate-limit bucket per admin.
 */
import type { Context, Hono } from 'hono';
import type { EventContext } from '../features/events/outbox.ts';
import type { ContractRegistry } from '../platform/contract.ts';
import { sha256 } from '../platform/crypto.ts';
import type { Deps, EnvContext } from '../platform/deps.ts';
import { AppError } from '../platform/errors.ts';
import type { RateLimiter } from './common.ts';
import { JsonSurface } from './json-surface.ts';

export interface ApiEnv extends EnvContext {
  /** The API key used, or null when the dashboard session authenticated the request. */
  apiKeyId: string | null;
  /** The dashboard admin behind a cookie-authenticated request. */
  admin?: { id: string; email: string };
}

/** Resolves a dashboard session (cookie + CSRF) to an ApiEnv, null without a valid cookie. */
export type DashboardAuth = (c: Context) => Promise<ApiEnv | null>;

export type ApiSurface = JsonSurface<ApiEnv>;

const CACHE_MS = 5_000;

export class ApiKeyResolver {
  private cache = new Map<string, { env: ApiEnv; at: number }>();
  private touched = new Map<string, number>();
  constructor(private deps: Deps) {}

  /** Drops a revoked key from this process's cache so it stops working at once here. */
  forget(apiKeyId: string) {
    for (const [hash, hit] of this.cache) if (hit.env.apiKeyId === apiKeyId) this.cache.delete(hash);
  }

  async resolve(key: string): Promise<ApiEnv | null> {
    const hash = sha256(key);
    const now = this.deps.clock.now().getTime();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < CACHE_MS) return hit.env;
    const row = await this.deps.db
      .selectFrom('api_keys')
      .innerJoin('environments', 'environments.id', 'api_keys.environment_id')
      .select([
        'api_keys.id as apiKeyId',
        'environments.id as environmentId',
        'environments.client_id as clientId',
      ])
      .where('api_keys.key_hash', '=', hash)
      .where('api_keys.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    const env: ApiEnv = { apiKeyId: row.apiKeyId, environmentId: row.environmentId, clientId: row.clientId };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { env, at: now });
    // last_used_at is advisory: write it at most once a minute per key.
    if ((this.touched.get(row.apiKeyId) ?? 0) < now - 60_000) {
      this.touched.set(row.apiKeyId, now);
      await this.deps.db
        .updateTable('api_keys')
        .set({ last_used_at: new Date(now).toISOString() })
        .where('id', '=', row.apiKeyId)
        .execute();
    }
    return env;
  }
}

export function bearer(c: Context): string | null {
  const h = c.req.header('authorization');
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : null;
}

/** The API surface's caller: an API key, else a dashboard session; `unauthorized` without either. */
export async function authenticateApi(
  c: Context,
  keys: ApiKeyResolver,
  dashboard?: DashboardAuth,
): Promise<ApiEnv> {
  const key = bearer(c);
  const env = key ? await keys.resolve(key) : dashboard ? await dashboard(c) : null;
  if (!env) throw new AppError('unauthorized');
  return env;
}

export function createApiSurface(
  app: Hono,
  deps: Deps,
  registry: ContractRegistry,
  limiter: RateLimiter,
  keys: ApiKeyResolver,
  dashboard?: DashboardAuth,
): ApiSurface {
  return new JsonSurface<ApiEnv>(app, deps, registry, limiter, {
    name: 'api',
    authenticate: (c) => authenticateApi(c, keys, dashboard),
    rateLimit: (env) => ({
      bucket: env.admin ? `dashboard:${env.admin.id}` : `api:${env.apiKeyId}`,
      limit: deps.config.rateLimitApi,
      windowMs: 60_000,
    }),
    environmentIdOf: (env) => env.environmentId,
  });
}

export function apiEventContext(env: ApiEnv): EventContext {
  if (env.admin) {
    return {
      client_id: env.clientId,
      actor: { id: env.admin.id, source: 'dashboard', name: env.admin.email },
    };
  }
  return { client_id: env.clientId, actor: { id: env.apiKeyId, source: 'api', name: null } };
}
