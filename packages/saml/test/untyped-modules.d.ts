/** Minimal types for the test-only IdP implementations that ship none. */
declare module '@authenio/samlify-node-xmllint' {
  export function validate(xml: string): Promise<unknown>;
}

declare module 'saml' {
  export interface Saml20Options {
    cert: Buffer | string;
    key: Buffer | string;
    issuer: string;
    lifetimeInSeconds: number;
    audiences: string | string[];
    recipient?: string;
    inResponseTo?: string;
    attributes?: Record<string, string | string[]>;
    nameIdentifier: string;
    nameIdentifierFormat?: string;
    sessionIndex?: string;
    signatureAlgorithm?: 'rsa-sha256' | 'rsa-sha1';
    digestAlgorithm?: 'sha256' | 'sha1';
    encryptionCert?: Buffer | string;
    encryptionPublicKey?: Buffer | string;
    encryptionAlgorithm?: string;
    keyEncryptionAlgorithm?: string;
  }
  export const Saml20: {
    create(options: Saml20Options): string;
    create(options: Saml20Options, callback: (err: Error | null, xml?: string) => void): void;
  };
  const saml: { Saml20: typeof Saml20 };
  export default saml;
}
