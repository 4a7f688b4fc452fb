/**
 * EncryptedAssertion and EncryptedID: decrypted with the connection's SP key, then validated like
 * any assertion; the decrypted assertion must be signed unless the Response that carried it was.
 * Wrong keys, missing keys and insecure algorithms are refused with precise reasons.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import xmlenc from 'xml-encryption';
import { encryptAssertion, signSamlXml, validateSamlResponse } from '../src/index.ts';
import { samlError } from './helpers/expect-error.ts';
import { build, options } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys; sp: TestKeys; spOld: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'sp', 'spOld');
});

const signResponse = (xml: string) =>
  signSamlXml(xml, { signingKey: keys.idp.key, certificate: keys.idp.cert, target: 'response' });
const encrypt = (xml: string, algorithm?: 'aes256-gcm' | 'aes256-cbc' | 'aes128-gcm', cert = keys.sp.cert) =>
  encryptAssertion(xml, { certificate: cert, ...(algorithm ? { algorithm } : {}) });
const validate = (xml: string, over: Parameters<typeof options>[2] = {}) =>
  validateSamlResponse(options(keys.idp, xml, { decryptionKey: keys.sp.key, ...over }));

describe('EncryptedAssertion', () => {
  for (const algorithm of ['aes256-gcm', 'aes128-gcm', 'aes256-cbc'] as const) {
    it(`signed assertion, encrypted with RSA-OAEP + ${algorithm}`, async () => {
      const xml = await encrypt(build(keys.idp, { sign: 'assertion' }), algorithm);
      expect(xml).not.toContain('ada@example.com');
      const { assertion, steps } = validate(xml);
      expect(assertion).toMatchObject({ nameId: 'ada@example.com', encrypted: true, signed: 'assertion' });
      expect(assertion.attributes.groups).toEqual(['engineering', 'admins']);
      expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(['decrypt', 'assertion_signature']));
    });
  }

  it('unsigned assertion inside a signed Response is accepted (the Response signature covers the ciphertext)', async () => {
    const xml = signResponse(await encrypt(build(keys.idp, { sign: 'none' })));
    expect(validate(xml).assertion).toMatchObject({ signed: 'response', encrypted: true });
  });

  it('signed assertion inside a signed Response: both', async () => {
    const xml = signResponse(await encrypt(build(keys.idp, { sign: 'assertion' })));
    expect(validate(xml).assertion.signed).toBe('both');
  });

  it('unsigned assertion in an unsigned Response is refused', async () => {
    const xml = await encrypt(build(keys.idp, { sign: 'none' }));
    const err = samlError(() => validate(xml));
    expect(err.code).toBe('saml_signature_missing');
    expect(err.message).toContain('decrypted assertion');
  });

  it('ciphertext changed inside a signed Response', async () => {
    const xml = signResponse(await encrypt(build(keys.idp, { sign: 'assertion' })));
    const tampered = xml.replace(
      /(<xenc:CipherValue>)([A-Za-z0-9+/]{8})/,
      (_, t, s: string) => `${t}${s.split('').reverse().join('')}`,
    );
    expect(tampered).not.toBe(xml);
    expect(samlError(() => validate(tampered)).code).toBe('saml_signature_invalid');
  });

  it('no decryption key on the connection', async () => {
    const xml = await encrypt(build(keys.idp, { sign: 'assertion' }));
    const err = samlError(() => validate(xml, { decryptionKey: undefined }));
    expect(err.code).toBe('saml_encrypted_assertion_no_key');
  });

  it('encrypted for an old SP certificate: names the certificate it was encrypted for', async () => {
    const xml = await encrypt(build(keys.idp, { sign: 'assertion' }), 'aes256-gcm', keys.spOld.cert);
    const err = samlError(() => validate(xml));
    expect(err.code).toBe('saml_decryption_failed');
    expect(err.message).toContain('was encrypted for the certificate with SHA-256 fingerprint');
    expect(err.fix).toContain('SP certificate');
  });

  it('encrypted for another key, without naming a certificate', async () => {
    const xml = (
      await encrypt(build(keys.idp, { sign: 'assertion' }), 'aes256-gcm', keys.spOld.cert)
    ).replace(/<KeyInfo>\s*<X509Data>[\s\S]*?<\/X509Data>\s*<\/KeyInfo>/, '');
    expect(xml).not.toContain('X509Certificate');
    const err = samlError(() => validate(xml));
    expect(err.code).toBe('saml_decryption_failed');
  });

  it('RSA PKCS#1 v1.5 key transport is refused by name', async () => {
    const xml = (await encrypt(build(keys.idp, { sign: 'assertion' }))).replace(
      'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
      'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
    );
    const err = samlError(() => validate(xml));
    expect(err.code).toBe('saml_decryption_failed');
    expect(err.message).toContain('PKCS#1 v1.5');
  });

  it('a DOCTYPE inside the decrypted plaintext is refused', async () => {
    const unsigned = build(keys.idp, { sign: 'none' });
    const withDoctype = await new Promise<string>((resolve, reject) =>
      xmlenc.encrypt(
        '<!DOCTYPE a [<!ENTITY e "x">]><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>',
        {
          rsa_pub: keys.sp.cert,
          pem: keys.sp.cert,
          encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
          keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        },
        (err, out) => (err || !out ? reject(err) : resolve(out)),
      ),
    );
    const xml = signResponse(
      unsigned.replace(
        /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
        `<saml:EncryptedAssertion>${withDoctype}</saml:EncryptedAssertion>`,
      ),
    );
    expect(samlError(() => validate(xml)).code).toBe('saml_doctype_forbidden');
  });
});

describe('EncryptedID', () => {
  it('an encrypted NameID inside a signed assertion is decrypted', async () => {
    const encryptedNameId = await new Promise<string>((resolve, reject) =>
      xmlenc.encrypt(
        '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">a7f3c9e1-ada</saml:NameID>',
        {
          rsa_pub: keys.sp.cert,
          pem: keys.sp.cert,
          encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
          keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        },
        (err, out) => (err || !out ? reject(err) : resolve(out)),
      ),
    );
    const unsigned = build(keys.idp, { sign: 'none' }).replace(
      /<saml:NameID[^>]*>[^<]*<\/saml:NameID>/,
      `<saml:EncryptedID>${encryptedNameId}</saml:EncryptedID>`,
    );
    const xml = signSamlXml(unsigned, {
      signingKey: keys.idp.key,
      certificate: keys.idp.cert,
      target: 'assertion',
    });
    const { assertion } = validate(xml);
    expect(assertion.nameId).toBe('a7f3c9e1-ada');
    expect(assertion.nameIdFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(samlError(() => validate(xml, { decryptionKey: undefined })).code).toBe(
      'saml_encrypted_assertion_no_key',
    );
  });
});
