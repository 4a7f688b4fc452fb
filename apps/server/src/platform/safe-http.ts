/**
 * Outbound HTTP for webhooks, safe against SSRF.
 *
 * - The address is checked when the socket connects (a custom `lookup`), so a DNS answer that
 *   changes between validation and connection (rebinding) cannot reach a forbidden address.
 * - Refused classes: loopback, private (RFC 1918, ULA), link-local (incl. 169.254.169.254 and other
 *   metadata addresses), CGNAT, unspecified, multicast, broadcast, reserved, and IPv4-mapped forms
 *   of all of them. Loopback and private can be allowed by configuration.
 * - Redirects are never followed; the response body is read up to a cap, then the socket closes;
 *   one timeout covers connect, send and the capped read.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

const v4 = (list: [string, number, AddressClass][]) => list;
const V4_RANGES = v4([
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['169.254.169.254', 32, 'metadata'],
  ['169.254.0.0', 16, 'link_local'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]);
const V6_RANGES: [string, number, AddressClass][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fd00:ec2::254', 128, 'metadata'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link_local'],
  ['ff00::', 8, 'multicast'],
  ['64:ff9b::', 96, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
];

const lists = new Map<AddressClass, BlockList>();
for (const [addr, prefix, cls] of V4_RANGES) {
  const l = lists.get(cls) ?? new BlockList();
  l.addSubnet(addr, prefix, 'ipv4');
  lists.set(cls, l);
}
for (const [addr, prefix, cls] of V6_RANGES) {
  const l = lists.get(cls) ?? new BlockList();
  l.addSubnet(addr, prefix, 'ipv6');
  lists.set(cls, l);
}
// Most specific first: metadata is inside link-local.
const ORDER: AddressClass[] = [
  'metadata',
  'loopback',
  'unspecified',
  'private',
  'link_local',
  'cgnat',
  'multicast',
  'reserved',
];

export function classifyAddress(address: string): AddressClass {
  let a = address;
  const family = isIP(a);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (mapped) a = mapped[1]!;
  }
  const type = isIP(a) === 4 ? 'ipv4' : 'ipv6';
  for (const cls of ORDER) if (lists.get(cls)?.check(a, type)) return cls;
  return 'public';
}

export interface EgressPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export function addressAllowed(address: string, policy: EgressPolicy): { ok: boolean; cls: AddressClass } {
  const cls = classifyAddress(address);
  if (cls === 'public') return { ok: true, cls };
  if (cls === 'loopback') return { ok: policy.allowLoopback, cls };
  if (cls === 'private' || cls === 'cgnat') return { ok: policy.allowPrivate, cls };
  return { ok: false, cls };
}

export class EgressRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly cls: AddressClass,
  ) {
    super(
      `refused to connect to ${host} (${address}): ${cls.replace('_', '-')} addresses are not allowed for webhooks`,
    );
  }
}

/** Validates a URL's form (scheme, literal addresses) before it is stored. */
export function checkWebhookUrl(raw: string, policy: EgressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https:// (or http://)';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a #fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const verdict = addressAllowed(host, policy);
    if (!verdict.ok)
      return `points at a ${verdict.cls.replace('_', '-')} address, which webhooks may not reach`;
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!policy.allowLoopback) return 'points at localhost, which webhooks may not reach';
  }
  return null;
}

export interface PostResult {
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  snippet: string;
  error: string | null;
  durationMs: number;
}

/** POSTs `body` and never throws: failures come back as `error`. */
export function safePost(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; maxBodyBytes?: number; policy: EgressPolicy },
): Promise<PostResult> {
  return safeRequest('POST', rawUrl, body, headers, opts);
}

/** Any method; `body` may be empty. Never throws. */
export function safeRequest(
  method: string,
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; maxBodyBytes?: number; policy: EgressPolicy },
): Promise<PostResult> {
  const started = performance.now();
  const maxBody = opts.maxBodyBytes ?? 4096;
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: Math.round(performance.now() - started) });
    };
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      done({ status: null, headers: {}, snippet: '', error: 'invalid URL' });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const lookup = (
      hostname: string,
      options: { all?: boolean },
      cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      dnsLookup(hostname, { all: true }, (err, addresses) => {
        if (err) return cb(err, '', 4);
        for (const a of addresses) {
          const verdict = addressAllowed(a.address, opts.policy);
          if (!verdict.ok) return cb(new EgressRefused(hostname, a.address, verdict.cls), '', 4);
        }
        if (options.all) return cb(null, addresses);
        cb(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const verdict = addressAllowed(host, opts.policy);
      if (!verdict.ok) {
        done({
          status: null,
          headers: {},
          snippet: '',
          error: new EgressRefused(host, host, verdict.cls).message,
        });
        return;
      }
    }
    const req = client.request(
      url,
      {
        method,
        headers:
          body || method !== 'GET'
            ? { ...headers, 'content-length': Buffer.byteLength(body).toString() }
            : headers,
        lookup: lookup as never,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
          size += chunk.length;
          if (size >= maxBody) {
            res.destroy();
            finish();
          }
        });
        const finish = () =>
          done({
            status: res.statusCode ?? null,
            headers: res.headers,
            snippet: Buffer.concat(chunks).toString('utf8').slice(0, maxBody),
            error: null,
          });
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => {
      const e = err as NodeJS.ErrnoException;
      done({ status: null, headers: {}, snippet: '', error: e.code ? `${e.code}: ${e.message}` : e.message });
    });
    req.end(body);
  });
}

/**
 * A `fetch` for requests to identity providers (OIDC discovery, tokens, userinfo; SAML metadata
 * URLs) with the same SSRF rules as webhooks. Redirects are not followed; bodies are capped at 1 MiB.
 */
export function safeFetch(policy: EgressPolicy, timeoutMs = 10_000) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => {
      headers[k] = v;
    });
    let body = '';
    if (init?.body !== undefined && init.body !== null) {
      body =
        typeof init.body === 'string'
          ? init.body
          : init.body instanceof URLSearchParams
            ? init.body.toString()
            : Buffer.from(await new Response(init.body).arrayBuffer()).toString();
    }
    const r = await safeRequest(method, url, body, headers, { timeoutMs, maxBodyBytes: 1024 * 1024, policy });
    if (r.status === null) throw new TypeError(`fetch failed: ${r.error}`);
    const outHeaders = new Headers();
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) outHeaders.append(k, one);
    }
    return new Response([204, 304].includes(r.status) ? null : r.snippet, {
      status: r.status,
      headers: outHeaders,
    });
  };
}
