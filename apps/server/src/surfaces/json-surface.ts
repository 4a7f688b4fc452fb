/**
 * A JSON surface: routes that speak JSON with WorkOS error shapes. Each surface supplies its own
 * authentication (API key, none, client credentials in the body), and every route it mounts gets
 * the same pipeline: authenticate → rate limit → read and validate params/query/body →
 * Idempotency-Key replay (POST) → handler → response contract check → JSON with a request id.
 * A route can only be mounted through a surface, so it cannot miss its authentication.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import type { ContractRegistry } from '../platform/contract.ts';
import type { Queryable } from '../platform/db.ts';
import type { Deps } from '../platform/deps.ts';
import { AppError } from '../platform/errors.ts';
import { parseFormBody, parseJsonBody, readQuery, validate } from '../platform/http.ts';
import {
  checkResponse,
  type RateLimiter,
  renderJsonError,
  reserveIdempotencyKey,
  toAppError,
} from './common.ts';

type AnySchema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<E, P, Q, B> {
  env: E;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  c: Context;
  ip: string | null;
  userAgent: string | null;
  /**
   * Present when the request carries an Idempotency-Key: a handler that commits its change in a
   * transaction of its own choosing may store the response there (`storeIn(tx, response)`), so the
   * change and its replayable response commit together; otherwise the surface stores it after.
   */
  idempotency?: { storeIn(q: Queryable, response: unknown): Promise<void> };
}

export interface JsonRoute<
  E,
  P extends AnySchema | undefined,
  Q extends AnySchema | undefined,
  B extends AnySchema | undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The body as /openapi.json documents it, when the handler validates it further than `body`. */
  documentedBody?: AnySchema;
  /** Success status; default 200 (201 is common for creates). */
  status?: number;
  response?: AnySchema;
  /** Store replays sealed with the master key (responses that carry tokens). */
  sealReplay?: boolean;
  /** Parse the body as application/x-www-form-urlencoded when sent that way. */
  acceptsForm?: boolean;
  handler(input: RouteInput<E, P, Q, B>): Promise<unknown>;
}

export interface SurfaceOptions<E> {
  name: string;
  /** Resolves the caller's environment or throws (for example `unauthorized`). */
  authenticate(c: Context): Promise<E>;
  /** Rate-limit bucket for this caller, if any. */
  rateLimit?(env: E): { bucket: string; limit: number; windowMs: number } | null;
  environmentIdOf(env: E): string | null;
}

export class JsonSurface<E> {
  constructor(
    private app: Hono,
    private deps: Deps,
    private registry: ContractRegistry,
    private limiter: RateLimiter,
    private opts: SurfaceOptions<E>,
  ) {}

  route<
    P extends AnySchema | undefined = undefined,
    Q extends AnySchema | undefined = undefined,
    B extends AnySchema | undefined = undefined,
  >(def: JsonRoute<E, P, Q, B>): void {
    const { deps, opts } = this;
    this.registry.add({
      method: def.method,
      path: def.path,
      surface: opts.name,
      summary: def.summary,
      params: def.params,
      query: def.query,
      body: def.documentedBody ?? def.body,
      status: def.status ?? 200,
      response: def.response,
    });
    const limit = bodyLimit({
      maxSize: deps.config.bodyLimit,
      onError: (c) =>
        renderJsonError(
          c,
          new AppError('payload_too_large', {
            message: `The request body is larger than ${deps.config.bodyLimit} bytes (PORTICO_BODY_LIMIT). Send a smaller body.`,
          }),
        ),
    });
    const handler = async (c: Context) => {
      let release: (() => Promise<void>) | undefined;
      try {
        const env = await opts.authenticate(c);
        const rl = opts.rateLimit?.(env);
        if (rl) this.limiter.memory(rl.bucket, rl.limit, rl.windowMs);
        const params = def.params ? validate(def.params, c.req.param()) : undefined;
        const query = def.query ? validate(def.query, readQuery(c)) : undefined;
        let bodyText = '';
        let body: unknown;
        if (def.body) {
          bodyText = await c.req.text();
          body = validate(def.body, parseBody(bodyText, c.req.header('content-type'), def.acceptsForm));
        }
        const idemKey = c.req.header('idempotency-key');
        const environmentId = opts.environmentIdOf(env);
        let store: ((status: number, body: unknown) => Promise<void>) | undefined;
        let idempotency: RouteInput<E, P, Q, B>['idempotency'];
        let storedInTx = false;
        if (def.method === 'post' && idemKey && environmentId) {
          const outcome = await reserveIdempotencyKey(
            deps,
            environmentId,
            idemKey,
            'POST',
            c.req.path,
            bodyText,
            def.sealReplay ?? false,
          );
          if (outcome.kind === 'replay') {
            c.header('Idempotent-Replayed', 'true');
            return c.body(outcome.body, outcome.status as 200, { 'Content-Type': 'application/json' });
          }
          store = outcome.store;
          release = outcome.release;
          const storeIn = outcome.storeIn;
          idempotency = {
            async storeIn(q, response) {
              await storeIn(q, def.status ?? 200, response ?? {});
              storedInTx = true;
            },
          };
        }
        const result = await def.handler({
          env,
          params: params as Out<P>,
          query: query as Out<Q>,
          body: body as Out<B>,
          c,
          ip: clientIp(c),
          userAgent: c.req.header('user-agent') ?? null,
          idempotency,
        });
        if (result instanceof Response) {
          await release?.();
          return result;
        }
        checkResponse(deps, def.response, result, `${def.method.toUpperCase()} ${def.path}`);
        const status = def.status ?? 200;
        if (!storedInTx) await store?.(status, result ?? {});
        return c.json(result ?? {}, status as 200);
      } catch (err) {
        const appErr = toAppError(err, deps, c);
        // A rejected request is not stored: its retry is evaluated again.
        if (release) await release().catch(() => {});
        return renderJsonError(c, appErr);
      }
    };
    const method = def.method.toUpperCase();
    if (def.body) this.app.on(method, def.path, limit, handler);
    else this.app.on(method, def.path, handler);
  }
}

function parseBody(text: string, contentType: string | undefined, acceptsForm?: boolean): unknown {
  if (acceptsForm && contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return parseFormBody(text);
  }
  const value = parseJsonBody(text);
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('invalid_json', {
      message: 'The request body must be a JSON object, not an array or a scalar.',
    });
  }
  return value;
}

export function clientIp(c: Context): string | null {
  // Behind a proxy, operators terminate TLS upstream; we record the socket address only.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}
