/**
 * Access-token signing keys and the JWKS (reference §6.1–6.2).
 *
 * Each environment has RS256 keys in three states:
 * - `next`: published in the JWKS but not yet used, so verifiers' caches (jose keeps a JWKS for
 *   10 minutes) already know it when it starts signing;
 * - `current`: signs every new access token;
 * - `retired`: still published until every token it signed has expired.
 * `rotate()` adds a `next` key; the first signing after PUBLISH_LEAD_MS promotes it. Private keys
 * are stored sealed with the master key.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Deps } from '../../platform/deps.ts';
import { selfSignedCertificate } from '../../platform/x509.ts';

export const PUBLISH_LEAD_MS = 10 * 60 * 1000;
const CACHE_MS = 5_000;

interface CurrentKey {
  kid: string;
  key: KeyObject;
}

export class KeyStore {
  private signing = new Map<string, { at: number; key: CurrentKey }>();
  private jwks = new Map<string, { at: number; body: { keys: Record<string, unknown>[] } }>();
  private creating = new Map<string, Promise<CurrentKey>>();

  constructor(private deps: Deps) {}

  /** The key that signs now, creating the environment's first key on demand. */
  async currentKey(env: string): Promise<CurrentKey> {
    const now = this.deps.clock.now().getTime();
    const hit = this.signing.get(env);
    if (hit && now - hit.at < CACHE_MS) return hit.key;
    const pending = this.creating.get(env);
    if (pending) return pending;
    const p = this.loadCurrent(env).finally(() => this.creating.delete(env));
    this.creating.set(env, p);
    return p;
  }

  private async loadCurrent(env: string): Promise<CurrentKey> {
    const { db, clock } = this.deps;
    const now = clock.now();
    // Promote a `next` key that has been published long enough.
    const next = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('environment_id', '=', env)
      .where('state', '=', 'next')
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
    if (next && Date.parse(next.created_at) + PUBLISH_LEAD_MS <= now.getTime()) {
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('signing_keys')
          .set({ state: 'retired', retired_at: now.toISOString() })
          .where('environment_id', '=', env)
          .where('state', '=', 'current')
          .execute();
        await tx
          .updateTable('signing_keys')
          .set({ state: 'current', activated_at: now.toISOString() })
          .where('id', '=', next.id)
          .where('state', '=', 'next')
          .execute();
      });
      this.jwks.delete(env);
    }
    let row = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('environment_id', '=', env)
      .where('state', '=', 'current')
      .orderBy('activated_at', 'desc')
      .executeTakeFirst();
    if (!row) {
      // The first key of an environment signs at once: nobody can hold a token to verify yet.
      await this.insertKey(env, 'current');
      row = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('environment_id', '=', env)
        .where('state', '=', 'current')
        .orderBy('activated_at', 'desc')
        .executeTakeFirstOrThrow();
    }
    const key = { kid: row.id, key: createPrivateKey(this.deps.secrets.open(row.private_key_sealed)) };
    this.signing.set(env, { at: now.getTime(), key });
    return key;
  }

  private async insertKey(env: string, state: 'current' | 'next') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = this.deps.ids.next('key');
    const nowDate = this.deps.clock.now();
    const cert = await selfSignedCertificate(privateKey, publicKey, {
      commonName: `Portico access tokens ${env}`,
      notBefore: new Date(nowDate.getTime() - 60_000),
      notAfter: new Date(nowDate.getTime() + 5 * 365 * 86_400_000),
      serial: Buffer.from(this.deps.random.bytes(8))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
    });
    const jwk = {
      ...publicKey.export({ format: 'jwk' }),
      kid,
      alg: 'RS256',
      use: 'sig',
      x5c: [cert.x5c],
      'x5t#S256': cert.x5tS256,
    };
    const now = nowDate.toISOString();
    await this.deps.db
      .insertInto('signing_keys')
      .values({
        id: kid,
        environment_id: env,
        algorithm: 'RS256',
        public_jwk: JSON.stringify(jwk),
        private_key_sealed: this.deps.secrets.seal(
          privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        ),
        state,
        created_at: now,
        activated_at: state === 'current' ? now : null,
        retired_at: null,
      })
      .execute();
    this.jwks.delete(env);
    return kid;
  }

  /** Publishes a new key now; it starts signing PUBLISH_LEAD_MS later. */
  async rotate(env: string): Promise<{ kid: string; signsFrom: string }> {
    await this.currentKey(env);
    const kid = await this.insertKey(env, 'next');
    return { kid, signsFrom: new Date(this.deps.clock.now().getTime() + PUBLISH_LEAD_MS).toISOString() };
  }

  async publicJwks(env: string): Promise<{ keys: Record<string, unknown>[] }> {
    const now = this.deps.clock.now().getTime();
    const hit = this.jwks.get(env);
    if (hit && now - hit.at < CACHE_MS) return hit.body;
    await this.currentKey(env);
    const keepRetiredAfter = new Date(
      now - (this.deps.config.accessTokenTtlSeconds * 1000 + 60_000),
    ).toISOString();
    const rows = await this.deps.db
      .selectFrom('signing_keys')
      .select(['public_jwk', 'state', 'retired_at'])
      .where('environment_id', '=', env)
      .where((eb) => eb.or([eb('state', 'in', ['current', 'next']), eb('retired_at', '>', keepRetiredAfter)]))
      .orderBy('created_at', 'desc')
      .execute();
    const body = { keys: rows.map((r) => JSON.parse(r.public_jwk) as Record<string, unknown>) };
    this.jwks.set(env, { at: now, body });
    return body;
  }

  async sign(env: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    const { kid, key } = await this.currentKey(env);
    const iat = Math.floor(this.deps.clock.now().getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(key);
  }
}
