/**
 * The environment's SAML SP key pair, created on first use and cached. Private keys are sealed
 * with the master key. Two processes creating it at once both try to insert; the loser reads the
 * winner's row.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Deps } from '../../platform/deps.ts';
import { selfSignedCertificate } from '../../platform/x509.ts';

export interface SpKey {
  privateKeyPem: string;
  certificateDer: string;
  certificatePem: string;
}

export class SpKeyStore {
  private cache = new Map<string, SpKey>();
  constructor(private deps: Deps) {}

  async get(env: string): Promise<SpKey> {
    const hit = this.cache.get(env);
    if (hit) return hit;
    let row = await this.deps.db
      .selectFrom('saml_sp_keys')
      .selectAll()
      .where('environment_id', '=', env)
      .executeTakeFirst();
    if (!row) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const now = this.deps.clock.now();
      const cert = await selfSignedCertificate(privateKey, publicKey, {
        commonName: `Portico SAML SP ${env}`,
        notBefore: new Date(now.getTime() - 86_400_000),
        notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
        serial: Buffer.from(this.deps.random.bytes(8))
          .toString('hex')
          .replace(/^[89a-f]/, '1'),
      });
      await this.deps.db
        .insertInto('saml_sp_keys')
        .values({
          environment_id: env,
          private_key_sealed: this.deps.secrets.seal(
            privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          ),
          certificate: cert.x5c,
          created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.column('environment_id').doNothing())
        .execute();
      row = await this.deps.db
        .selectFrom('saml_sp_keys')
        .selectAll()
        .where('environment_id', '=', env)
        .executeTakeFirstOrThrow();
    }
    const key: SpKey = {
      privateKeyPem: this.deps.secrets.open(row.private_key_sealed),
      certificateDer: row.certificate,
      certificatePem: `-----BEGIN CERTIFICATE-----\n${row.certificate.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
    };
    this.cache.set(env, key);
    return key;
  }
}
