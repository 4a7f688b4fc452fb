/// <reference path="../../../../apps/server/test/support/oidc-provider.d.ts" />
/**
 * Support for the SSO browser test: a real OpenID Provider (oidc-provider 9, the same
 * configuration as apps/server/test/support/oidc-idp.ts) served on its own host name, and the
 * in-process name resolution that lets Portico reach that host name.
 *
 * DESIGN.md wants cross-site returns tested with the IdP on a different host name: Chromium maps
 * `*.test` to 127.0.0.1 with `--host-resolver-rules`, and `resolveTestHostsToLoopback` does the
 * same for this Node process (Portico runs in it and fetches the IdP's discovery document, token
 * and userinfo endpoints from `http://idp.test:<port>`), as an /etc/hosts line would.
 */
import { generateKeyPairSync } from 'node:crypto';
import dns from 'node:dns';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import Provider, { type Account } from 'oidc-provider';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void;

/**
 * Answers `dns.lookup` for every `*.test` name with 127.0.0.1 (the callback API that net, http
 * and fetch use, and the named ESM export other modules imported). Returns the undo function.
 */
export function resolveTestHostsToLoopback(suffix = '.test'): () => void {
  const original = dns.lookup;
  const patched = function (this: unknown, hostname: string, options: unknown, callback?: LookupCallback) {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (
      typeof options === 'object' && options !== null
        ? options
        : typeof options === 'number'
          ? { family: options }
          : {}
    ) as { all?: boolean; family?: number | string };
    if (typeof hostname === 'string' && hostname.toLowerCase().endsWith(suffix)) {
      process.nextTick(() =>
        opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4),
      );
      return {};
    }
    // biome-ignore lint/complexity/noArguments: forwards whatever overload the caller used
    return (original as (...a: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]);
  };
  dns.lookup = patched as unknown as typeof dns.lookup;
  syncBuiltinESMExports();
  return () => {
    dns.lookup = original;
    syncBuiltinESMExports();
  };
}

export interface OidcAccount {
  claims: Record<string, unknown>;
  /** Released by userinfo only (like Okta's groups). */
  userinfoOnly?: Record<string, unknown>;
}

export interface SsoOidcIdp {
  /** `http://<hostname>:<port>`: the issuer and the discovery URL. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Starts the provider with the client's redirect URIs (known only once Portico's connection exists). */
  start(redirectUris: string[], tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post'): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 and names itself `http://<hostname>:<port>`; `start` brings up the provider. */
export async function listenOidcIdp(
  hostname: string,
  accounts: Record<string, OidcAccount>,
): Promise<SsoOidcIdp> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end('the OIDC provider is not started yet');
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${hostname}:${(server.address() as AddressInfo).port}`;
  const clientId = 'portico-browser-client';
  const clientSecret = 'browser-client-secret-0123456789abcdef';

  return {
    issuer,
    clientId,
    clientSecret,
    start(redirectUris, tokenEndpointAuthMethod = 'client_secret_basic') {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'browser-key-1', use: 'sig', alg: 'RS256' };
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: redirectUris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: tokenEndpointAuthMethod,
          },
        ],
        jwks: { keys: [jwk] },
        cookies: { keys: ['sso-browser-idp-cookie-key'] },
        conformIdTokenClaims: false,
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['name', 'given_name', 'family_name', 'groups', 'locale'],
        },
        features: { devInteractions: { enabled: true } },
        ttl: {
          AccessToken: 3600,
          AuthorizationCode: 60,
          Grant: 3600,
          IdToken: 3600,
          Interaction: 600,
          Session: 3600,
        },
        findAccount: async (_ctx: unknown, id: string): Promise<Account | undefined> => {
          const account = accounts[id];
          if (!account) return undefined;
          return {
            accountId: id,
            claims: async (use) => ({
              sub: id,
              ...account.claims,
              ...(use === 'userinfo' ? account.userinfoOnly : {}),
            }),
          };
        },
      });
      provider.on('server_error', () => {});
      handler = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
