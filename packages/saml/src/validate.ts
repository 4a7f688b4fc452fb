/**
 * validateSamlResponse: the SP side of the SAML 2.0 Web Browser SSO profile, HTTP-POST binding
 * (SAML profiles §4.1), for one decoded <samlp:Response>. Pure: the clock, the trusted
 * certificates and the decryption key are arguments; nothing is cached between calls (replay of
 * an InResponseTo is the caller's single-use flow store).
 *
 * Order: parse (no DOCTYPE) → status → structure (anti-wrapping) → response signature →
 * decryption → assertion signature → issuer → destination → InResponseTo → conditions (time,
 * audience) → subject confirmation (bearer, recipient, time, InResponseTo) → NameID → attributes.
 *
 * Invariants:
 * - The Response or the Assertion is signed by a trusted certificate, and the assertion that is
 *   read is the one parsed from the authenticated canonical octets of that signature, never one
 *   found by searching the received document.
 * - A decrypted assertion is itself signed, unless the Response that carried it was signed.
 * - Every failure is a SamlError whose details.steps lists the trace up to and including it.
 */
import { certificateDer, type TrustedCertificate, trustedCertificate } from './certificates.ts';
import {
  checkConditions,
  checkDestination,
  checkInResponseTo,
  checkIssuer,
  checkNameId,
  checkStatus,
  checkSubjectConfirmation,
  readAttributes,
} from './checks.ts';
import { decryptElement, parseDecrypted } from './decrypt.ts';
import { fail, SamlError } from './errors.ts';
import { type VerifiedElement, verifyElementSignature } from './signature.ts';
import { inspectResponseStructure } from './structure.ts';
import { attr, child, children, describe, is, NS, parseXml, serialize } from './xml.ts';

export interface TraceStep {
  step: string;
  ok: boolean;
  detail?: string;
}

export interface ValidateOptions {
  /** The decoded SAMLResponse (UTF-8 XML text, not base64). */
  xml: string;
  now: Date;
  /** Clock-skew tolerance for NotBefore / NotOnOrAfter. */
  skewMs: number;
  /** Trusted IdP signing certificates: PEM or bare base64 DER; several during a rotation. */
  idpCertificates: string[];
  /** Expected <Issuer>. */
  idpEntityId: string;
  /** Expected <Audience>. */
  spEntityId: string;
  /** Expected Destination (when present) and SubjectConfirmationData Recipient. */
  acsUrl: string;
  /**
   * The AuthnRequest ID Portico sent; null for IdP-initiated. With null, a response that carries
   * an InResponseTo is refused ('saml_in_response_to_mismatch'): it answers someone else's request.
   */
  expectedInResponseTo: string | null;
  /** With expectedInResponseTo null and this false (the default): 'saml_unsolicited_response'. */
  allowIdpInitiated?: boolean;
  /** PEM private key for an EncryptedAssertion (or EncryptedID). */
  decryptionKey?: string;
}

export interface SamlAssertion {
  responseId: string;
  assertionId: string;
  issuer: string;
  inResponseTo: string | null;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  notBefore: string | null;
  notOnOrAfter: string | null;
  /** Multi-valued, keyed by Attribute Name (and also FriendlyName when present). */
  attributes: Record<string, string[]>;
  signed: 'response' | 'assertion' | 'both';
  /** SHA-256 of the certificate that verified, 'AB:CD:…'. */
  certificateFingerprint: string;
  /** Whether the assertion arrived as an EncryptedAssertion. */
  encrypted?: boolean;
}

const MALFORMED_FIX = 'Post the SAMLResponse exactly as the IdP sent it (base64-decoded once).';

export function validateSamlResponse(o: ValidateOptions): { assertion: SamlAssertion; steps: TraceStep[] } {
  const steps: TraceStep[] = [];
  // One text for our parser and for xml-crypto's: no byte-order mark, no whitespace before the prolog.
  const text = typeof o.xml === 'string' ? o.xml.replace(/^\uFEFF/, '').replace(/^\s+/, '') : o.xml;
  const run = <T>(step: string, fn: () => T, detail?: (value: T) => string | undefined): T => {
    try {
      const value = fn();
      const d = detail?.(value);
      steps.push(d === undefined ? { step, ok: true } : { step, ok: true, detail: d });
      return value;
    } catch (err) {
      const e =
        err instanceof SamlError
          ? err
          : new SamlError(
              'saml_malformed',
              `Portico could not process the response: ${err instanceof Error ? err.message : String(err)}`,
              MALFORMED_FIX,
            );
      steps.push({ step, ok: false, detail: `${e.code}: ${e.message}` });
      e.details.steps = steps;
      throw e;
    }
  };

  const doc = run(
    'parse',
    () => {
      const d = parseXml(text, {
        what: 'SAML response',
        malformedCode: 'saml_malformed',
        doctypeCode: 'saml_doctype_forbidden',
        fix: MALFORMED_FIX,
      });
      const root = d.documentElement;
      if (!is(root, NS.samlp, 'Response')) {
        fail(
          'saml_malformed',
          `The document is a <${root.nodeName}> (namespace "${root.namespaceURI ?? ''}"), not a SAML 2.0 <samlp:Response>.`,
          'Post only SAML 2.0 login responses to the ACS URL (logout messages go to the single logout URL).',
        );
      }
      if (attr(root, 'Version') !== '2.0' || !attr(root, 'ID')) {
        fail(
          'saml_malformed',
          `The response has Version="${attr(root, 'Version') ?? ''}" and ID="${attr(root, 'ID') ?? ''}"; SAML 2.0 requires Version="2.0" and an ID.`,
          'Configure the IdP application for SAML 2.0.',
        );
      }
      return d;
    },
    (d) => `${text.length} characters, Response ID ${d.documentElement.getAttribute('ID')}`,
  );

  run(
    'status',
    () => checkStatus(doc.documentElement),
    () => 'Success',
  );

  const layout = run(
    'structure',
    () => inspectResponseStructure(doc),
    (l) =>
      `one ${l.encryptedAssertion ? 'EncryptedAssertion' : 'Assertion'}; signature on ${[l.responseSignature && 'Response', l.assertionSignature && 'Assertion'].filter(Boolean).join(' and ') || 'nothing'}`,
  );

  const trusted = run(
    'certificates',
    () => {
      const certs: TrustedCertificate[] = [];
      for (const c of o.idpCertificates) {
        const der = certificateDer(c);
        if (der) certs.push(trustedCertificate(der));
      }
      return certs;
    },
    (c) => `${c.length} trusted: ${c.map((x) => x.fingerprint).join(', ') || 'none'}`,
  );

  let verifiedResponse: VerifiedElement | null = null;
  if (layout.responseSignature) {
    verifiedResponse = run(
      'response_signature',
      () =>
        verifyElementSignature({
          xml: text,
          signature: layout.responseSignature!,
          target: layout.response,
          trusted,
        }),
      (v) => `${v.algorithm} by ${v.certificate.fingerprint}`,
    );
  }
  const response = verifiedResponse?.element ?? layout.response;

  // The assertion as received (where comments survive) and the document its signature lives in.
  let rawAssertion = layout.assertion;
  let assertionXml = text;
  let assertionSignature = layout.assertionSignature;
  if (layout.encryptedAssertion) {
    const decrypted = run(
      'decrypt',
      () => {
        const encrypted = children(response, NS.saml, 'EncryptedAssertion')[0];
        if (!encrypted)
          fail('saml_signature_wrapping', 'The signed response has no EncryptedAssertion.', MALFORMED_FIX);
        const plaintext = decryptElement(encrypted, o.decryptionKey, 'assertion');
        const assertion = parseDecrypted(plaintext, encrypted, 'decrypted assertion');
        if (!is(assertion, NS.saml, 'Assertion')) {
          fail(
            'saml_decryption_failed',
            `The EncryptedAssertion decrypts to ${describe(assertion)}, not to a <saml:Assertion>.`,
            'Check the IdP encryption settings: it must encrypt the whole assertion.',
          );
        }
        const owner = encrypted.ownerDocument;
        encrypted.parentNode!.replaceChild(owner.importNode(assertion, true), encrypted);
        const xml = serialize(owner);
        const d = parseXml(xml, {
          what: 'decrypted response',
          malformedCode: 'saml_decryption_failed',
          doctypeCode: 'saml_doctype_forbidden',
          fix: MALFORMED_FIX,
        });
        return { xml, layout: inspectResponseStructure(d) };
      },
      (r) => `assertion ${r.layout.assertion?.getAttribute('ID')} decrypted`,
    );
    rawAssertion = decrypted.layout.assertion;
    assertionXml = decrypted.xml;
    assertionSignature = decrypted.layout.assertionSignature;
  }

  let verifiedAssertion: VerifiedElement | null = null;
  if (assertionSignature) {
    verifiedAssertion = run(
      'assertion_signature',
      () =>
        verifyElementSignature({
          xml: assertionXml,
          signature: assertionSignature!,
          target: rawAssertion!,
          trusted,
        }),
      (v) => `${v.algorithm} by ${v.certificate.fingerprint}`,
    );
  }

  const assertion = run(
    'signed_element',
    () => {
      if (!verifiedResponse && !verifiedAssertion) {
        fail(
          'saml_signature_missing',
          layout.encryptedAssertion
            ? 'Neither the response nor the decrypted assertion is signed.'
            : 'Neither the response nor the assertion is signed.',
          'Turn on signing in the IdP: sign the assertion (or the whole response) with RSA-SHA256.',
        );
      }
      if (verifiedAssertion) return verifiedAssertion.element;
      if (layout.encryptedAssertion) return rawAssertion!;
      const inSigned = children(response, NS.saml, 'Assertion');
      if (inSigned.length !== 1) {
        fail(
          'saml_signature_wrapping',
          'The signed response does not contain exactly one assertion.',
          MALFORMED_FIX,
        );
      }
      return inSigned[0]!;
    },
    (a) =>
      `reading ${describe(a)} from the ${verifiedAssertion ? 'signed assertion' : layout.encryptedAssertion ? 'assertion decrypted from the signed response' : 'signed response'}`,
  );
  const signed: SamlAssertion['signed'] =
    verifiedResponse && verifiedAssertion ? 'both' : verifiedResponse ? 'response' : 'assertion';
  const certificate = (verifiedResponse ?? verifiedAssertion)!.certificate;

  const issuer = run(
    'issuer',
    () => checkIssuer(response, assertion, o.idpEntityId),
    (i) => i,
  );
  run(
    'destination',
    () => checkDestination(response, o.acsUrl),
    (d) => (d === null ? 'absent (allowed)' : d),
  );
  const inResponseTo = attr(response, 'InResponseTo');
  run(
    'in_response_to',
    () => checkInResponseTo(inResponseTo, o.expectedInResponseTo, o.allowIdpInitiated ?? false, 'response'),
    () => (inResponseTo === null ? 'IdP-initiated' : inResponseTo),
  );
  const now = o.now.getTime();
  const window = run(
    'conditions',
    () => checkConditions(assertion, now, o.skewMs, o.spEntityId),
    (w) => `audience ${o.spEntityId}; valid ${w.notBefore ?? '-'} … ${w.notOnOrAfter ?? '-'}`,
  );
  const confirmation = run(
    'subject_confirmation',
    () =>
      checkSubjectConfirmation(assertion, {
        now,
        skewMs: o.skewMs,
        acsUrl: o.acsUrl,
        expectedInResponseTo: o.expectedInResponseTo,
      }),
    () => `bearer, recipient ${o.acsUrl}`,
  );
  const nameId = run(
    'name_id',
    () => {
      const subject = child(assertion, NS.saml, 'Subject');
      const rawSubject = rawAssertion ? child(rawAssertion, NS.saml, 'Subject') : null;
      let nameIdEl = subject ? child(subject, NS.saml, 'NameID') : null;
      let rawNameIdEl = rawSubject ? child(rawSubject, NS.saml, 'NameID') : null;
      const encryptedId = subject ? child(subject, NS.saml, 'EncryptedID') : null;
      if (!nameIdEl && encryptedId) {
        const plaintext = decryptElement(encryptedId, o.decryptionKey, 'NameID (EncryptedID)');
        nameIdEl = parseDecrypted(plaintext, encryptedId, 'decrypted NameID');
        rawNameIdEl = nameIdEl;
        if (!is(nameIdEl, NS.saml, 'NameID')) {
          fail(
            'saml_decryption_failed',
            `The EncryptedID decrypts to ${describe(nameIdEl)}, not to a <saml:NameID>.`,
            'Check the IdP encryption settings.',
          );
        }
      }
      return checkNameId(nameIdEl, rawNameIdEl);
    },
    (n) => `${n.nameId}${n.format ? ` (${n.format})` : ''}`,
  );
  const attributes = run(
    'attributes',
    () => readAttributes(assertion),
    (a) => `${Object.keys(a).length} attributes`,
  );

  const authn = child(assertion, NS.saml, 'AuthnStatement');
  return {
    assertion: {
      responseId: response.getAttribute('ID') ?? '',
      assertionId: assertion.getAttribute('ID') ?? '',
      issuer,
      inResponseTo: inResponseTo ?? confirmation.inResponseTo,
      nameId: nameId.nameId,
      nameIdFormat: nameId.format,
      sessionIndex: authn ? attr(authn, 'SessionIndex') : null,
      notBefore: window.notBefore,
      notOnOrAfter: window.notOnOrAfter,
      attributes,
      signed,
      certificateFingerprint: certificate.fingerprint,
      encrypted: !!layout.encryptedAssertion,
    },
    steps,
  };
}
