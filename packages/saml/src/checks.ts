/**
 * The protocol checks of a SAML 2.0 Web Browser SSO response (SAML core §2-3, profiles §4.1.4.2-3),
 * one function per check, each throwing a SamlError with the actual and expected values.
 *
 * Invariant: every check reads the element it is given; validate.ts hands the authenticated
 * (signed, canonical) Response or Assertion, so nothing here ever reads unsigned copies, except
 * the Response envelope fields (Status, Destination, InResponseTo) of an assertion-signed response,
 * which is exactly what the SAML profile allows.
 */
import { fail } from './errors.ts';
import { attr, child, children, containsCommentOrPi, NS, parseInstant, textOf } from './xml.ts';

export const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

const short = (urn: string) => urn.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '');

const STATUS_FIXES: Record<string, string> = {
  AuthnFailed:
    "The user could not authenticate at the IdP (wrong password, failed MFA or a locked account). Sign in at the IdP again, or ask the IdP admin to check the user's account.",
  RequestDenied:
    'The IdP refused the sign-in, usually because the user is not assigned to this application in the IdP. Assign the user (or one of their groups) to the application.',
  InvalidNameIDPolicy:
    "The IdP cannot issue the NameID format Portico asked for. Set the application's NameID format in the IdP to email address (or unspecified).",
  NoPassive: 'The IdP has no session for the user and was asked not to prompt. Start the sign-in again.',
  NoAuthnContext:
    'The IdP cannot authenticate the user the way the request asked. Remove the authentication context requirement.',
  UnknownPrincipal: 'The IdP does not know this user. Create or assign the user in the IdP.',
  Requester:
    "The IdP considers Portico's request invalid. Check that the SP Entity ID (Audience) and ACS URL configured in the IdP match the connection's values exactly.",
  Responder: "The IdP could not produce an assertion. Look up this sign-in in the IdP's logs.",
  VersionMismatch: 'The IdP does not speak SAML 2.0 for this application. Configure a SAML 2.0 application.',
};

export interface StatusInfo {
  code: string;
  subCode: string | null;
  message: string | null;
}

export function checkStatus(response: Element): StatusInfo {
  const status = child(response, NS.samlp, 'Status');
  const codeEl = status ? child(status, NS.samlp, 'StatusCode') : null;
  const code = codeEl ? attr(codeEl, 'Value') : null;
  if (!status || !codeEl || !code) {
    fail(
      'saml_malformed',
      'The response has no <samlp:Status>/<samlp:StatusCode Value>.',
      'The IdP sent an incomplete response; check its SAML application configuration.',
    );
  }
  const subEl = child(codeEl, NS.samlp, 'StatusCode');
  const subCode = subEl ? attr(subEl, 'Value') : null;
  const messageEl = child(status, NS.samlp, 'StatusMessage');
  const message = messageEl ? textOf(messageEl).trim() || null : null;
  if (code !== STATUS_SUCCESS) {
    fail(
      'saml_status_not_success',
      `The IdP answered with status ${short(code)}${subCode ? ` (${short(subCode)})` : ''}${message ? `: "${message}"` : ''} instead of Success.`,
      STATUS_FIXES[short(subCode ?? '')] ??
        STATUS_FIXES[short(code)] ??
        "The IdP refused the sign-in. Look up this sign-in in the IdP's logs.",
      { statusCode: code, subStatusCode: subCode, statusMessage: message },
    );
  }
  return { code, subCode, message };
}

const ISSUER_FIX = (expected: string) =>
  `Make the connection's IdP Entity ID match what the IdP sends (Okta: "Identity Provider Issuer"; Entra ID: "Microsoft Entra Identifier"; Google: "Entity ID"; ADFS: "Federation Service Identifier"), or refresh the IdP metadata. The connection currently expects "${expected}".`;

/** Response Issuer is optional (SAML core §3.2.2); the Assertion Issuer is required (§2.3.3). */
export function checkIssuer(response: Element, assertion: Element, expected: string): string {
  const responseIssuer = child(response, NS.saml, 'Issuer');
  if (responseIssuer) {
    const actual = textOf(responseIssuer).trim();
    if (actual !== expected) {
      fail(
        'saml_issuer_mismatch',
        `The response Issuer is "${actual}", but this connection expects "${expected}".`,
        ISSUER_FIX(expected),
        { actual, expected, element: 'Response' },
      );
    }
  }
  const assertionIssuer = child(assertion, NS.saml, 'Issuer');
  const actual = assertionIssuer ? textOf(assertionIssuer).trim() : '';
  if (actual !== expected) {
    fail(
      'saml_issuer_mismatch',
      assertionIssuer
        ? `The assertion Issuer is "${actual}", but this connection expects "${expected}".`
        : 'The assertion has no <saml:Issuer>.',
      ISSUER_FIX(expected),
      { actual: assertionIssuer ? actual : null, expected, element: 'Assertion' },
    );
  }
  return actual;
}

const ACS_FIX = (acsUrl: string) =>
  `In the IdP, set the ACS URL (Okta: "Single sign-on URL"; Entra ID: "Reply URL"; Google: "ACS URL"; ADFS: "SAML Assertion Consumer Endpoint") to exactly ${acsUrl}`;

export function checkDestination(response: Element, acsUrl: string): string | null {
  const destination = attr(response, 'Destination');
  if (destination !== null && destination !== acsUrl) {
    fail(
      'saml_destination_mismatch',
      `The response Destination is "${destination}", but this connection's ACS URL is "${acsUrl}".`,
      ACS_FIX(acsUrl),
      { actual: destination, expected: acsUrl },
    );
  }
  return destination;
}

export function checkInResponseTo(
  inResponseTo: string | null,
  expected: string | null,
  allowIdpInitiated: boolean,
  where: string,
): void {
  if (expected !== null) {
    if (inResponseTo !== expected) {
      fail(
        'saml_in_response_to_mismatch',
        inResponseTo === null
          ? `The ${where} carries no InResponseTo, but Portico sent the request "${expected}" and expects the answer to it.`
          : `The ${where} answers the request "${inResponseTo}", but Portico is waiting for the answer to "${expected}".`,
        'Start the sign-in again from the application. If it keeps failing, the IdP is answering another request (for example a bookmarked IdP link): sign in from the application, not from the IdP dashboard.',
        { actual: inResponseTo, expected },
      );
    }
    return;
  }
  if (inResponseTo !== null) {
    fail(
      'saml_in_response_to_mismatch',
      `The ${where} answers the request "${inResponseTo}", but no sign-in request is pending (it expired, was already used, or was never sent by Portico).`,
      'Start the sign-in again from the application.',
      { actual: inResponseTo, expected: null },
    );
  }
  if (!allowIdpInitiated) {
    fail(
      'saml_unsolicited_response',
      'The response is IdP-initiated (it answers no request), and this connection does not allow IdP-initiated sign-in.',
      'Start the sign-in from the application, or allow IdP-initiated sign-in on the connection.',
    );
  }
}

function instant(el: Element, name: string): { raw: string; t: number } | null {
  const raw = attr(el, name);
  if (raw === null) return null;
  const t = parseInstant(raw);
  if (t === null) {
    fail(
      'saml_malformed',
      `<${el.nodeName}> has ${name}="${raw}", which is not an xs:dateTime.`,
      'The IdP sent an invalid timestamp; check its configuration.',
    );
  }
  return { raw, t };
}

const CLOCK_FIX =
  'Sign in again. If it fails every time, the clocks of the IdP and of the Portico server disagree: synchronise both with NTP (or raise the connection clock-skew allowance).';

export interface Window {
  notBefore: string | null;
  notOnOrAfter: string | null;
}

function checkWindow(el: Element, now: number, skewMs: number, label: string): Window {
  const nb = instant(el, 'NotBefore');
  const noa = instant(el, 'NotOnOrAfter');
  const nowIso = new Date(now).toISOString();
  if (nb && now + skewMs < nb.t) {
    fail(
      'saml_assertion_not_yet_valid',
      `${label} NotBefore is ${nb.raw}, but it is now ${nowIso} (clock skew allowance ${skewMs / 1000} s): the assertion is not valid yet.`,
      CLOCK_FIX,
      { notBefore: nb.raw, now: nowIso, skewMs },
    );
  }
  if (noa && now - skewMs >= noa.t) {
    fail(
      'saml_assertion_expired',
      `${label} NotOnOrAfter is ${noa.raw}, but it is now ${nowIso} (clock skew allowance ${skewMs / 1000} s): the assertion has expired.`,
      CLOCK_FIX,
      { notOnOrAfter: noa.raw, now: nowIso, skewMs },
    );
  }
  return { notBefore: nb?.raw ?? null, notOnOrAfter: noa?.raw ?? null };
}

export function checkConditions(assertion: Element, now: number, skewMs: number, spEntityId: string): Window {
  const conditions = child(assertion, NS.saml, 'Conditions');
  const window = conditions
    ? checkWindow(conditions, now, skewMs, 'The assertion Conditions')
    : { notBefore: null, notOnOrAfter: null };
  const restrictions = conditions ? children(conditions, NS.saml, 'AudienceRestriction') : [];
  const audienceFix = `In the IdP, set the Audience (Okta: "Audience URI (SP Entity ID)"; Entra ID: "Identifier (Entity ID)"; Google: "Entity ID"; ADFS: "Relying party identifier") to exactly ${spEntityId}`;
  if (restrictions.length === 0) {
    fail(
      'saml_audience_mismatch',
      `The assertion has no <saml:AudienceRestriction>, so nothing says it is meant for "${spEntityId}".`,
      audienceFix,
      { actual: [], expected: spEntityId },
    );
  }
  for (const r of restrictions) {
    const audiences = children(r, NS.saml, 'Audience').map((a) => textOf(a).trim());
    if (!audiences.includes(spEntityId)) {
      fail(
        'saml_audience_mismatch',
        `The assertion is meant for ${audiences.length ? audiences.map((a) => `"${a}"`).join(', ') : 'no audience'}, not for this connection's SP Entity ID "${spEntityId}".`,
        audienceFix,
        { actual: audiences, expected: spEntityId },
      );
    }
  }
  return window;
}

/**
 * At least one bearer SubjectConfirmation must satisfy every rule (profiles §4.1.4.2): Recipient
 * equals the ACS URL, NotOnOrAfter present and not passed, NotBefore (if any) reached, and its
 * InResponseTo equal to the request we sent. When none does, the first bearer's failure is thrown.
 */
export function checkSubjectConfirmation(
  assertion: Element,
  o: { now: number; skewMs: number; acsUrl: string; expectedInResponseTo: string | null },
): { inResponseTo: string | null } {
  const subject = child(assertion, NS.saml, 'Subject');
  const confirmations = subject ? children(subject, NS.saml, 'SubjectConfirmation') : [];
  const bearers = confirmations.filter((c) => attr(c, 'Method') === BEARER);
  if (bearers.length === 0) {
    const methods = confirmations.map((c) => attr(c, 'Method') ?? '(none)');
    fail(
      'saml_subject_confirmation_invalid',
      methods.length
        ? `The assertion's SubjectConfirmation method is ${methods.join(', ')}; a browser sign-in requires ${BEARER}.`
        : 'The assertion has no <saml:SubjectConfirmation>.',
      'Configure the IdP application for SAML 2.0 Web Browser SSO (bearer subject confirmation).',
      { methods },
    );
  }
  let first: unknown = null;
  for (const bearer of bearers) {
    try {
      const data = child(bearer, NS.saml, 'SubjectConfirmationData');
      const recipient = data ? attr(data, 'Recipient') : null;
      if (recipient === null) {
        fail(
          'saml_recipient_mismatch',
          `The bearer SubjectConfirmationData has no Recipient; it must name this connection's ACS URL "${o.acsUrl}".`,
          ACS_FIX(o.acsUrl),
          { actual: null, expected: o.acsUrl },
        );
      }
      if (recipient !== o.acsUrl) {
        fail(
          'saml_recipient_mismatch',
          `The SubjectConfirmationData Recipient is "${recipient}", but this connection's ACS URL is "${o.acsUrl}".`,
          ACS_FIX(o.acsUrl),
          { actual: recipient, expected: o.acsUrl },
        );
      }
      if (attr(data!, 'NotOnOrAfter') === null) {
        fail(
          'saml_subject_confirmation_invalid',
          'The bearer SubjectConfirmationData has no NotOnOrAfter, so the assertion would never expire.',
          'Configure the IdP to send a standard SAML 2.0 bearer assertion (every major IdP does by default).',
        );
      }
      checkWindow(data!, o.now, o.skewMs, 'The SubjectConfirmationData');
      const irt = attr(data!, 'InResponseTo');
      if (irt !== null)
        checkInResponseTo(irt, o.expectedInResponseTo, true, 'assertion (SubjectConfirmationData)');
      return { inResponseTo: irt };
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

export interface NameIdInfo {
  nameId: string;
  format: string | null;
}

/** `raw` is the NameID as it appears in the received document, where comments survive. */
export function checkNameId(nameIdEl: Element | null, rawNameIdEl: Element | null): NameIdInfo {
  if (rawNameIdEl && containsCommentOrPi(rawNameIdEl)) {
    fail(
      'saml_nameid_comment',
      'The NameID contains an XML comment or processing instruction. Canonicalization ignores comments, so a comment lets an attacker change how the signed NameID reads (the comment-injection attack).',
      'Refuse this response. If your IdP really puts comments in NameIDs, report it to the IdP vendor.',
    );
  }
  const nameId = nameIdEl ? textOf(nameIdEl).trim() : '';
  if (!nameIdEl || nameId === '') {
    fail(
      'saml_nameid_missing',
      nameIdEl ? 'The assertion NameID is empty.' : 'The assertion Subject has no <saml:NameID>.',
      "In the IdP, set the application's NameID (Name ID / Unique User Identifier) to the user's email address or a persistent identifier.",
    );
  }
  return { nameId, format: attr(nameIdEl, 'Format') };
}

/** Every Attribute, multi-valued, keyed by Name and (when present and different) FriendlyName. */
export function readAttributes(assertion: Element): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  const add = (key: string, values: string[]) => {
    out[key] = [...(out[key] ?? []), ...values];
  };
  for (const statement of children(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.saml, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = children(attribute, NS.saml, 'AttributeValue')
        .filter((v) => v.getAttributeNS(NS.xsi, 'nil') !== 'true')
        .map((v) => textOf(v).trim());
      add(name, values);
      const friendly = attr(attribute, 'FriendlyName');
      if (friendly && friendly !== name) add(friendly, values);
    }
  }
  return { ...out };
}
