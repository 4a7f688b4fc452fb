/**
 * Social sign-in (GoogleOAuth, MicrosoftOAuth, GitHubOAuth, AppleOAuth, GitLabOAuth,
 * LinkedInOAuth, SlackOAuth, BitbucketOAuth, DiscordOAuth, IntuitOAuth, SalesforceOAuth,
 * VercelOAuth, XeroOAuth): one identity module over the per-provider modules in ./providers.
 *
 *   authorize (provider=…) → start(): a flow row keyed by the SHA-256 of a fresh `state`, with the
 *     nonce and PKCE verifier sealed → 302 to the provider
 *   provider → Portico's callback (`/oauth/callback`, GET, or POST for Apple's form_post)
 *     → callback(): the flow is consumed atomically (a replayed or forged state is refused), the
 *     provider module exchanges the code and verifies the person → a VerifiedIdentity handed to
 *     the SignInPipeline, which provisions, applies policy and mints the code. The provider's tokens
 *     travel sealed with that code and come back once as `oauth_tokens`.
 *
 * Linking: a known provider account signs its user in; otherwise the provider's email is matched
 * to an existing user only when the provider says it is verified (refused with
 * `oauth_email_unverified` otherwise); a new email becomes a new user. Owns `oauth_credentials`,
 * `oauth_flows` and `user_identities`. Egress goes through the SSRF-safe fetch.
 *
 * In development, a provider without credentials is served by the built-in Test OAuth provider
 * (test-oauth.tsx): same flow and callback, a Portico page in place of the provider's login.
 */
import { sha256 } from '../../../platform/crypto.ts';
import type { Queryable } from '../../../platform/db.ts';
import type { Deps } from '../../../platform/deps.ts';
import { AppError } from '../../../platform/errors.ts';
import { token } from '../../../platform/random.ts';
import { safeFetch } from '../../../platform/safe-http.ts';
import type { AuthenticationMethod, RequestMeta, VerifiedIdentity } from '../../../platform/sign-in.ts';
import { appendEvent } from '../../events/outbox.ts';
import type { UserService } from '../../users/service.ts';
import type { SignInPipeline } from '../sign-in.ts';
import {
  type FlowSecrets,
  isSocialProvider,
  PROVIDERS,
  type ProviderCredential,
  ProviderError,
  type ProviderResult,
  type ProviderRuntime,
  SOCIAL_PROVIDERS,
  type SocialProvider,
} from './providers/index.ts';

export { isSocialProvider, SOCIAL_PROVIDERS, type SocialProvider };

const FLOW_TTL_MS = 10 * 60 * 1000;
export const OAUTH_CALLBACK_PATH = '/oauth/callback';
export const TEST_OAUTH_PATH = '/test-oauth/authorize';
/** A Test OAuth provider account id starts with this, so it never collides with a real one. */
export const TEST_ACCOUNT_PREFIX = 'test-oauth|';

export interface StartSocial {
  redirectUri: string;
  appState: string | null;
  codeChallenge: string | null;
  providerScopes: string[];
  providerQueryParams: Record<string, string>;
  loginHint?: string;
  /** The pending invitation the authorize URL carried: the sign-in accepts it. */
  invitationId?: string | null;
  meta: RequestMeta;
}

export interface CredentialInput {
  client_id: string;
  client_secret?: string;
  scopes?: string[];
  options?: Record<string, string>;
}

export interface CredentialWire {
  provider: SocialProvider;
  client_id: string;
  client_secret_set: boolean;
  scopes: string[];
  options: Record<string, string>;
  redirect_uri: string;
  updated_at: string;
}

/** What the Test OAuth provider's page posts back, sealed into the code it sends to the callback. */
export interface TestOAuthGrant {
  flow: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  emailVerified: boolean;
  exp: number;
}

export class OAuthIdentity {
  constructor(
    private deps: Deps,
    private pipeline: SignInPipeline,
    private users: UserService,
  ) {}

  /** The callback URL to register at every provider. */
  callbackUrl() {
    return `${this.deps.config.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  private runtime(provider: SocialProvider): ProviderRuntime {
    const { config } = this.deps;
    return {
      fetch: safeFetch({
        allowLoopback: config.webhooks.allowLoopback,
        allowPrivate: config.webhooks.allowPrivate,
      }) as never,
      endpoints: config.production ? null : (config.testOAuthEndpoints?.[provider] ?? null),
      now: this.deps.clock.now(),
    };
  }

  // ── credentials ─────────────────────────────────────────────────────────────

  private toWire(row: {
    provider: string;
    client_id: string;
    scopes: string;
    options: string;
    updated_at: string;
  }): CredentialWire {
    return {
      provider: row.provider as SocialProvider,
      client_id: row.client_id,
      client_secret_set: true,
      scopes: JSON.parse(row.scopes),
      options: JSON.parse(row.options),
      redirect_uri: this.callbackUrl(),
      updated_at: row.updated_at,
    };
  }

  async listCredentials(env: string): Promise<CredentialWire[]> {
    const rows = await this.deps.db
      .selectFrom('oauth_credentials')
      .selectAll()
      .where('environment_id', '=', env)
      .orderBy('provider')
      .execute();
    return rows.map((r) => this.toWire(r));
  }

  private async credentialRow(q: Queryable, env: string, provider: SocialProvider) {
    return q
      .selectFrom('oauth_credentials')
      .selectAll()
      .where('environment_id', '=', env)
      .where('provider', '=', provider)
      .executeTakeFirst();
  }

  /** Creates or replaces a provider's credentials; an omitted client_secret keeps the stored one. */
  async setCredential(env: string, provider: SocialProvider, input: CredentialInput, actor: string) {
    const { deps } = this;
    const mod = PROVIDERS[provider];
    const errors: { field: string; code: string; message: string }[] = [];
    const options = input.options ?? {};
    for (const o of mod.requiredOptions) {
      if (!options[o]?.trim())
        errors.push({
          field: `options.${o}`,
          code: 'required',
          message: `${provider} needs options.${o} (docs/social-sign-in.md says where to find it).`,
        });
    }
    return deps.db.transaction().execute(async (tx) => {
      const existing = await this.credentialRow(tx, env, provider);
      if (!input.client_secret && !existing)
        errors.push({ field: 'client_secret', code: 'required', message: 'client_secret is required.' });
      if (errors.length)
        throw new AppError('oauth_credentials_invalid', {
          message: errors.map((e) => e.message).join(' '),
          errors,
        });
      const now = deps.clock.now().toISOString();
      const values = {
        client_id: input.client_id,
        client_secret_sealed: input.client_secret
          ? deps.secrets.seal(input.client_secret)
          : existing!.client_secret_sealed,
        scopes: JSON.stringify(input.scopes?.length ? input.scopes : mod.defaultScopes),
        options: JSON.stringify(options),
        updated_at: now,
      };
      if (existing) {
        await tx.updateTable('oauth_credentials').set(values).where('id', '=', existing.id).execute();
      } else {
        await tx
          .insertInto('oauth_credentials')
          .values({
            id: deps.ids.next('oauth_cred'),
            environment_id: env,
            provider,
            created_at: now,
            ...values,
          })
          .execute();
      }
      const row = (await this.credentialRow(tx, env, provider))!;
      const wire = this.toWire(row);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: existing ? 'oauth_provider.updated' : 'oauth_provider.created',
        data: { ...wire },
        context: { actor: { id: null, source: 'dashboard', name: actor } },
      });
      return wire;
    });
  }

  async deleteCredential(env: string, provider: SocialProvider, actor: string) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const row = await this.credentialRow(tx, env, provider);
      if (!row)
        throw new AppError('entity_not_found', {
          message: `${provider} has no credentials in this environment.`,
        });
      await tx.deleteFrom('oauth_credentials').where('id', '=', row.id).execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'oauth_provider.deleted',
        data: this.toWire(row) as unknown as Record<string, unknown>,
        context: { actor: { id: null, source: 'dashboard', name: actor } },
      });
    });
  }

  private async credential(env: string, provider: SocialProvider): Promise<ProviderCredential | null> {
    const row = await this.credentialRow(this.deps.db, env, provider);
    if (!row) return null;
    return {
      clientId: row.client_id,
      clientSecret: this.deps.secrets.open(row.client_secret_sealed),
      scopes: JSON.parse(row.scopes),
      options: JSON.parse(row.options),
    };
  }

  // ── the flow ────────────────────────────────────────────────────────────────

  /** Starts a social sign-in; returns the provider's (or the Test OAuth provider's) URL. */
  async start(env: string, providerName: string, s: StartSocial): Promise<string> {
    const { deps } = this;
    if (!isSocialProvider(providerName))
      throw new AppError('oauth_provider_unknown', {
        message: `provider '${providerName.slice(0, 64)}' is not one Portico supports: use authkit, ${SOCIAL_PROVIDERS.join(', ')}.`,
      });
    const provider = providerName;
    const cred = await this.credential(env, provider);
    if (!cred && deps.config.production)
      throw new AppError('oauth_provider_not_configured', {
        message: `${provider} has no client credentials in this environment. Add them in the dashboard (Social sign-in) or with PUT /_admin/oauth_providers/${provider}.`,
      });
    const b64 = (n: number) => Buffer.from(deps.random.bytes(n)).toString('base64url');
    const secrets: FlowSecrets = { state: b64(32), nonce: b64(32), codeVerifier: b64(32) };
    const mod = PROVIDERS[provider];
    const scopes = [...new Set([...(cred?.scopes ?? mod.defaultScopes), ...s.providerScopes])];
    const flowId = deps.ids.next('oauth_flow');
    let url: string;
    if (cred) {
      try {
        url = await mod.authorizationUrl(cred, this.runtime(provider), {
          redirectUri: this.callbackUrl(),
          secrets,
          scopes,
          loginHint: s.loginHint,
          extraParams: s.providerQueryParams,
        });
      } catch (err) {
        throw asAppError(err, provider);
      }
    } else {
      const u = new URL(`${deps.config.publicUrl}${TEST_OAUTH_PATH}`);
      u.searchParams.set('state', secrets.state);
      url = u.toString();
    }
    const now = deps.clock.now();
    await deps.db
      .insertInto('oauth_flows')
      .values({
        id: flowId,
        environment_id: env,
        provider: cred ? provider : `test:${provider}`,
        state_hash: sha256(secrets.state),
        secrets_sealed: deps.secrets.seal(JSON.stringify(secrets)),
        redirect_uri: s.redirectUri,
        app_state: s.appState,
        code_challenge: s.codeChallenge,
        scopes: JSON.stringify(scopes),
        ip_address: s.meta.ip,
        user_agent: s.meta.userAgent,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + FLOW_TTL_MS).toISOString(),
        consumed_at: null,
        invitation_id: s.invitationId ?? null,
      })
      .execute();
    return url;
  }

  /** The Test OAuth provider's page: the unconsumed flow its `state` names (development only). */
  async testFlow(state: string) {
    if (this.deps.config.production) return null;
    const row = await this.deps.db
      .selectFrom('oauth_flows')
      .selectAll()
      .where('state_hash', '=', sha256(state))
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (!row?.provider.startsWith('test:')) return null;
    if (row.expires_at <= this.deps.clock.now().toISOString()) return null;
    return {
      id: row.id,
      provider: row.provider.slice(5) as SocialProvider,
      environmentId: row.environment_id,
      redirectUri: row.redirect_uri,
    };
  }

  /** Seals what the Test OAuth provider's form chose into the code it sends to the callback. */
  sealTestGrant(g: Omit<TestOAuthGrant, 'exp'>): string {
    const exp = this.deps.clock.now().getTime() + 2 * 60 * 1000;
    return this.deps.secrets.seal(JSON.stringify({ ...g, exp }));
  }

  /**
   * The provider's answer (query of a GET, or the form of Apple's POST). Returns the URL to send
   * the browser to: the app's redirect URI with a code (or an error), or Portico's pending page.
   * Throws `oauth_state_invalid` when no usable flow matches the state (the caller shows a page).
   */
  async callback(params: URLSearchParams, meta: RequestMeta): Promise<string> {
    const { deps } = this;
    const states = params.getAll('state');
    if (states.length !== 1 || !states[0])
      throw new AppError('oauth_state_invalid', {
        message:
          states.length > 1
            ? 'The provider sent the browser back with the state parameter more than once, so it cannot be trusted. Start signing in again.'
            : 'The provider sent the browser back without a state. Start signing in again from the application.',
      });
    const state = states[0];
    const now = deps.clock.now().toISOString();
    // Single use: the first callback with this state consumes the flow.
    const flow = await deps.db
      .updateTable('oauth_flows')
      .set({ consumed_at: now })
      .where('state_hash', '=', sha256(state))
      .where('consumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!flow || flow.expires_at <= now)
      throw new AppError('oauth_state_invalid', {
        message: flow
          ? 'This social sign-in started more than 10 minutes ago. Start signing in again from the application.'
          : 'The provider sent the browser back with a state Portico did not issue or that was already used (a reload, a back button, or a tampered link). Start signing in again from the application.',
      });
    const isTest = flow.provider.startsWith('test:');
    const provider = (isTest ? flow.provider.slice(5) : flow.provider) as SocialProvider;
    const back = (code: string, description: string, extra?: Record<string, unknown>) => {
      const u = new URL(flow.redirect_uri);
      u.searchParams.set('error', code);
      u.searchParams.set('error_description', description);
      if (typeof extra?.link_authorization_code === 'string')
        u.searchParams.set('link_authorization_code', extra.link_authorization_code);
      if (flow.app_state !== null) u.searchParams.set('state', flow.app_state);
      return u.toString();
    };
    const secrets = JSON.parse(deps.secrets.open(flow.secrets_sealed)) as FlowSecrets;
    let result: ProviderResult;
    try {
      result = isTest
        ? this.completeTest(params, flow.id)
        : await this.completeProvider(flow.environment_id, provider, params, secrets);
      if (!result.email) throw new ProviderError('oauth_email_missing', `${provider} sent no email address.`);
    } catch (err) {
      const e = asAppError(err, provider);
      await this.failed(flow.environment_id, provider, null, e, meta);
      return back(e.code, e.message);
    }
    try {
      return await this.signIn(flow, provider, result, meta);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await this.failed(flow.environment_id, provider, result.email, err, meta);
      return back(err.code, err.message, err.extra);
    }
  }

  private async completeProvider(
    env: string,
    provider: SocialProvider,
    params: URLSearchParams,
    secrets: FlowSecrets,
  ) {
    const cred = await this.credential(env, provider);
    if (!cred)
      throw new AppError('oauth_provider_not_configured', {
        message: `${provider}'s credentials were removed while this sign-in was in progress. Add them again and start over.`,
      });
    return PROVIDERS[provider].complete(cred, this.runtime(provider), {
      params,
      redirectUri: this.callbackUrl(),
      secrets,
    });
  }

  private completeTest(params: URLSearchParams, flowId: string): ProviderResult {
    const error = params.get('error');
    if (error)
      throw new ProviderError(
        'oauth_provider_error',
        `The Test OAuth provider answered ${error.slice(0, 64)}.`,
      );
    let g: TestOAuthGrant;
    try {
      g = JSON.parse(this.deps.secrets.open(params.get('code') ?? ''));
    } catch {
      throw new ProviderError(
        'oauth_provider_error',
        'The Test OAuth provider’s code was changed or cut short.',
      );
    }
    if (g.flow !== flowId || g.exp <= this.deps.clock.now().getTime())
      throw new ProviderError(
        'oauth_provider_error',
        'The Test OAuth provider’s code belongs to another sign-in.',
      );
    return {
      providerUserId: `${TEST_ACCOUNT_PREFIX}${g.email.toLowerCase()}`,
      email: g.email,
      emailVerified: g.emailVerified,
      firstName: g.firstName,
      lastName: g.lastName,
      tokens: {
        accessToken: `test_oauth_access_${token(this.deps.random, 24)}`,
        refreshToken: `test_oauth_refresh_${token(this.deps.random, 24)}`,
        expiresIn: 3600,
        scopes: [],
      },
    };
  }

  private async signIn(
    flow: {
      environment_id: string;
      redirect_uri: string;
      app_state: string | null;
      code_challenge: string | null;
      scopes: string;
      invitation_id: string | null;
    },
    provider: SocialProvider,
    r: ProviderResult,
    meta: RequestMeta,
  ) {
    const { deps } = this;
    const env = flow.environment_id;
    const email = r.email!.toLowerCase();
    const linked = await deps.db
      .selectFrom('user_identities')
      .select(['user_id'])
      .where('environment_id', '=', env)
      .where('provider', '=', provider)
      .where('provider_user_id', '=', r.providerUserId)
      .executeTakeFirst();
    if (!linked && !r.emailVerified) {
      // The provider does not vouch for an address an existing user has: no link now, but a
      // single-use link code the app can redeem once the person proves the address (Magic Auth).
      const existing = await this.users.byEmail(deps.db, env, email);
      if (existing) throw await this.refuseLink(env, provider, r.providerUserId, existing.id, email);
    }
    const base = {
      environmentId: env,
      method: provider as AuthenticationMethod,
      eventType: 'oauth' as const,
      organizationId: null,
      provisionedBy: { id: null, name: `${provider} sign-in` },
      meta,
    };
    const identity: VerifiedIdentity = linked
      ? { ...base, kind: 'user', userId: linked.user_id, emailVerified: r.emailVerified || undefined }
      : {
          ...base,
          kind: 'profile',
          email,
          firstName: r.firstName,
          lastName: r.lastName,
          emailVerified: r.emailVerified,
        };
    const scopes: string[] = r.tokens.scopes.length ? r.tokens.scopes : JSON.parse(flow.scopes);
    const oauthTokens = {
      provider,
      access_token: r.tokens.accessToken,
      refresh_token: r.tokens.refreshToken ?? '',
      expires_at: Math.floor(deps.clock.now().getTime() / 1000) + (r.tokens.expiresIn ?? 3600),
      scopes,
    };
    const out = await this.pipeline.run(
      identity,
      {
        kind: 'code',
        target: {
          redirectUri: flow.redirect_uri,
          state: flow.app_state,
          codeChallenge: flow.code_challenge,
          oauthTokensSealed: deps.secrets.seal(JSON.stringify(oauthTokens)),
        },
      },
      {
        // An existing user is linked only through an address the provider vouches for.
        alongside: async (tx) => {
          if (linked || r.emailVerified) return;
          // The same check in the sign-in's transaction: a user created in between is not linked either.
          const existing = await this.users.byEmail(tx, env, email);
          if (existing)
            throw new AppError('oauth_email_unverified', {
              message: `${provider} says ${email} is not verified, and a user with that address already exists, so Portico will not link them. Verify the address at ${provider.replace('OAuth', '')}, or sign in another way.`,
            });
        },
        onUser: async (tx, user) => {
          if (linked) return;
          await tx
            .insertInto('user_identities')
            .values({
              id: deps.ids.next('identity'),
              environment_id: env,
              user_id: user.id,
              provider,
              provider_user_id: r.providerUserId,
              created_at: deps.clock.now().toISOString(),
            })
            .execute();
        },
        invitation: flow.invitation_id ? { id: flow.invitation_id } : undefined,
      },
    );
    if (!out.redirectUrl) throw new Error('a social sign-in ended without a redirect');
    return out.redirectUrl;
  }

  /** Stores the refused identity under a fresh link code and returns the refusal that carries it. */
  private async refuseLink(
    env: string,
    provider: SocialProvider,
    providerUserId: string,
    userId: string,
    email: string,
  ) {
    const { deps } = this;
    const code = token(deps.random, 32);
    const now = deps.clock.now();
    await deps.db
      .insertInto('oauth_link_codes')
      .values({
        id: deps.ids.next('oauth_link'),
        environment_id: env,
        code_hash: sha256(code),
        user_id: userId,
        provider,
        provider_user_id: providerUserId,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + FLOW_TTL_MS).toISOString(),
        consumed_at: null,
      })
      .execute();
    return new AppError('oauth_email_unverified', {
      message: `${provider} says ${email} is not verified, and a user with that address already exists, so Portico did not link them. To link them, have the person prove the address: send a Magic Auth code (createMagicAuth) and pass link_authorization_code to authenticateWithMagicAuth within 10 minutes.`,
      extra: { link_authorization_code: code },
    });
  }

  /**
   * The Magic Auth grant's `link_authorization_code`: checks it names a live refused link of this
   * environment, and returns the step that consumes it and links the identity to `userId` (the
   * user the code proved), in the grant's transaction. Anything else: invalid_link_authorization_code.
   */
  async checkLink(env: string, code: string) {
    const { deps } = this;
    const invalid = (why: string) =>
      new AppError('invalid_link_authorization_code', {
        message: `The link_authorization_code ${why}. Start the social sign-in again to get a new one.`,
      });
    const row = await deps.db
      .selectFrom('oauth_link_codes')
      .selectAll()
      .where('environment_id', '=', env)
      .where('code_hash', '=', sha256(code))
      .executeTakeFirst();
    if (!row) throw invalid('is not one Portico issued to this application');
    if (row.consumed_at) throw invalid('was already used');
    if (row.expires_at <= deps.clock.now().toISOString()) throw invalid('expired (it lives 10 minutes)');
    return async (tx: Queryable, userId: string) => {
      if (userId !== row.user_id)
        throw invalid(
          'belongs to another user: the Magic Auth code must be for the address the provider sent',
        );
      const now = deps.clock.now().toISOString();
      const used = await tx
        .updateTable('oauth_link_codes')
        .set({ consumed_at: now })
        .where('id', '=', row.id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw invalid('was already used');
      const taken = await tx
        .selectFrom('user_identities')
        .select(['user_id'])
        .where('environment_id', '=', env)
        .where('provider', '=', row.provider)
        .where('provider_user_id', '=', row.provider_user_id)
        .executeTakeFirst();
      if (taken && taken.user_id !== userId) throw invalid('names an account already linked to another user');
      if (!taken)
        await tx
          .insertInto('user_identities')
          .values({
            id: deps.ids.next('identity'),
            environment_id: env,
            user_id: userId,
            provider: row.provider,
            provider_user_id: row.provider_user_id,
            created_at: now,
          })
          .execute();
    };
  }

  private failed(
    env: string,
    provider: SocialProvider,
    email: string | null,
    e: AppError,
    meta: RequestMeta,
  ) {
    return appendEvent(this.deps.db, this.deps, {
      environmentId: env,
      event: 'authentication.oauth_failed',
      data: {
        type: 'oauth',
        status: 'failed',
        provider,
        user_id: null,
        email,
        ip_address: meta.ip,
        user_agent: meta.userAgent,
        error: { code: e.code, message: e.message },
      },
    });
  }

  /** `GET /user_management/users/{id}/identities`: the user's linked provider accounts. */
  async identities(env: string, userId: string) {
    await this.users.row(this.deps.db, env, userId);
    const rows = await this.deps.db
      .selectFrom('user_identities')
      .select(['provider', 'provider_user_id'])
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ idp_id: r.provider_user_id, type: 'OAuth' as const, provider: r.provider }));
  }
}

function asAppError(err: unknown, provider: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ProviderError) return new AppError(err.code, { message: err.message });
  return new AppError('oauth_provider_error', {
    message: `${provider} could not be reached or answered something unusable (${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}). Check the provider credentials and that Portico can reach the provider.`,
  });
}
