/**
 * buildSamlResponse as Portico's Test IdP uses it (including its error scenarios), and how
 * attributes are read: multi-valued, merged across repeated Attribute elements, also keyed by
 * FriendlyName, xsi:nil values skipped, values escaped and unescaped exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSamlResponse, signSamlXml, validateSamlResponse } from '../src/index.ts';
import { samlError } from './helpers/expect-error.ts';
import { ACS, build, IDP, NOW, options, REQUEST_ID, SP } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp');
});

describe('buildSamlResponse', () => {
  it('signs the response, the assertion or both, with SHA-256, SHA-1 or SHA-512', () => {
    for (const sign of ['response', 'assertion', 'both'] as const) {
      for (const signatureAlgorithm of ['rsa-sha256', 'rsa-sha1', 'rsa-sha512'] as const) {
        const xml = build(keys.idp, { sign, signatureAlgorithm });
        expect(validateSamlResponse(options(keys.idp, xml)).assertion.signed).toBe(sign);
      }
    }
  });

  it('Test IdP scenario "expired": an assertion issued an hour ago', () => {
    const xml = build(keys.idp, { now: new Date(NOW.getTime() - 3_600_000) });
    expect(samlError(() => validateSamlResponse(options(keys.idp, xml))).code).toBe('saml_assertion_expired');
  });

  it('Test IdP scenario "wrong audience"', () => {
    const xml = build(keys.idp, { audience: 'https://another-sp.example/saml' });
    expect(samlError(() => validateSamlResponse(options(keys.idp, xml))).code).toBe('saml_audience_mismatch');
  });

  it('Test IdP scenario "unsigned"', () => {
    const xml = build(keys.idp, { sign: 'none' });
    expect(samlError(() => validateSamlResponse(options(keys.idp, xml))).code).toBe('saml_signature_missing');
  });

  it('an error status carries no assertion and is reported with its message', () => {
    const xml = build(keys.idp, {
      sign: 'response',
      statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
      statusMessage: 'Unknown service provider https://sp.example',
    });
    expect(xml).not.toContain('Assertion');
    const err = samlError(() => validateSamlResponse(options(keys.idp, xml)));
    expect(err.code).toBe('saml_status_not_success');
    expect(err.message).toContain('Unknown service provider https://sp.example');
    expect(err.details.steps).toEqual([
      expect.objectContaining({ step: 'parse', ok: true }),
      expect.objectContaining({ step: 'status', ok: false }),
    ]);
  });

  it('destination: null omits Destination (allowed); IdP-initiated omits InResponseTo', () => {
    const xml = build(keys.idp, { destination: null, inResponseTo: null });
    expect(xml).not.toContain('Destination=');
    expect(xml).not.toContain('InResponseTo=');
    const { assertion } = validateSamlResponse(
      options(keys.idp, xml, { expectedInResponseTo: null, allowIdpInitiated: true }),
    );
    expect(assertion.inResponseTo).toBeNull();
  });

  it('escapes what it writes, and the validator reads it back exactly', () => {
    const xml = buildSamlResponse({
      idpEntityId: IDP,
      spEntityId: SP,
      acsUrl: ACS,
      inResponseTo: REQUEST_ID,
      nameId: "o'brien&co@example.com",
      attributes: { displayName: 'Tom "T" <O\'Brien> & Co', groups: [] },
      now: NOW,
      validityMs: 60_000,
      signingKey: keys.idp.key,
      certificate: keys.idp.cert,
      sign: 'both',
    });
    const { assertion } = validateSamlResponse(options(keys.idp, xml));
    expect(assertion.nameId).toBe("o'brien&co@example.com");
    expect(assertion.nameIdFormat).toBeNull();
    expect(assertion.attributes).toEqual({ displayName: ['Tom "T" <O\'Brien> & Co'], groups: [] });
    expect(assertion.assertionId).toMatch(/^_[0-9a-f]{40}$/);
  });
});

describe('attributes', () => {
  it('merges repeated attributes, adds FriendlyName keys and skips xsi:nil values', () => {
    const unsigned = build(keys.idp, {
      sign: 'none',
      attributes: { 'urn:oid:0.9.2342.19200300.100.1.3': 'ada@example.com' },
    })
      .replace(
        '<saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3"',
        '<saml:Attribute FriendlyName="mail" Name="urn:oid:0.9.2342.19200300.100.1.3"',
      )
      .replace(
        '</saml:AttributeStatement>',
        '<saml:Attribute Name="memberOf"><saml:AttributeValue>cn=admins</saml:AttributeValue><saml:AttributeValue xsi:nil="true"/></saml:Attribute>' +
          '<saml:Attribute Name="memberOf"><saml:AttributeValue>\n  cn=engineering\n</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>',
      );
    const xml = signSamlXml(unsigned, {
      signingKey: keys.idp.key,
      certificate: keys.idp.cert,
      target: 'assertion',
    });
    expect(validateSamlResponse(options(keys.idp, xml)).assertion.attributes).toEqual({
      'urn:oid:0.9.2342.19200300.100.1.3': ['ada@example.com'],
      mail: ['ada@example.com'],
      memberOf: ['cn=admins', 'cn=engineering'],
    });
  });
});
