/**
 * Discovery bodies, list responses, paging, the error body and persona detection.
 */
import { describe, expect, it } from 'vitest';
import {
  detectPersona,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  listResponse,
  MAX_RESULTS,
  parsePaging,
  resourceTypes,
  SCHEMAS,
  ScimError,
  SERVICE_PROVIDER_CONFIG,
  scimErrorBody,
  USER_SCHEMA,
} from '../src/index.ts';
import { expectScimError } from './helpers/scim.ts';

type Attr = {
  name: string;
  type: string;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  subAttributes?: Attr[];
};
type Schema = { id: string; attributes: Attr[] };

describe('discovery', () => {
  it('ServiceProviderConfig: patch and filter supported, bulk, sort, etag, changePassword not; bearer tokens', () => {
    expect(SERVICE_PROVIDER_CONFIG).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      filter: { supported: true, maxResults: 200 },
      bulk: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', primary: true }],
    });
    expect(MAX_RESULTS).toBe(200);
  });

  it('ResourceTypes: User (with the enterprise extension) and Group, located under the base URL', () => {
    const [u, g] = resourceTypes('https://auth.example.com/scim/v2/directory_01/') as Record<
      string,
      unknown
    >[];
    expect(u).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { location: 'https://auth.example.com/scim/v2/directory_01/ResourceTypes/User' },
    });
    expect(g).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA });
  });

  it('Schemas: User, Group and Enterprise User with RFC 7643 attribute characteristics', () => {
    const schemas = SCHEMAS as Schema[];
    expect(schemas.map((s) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    const attr = (schema: string, name: string) =>
      schemas.find((s) => s.id === schema)!.attributes.find((a) => a.name === name)!;
    expect(attr(USER_SCHEMA, 'userName')).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
    });
    expect(attr(USER_SCHEMA, 'id')).toMatchObject({
      mutability: 'readOnly',
      caseExact: true,
      returned: 'always',
    });
    expect(attr(USER_SCHEMA, 'emails')).toMatchObject({ multiValued: true, type: 'complex' });
    expect(attr(GROUP_SCHEMA, 'members').subAttributes!.map((s) => s.name)).toEqual([
      'value',
      '$ref',
      'display',
      'type',
    ]);
    expect(attr(ENTERPRISE_USER_SCHEMA, 'manager').subAttributes!.map((s) => s.name)).toEqual([
      'value',
      '$ref',
      'displayName',
    ]);
    expect(JSON.parse(JSON.stringify(SCHEMAS))).toEqual(SCHEMAS);
  });
});

describe('lists and paging', () => {
  it('listResponse is the RFC ListResponse', () => {
    expect(listResponse([{ id: 'u1' }], 7, 3, 1)).toEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 7,
      startIndex: 3,
      itemsPerPage: 1,
      Resources: [{ id: 'u1' }],
    });
  });

  it('parsePaging clamps startIndex and count (RFC 7644 §3.4.2.4) and rejects non-numbers', () => {
    expect(parsePaging(undefined, undefined)).toEqual({ startIndex: 1, count: 200 });
    expect(parsePaging('0', '-5')).toEqual({ startIndex: 1, count: 0 });
    expect(parsePaging('51', '1000')).toEqual({ startIndex: 51, count: 200 });
    expect(parsePaging(' 2 ', '')).toEqual({ startIndex: 2, count: 200 });
    expectScimError(
      () => parsePaging('abc', null),
      400,
      'invalidValue',
      /startIndex must be an integer; got "abc"/,
    );
    expectScimError(() => parsePaging('1', '1.5'), 400, 'invalidValue', /count/);
  });
});

describe('errors', () => {
  it('scimErrorBody renders RFC 7644 §3.12, status as a string, scimType only when set', () => {
    expect(scimErrorBody(new ScimError(400, 'invalidFilter', 'bad'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    });
    const notFound = new ScimError(404, undefined, 'User u1 not found');
    expect(scimErrorBody(notFound)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'User u1 not found',
    });
    expect(notFound).toBeInstanceOf(Error);
    expect(notFound.message).toBe(notFound.detail);
  });
});

describe('detectPersona', () => {
  it('recognises the IdPs by User-Agent', () => {
    const cases: [string | undefined, string][] = [
      ['Okta SCIM Client 1.0.0', 'okta'],
      ['Microsoft.Identity.Provisioning/1.0', 'entra'],
      ['Azure AD SCIM Client', 'entra'],
      ['OneLogin SCIM', 'onelogin'],
      ['JumpCloud SCIM', 'jumpcloud'],
      ['Google-Auto-Provisioning', 'google'],
      ['curl/8.5.0', 'generic'],
      ['', 'generic'],
      [undefined, 'generic'],
    ];
    for (const [ua, persona] of cases) expect(detectPersona(ua), String(ua)).toBe(persona);
  });
});
