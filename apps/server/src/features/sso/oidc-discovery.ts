/**
 * OpenID Connect Discovery 1.0 for the relying party, with a small in-memory cache.
 *
 * - A discovered document is cached by discovery URL for five minutes (also the ID-token signing
 *   keys learnt from it, so a callback costs one token request and, at most, one userinfo request).
 *   The cache is a per-process optimisation only: any node can rebuild it from the URL.
 * - Concurrent look-ups of one URL share a single request; failures are never cached.
 * - The document must name an issuer, an authorization, a token and a jwks endpoint. Entra ID's
 *   multi-tenant endpoints (`/common`, `/organizations`, issuer `{tenantid}`) are refused: any
 *   Microsoft tenant could sign in through them, so an SSO connection must use its tenant's URL.
 * - Each failure becomes `oidc_discovery_failed` with the cause (network, HTTP status, not JSON,
 *   issuer mismatch, missing endpoint, http:// refused) and the fix.
 */
import * as client from 'openid-client';
import { idpText, networkReason, OidcError, oauthCode, type TraceStep } from './oidc-errors.ts';

export const DISCOVERY_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 1000;

interface Entry {
  server: client.ServerMetadata;
  storedAt: number;
  jwks?: client.ExportedJWKSCache;
}

const cache = new Map<string, Entry>();
const inflight = new Map<string, Promise<client.ServerMetadata>>();

export function clearDiscoveryCache(): void {
  cache.clear();
  inflight.clear();
}

const keyOf = (url: string, insecure: boolean) => `${insecure ? 'insecure:' : ''}${url}`;

export interface DiscoverOptions {
  allowInsecureHttp: boolean;
  fetch: client.CustomFetch;
  timeoutSeconds: number;
  nowMs: number;
  steps: TraceStep[];
}

/** The server metadata for `discoveryUrl`, from the cache or the network. Throws `OidcError`. */
export async function discover(discoveryUrl: string, o: DiscoverOptions): Promise<client.ServerMetadata> {
  const key = keyOf(discoveryUrl, o.allowInsecureHttp);
  const hit = cache.get(key);
  if (hit && Math.abs(o.nowMs - hit.storedAt) < DISCOVERY_TTL_MS) {
    o.steps.push({ step: 'discovery', ok: true, detail: `issuer ${hit.server.issuer} (cached)` });
    return hit.server;
  }
  let pending = inflight.get(key);
  const started = performance.now();
  if (!pending) {
    pending = fetchMetadata(discoveryUrl, o);
    inflight.set(key, pending);
    pending
      .then(
        (server) => {
          if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
          cache.set(key, { server, storedAt: o.nowMs });
        },
        () => {},
      )
      .finally(() => inflight.delete(key));
  }
  try {
    const server = await pending;
    o.steps.push({
      step: 'discovery',
      ok: true,
      detail: `issuer ${server.issuer} from ${discoveryUrl}`,
      ms: Math.round(performance.now() - started),
    });
    return server;
  } catch (err) {
    const e = err instanceof OidcError ? err : discoveryError(discoveryUrl, err);
    o.steps.push({
      step: 'discovery',
      ok: false,
      detail: e.message,
      ms: Math.round(performance.now() - started),
    });
    e.details.steps = o.steps;
    throw e;
  }
}

/** The signing keys openid-client learnt for this URL's issuer, to seed a fresh Configuration. */
export function cachedJwks(discoveryUrl: string, insecure: boolean): client.ExportedJWKSCache | undefined {
  return cache.get(keyOf(discoveryUrl, insecure))?.jwks;
}

export function storeJwks(
  discoveryUrl: string,
  insecure: boolean,
  jwks: client.ExportedJWKSCache | undefined,
) {
  const entry = cache.get(keyOf(discoveryUrl, insecure));
  if (entry && jwks) entry.jwks = jwks;
}

async function fetchMetadata(discoveryUrl: string, o: DiscoverOptions): Promise<client.ServerMetadata> {
  let url: URL;
  try {
    url = new URL(discoveryUrl);
  } catch {
    throw fail(discoveryUrl, 'The discovery URL is not an absolute URL.', fixUrl);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && o.allowInsecureHttp)) {
    throw fail(
      discoveryUrl,
      `The discovery URL uses ${url.protocol}//; Portico talks to identity providers over https only.`,
      'Use the https:// discovery URL that the IdP publishes.',
    );
  }
  const config = await client.discovery(url, 'portico-discovery', undefined, undefined, {
    [client.customFetch]: o.fetch,
    execute: o.allowInsecureHttp ? [client.allowInsecureRequests] : [],
    timeout: o.timeoutSeconds,
  });
  // Plain data only: the helpers openid-client adds are functions, which a Configuration cannot clone.
  const server = JSON.parse(JSON.stringify(config.serverMetadata())) as client.ServerMetadata;
  if (server.issuer.includes('{tenantid}')) {
    throw fail(
      discoveryUrl,
      `This is Microsoft Entra ID's multi-tenant discovery URL (issuer ${server.issuer}): users of any Microsoft tenant could sign in through it.`,
      "Use your tenant's URL instead: https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration.",
    );
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof server[field] !== 'string') {
      throw fail(
        discoveryUrl,
        `The discovery document of ${server.issuer} has no ${field}.`,
        'Check that the URL is the OpenID Connect discovery document (not an OAuth-only or SAML metadata URL) of an IdP application that supports the authorization code flow.',
      );
    }
  }
  if (!o.allowInsecureHttp) {
    for (const field of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'userinfo_endpoint',
    ] as const) {
      const v = server[field];
      if (typeof v === 'string' && !v.startsWith('https://')) {
        throw fail(
          discoveryUrl,
          `The discovery document's ${field} (${v}) is not an https:// URL; Portico talks to identity providers over https only.`,
          'Configure the IdP to publish https:// endpoints.',
        );
      }
    }
  }
  return server;
}

const fixUrl =
  'Use the OpenID Connect discovery URL from the IdP application settings; it usually ends in /.well-known/openid-configuration.';

function fail(discoveryUrl: string, reason: string, fix: string, extra: Record<string, unknown> = {}) {
  return new OidcError('oidc_discovery_failed', reason, fix, { discoveryUrl, ...extra });
}

function discoveryError(discoveryUrl: string, err: unknown): OidcError {
  const net = networkReason(err);
  if (net) {
    return fail(
      discoveryUrl,
      `Portico could not fetch the discovery document at ${discoveryUrl}: ${net}.`,
      'Check the URL, and that the IdP is reachable from the Portico server (DNS, firewall, proxy, TLS certificate).',
      { network: net },
    );
  }
  const { code, message, cause } = oauthCode(err);
  const status = (cause as { status?: unknown } | undefined)?.status ?? statusOf(err);
  switch (code) {
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      // Redirects are not followed: the configured URL must be the document itself.
      const location = cause instanceof Response ? idpText(cause.headers.get('location')) : undefined;
      return fail(
        discoveryUrl,
        `The discovery URL answered HTTP ${typeof status === 'number' ? status : '(unexpected status)'}${location ? ` (a redirect to ${location})` : ''} instead of 200 with the OpenID configuration.`,
        location ? "Configure the URL the IdP redirects to, if it is the IdP's discovery document." : fixUrl,
        { status, ...(location ? { location } : {}) },
      );
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_INVALID_RESPONSE':
      return fail(
        discoveryUrl,
        `The discovery URL did not return an OpenID configuration JSON document (${message ?? 'unreadable response'}).`,
        fixUrl,
      );
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED': {
      const issuer = (cause?.body as { issuer?: unknown } | undefined)?.issuer;
      return fail(
        discoveryUrl,
        `The discovery document names issuer ${String(issuer)}, which is not the URL it was fetched from (${discoveryUrl}).`,
        'Use the issuer URL exactly as the IdP publishes it (mind a trailing slash), or the full …/.well-known/openid-configuration URL.',
        { issuer },
      );
    }
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return fail(
        discoveryUrl,
        'The discovery document points at http:// endpoints; Portico talks to identity providers over https only.',
        'Configure the IdP to publish https:// endpoints.',
      );
  }
  return fail(
    discoveryUrl,
    `The discovery document could not be used: ${message ?? (err instanceof Error ? err.message : String(err))}.`,
    fixUrl,
  );
}

function statusOf(err: unknown): number | undefined {
  for (const e of [err, (err as { cause?: unknown })?.cause]) {
    if (e instanceof Response) return e.status;
    const c = (e as { cause?: unknown })?.cause;
    if (c instanceof Response) return c.status;
  }
  return undefined;
}
