/**
 * The OAuth 2.0 device authorization grant (RFC 8628), AuthKit's CLI sign-in
 * (`device_authorizations`, owned here):
 *
 *   device → POST /user_management/authorize/device → device_code + user_code (§3.1–3.2)
 *   person → /authkit/device: types the user code (rate limited per address), signs in through the
 *            normal hosted sign-in (any method, MFA and the other policies included), then
 *            approves or denies on a page that shows the code and the application (§3.3)
 *   device → POST /user_management/authenticate, grant_type
 *            urn:ietf:params:oauth:grant-type:device_code, every `interval` seconds (§3.4–3.5):
 *            authorization_pending, slow_down (interval + 5 s), access_denied, expired_token,
 *            then the standard authenticate response.
 *
 * The browser half reuses the authorization-request machinery: the hosted sign-in's code goes to
 * Portico's own `/authkit/device/callback`, bound by PKCE to a verifier kept in an HttpOnly cookie
 * of the browser that entered the code; the callback consumes that code without starting a
 * session and records who signed in. The session starts at the device's poll, in the same
 * transaction that marks the row consumed (`UPDATE … WHERE status = 'approved' RETURNING`), so a
 * device_code yields one session at most. The device_code is stored only as its SHA-256.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { DeviceAuthorizationTable } from '../../platform/schema.ts';
import type { RequestMeta } from '../../platform/sign-in.ts';
import type { ClientEnvironment } from '../environments/service.ts';
import type { SessionService } from '../sessions/service.ts';
import type { UserService } from '../users/service.ts';
import type { AuthorizationCodes } from './codes.ts';

/** Consonants only (RFC 8628 §6.1): no vowels to spell words, nothing that reads as a digit. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** Seconds between polls that a device starts with (RFC 8628 §3.2 default). */
const DEFAULT_INTERVAL = 5;

/** `bcdf-ghjk`, `BCDF GHJK`, `bcdfghjk` → `BCDFGHJK`; null when it cannot be a user code. */
export function normalizeUserCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '');
  if (s.length !== USER_CODE_LENGTH) return null;
  return [...s].every((ch) => USER_CODE_ALPHABET.includes(ch)) ? s : null;
}

/** `BCDFGHJK` → `BCDF-GHJK`, as shown to the person. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export const DEVICE_PAGE = '/authkit/device';
export const DEVICE_CALLBACK = '/authkit/device/callback';

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class DeviceAuthorizations {
  constructor(
    private deps: Deps,
    private codes: AuthorizationCodes,
    private sessions: SessionService,
    private users: UserService,
  ) {}

  /** Where the hosted sign-in sends its code: Portico's own page, never an app's redirect URI. */
  callbackUrl(): string {
    return new URL(DEVICE_CALLBACK, this.deps.config.publicUrl).toString();
  }

  private userCode(): string {
    let out = '';
    while (out.length < USER_CODE_LENGTH) {
      for (const b of this.deps.random.bytes(16)) {
        // 240 = 12 × 20: rejecting the rest keeps every letter equally likely.
        if (b < 240 && out.length < USER_CODE_LENGTH) out += USER_CODE_ALPHABET[b % 20];
      }
    }
    return out;
  }

  /** RFC 8628 §3.1–3.2: a new device authorization for the client. */
  async start(client: ClientEnvironment) {
    const { deps } = this;
    const now = deps.clock.now();
    const ttl = deps.config.deviceCodeTtlSeconds;
    const deviceCode = token(deps.random, 32);
    // A typed code must name one live sign-in: draw again on the (rare) collision.
    let userCode = this.userCode();
    for (let i = 0; i < 5 && (await this.findLive(userCode)); i++) userCode = this.userCode();
    await deps.db
      .insertInto('device_authorizations')
      .values({
        id: deps.ids.next('device_auth'),
        environment_id: client.id,
        client_id: client.clientId,
        device_code_hash: sha256(deviceCode),
        user_code: userCode,
        status: 'pending',
        browser_challenge: null,
        user_id: null,
        organization_id: null,
        authentication_method: null,
        auth_time: null,
        interval: DEFAULT_INTERVAL,
        last_polled_at: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ttl * 1000).toISOString(),
      })
      .execute();
    const page = new URL(DEVICE_PAGE, deps.config.publicUrl);
    const complete = new URL(page);
    complete.searchParams.set('user_code', formatUserCode(userCode));
    return {
      device_code: deviceCode,
      user_code: formatUserCode(userCode),
      verification_uri: page.toString(),
      verification_uri_complete: complete.toString(),
      expires_in: ttl,
      interval: DEFAULT_INTERVAL,
    };
  }

  /** The pending, unexpired authorization a typed (normalized) user code names, in any environment. */
  async findLive(userCode: string): Promise<DeviceAuthorizationTable | null> {
    const row = await this.deps.db
      .selectFrom('device_authorizations')
      .selectAll()
      .where('user_code', '=', userCode)
      .where('expires_at', '>', this.deps.clock.now().toISOString())
      .where('status', '=', 'pending')
      .where('user_id', 'is', null)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Binds the authorization to the browser that typed its code (the latest one wins). */
  async bindBrowser(row: DeviceAuthorizationTable, challenge: string): Promise<boolean> {
    const r = await this.deps.db
      .updateTable('device_authorizations')
      .set({ browser_challenge: challenge })
      .where('id', '=', row.id)
      .where('environment_id', '=', row.environment_id)
      .where('status', '=', 'pending')
      .where('user_id', 'is', null)
      .where('expires_at', '>', this.deps.clock.now().toISOString())
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * The hosted sign-in came back with its code: consume it (PKCE with the browser's verifier) and
   * record who signed in, in one transaction. Null when the code, the browser or the
   * authorization does not fit (nothing is written then).
   */
  async signedIn(id: string, code: string, verifier: string | undefined) {
    const { deps } = this;
    if (!verifier) return null;
    const challenge = s256(verifier);
    return deps.db
      .transaction()
      .execute(async (tx) => {
        const now = deps.clock.now().toISOString();
        const row = await tx
          .selectFrom('device_authorizations')
          .selectAll()
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('user_id', 'is', null)
          .where('browser_challenge', '=', challenge)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (!row) return null;
        const used = await this.codes.consumeForDevice(
          tx,
          row.environment_id,
          code,
          verifier,
          this.callbackUrl(),
        );
        if (!used) return null;
        const updated = await tx
          .updateTable('device_authorizations')
          .set({
            user_id: used.user_id,
            organization_id: used.organization_id,
            authentication_method: used.authentication_method,
            auth_time: used.created_at,
          })
          .where('id', '=', row.id)
          .where('environment_id', '=', row.environment_id)
          .where('status', '=', 'pending')
          .where('user_id', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (!updated) throw new AppError('user_code_invalid');
        return updated;
      })
      .catch((err: unknown) => {
        // A verifier that does not match the code's challenge: the same refusal, nothing written.
        if (err instanceof AppError && (err.code === 'invalid_grant' || err.code === 'invalid_client'))
          return null;
        throw err;
      });
  }

  /** The signed-in, undecided authorization this browser (its verifier) may approve or deny. */
  async awaitingDecision(id: string, verifier: string | undefined) {
    if (!verifier) return null;
    const row = await this.deps.db
      .selectFrom('device_authorizations')
      .selectAll()
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('user_id', 'is not', null)
      .where('browser_challenge', '=', s256(verifier))
      .where('expires_at', '>', this.deps.clock.now().toISOString())
      .executeTakeFirst();
    if (!row?.user_id) return null;
    const user = await this.users.row(this.deps.db, row.environment_id, row.user_id);
    return { row, user };
  }

  /** Approve or Deny: one conditional UPDATE, so a decision is taken once. */
  async decide(id: string, verifier: string | undefined, approve: boolean): Promise<boolean> {
    if (!verifier) return false;
    const r = await this.deps.db
      .updateTable('device_authorizations')
      .set({ status: approve ? 'approved' : 'denied' })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('user_id', 'is not', null)
      .where('browser_challenge', '=', s256(verifier))
      .where('expires_at', '>', this.deps.clock.now().toISOString())
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** RFC 8628 §3.4–3.5: one poll of the device. */
  async poll(client: ClientEnvironment, deviceCode: string, meta: RequestMeta) {
    const { deps } = this;
    const hash = sha256(deviceCode);
    const now = deps.clock.now();
    const iso = now.toISOString();
    const row = await deps.db
      .selectFrom('device_authorizations')
      .selectAll()
      .where('device_code_hash', '=', hash)
      .where('environment_id', '=', client.id)
      .executeTakeFirst();
    if (!row || row.client_id !== client.clientId)
      throw new AppError('invalid_grant', {
        message:
          'device_code is not one this client_id received from POST /user_management/authorize/device. Send the device_code of that response, with the same client_id.',
      });
    if (row.status === 'consumed')
      throw new AppError('invalid_grant', {
        message:
          'This device_code was already exchanged for a session; each works once. Start a new device authorization to sign in again.',
      });
    if (row.expires_at <= iso) throw new AppError('expired_token');
    if (row.status === 'denied') throw new AppError('access_denied');
    if (row.status === 'pending') {
      // Counted atomically: of two polls inside one interval, the second is told to slow down.
      const earliest = new Date(now.getTime() - row.interval * 1000).toISOString();
      const counted = await deps.db
        .updateTable('device_authorizations')
        .set({ last_polled_at: iso })
        .where('id', '=', row.id)
        .where('environment_id', '=', client.id)
        .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb('last_polled_at', '<=', earliest)]))
        .executeTakeFirst();
      if (Number(counted.numUpdatedRows) === 1) throw new AppError('authorization_pending');
      const slowed = await deps.db
        .updateTable('device_authorizations')
        .set((eb) => ({ interval: eb('interval', '+', 5), last_polled_at: iso }))
        .where('id', '=', row.id)
        .where('environment_id', '=', client.id)
        .returning('interval')
        .executeTakeFirst();
      throw new AppError('slow_down', {
        message: `Polled sooner than the interval allows. Wait ${slowed?.interval ?? row.interval + 5} seconds between polls from now on.`,
        extra: { interval: slowed?.interval ?? row.interval + 5 },
      });
    }
    const issued = await deps.db.transaction().execute(async (tx) => {
      const taken = await tx
        .updateTable('device_authorizations')
        .set({ status: 'consumed', last_polled_at: iso })
        .where('id', '=', row.id)
        .where('environment_id', '=', client.id)
        .where('status', '=', 'approved')
        .where('expires_at', '>', iso)
        .returningAll()
        .executeTakeFirst();
      if (!taken?.user_id || !taken.authentication_method || !taken.auth_time)
        throw new AppError('invalid_grant', {
          message:
            'This device_code was already exchanged for a session; each works once. Start a new device authorization to sign in again.',
        });
      const user = await this.users.row(tx, client.id, taken.user_id);
      return this.sessions.start(tx, {
        environmentId: client.id,
        clientId: client.clientId,
        user,
        organizationId: taken.organization_id,
        authenticationMethod: taken.authentication_method,
        // The device polls: its address and agent describe where the session is used.
        ipAddress: meta.ip,
        userAgent: meta.userAgent,
        authTime: new Date(taken.auth_time),
      });
    });
    // RFC 6749 §5.1 fields beside WorkOS's: generic RFC 8628 clients require token_type.
    const response = await this.sessions.complete(issued);
    return { ...response, token_type: 'Bearer', expires_in: deps.config.accessTokenTtlSeconds };
  }
}
