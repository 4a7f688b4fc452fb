/**
 * The attribute definitions of RFC 7643 §4 (User, Group), §4.3 (Enterprise User) and §3.1 (the
 * common id, externalId, meta), as one table. It is the single source for the /Schemas bodies,
 * for type coercion and validation of incoming values, for the canonical spelling of attribute
 * names (names compare case-insensitively), for caseExact string comparison in filters, and for
 * mutability checks in PATCH. Attributes not in the table are kept as received.
 */
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  isCoreSchema,
  type ResourceKind,
  USER_SCHEMA,
} from './urns.ts';

export type AttrType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';

export interface AttrDef {
  name: string;
  type: AttrType;
  description: string;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttrDef[];
}

type Options = Partial<Omit<AttrDef, 'name' | 'type' | 'description'>>;

function a(name: string, type: AttrType, description: string, o: Options = {}): AttrDef {
  return {
    name,
    type,
    description,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...o,
  };
}

const str = (name: string, description: string, o?: Options) => a(name, 'string', description, o);

/** The sub-attributes shared by emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates. */
function multi(
  name: string,
  description: string,
  types: string[] | undefined,
  valueType: AttrType = 'string',
) {
  return a(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      a('value', valueType, `The ${name} value.`),
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', 'A label indicating the function of this value.', types ? { canonicalValues: types } : {}),
      a('primary', 'boolean', 'Whether this is the primary value of the attribute.'),
    ],
  });
}

export const COMMON_ATTRS: AttrDef[] = [
  str('id', 'Unique identifier issued by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  // uniqueness server, not RFC 7643's none: Portico identifies a directory user or group by it
  // (the WorkOS idp_id), Entra and Okta match on it, and a duplicate is refused 409 uniqueness.
  str(
    'externalId',
    'Identifier of the resource as defined by the provisioning client; unique per directory.',
    {
      caseExact: true,
      uniqueness: 'server',
    },
  ),
  a('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      a('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      a('lastModified', 'dateTime', 'When the resource was last modified.', { mutability: 'readOnly' }),
      a('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly' }),
      str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

export const USER_ATTRS: AttrDef[] = [
  str('userName', 'Unique identifier for the User, typically used to sign in.', {
    required: true,
    uniqueness: 'server',
  }),
  a('name', 'complex', "The components of the user's real name.", {
    subAttributes: [
      str('formatted', 'The full name, formatted for display.'),
      str('familyName', 'The family name (last name in most Western languages).'),
      str('givenName', 'The given name (first name in most Western languages).'),
      str('middleName', 'The middle name(s).'),
      str('honorificPrefix', 'The honorific prefix(es), e.g. "Ms.".'),
      str('honorificSuffix', 'The honorific suffix(es), e.g. "III".'),
    ],
  }),
  str('displayName', 'The name of the User, suitable for display to end-users.'),
  str('nickName', 'The casual way to address the user.'),
  a('profileUrl', 'reference', "A URI of the user's online profile.", { referenceTypes: ['external'] }),
  str('title', "The user's title, such as 'Vice President'."),
  str('userType', 'The relationship between the organization and the user.'),
  str('preferredLanguage', "The user's preferred written or spoken language."),
  str('locale', "The user's default location for localizing values."),
  str('timezone', "The user's time zone in IANA format."),
  a('active', 'boolean', "The user's administrative status."),
  str('password', "The user's cleartext password; never stored or returned by Portico.", {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multi('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
  multi('phoneNumbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multi('ims', 'Instant messaging addresses for the user.', undefined),
  multi('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'reference'),
  a('addresses', 'complex', 'Physical mailing addresses for this user.', {
    multiValued: true,
    subAttributes: [
      str('formatted', 'The full mailing address, formatted for display.'),
      str('streetAddress', 'The full street address component.'),
      str('locality', 'The city or locality component.'),
      str('region', 'The state or region component.'),
      str('postalCode', 'The zip code or postal code component.'),
      str('country', 'The country name component (ISO 3166-1 alpha-2).'),
      str('type', 'A label indicating the function of this address.', {
        canonicalValues: ['work', 'home', 'other'],
      }),
      a('primary', 'boolean', 'Whether this is the primary address.'),
    ],
  }),
  a('groups', 'complex', 'The groups the user belongs to (maintained through the Group resource).', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      str('value', 'The id of the Group.', { caseExact: true, mutability: 'readOnly' }),
      a('$ref', 'reference', 'The URI of the Group.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      str('display', 'A human-readable name for the Group.', { mutability: 'readOnly' }),
      str('type', 'direct or indirect membership.', {
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
      }),
    ],
  }),
  multi('entitlements', 'Entitlements of the user.', undefined),
  multi('roles', 'Roles of the user.', undefined),
  multi('x509Certificates', 'Certificates issued to the user.', undefined, 'binary'),
];

export const GROUP_ATTRS: AttrDef[] = [
  str('displayName', 'A human-readable name for the Group.', { required: true }),
  a('members', 'complex', 'The members of the Group.', {
    multiValued: true,
    subAttributes: [
      str('value', 'The id of the member.', { caseExact: true, mutability: 'immutable' }),
      a('$ref', 'reference', 'The URI of the member.', {
        mutability: 'immutable',
        referenceTypes: ['User', 'Group'],
      }),
      str('display', 'A human-readable name of the member.'),
      str('type', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
    ],
  }),
];

export const ENTERPRISE_ATTRS: AttrDef[] = [
  str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization.'),
  str('costCenter', 'Identifies the name of a cost center.'),
  str('organization', 'Identifies the name of an organization.'),
  str('division', 'Identifies the name of a division.'),
  str('department', 'Identifies the name of a department.'),
  a('manager', 'complex', "The user's manager.", {
    subAttributes: [
      str('value', 'The id of the manager.', { caseExact: true }),
      a('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
      str('displayName', 'The displayName of the manager.', { mutability: 'readOnly' }),
    ],
  }),
];

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

export const SCHEMA_DEFS: SchemaDef[] = [
  { id: USER_SCHEMA, name: 'User', description: 'User Account', attributes: USER_ATTRS },
  { id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: GROUP_ATTRS },
  {
    id: ENTERPRISE_USER_SCHEMA,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: ENTERPRISE_ATTRS,
  },
];

export function findDef(defs: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (!defs) return undefined;
  const lower = name.toLowerCase();
  return defs.find((d) => d.name.toLowerCase() === lower);
}

const USER_TOP = [...COMMON_ATTRS, ...USER_ATTRS];
const GROUP_TOP = [...COMMON_ATTRS, ...GROUP_ATTRS];
const ANY_TOP = [...COMMON_ATTRS, ...USER_ATTRS, ...GROUP_ATTRS.filter((d) => d.name !== 'displayName')];

/**
 * The definitions that apply inside the container named by `uri` (undefined or a core schema:
 * the resource's top level). Without a kind (filters), User and Group attributes both apply.
 */
export function containerDefs(
  kind: ResourceKind | undefined,
  uri: string | undefined,
): AttrDef[] | undefined {
  if (uri === undefined || isCoreSchema(uri))
    return kind === 'User' ? USER_TOP : kind === 'Group' ? GROUP_TOP : ANY_TOP;
  if (uri.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase() && kind !== 'Group') return ENTERPRISE_ATTRS;
  return undefined;
}
