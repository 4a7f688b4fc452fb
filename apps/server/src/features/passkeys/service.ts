/**
 * Passkeys (W3C WebAuthn Level 3, verified by `@simplewebauthn/server`): an environment's passkey
 * policy, its users' credentials and the single-use challenges. Owns `passkey_credentials`,
 * `webauthn_challenges` and `passkey_settings` (migration 0025).
 *
 * Invariants:
 * - Every challenge is bound to one environment, one purpose (`authentication` on the sign-in page,
 *   `registration` and `mfa` on a pending step), one flow (the authorization request or pending
 *   authentication) and, for registration and MFA, one user; it lives 5 minutes and is consumed in
 *   the transaction that uses it (`UPDATE … WHERE used_at IS NULL`), never by a failed attempt.
 * - User verification is required (a passkey is then possession plus PIN or biometrics: a
 *   phishing-resistant second factor on its own).
 * - The signature counter must go up unless it is 0 on both sides (authenticators without a
 *   counter); the new value is written with a compare-and-set on the old one, so two racing uses of
 *   one assertion cannot both pass.
 * - Verification failures write nothing (the caller records `authentication.passkey_failed`).
 */
import {
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { PasskeyCredentialTable, WebAuthnChallengeTable } from '../../platform/schema.ts';

export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export type ChallengePurpose = WebAuthnChallengeTable['purpose'];

export interface PasskeySettings {
  enabled: boolean;
  rpId: string;
  origins: string[];
}

/** A browser's PublicKeyCredential as JSON (WebAuthn L3 §5.1 toJSON). Extra fields are ignored. */
const B64 = z.string().regex(/^[A-Za-z0-9_-]*={0,2}$/, 'base64url');
const CredentialJson = z.object({
  id: B64.min(1).max(1400),
  rawId: B64.min(1).max(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional().nullable(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  response: z
    .object({
      clientDataJSON: B64.min(1).max(10_000),
      attestationObject: B64.max(100_000).optional(),
      authenticatorData: B64.max(10_000).optional(),
      signature: B64.max(2_000).optional(),
      userHandle: B64.max(200).optional().nullable(),
      transports: z.array(z.string().max(32)).max(10).optional(),
    })
    .passthrough(),
});
type CredentialJson = z.infer<typeof CredentialJson>;

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The passkey as the API and the dashboard show it (no key material). */
export function passkeyToWire(row: PasskeyCredentialTable) {
  return {
    object: 'passkey' as const,
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    credential_id: row.credential_id,
    device_type: row.device_type,
    backed_up: row.backed_up === 1,
    transports: JSON.parse(row.transports) as string[],
    sign_count: Number(row.counter),
    created_at: row.created_at,
    last_used_at: row.last_used_at,
  };
}

/** Maps @simplewebauthn/server's refusals onto the catalog (its messages name the check). */
function refusal(err: unknown): AppError {
  const m = err instanceof Error ? err.message : String(err);
  if (/origin/i.test(m)) return new AppError('passkey_origin_mismatch', { message: `${m}.` });
  if (/RP ID/i.test(m)) return new AppError('passkey_rp_id_mismatch');
  if (/counter/i.test(m)) return new AppError('passkey_counter_regression');
  if (/challenge/i.test(m)) return new AppError('passkey_challenge_invalid');
  return new AppError('passkey_verification_failed', {
    message: `The passkey response did not verify: ${m.slice(0, 200)}. Try again, or sign in another way.`,
  });
}

export class PasskeyService {
  constructor(private deps: Deps) {}

  // ── settings ────────────────────────────────────────────────────────────
  async settings(env: string, q: Queryable = this.deps.db): Promise<PasskeySettings> {
    const d = this.deps.config.passkeys;
    const row = await q
      .selectFrom('passkey_settings')
      .selectAll()
      .where('environment_id', '=', env)
      .executeTakeFirst();
    return {
      enabled: row ? row.enabled === 1 : d.enabled,
      rpId: row?.rp_id ?? d.rpId,
      origins: row?.origins ? (JSON.parse(row.origins) as string[]) : d.origins,
    };
  }

  /** Sets the environment's policy; an RP id or origins left out keep their current value. */
  async setSettings(
    env: string,
    input: { enabled?: boolean; rp_id?: string | null; origins?: string[] | null },
  ): Promise<PasskeySettings> {
    const current = await this.settings(env);
    const rpId = input.rp_id === undefined ? current.rpId : (input.rp_id ?? this.deps.config.passkeys.rpId);
    const origins =
      input.origins === undefined ? current.origins : (input.origins ?? this.deps.config.passkeys.origins);
    if (
      !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId)
    )
      throw new AppError('passkey_settings_invalid', {
        message: `rp_id ${JSON.stringify(rpId.slice(0, 100))} is not a lower-case host name; use the sign-in page's host or a parent domain, such as example.com.`,
      });
    if (origins.length === 0 || origins.length > 20)
      throw new AppError('passkey_settings_invalid', { message: 'origins must list 1 to 20 origins.' });
    for (const o of origins) {
      let u: URL | null = null;
      try {
        u = new URL(o);
      } catch {}
      const host = u?.hostname;
      if (
        !u ||
        !['https:', 'http:'].includes(u.protocol) ||
        u.origin !== o ||
        !host ||
        (host !== rpId && !host.endsWith(`.${rpId}`))
      )
        throw new AppError('passkey_settings_invalid', {
          message: `origin ${JSON.stringify(o.slice(0, 200))} must be an http(s) origin (no path) whose host is ${rpId} or a subdomain of it, such as https://${rpId}.`,
        });
    }
    const enabled = input.enabled ?? current.enabled;
    const row = {
      environment_id: env,
      enabled: enabled ? 1 : 0,
      rp_id: rpId,
      origins: JSON.stringify(origins),
      updated_at: this.deps.clock.now().toISOString(),
    };
    await this.deps.db
      .insertInto('passkey_settings')
      .values(row)
      .onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
      .execute();
    return { enabled, rpId, origins };
  }

  async enabled(env: string, q: Queryable = this.deps.db) {
    return (await this.settings(env, q)).enabled;
  }

  // ── credentials ─────────────────────────────────────────────────────────
  async list(env: string, userId: string, q: Queryable = this.deps.db) {
    return q
      .selectFrom('passkey_credentials')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
  }

  async hasPasskeys(q: Queryable, env: string, userId: string) {
    const row = await q
      .selectFrom('passkey_credentials')
      .select('id')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  async delete(env: string, userId: string, id: string) {
    const r = await this.deps.db
      .deleteFrom('passkey_credentials')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('Passkey', id);
  }

  /** A deleted user's passkeys go with it (UserService's delete hook, same transaction). */
  async deleteForUser(tx: Queryable, env: string, userId: string) {
    await tx
      .deleteFrom('passkey_credentials')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .execute();
    await tx
      .deleteFrom('webauthn_challenges')
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .execute();
  }

  // ── challenges ──────────────────────────────────────────────────────────
  private async storeChallenge(
    env: string,
    purpose: ChallengePurpose,
    flowId: string,
    userId: string | null,
    challenge: string,
  ) {
    const now = this.deps.clock.now();
    // Expired challenges of the environment go as new ones come (bounded: the index covers it).
    await this.deps.db
      .deleteFrom('webauthn_challenges')
      .where('environment_id', '=', env)
      .where('expires_at', '<=', now.toISOString())
      .execute();
    await this.deps.db
      .insertInto('webauthn_challenges')
      .values({
        id: this.deps.ids.next('webauthn_challenge'),
        environment_id: env,
        challenge_hash: sha256(challenge),
        purpose,
        flow_id: flowId,
        user_id: userId,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
        used_at: null,
      })
      .execute();
  }

  /** Options for navigator.credentials.get: a discoverable sign-in, or the user's own passkeys (MFA). */
  async authenticationOptions(env: string, flowId: string, user?: { id: string }) {
    const s = await this.settings(env);
    if (!s.enabled) throw new AppError('passkeys_disabled');
    const mine = user ? await this.list(env, user.id) : [];
    const options = await generateAuthenticationOptions({
      rpID: s.rpId,
      challenge: new Uint8Array(this.deps.random.bytes(32)),
      userVerification: 'required',
      timeout: CHALLENGE_TTL_MS,
      allowCredentials: mine.map((c) => ({
        id: c.credential_id,
        transports: JSON.parse(c.transports) as AuthenticatorTransportFuture[],
      })),
    });
    await this.storeChallenge(
      env,
      user ? 'mfa' : 'authentication',
      flowId,
      user?.id ?? null,
      options.challenge,
    );
    return options;
  }

  /** Options for navigator.credentials.create: a discoverable ES256/RS256 credential, UV required. */
  async registrationOptions(
    env: string,
    flowId: string,
    user: { id: string; email: string; first_name: string | null; last_name: string | null },
    rpName: string,
  ) {
    const s = await this.settings(env);
    if (!s.enabled) throw new AppError('passkeys_disabled');
    const mine = await this.list(env, user.id);
    const options = await generateRegistrationOptions({
      rpName,
      rpID: s.rpId,
      userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
      userName: user.email,
      userDisplayName: [user.first_name, user.last_name].filter(Boolean).join(' ') || user.email,
      challenge: new Uint8Array(this.deps.random.bytes(32)),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: mine.map((c) => ({
        id: c.credential_id,
        transports: JSON.parse(c.transports) as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: [-7, -257],
    });
    await this.storeChallenge(env, 'registration', flowId, user.id, options.challenge);
    return options;
  }

  private parse(raw: unknown): { cred: CredentialJson; challenge: string; origin: string } {
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new AppError('passkey_response_invalid');
      }
    }
    const r = CredentialJson.safeParse(value);
    if (!r.success) throw new AppError('passkey_response_invalid');
    let client: { challenge?: unknown; origin?: unknown };
    try {
      client = JSON.parse(Buffer.from(r.data.response.clientDataJSON, 'base64url').toString('utf8'));
    } catch {
      throw new AppError('passkey_response_invalid', {
        message: 'response.clientDataJSON is not base64url JSON. Send the browser’s credential unchanged.',
      });
    }
    if (typeof client?.challenge !== 'string' || typeof client.origin !== 'string')
      throw new AppError('passkey_response_invalid', {
        message:
          'response.clientDataJSON has no challenge or origin. Send the browser’s credential unchanged.',
      });
    return { cred: r.data, challenge: client.challenge, origin: client.origin };
  }

  /** The live challenge the response answers, for this environment, purpose, flow (and user). */
  private async challengeRow(
    env: string,
    purpose: ChallengePurpose,
    flowId: string,
    challenge: string,
    userId: string | null,
  ) {
    const row = await this.deps.db
      .selectFrom('webauthn_challenges')
      .selectAll()
      .where('environment_id', '=', env)
      .where('challenge_hash', '=', sha256(challenge))
      .executeTakeFirst();
    if (
      !row ||
      row.used_at ||
      row.expires_at <= this.deps.clock.now().toISOString() ||
      row.purpose !== purpose ||
      row.flow_id !== flowId ||
      (userId !== null && row.user_id !== userId)
    )
      throw new AppError('passkey_challenge_invalid');
    return row;
  }

  private consumeChallenge(id: string) {
    return async (tx: Queryable) => {
      const r = await tx
        .updateTable('webauthn_challenges')
        .set({ used_at: this.deps.clock.now().toISOString() })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError('passkey_challenge_invalid');
    };
  }

  /**
   * Verifies an assertion. Returns the credential's row and the step that consumes the challenge
   * and moves the counter, for the sign-in's transaction. `user` restricts it to that user's
   * passkeys (the MFA step). `onFailure` hears the refusal and, when known, the user.
   */
  async verifyAssertion(
    env: string,
    flowId: string,
    raw: unknown,
    o: { user?: string; onFailure?: (err: AppError, userId: string | null) => Promise<void> } = {},
  ): Promise<{ credential: PasskeyCredentialTable; consume: (tx: Queryable) => Promise<void> }> {
    let userId: string | null = o.user ?? null;
    try {
      const s = await this.settings(env);
      if (!s.enabled) throw new AppError('passkeys_disabled');
      const { cred, challenge } = this.parse(raw);
      if (!cred.response.authenticatorData || !cred.response.signature)
        throw new AppError('passkey_response_invalid', {
          message: 'An assertion needs response.authenticatorData and response.signature.',
        });
      const ch = await this.challengeRow(env, o.user ? 'mfa' : 'authentication', flowId, challenge, null);
      const credential = await this.deps.db
        .selectFrom('passkey_credentials')
        .selectAll()
        .where('environment_id', '=', env)
        .where('credential_id', '=', cred.id)
        .executeTakeFirst();
      if (!credential || (o.user && credential.user_id !== o.user)) throw new AppError('passkey_unknown');
      userId = credential.user_id;
      if (ch.user_id !== null && ch.user_id !== credential.user_id) throw new AppError('passkey_unknown');
      const counter = Number(credential.counter);
      let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verified = await verifyAuthenticationResponse({
          response: cred as never,
          expectedChallenge: challenge,
          expectedOrigin: s.origins,
          expectedRPID: s.rpId,
          requireUserVerification: true,
          credential: {
            id: credential.credential_id,
            publicKey: Buffer.from(credential.public_key, 'base64url'),
            counter,
            transports: JSON.parse(credential.transports) as AuthenticatorTransportFuture[],
          },
        });
      } catch (err) {
        throw refusal(err);
      }
      if (!verified.verified) throw new AppError('passkey_verification_failed');
      const next = verified.authenticationInfo.newCounter;
      const consumeChallenge = this.consumeChallenge(ch.id);
      return {
        credential,
        consume: async (tx) => {
          await consumeChallenge(tx);
          const r = await tx
            .updateTable('passkey_credentials')
            .set({
              counter: next,
              backed_up: verified.authenticationInfo.credentialBackedUp ? 1 : 0,
              device_type: verified.authenticationInfo.credentialDeviceType,
              last_used_at: this.deps.clock.now().toISOString(),
            })
            .where('id', '=', credential.id)
            .where('counter', '=', counter)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new AppError('passkey_counter_regression');
        },
      };
    } catch (err) {
      if (err instanceof AppError && o.onFailure) await o.onFailure(err, userId);
      throw err;
    }
  }

  /**
   * Verifies a registration for `userId` on the flow `flowId`; returns the step that consumes the
   * challenge and stores the credential (in the caller's transaction).
   */
  async verifyRegistration(
    env: string,
    flowId: string,
    userId: string,
    raw: unknown,
    name = 'Passkey',
  ): Promise<(tx: Queryable) => Promise<PasskeyCredentialTable>> {
    const s = await this.settings(env);
    if (!s.enabled) throw new AppError('passkeys_disabled');
    const { cred, challenge } = this.parse(raw);
    if (!cred.response.attestationObject)
      throw new AppError('passkey_response_invalid', {
        message: 'A registration needs response.attestationObject (from navigator.credentials.create).',
      });
    const ch = await this.challengeRow(env, 'registration', flowId, challenge, userId);
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: cred as never,
        expectedChallenge: challenge,
        expectedOrigin: s.origins,
        expectedRPID: s.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: [-7, -257],
      });
    } catch (err) {
      throw refusal(err);
    }
    if (!verified.verified || !verified.registrationInfo) throw new AppError('passkey_verification_failed');
    const info = verified.registrationInfo;
    const transports = (cred.response.transports ?? []).filter((t) => TRANSPORTS.has(t));
    const consume = this.consumeChallenge(ch.id);
    return async (tx) => {
      await consume(tx);
      const taken = await tx
        .selectFrom('passkey_credentials')
        .select('id')
        .where('environment_id', '=', env)
        .where('credential_id', '=', info.credential.id)
        .executeTakeFirst();
      if (taken)
        throw new AppError('passkey_verification_failed', {
          message:
            'This passkey is already registered. Use it to sign in, or register another authenticator.',
        });
      const row: PasskeyCredentialTable = {
        id: this.deps.ids.next('passkey'),
        environment_id: env,
        user_id: userId,
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: JSON.stringify(transports),
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp ? 1 : 0,
        name: name.slice(0, 100),
        created_at: this.deps.clock.now().toISOString(),
        last_used_at: null,
      };
      await tx.insertInto('passkey_credentials').values(row).execute();
      return row;
    };
  }
}
