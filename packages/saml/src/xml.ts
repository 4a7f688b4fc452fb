/**
 * Strict XML parsing and small namespace-aware DOM helpers over @xmldom/xmldom.
 *
 * Invariants:
 * - A document type declaration is refused before any parsing (XXE, billion laughs, external
 *   DTDs): SAML never needs one (SAML core §1.3; the SAML security considerations forbid DTDs).
 * - Any parser error or warning makes the document unusable: lenient recovery is how two parsers
 *   come to disagree about one document.
 * - Elements are matched by namespace URI and local name, never by prefix.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { fail, type SamlErrorCode } from './errors.ts';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

/** What the document is, for messages: "SAML response", "IdP metadata", "decrypted assertion". */
export interface ParseOptions {
  what: string;
  malformedCode: SamlErrorCode;
  doctypeCode: SamlErrorCode;
  fix: string;
}

export function parseXml(text: string, o: ParseOptions): Document {
  if (typeof text !== 'string' || text.trim() === '') {
    fail(o.malformedCode, `The ${o.what} is empty.`, o.fix);
  }
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    fail(
      o.doctypeCode,
      `The ${o.what} contains a document type declaration (<!DOCTYPE …>), which SAML never uses and which enables XML entity attacks (XXE, entity expansion).`,
      'Send the XML without a DOCTYPE. If this came from an identity provider, it was most likely tampered with on the way.',
    );
  }
  const problems: string[] = [];
  const parser = new DOMParser({
    locator: {},
    errorHandler: {
      warning: (m: string) => problems.push(String(m)),
      error: (m: string) => problems.push(String(m)),
      fatalError: (m: string) => problems.push(String(m)),
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  if (problems.length > 0 || !doc || !doc.documentElement) {
    fail(
      o.malformedCode,
      `The ${o.what} is not well-formed XML: ${(problems[0] ?? 'no root element').replace(/\s+/g, ' ').trim()}`,
      o.fix,
      { parserErrors: problems.slice(0, 5) },
    );
  }
  return doc;
}

export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

export function isElement(node: Node | null | undefined): node is Element {
  return !!node && node.nodeType === ELEMENT_NODE;
}

export function is(node: Node | null | undefined, ns: string, local: string): boolean {
  return isElement(node) && node.namespaceURI === ns && node.localName === local;
}

/** Direct element children, optionally filtered by namespace and local name. */
export function children(el: Element | Document, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (!isElement(n)) continue;
    if (ns !== undefined && (n.namespaceURI !== ns || n.localName !== local)) continue;
    out.push(n);
  }
  return out;
}

export function child(el: Element, ns: string, local: string): Element | null {
  return children(el, ns, local)[0] ?? null;
}

/** Every element below `root` (and root itself) in document order. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    out.push(el);
    const kids = children(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

export function descendants(root: Element, ns: string, local: string): Element[] {
  return allElements(root).filter((e) => e.namespaceURI === ns && e.localName === local);
}

/**
 * The full character content: every text and CDATA node below `el`, concatenated. Comments and
 * processing instructions contribute nothing (exactly as canonicalization sees it), so a comment
 * can never cut a value short.
 */
export function textOf(el: Element): string {
  let out = '';
  const walk = (n: Node): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_SECTION_NODE) out += (c as CharacterData).data;
      else if (c.nodeType === ELEMENT_NODE) walk(c);
    }
  };
  walk(el);
  return out;
}

/** True when a comment or processing instruction sits anywhere inside `el`. */
export function containsCommentOrPi(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === COMMENT_NODE || c.nodeType === PROCESSING_INSTRUCTION_NODE) return true;
    if (isElement(c) && containsCommentOrPi(c)) return true;
  }
  return false;
}

export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

/** `<saml:Assertion ID="_abc">` — how an element is named in messages. */
export function describe(el: Element): string {
  const id = el.getAttribute('ID') || el.getAttribute('Id') || el.getAttribute('id');
  return `<${el.nodeName}${id ? ` ID="${id}"` : ''}>`;
}

/** xs:dateTime → epoch ms. SAML requires UTC; up to 9 fractional digits (Entra sends 7). */
export function parseInstant(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  if (!m) return null;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const t = Date.parse(`${m[1]}.${ms}${m[3] ?? 'Z'}`);
  return Number.isNaN(t) ? null : t;
}
