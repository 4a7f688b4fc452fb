/**
 * XML Encryption (xmlenc-core) of SAML EncryptedAssertion / EncryptedID, via xml-encryption.
 *
 * Invariants:
 * - The private key is an argument (the connection's SP key), never looked up here.
 * - RSA PKCS#1 v1.5 key transport (Bleichenbacher) and Triple-DES are refused by name;
 *   RSA-OAEP with AES-GCM or AES-CBC is accepted (AES-CBC is still the default of ADFS, Okta and
 *   Entra ID; every decrypted assertion is then signature-checked before use, and every failure
 *   reports one code, so no padding oracle is exposed).
 * - When the EncryptedKey names the certificate it was made for and that certificate does not
 *   belong to our key, the message says so (the usual cause: the IdP holds an old SP certificate).
 */
/// <reference path="./xml-encryption.d.ts" />

import { createPublicKey, X509Certificate } from 'node:crypto';
import xmlenc from 'xml-encryption';
import { certificateDer, fingerprintOfDer } from './certificates.ts';
import { fail } from './errors.ts';
import { attr, children, descendants, NS, parseXml, textOf } from './xml.ts';

const RSA_1_5 = 'http://www.w3.org/2001/04/xmlenc#rsa-1_5';
const TRIPLE_DES = 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc';

const WRONG_KEY_FIX =
  "The IdP encrypts with a different SP certificate than the one whose key this connection holds: upload the connection's current SP certificate to the IdP (or download fresh SP metadata into it).";

/** Decrypts the EncryptedData inside `encrypted` and returns the plaintext XML (not yet parsed). */
export function decryptElement(encrypted: Element, privateKeyPem: string | undefined, what: string): string {
  if (!privateKeyPem) {
    fail(
      'saml_encrypted_assertion_no_key',
      `The ${what} is encrypted, but this connection has no SP decryption key.`,
      'Either turn off assertion encryption in the IdP, or give the connection an SP encryption certificate and key and upload that certificate to the IdP.',
    );
  }
  const data = children(encrypted, NS.xenc, 'EncryptedData')[0];
  if (!data) {
    fail(
      'saml_decryption_failed',
      `The ${what} has no <xenc:EncryptedData>.`,
      'The IdP produced a broken encrypted assertion; check its encryption settings.',
    );
  }
  const methods = descendants(encrypted, NS.xenc, 'EncryptionMethod').map((m) => attr(m, 'Algorithm') ?? '');
  const insecure = methods.find((m) => m === RSA_1_5 || m === TRIPLE_DES);
  if (insecure) {
    fail(
      'saml_decryption_failed',
      `The ${what} is encrypted with ${insecure === RSA_1_5 ? 'RSA PKCS#1 v1.5 key transport' : 'Triple-DES'} (${insecure}), which is insecure and refused.`,
      'Set the IdP to encrypt with RSA-OAEP key transport and AES-256 (GCM or CBC).',
      { algorithm: insecure },
    );
  }

  let ourSpki: Buffer;
  try {
    ourSpki = createPublicKey(privateKeyPem).export({ format: 'der', type: 'spki' });
  } catch {
    fail(
      'saml_decryption_failed',
      "The connection's SP decryption key is not a readable PEM private key.",
      "Replace the connection's SP key pair.",
    );
  }
  const named = descendants(encrypted, NS.ds, 'X509Certificate')
    .map((c) => certificateDer(textOf(c)))
    .filter((d): d is Buffer => d !== null);
  const foreign = named.find(
    (der) => !new X509Certificate(der).publicKey.export({ format: 'der', type: 'spki' }).equals(ourSpki),
  );
  if (foreign && named.length === 1) {
    fail(
      'saml_decryption_failed',
      `The ${what} was encrypted for the certificate with SHA-256 fingerprint ${fingerprintOfDer(foreign)}, which does not belong to this connection's SP decryption key.`,
      WRONG_KEY_FIX,
      { encryptedForFingerprint: fingerprintOfDer(foreign) },
    );
  }

  let result: string | undefined;
  let error: Error | null = null;
  let called = false;
  try {
    xmlenc.decrypt(
      encrypted,
      { key: privateKeyPem, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false },
      (err, out) => {
        called = true;
        error = err;
        result = out;
      },
    );
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  }
  if (!called && !error) error = new Error('the decryption did not complete synchronously');
  if (error || typeof result !== 'string') {
    const reason = (error as Error | null)?.message ?? 'no plaintext';
    fail(
      'saml_decryption_failed',
      `The ${what} could not be decrypted with this connection's SP key: ${reason}.`,
      /oaep|decoding error|decrypt/i.test(reason)
        ? WRONG_KEY_FIX
        : 'Check the IdP encryption settings (RSA-OAEP key transport, AES-256 content encryption).',
      { reason },
    );
  }
  return result.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^?]*\?>/, '');
}

/**
 * Parses decrypted plaintext in the namespace context of the element it replaces, so an IdP that
 * relied on prefixes declared on the Response still parses. Returns the single root element.
 */
export function parseDecrypted(plaintext: string, context: Element, what: string): Element {
  const declarations = new Map<string, string>();
  for (let n: Node | null = context; n && n.nodeType === 1; n = n.parentNode) {
    const el = n as Element;
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      if ((a.name === 'xmlns' || a.name.startsWith('xmlns:')) && !declarations.has(a.name)) {
        declarations.set(a.name, a.value);
      }
    }
  }
  const decls = [...declarations].map(
    ([k, v]) => `${k}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`,
  );
  const wrapper = parseXml(`<portico-fragment ${decls.join(' ')}>${plaintext}</portico-fragment>`, {
    what,
    malformedCode: 'saml_decryption_failed',
    doctypeCode: 'saml_doctype_forbidden',
    fix: 'Check the IdP encryption settings.',
  }).documentElement;
  const roots = children(wrapper);
  if (roots.length !== 1) {
    fail(
      'saml_decryption_failed',
      `The ${what} holds ${roots.length} elements instead of one.`,
      'Check the IdP encryption settings.',
    );
  }
  return roots[0]!;
}
