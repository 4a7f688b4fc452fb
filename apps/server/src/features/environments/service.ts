/**
 * Environments and their credentials: API keys (shown once, stored as SHA-256), the client id,
 * and the redirect-URI allow-list. `bootstrap` (run by `portico start` only) creates the first
 * environment on an empty database, honouring PORTICO_API_KEY / PORTICO_CLIENT_ID /
 * PORTICO_REDIRECT_URIS; the CLI's other commands only look it up (`first`) and refuse without it.
 */
import { sha256 } from '../../platform/crypto.ts';
import { type Queryable, serialized } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, quote } from '../../platform/errors.ts';
import { seedRoles } from '../roles/service.ts';

export interface Bootstrap {
  created: boolean;
  environmentId: string;
  clientId: string;
  /** Present only when this call generated the key (it is never stored in clear). */
  apiKey?: string;
}

const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function obfuscate(key: string) {
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

export function validateRedirectUri(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${quote(uri, 512)} is not an absolute URL.`;
  }
  if (url.hash) return 'A redirect URI must not contain a #fragment.';
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    if (url.protocol === 'http:') return 'Use https:// (plain http:// is allowed only for localhost).';
    if (!/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) return `${quote(url.protocol)} is not a valid scheme.`;
  }
  return null;
}

/** An environment as the browser and token endpoints know it: by its public client id. */
export interface ClientEnvironment {
  id: string;
  clientId: string;
}

/**
 * Why `uri` cannot be the base of a link Portico emails (password reset), or null: it must be an
 * absolute https:// URL (http:// only for localhost) without a #fragment or a `token` parameter
 * of its own (Portico appends `?token=…`).
 */
export function validateLinkUrl(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${quote(uri, 512)} is not an absolute URL. Use a full address such as https://app.example.com/reset-password.`;
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
    return 'Use an https:// URL (plain http:// is allowed only for localhost).';
  if (url.hash) return 'The URL must not contain a #fragment: Portico appends ?token=… to it.';
  if (url.searchParams.has('token'))
    return 'The URL must not have its own token parameter: Portico appends it.';
  return null;
}

export class EnvironmentService {
  private clientCache = new Map<string, { at: number; env: ClientEnvironment | null }>();
  private redirectCache = new Map<string, { at: number; uris: Set<string> }>();

  constructor(private deps: Deps) {}

  /** The environment a client id names (cached 5 s: it is read on every authorize and token request). */
  async byClientId(clientId: string): Promise<ClientEnvironment | null> {
    const now = this.deps.clock.now().getTime();
    const hit = this.clientCache.get(clientId);
    if (hit && now - hit.at < 5_000) return hit.env;
    const row = await this.deps.db
      .selectFrom('environments')
      .select(['id', 'client_id'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    const env = row ? { id: row.id, clientId: row.client_id } : null;
    if (this.clientCache.size > 1000) this.clientCache.clear();
    this.clientCache.set(clientId, { at: now, env });
    return env;
  }

  /** The client id of an environment. */
  async clientIdOf(envId: string, q: Queryable = this.deps.db): Promise<string> {
    const row = await q
      .selectFrom('environments')
      .select('client_id')
      .where('id', '=', envId)
      .executeTakeFirstOrThrow();
    return row.client_id;
  }

  private async allowedRedirectUris(envId: string, fresh = false): Promise<Set<string>> {
    const now = this.deps.clock.now().getTime();
    const hit = this.redirectCache.get(envId);
    if (hit && !fresh && now - hit.at < 5_000) return hit.uris;
    const rows = await this.deps.db
      .selectFrom('redirect_uris')
      .select('uri')
      .where('environment_id', '=', envId)
      .execute();
    const uris = new Set(rows.map((r) => r.uri));
    this.redirectCache.set(envId, { at: now, uris });
    return uris;
  }

  /**
   * Redirect URIs match exactly, as OAuth 2.1 requires. A URI missing from the cached list is
   * looked up again before it is refused, so one just added (by the CLI, another process or the
   * dashboard) works at once; a removed one stops working within the cache's 5 seconds.
   */
  async isRedirectAllowed(envId: string, uri: string): Promise<boolean> {
    if ((await this.allowedRedirectUris(envId)).has(uri)) return true;
    return (await this.allowedRedirectUris(envId, true)).has(uri);
  }

  /** A logout `return_to` may be an allowed redirect URI or any URL on the same origin as one. */
  async isReturnToAllowed(envId: string, uri: string): Promise<boolean> {
    // Control characters (CR/LF above all) are refused outright: the URL parser drops tabs and
    // line breaks, so the origin checked would not be the text sent in the Location header.
    if ([...uri].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return false;
    let origin: string;
    try {
      origin = new URL(uri).origin;
    } catch {
      return false;
    }
    for (const allowed of await this.allowedRedirectUris(envId)) {
      if (allowed === uri) return true;
      try {
        if (new URL(allowed).origin === origin) return true;
      } catch {}
    }
    return false;
  }

  /** The first environment (the one `portico start` created), or undefined on an empty database. */
  async first(q: Queryable = this.deps.db) {
    return q.selectFrom('environments').selectAll().orderBy('created_at', 'asc').executeTakeFirst();
  }

  /**
   * `portico start` only: creates the first environment on an empty database, exactly once however
   * many processes start together (the winner alone gets `created` and the generated key, to print
   * once), and (re)applies the pinned PORTICO_API_KEY / PORTICO_REDIRECT_URIS to it.
   */
  async bootstrap(): Promise<Bootstrap> {
    const { deps } = this;
    const { config } = deps;
    const existing = await this.first();
    if (existing) return this.reapplyPinned(existing);
    const envId = deps.ids.next('environment');
    const clientId = config.clientId ?? `client_${deps.ids.next('x').slice(2)}`;
    const apiKey = config.apiKey ?? this.newKeyValue();
    const won = await serialized(deps, 'bootstrap:first-environment', async (tx) => {
      // Another process may have created it while this one waited for the lock.
      const raced = await this.first(tx);
      if (raced) return raced;
      const now = deps.clock.now().toISOString();
      await tx
        .insertInto('environments')
        .values({
          id: envId,
          name: 'Development',
          client_id: clientId,
          created_at: now,
          email_verification_required: 0,
          mfa_required: 0,
        })
        .execute();
      await tx
        .insertInto('api_keys')
        .values({
          id: deps.ids.next('api_key'),
          environment_id: envId,
          name: config.apiKey ? 'PORTICO_API_KEY' : 'Default key',
          key_hash: sha256(apiKey),
          obfuscated_value: obfuscate(apiKey),
          created_at: now,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      await seedRoles(tx, deps, envId);
      return null;
    });
    if (won) return this.reapplyPinned(won);
    for (const uri of config.redirectUris) await this.addRedirectUri(envId, uri);
    return { created: true, environmentId: envId, clientId, apiKey: config.apiKey ? undefined : apiKey };
  }

  /** Pinned credentials are (re)applied so CI and development always match the environment. */
  private async reapplyPinned(env: { id: string; client_id: string }): Promise<Bootstrap> {
    const { config } = this.deps;
    if (config.apiKey) await this.ensureApiKey(env.id, config.apiKey, 'PORTICO_API_KEY');
    for (const uri of config.redirectUris) await this.addRedirectUri(env.id, uri);
    return { created: false, environmentId: env.id, clientId: env.client_id };
  }

  private newKeyValue() {
    const raw = Buffer.from(this.deps.random.bytes(30));
    let s = '';
    for (const b of raw) s += ULID_CHARS[b & 31];
    return `sk_test_${s}`;
  }

  /** Adds the key unless it exists (two processes starting with one pinned key add it once). */
  async ensureApiKey(envId: string, value: string, name: string) {
    await this.insertKey(envId, value, name, { ifAbsent: true });
  }

  private async insertKey(envId: string, value: string, name: string, o: { ifAbsent?: boolean } = {}) {
    const id = this.deps.ids.next('api_key');
    let insert = this.deps.db.insertInto('api_keys').values({
      id,
      environment_id: envId,
      name,
      key_hash: sha256(value),
      obfuscated_value: obfuscate(value),
      created_at: this.deps.clock.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
    });
    if (o.ifAbsent) insert = insert.onConflict((oc) => oc.column('key_hash').doNothing());
    await insert.execute();
    return id;
  }

  async createApiKey(envId: string, name: string) {
    const value = this.newKeyValue();
    const id = await this.insertKey(envId, value, name);
    return { id, value };
  }

  async listApiKeys(envId: string) {
    return this.deps.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'obfuscated_value', 'created_at', 'last_used_at', 'revoked_at'])
      .where('environment_id', '=', envId)
      .orderBy('created_at', 'asc')
      .execute();
  }

  async revokeApiKey(envId: string, id: string) {
    const r = await this.deps.db
      .updateTable('api_keys')
      .set({ revoked_at: this.deps.clock.now().toISOString() })
      .where('environment_id', '=', envId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async addRedirectUri(envId: string, uri: string) {
    const problem = validateRedirectUri(uri);
    if (problem) {
      throw new AppError('invalid_request_parameters', {
        message: `Redirect URI rejected: ${problem}`,
        errors: [{ field: 'uri', code: 'invalid_redirect_uri', message: problem }],
      });
    }
    await this.deps.db
      .insertInto('redirect_uris')
      .values({
        id: this.deps.ids.next('redirect_uri'),
        environment_id: envId,
        uri,
        created_at: this.deps.clock.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['environment_id', 'uri']).doNothing())
      .execute();
  }

  async listRedirectUris(envId: string) {
    return (
      await this.deps.db
        .selectFrom('redirect_uris')
        .select('uri')
        .where('environment_id', '=', envId)
        .orderBy('created_at')
        .execute()
    ).map((r) => r.uri);
  }

  async removeRedirectUri(envId: string, uri: string) {
    const r = await this.deps.db
      .deleteFrom('redirect_uris')
      .where('environment_id', '=', envId)
      .where('uri', '=', uri)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Whether a sign-in of a user with an unverified email stops at `email_verification_required`. */
  async requiresEmailVerification(envId: string, q: Queryable = this.deps.db): Promise<boolean> {
    const row = await q
      .selectFrom('environments')
      .select('email_verification_required')
      .where('id', '=', envId)
      .executeTakeFirst();
    return row?.email_verification_required === 1;
  }

  async setEmailVerificationRequired(envId: string, required: boolean): Promise<boolean> {
    await this.deps.db
      .updateTable('environments')
      .set({ email_verification_required: required ? 1 : 0 })
      .where('id', '=', envId)
      .execute();
    return required;
  }

  /** Whether every AuthKit sign-in (but SSO) needs a second factor (0022). */
  async requiresMfa(envId: string, q: Queryable = this.deps.db): Promise<boolean> {
    const row = await q
      .selectFrom('environments')
      .select('mfa_required')
      .where('id', '=', envId)
      .executeTakeFirst();
    return row?.mfa_required === 1;
  }

  async setMfaRequired(envId: string, required: boolean): Promise<boolean> {
    await this.deps.db
      .updateTable('environments')
      .set({ mfa_required: required ? 1 : 0 })
      .where('id', '=', envId)
      .execute();
    return required;
  }

  /** The environment's name (the default TOTP issuer). */
  async nameOf(envId: string, q: Queryable = this.deps.db): Promise<string> {
    const row = await q.selectFrom('environments').select('name').where('id', '=', envId).executeTakeFirst();
    return row?.name ?? 'Portico';
  }

  /** Where sign-out goes without `return_to`, or null (Portico's "You are signed out" page). */
  async defaultLogoutUri(envId: string): Promise<string | null> {
    const row = await this.deps.db
      .selectFrom('environments')
      .select('default_logout_uri')
      .where('id', '=', envId)
      .executeTakeFirst();
    return row?.default_logout_uri ?? null;
  }

  /**
   * Sets (or with null clears) the default logout URI. Like a logout `return_to`, it must be an
   * allowed redirect URI or on the origin of one, so sign-out can never be sent to a stranger.
   */
  async setDefaultLogoutUri(envId: string, uri: string | null): Promise<string | null> {
    if (uri !== null) {
      const problem = validateRedirectUri(uri);
      const allowed = await this.listRedirectUris(envId);
      const origin = problem ? null : new URL(uri).origin;
      const onAllowedOrigin = allowed.some((a) => {
        try {
          return a === uri || new URL(a).origin === origin;
        } catch {
          return false;
        }
      });
      const reason =
        problem ??
        (onAllowedOrigin
          ? null
          : `'${uri}' is not on the origin of an allowed redirect URI. Add a redirect URI on ${origin} first (Redirect URIs page, or \`portico redirect-uris add\`).`);
      if (reason) {
        throw new AppError('invalid_request_parameters', {
          message: `Default logout URI rejected: ${reason}`,
          errors: [{ field: 'default_logout_uri', code: 'invalid_logout_uri', message: reason }],
        });
      }
    }
    await this.deps.db
      .updateTable('environments')
      .set({ default_logout_uri: uri })
      .where('id', '=', envId)
      .execute();
    return uri;
  }

  /** Portico's hosted reset page, where reset links point unless the environment names its own. */
  hostedPasswordResetUrl(): string {
    return `${this.deps.config.publicUrl.replace(/\/+$/, '')}/authkit/reset-password`;
  }

  /**
   * Where password-reset links point (`?token=…` is appended): the environment's own
   * `password_reset_url` (`configured`), else Portico's hosted page (`effective` is what is used).
   */
  async passwordResetUrl(envId: string): Promise<{ configured: string | null; effective: string }> {
    const row = await this.deps.db
      .selectFrom('environments')
      .select('password_reset_url')
      .where('id', '=', envId)
      .executeTakeFirst();
    const configured = row?.password_reset_url ?? null;
    return { configured, effective: configured ?? this.hostedPasswordResetUrl() };
  }

  /** Sets (or with null clears) the password reset URL: an absolute https:// URL (http:// on localhost). */
  async setPasswordResetUrl(envId: string, uri: string | null) {
    if (uri !== null) {
      const problem = validateLinkUrl(uri);
      if (problem) {
        throw new AppError('invalid_request_parameters', {
          message: `Password reset URL rejected: ${problem}`,
          errors: [{ field: 'password_reset_url', code: 'invalid_password_reset_url', message: problem }],
        });
      }
    }
    await this.deps.db
      .updateTable('environments')
      .set({ password_reset_url: uri })
      .where('id', '=', envId)
      .execute();
    return this.passwordResetUrl(envId);
  }

  /** A second environment (tests use it to prove tenancy isolation). */
  async createEnvironment(name: string) {
    const now = this.deps.clock.now().toISOString();
    const envId = this.deps.ids.next('environment');
    const clientId = `client_${this.deps.ids.next('x').slice(2)}`;
    const apiKey = this.newKeyValue();
    await this.deps.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('environments')
        .values({
          id: envId,
          name,
          client_id: clientId,
          created_at: now,
          email_verification_required: 0,
          mfa_required: 0,
        })
        .execute();
      await seedRoles(tx, this.deps, envId);
    });
    await this.insertKey(envId, apiKey, 'Default key');
    return { environmentId: envId, clientId, apiKey };
  }
}
