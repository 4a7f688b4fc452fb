/** Small DOM surgery for building hostile variants of a signed response (tests only). */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

export function serialize(doc: Document | Node): string {
  return new XMLSerializer().serializeToString(doc);
}

export function first(root: Document | Element, ns: string, local: string): Element {
  const el = root.getElementsByTagNameNS(ns, local)[0];
  if (!el) throw new Error(`no ${local}`);
  return el;
}

export function childOf(parent: Element, ns: string, local: string): Element | null {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) {
      return n as Element;
    }
  }
  return null;
}

/** Deep copy without the element's own enveloped ds:Signature. */
export function cloneWithoutSignature(el: Element): Element {
  const copy = el.cloneNode(true) as Element;
  const sig = childOf(copy, DS, 'Signature');
  if (sig) copy.removeChild(sig);
  return copy;
}

export function setNameId(root: Element, value: string): void {
  const nameId = root.getElementsByTagNameNS(SAML, 'NameID')[0]!;
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(nameId.ownerDocument.createTextNode(value));
}
