/// <reference path="../../apps/server/test/support/oidc-provider.d.ts" />
/**
 * The OpenID Provider of the SSO benchmark, run as its own process (so its CPU is counted apart
 * from the relying parties'): oidc-provider 9 (panva, OpenID Certified) on 127.0.0.1.
 *
 *   node --import tsx bench/lib/sso-oidc-idp.ts     (configuration as JSON in SSO_BENCH_IDP)
 *
 * SSO_BENCH_IDP: { port, host ('localhost' by default: Jackson allows http:// only for that host
 * name, which resolves to 127.0.0.1 here), clients: [{ client_id, client_secret, redirect_uris }],
 * emails: [...] }. Each email is an account (log in with the email as the login name; the
 * devInteractions form accepts any password). Prints `{"issuer": …}` when listening.
 *
 * RS256 ID tokens with the email/profile claims (conformIdTokenClaims: false), a userinfo endpoint,
 * client_secret_basic, and codes valid for 30 minutes so a pool minted before a phase stays good.
 * Storage is a plain Map: oidc-provider's default in-memory adapter is an LRU of 1,000 entries,
 * which evicts codes minted ahead of a phase before they are used.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { type Account } from 'oidc-provider';

interface Config {
  port: number;
  host?: string;
  clients: { client_id: string; client_secret: string; redirect_uris: string[] }[];
  emails: string[];
}

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string };
const store = new Map<string, { payload: Payload; expiresAt: number }>();

/** oidc-provider's adapter interface over one Map, without an entry limit. */
class MapAdapter {
  constructor(private model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  private get(key: string) {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return e.payload;
  }
  async upsert(id: string, payload: Payload, expiresIn: number) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    store.set(this.key(id), { payload, expiresAt });
    if (payload.grantId) {
      const g = `grant:${payload.grantId}`;
      const members = (store.get(g)?.payload.keys as string[] | undefined) ?? [];
      store.set(g, { payload: { keys: [...members, this.key(id)] }, expiresAt: Number.POSITIVE_INFINITY });
    }
    if (payload.uid) store.set(`sessionUid:${payload.uid}`, { payload: { id }, expiresAt });
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: { id }, expiresAt });
  }
  async find(id: string) {
    return this.get(this.key(id));
  }
  async findByUid(uid: string) {
    const ref = this.get(`sessionUid:${uid}`);
    return ref ? this.find(String(ref.id)) : undefined;
  }
  async findByUserCode(userCode: string) {
    const ref = this.get(`userCode:${userCode}`);
    return ref ? this.find(String(ref.id)) : undefined;
  }
  async consume(id: string) {
    const p = this.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    const g = `grant:${grantId}`;
    for (const k of (store.get(g)?.payload.keys as string[] | undefined) ?? []) store.delete(k);
    store.delete(g);
  }
}

// Expired entries go once a minute.
setInterval(() => {
  const now = Date.now();
  for (const [k, e] of store) if (e.expiresAt <= now) store.delete(k);
}, 60_000).unref();

const cfg = JSON.parse(process.env.SSO_BENCH_IDP ?? '{}') as Config;
const issuer = `http://${cfg.host ?? 'localhost'}:${cfg.port}`;
const accounts = new Map(cfg.emails.map((e, i) => [e, i]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-key-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: cfg.clients.map((c) => ({
    ...c,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: ['sso-bench-cookie-key-0123456789'] },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => false },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 1800,
    Grant: 3600 * 4,
    IdToken: 3600,
    Interaction: 3600,
    Session: 3600 * 4,
  },
  findAccount: async (_ctx: unknown, id: string): Promise<Account | undefined> => {
    const n = accounts.get(id);
    if (n === undefined) return undefined;
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        email: id,
        email_verified: true,
        given_name: 'Bench',
        family_name: `User ${n}`,
        name: `Bench User ${n}`,
      }),
    };
  },
});
provider.on('server_error', (...args: unknown[]) => {
  console.error('oidc-provider server_error', String(args[1]).slice(0, 300));
});
const server = createServer(provider.callback());
server.keepAliveTimeout = 30_000;
server.listen(cfg.port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
