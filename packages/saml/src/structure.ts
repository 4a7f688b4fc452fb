/**
 * Structural checks that defeat XML signature wrapping (XSW, "On Breaking SAML", USENIX Security
 * 2012) before any signature is verified: the only shapes accepted are
 *
 *   samlp:Response [ds:Signature → #Response/@ID]
 *     saml:Assertion [ds:Signature → #Assertion/@ID]     (exactly one, a direct child)
 *   or saml:EncryptedAssertion                          (exactly one, a direct child)
 *
 * Invariants:
 * - No two elements share an ID/Id/id value (a reference must resolve to one element).
 * - Every ds:Signature is a direct child of the element it signs, its single Reference URI is
 *   "#" + that element's ID, and it sits on the Response root or on the one Assertion.
 * - Exactly one Assertion or EncryptedAssertion exists anywhere in the document, directly under
 *   the Response. Nested or extra copies are wrapping attempts; two sibling assertions are refused
 *   as 'saml_multiple_assertions'.
 */
import { fail } from './errors.ts';
import { allElements, attr, children, describe, is, isElement, NS } from './xml.ts';

export interface ResponseLayout {
  response: Element;
  /** The single Assertion, or null when the response carries an EncryptedAssertion. */
  assertion: Element | null;
  encryptedAssertion: Element | null;
  responseSignature: Element | null;
  assertionSignature: Element | null;
}

const WRAPPING_FIX =
  'The response was restructured after the identity provider signed it (XML signature wrapping). Do not accept it; if it came straight from your IdP, look for a proxy or browser extension that rewrites SAML responses, and report it to your security team.';

const ID_ATTRIBUTES = new Set(['ID', 'Id', 'id']);

export function inspectResponseStructure(doc: Document): ResponseLayout {
  const response = doc.documentElement;
  const elements = allElements(response);

  const seen = new Map<string, Element>();
  for (const el of elements) {
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      if (!ID_ATTRIBUTES.has(a.localName ?? a.name)) continue;
      const first = seen.get(a.value);
      if (first) {
        fail(
          'saml_signature_wrapping',
          `Two elements carry the same ID "${a.value}": ${describe(first)} and ${describe(el)}. A signature reference must resolve to exactly one element.`,
          WRAPPING_FIX,
          { duplicateId: a.value },
        );
      }
      seen.set(a.value, el);
    }
  }

  const assertions = elements.filter(
    (e) =>
      e.namespaceURI === NS.saml && (e.localName === 'Assertion' || e.localName === 'EncryptedAssertion'),
  );
  const direct = assertions.filter((a) => a.parentNode === response);

  const signatureOf = new Map<Element, Element>();
  for (const sig of elements.filter((e) => is(e, NS.ds, 'Signature'))) {
    const parent = sig.parentNode as Element | null;
    const onResponse = parent === response;
    const onAssertion = !!parent && is(parent, NS.saml, 'Assertion') && direct.includes(parent);
    if (!parent || (!onResponse && !onAssertion)) {
      const grand = parent?.parentNode && isElement(parent.parentNode) ? parent.parentNode : null;
      fail(
        'saml_signature_wrapping',
        `A <ds:Signature> sits inside ${parent ? describe(parent) : 'nothing'}${grand ? ` (within ${describe(grand)})` : ''}; SAML signatures belong only on the Response or on its one Assertion.`,
        WRAPPING_FIX,
      );
    }
    if (signatureOf.has(parent)) {
      fail(
        'saml_signature_wrapping',
        `${describe(parent)} carries more than one <ds:Signature>.`,
        WRAPPING_FIX,
      );
    }
    const signedInfo = children(sig, NS.ds, 'SignedInfo');
    const refs = signedInfo.length === 1 ? children(signedInfo[0]!, NS.ds, 'Reference') : [];
    if (signedInfo.length !== 1 || refs.length === 0) {
      fail(
        'saml_signature_invalid',
        `The <ds:Signature> on ${describe(parent)} has ${signedInfo.length === 1 ? 'no <ds:Reference>' : `${signedInfo.length} <ds:SignedInfo> elements`}, so it signs nothing.`,
        'The IdP produced a broken signature. Check the IdP signing settings (sign the assertion or the response with RSA-SHA256).',
      );
    }
    if (refs.length > 1) {
      fail(
        'saml_signature_wrapping',
        `The <ds:Signature> on ${describe(parent)} has ${refs.length} references; a SAML signature references exactly the element it sits in.`,
        WRAPPING_FIX,
      );
    }
    const uri = attr(refs[0]!, 'URI') ?? '';
    const id = parent.getAttribute('ID');
    if (!id || uri !== `#${id}`) {
      const target = uri.startsWith('#') ? seen.get(uri.slice(1)) : undefined;
      fail(
        'saml_signature_wrapping',
        `The <ds:Signature> inside ${describe(parent)} references "${uri}"${target ? `, which is ${describe(target)}` : ''}, not the element it sits in (expected "#${id ?? ''}").`,
        WRAPPING_FIX,
        { referenceUri: uri, expected: `#${id ?? ''}` },
      );
    }
    signatureOf.set(parent, sig);
  }

  const nested = assertions.find((a) => a.parentNode !== response);
  if (nested) {
    fail(
      'saml_signature_wrapping',
      `${describe(nested)} is nested inside ${describe(nested.parentNode as Element)}; an assertion must be a direct child of the Response.`,
      WRAPPING_FIX,
    );
  }
  if (direct.length > 1) {
    fail(
      'saml_multiple_assertions',
      `The response carries ${direct.length} assertions (${direct.map(describe).join(', ')}); Portico accepts exactly one.`,
      'Configure the IdP to send a single assertion per response (the default for Okta, Entra ID, Google Workspace and ADFS).',
      { assertionIds: direct.map((a) => a.getAttribute('ID')) },
    );
  }
  const only = direct[0] ?? null;
  if (!only) {
    fail(
      'saml_malformed',
      'The response carries no <saml:Assertion> although its status is Success.',
      'The IdP sent an empty response. Check the IdP application configuration and its logs.',
    );
  }
  return {
    response,
    assertion: only.localName === 'Assertion' ? only : null,
    encryptedAssertion: only.localName === 'EncryptedAssertion' ? only : null,
    responseSignature: signatureOf.get(response) ?? null,
    assertionSignature: signatureOf.get(only) ?? null,
  };
}
