/** The part of xml-encryption (no bundled types) that @portico/saml uses. */
declare module 'xml-encryption' {
  export interface DecryptOptions {
    key: string | Buffer;
    disallowDecryptionWithInsecureAlgorithm?: boolean;
    warnInsecureAlgorithm?: boolean;
  }
  export interface EncryptOptions {
    rsa_pub: string | Buffer;
    pem: string | Buffer;
    encryptionAlgorithm: string;
    keyEncryptionAlgorithm: string;
    keyEncryptionDigest?: string;
    disallowEncryptionWithInsecureAlgorithm?: boolean;
    warnInsecureAlgorithm?: boolean;
  }
  export function decrypt(
    xml: string | Node,
    options: DecryptOptions,
    callback: (err: Error | null, result?: string) => void,
  ): void;
  export function encrypt(
    content: string,
    options: EncryptOptions,
    callback: (err: Error | null, result?: string) => void,
  ): void;
  const xmlenc: { decrypt: typeof decrypt; encrypt: typeof encrypt };
  export default xmlenc;
}
