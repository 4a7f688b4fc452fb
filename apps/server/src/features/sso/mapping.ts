/**
 * Attribute mapping: where each profile field comes from in a SAML assertion or OIDC claims.
 * Defaults cover Okta, Entra ID (Azure), Google Workspace, ADFS, OneLogin and generic IdPs; a
 * connection's `attribute_map` names the attribute to use instead, per field.
 */
export interface AttributeMap {
  idp_id?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  groups?: string;
}

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
export const DEFAULT_SOURCES: Record<keyof AttributeMap, string[]> = {
  idp_id: ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'uid', 'user_id', 'id'],
  email: [
    'email',
    'Email',
    'mail',
    'emailAddress',
    'emailaddress',
    `${CLAIMS}/emailaddress`,
    'urn:oid:0.9.2342.19200300.100.1.3',
    'user.email',
    `${CLAIMS}/upn`,
    `${CLAIMS}/name`,
  ],
  first_name: [
    'firstName',
    'first_name',
    'givenName',
    'given_name',
    'FirstName',
    `${CLAIMS}/givenname`,
    'urn:oid:2.5.4.42',
    'user.firstName',
  ],
  last_name: [
    'lastName',
    'last_name',
    'surname',
    'sn',
    'family_name',
    'LastName',
    `${CLAIMS}/surname`,
    'urn:oid:2.5.4.4',
    'user.lastName',
  ],
  groups: [
    'groups',
    'Groups',
    'memberOf',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    'http://schemas.xmlsoap.org/claims/Group',
    `${CLAIMS}/groups`,
  ],
};

export interface MappedProfile {
  idpId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  groups: string[];
  customAttributes: Record<string, unknown>;
  rawAttributes: Record<string, unknown>;
}

function first(attrs: Record<string, string[]>, names: string[]): string | null {
  for (const n of names) {
    const v = attrs[n];
    if (v?.length && v[0] !== '') return v[0]!;
  }
  return null;
}

export function mapSamlAttributes(
  nameId: string,
  nameIdFormat: string | null,
  attributes: Record<string, string[]>,
  map: AttributeMap,
): MappedProfile {
  const src = (field: keyof AttributeMap) => (map[field] ? [map[field]!] : DEFAULT_SOURCES[field]);
  const emailFromNameId =
    nameIdFormat?.endsWith(':emailAddress') || /^[^@\s]+@[^@\s]+$/.test(nameId) ? nameId : null;
  const email = first(attributes, src('email')) ?? emailFromNameId;
  const groupsSource = src('groups').find((n) => attributes[n]?.length);
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) raw[k] = v.length === 1 ? v[0] : v;
  return {
    idpId: (map.idp_id ? first(attributes, [map.idp_id]) : null) ?? nameId,
    email: email?.toLowerCase() ?? null,
    firstName: first(attributes, src('first_name')),
    lastName: first(attributes, src('last_name')),
    groups: groupsSource ? attributes[groupsSource]! : [],
    customAttributes: {},
    rawAttributes: raw,
  };
}
