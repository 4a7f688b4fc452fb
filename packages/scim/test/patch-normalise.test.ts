/**
 * normalisePatch: the PatchOp message structure (RFC 7644 §3.5.2) and the precise 400 for each
 * way it can be wrong; the rewrites are covered per IdP in quirks-*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PATCH_OPERATIONS, normalisePatch, PATCH_OP_SCHEMA } from '../src/index.ts';
import { expectScimError, patchBody } from './helpers/scim.ts';

describe('normalisePatch', () => {
  it('passes RFC operations through unchanged', () => {
    const ops = [
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.example' },
      { op: 'remove', path: 'members[value eq "u2"]' },
      { op: 'replace', value: { active: false } },
    ];
    expect(normalisePatch(patchBody(...ops), 'generic')).toEqual(ops);
  });

  it('reads "operations" and "OP" in any case, treats path "" as no path and null as remove', () => {
    expect(
      normalisePatch(
        {
          schemas: [PATCH_OP_SCHEMA.toUpperCase()],
          operations: [{ OP: ' Replace ', path: '', value: { title: 'x' } }],
        },
        'generic',
      ),
    ).toEqual([{ op: 'replace', value: { title: 'x' } }]);
    expect(normalisePatch(patchBody({ op: 'replace', path: 'title', value: null }), 'generic')).toEqual([
      { op: 'remove', path: 'title' },
    ]);
  });

  it('rejects bodies that are not PatchOp messages with invalidSyntax', () => {
    expectScimError(() => normalisePatch('nope', 'okta'), 400, 'invalidSyntax', /JSON object/);
    expectScimError(() => normalisePatch([], 'okta'), 400, 'invalidSyntax', /JSON object/);
    expectScimError(
      () => normalisePatch({ Operations: [] }, 'okta'),
      400,
      'invalidSyntax',
      /schemas must be \["urn:ietf:params:scim:api:messages:2.0:PatchOp"\]; got undefined/,
    );
    expectScimError(
      () =>
        normalisePatch({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [] }, 'okta'),
      400,
      'invalidSyntax',
      /schemas must be/,
    );
    expectScimError(() => normalisePatch(patchBody(), 'okta'), 400, 'invalidSyntax', /non-empty Operations/);
    expectScimError(
      () => normalisePatch({ schemas: [PATCH_OP_SCHEMA], Operations: {} }, 'okta'),
      400,
      'invalidSyntax',
      /non-empty Operations/,
    );
    expectScimError(
      () => normalisePatch(patchBody(42), 'okta'),
      400,
      'invalidSyntax',
      /Operations\[0\] must be an object/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'update', path: 'x', value: 1 }), 'entra'),
      400,
      'invalidSyntax',
      /Operations\[0\]\.op must be "add", "replace" or "remove"; got "update" \(entra\)/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ path: 'x', value: 1 }), 'generic'),
      400,
      'invalidSyntax',
      /got undefined$/,
    );
  });

  it('rejects bad paths with invalidPath, naming the operation and the character', () => {
    expectScimError(
      () => normalisePatch(patchBody({ op: 'add', path: 7, value: 1 }), 'generic'),
      400,
      'invalidPath',
      /Operations\[0\]\.path must be a string/,
    );
    expectScimError(
      () =>
        normalisePatch(
          patchBody(
            { op: 'add', path: 'title', value: 'x' },
            { op: 'remove', path: 'emails[type eq "work"' },
          ),
          'generic',
        ),
      400,
      'invalidPath',
      /^Operations\[1\]\.path: Invalid path "emails\[type eq \\"work\\"": expected '\]' to close the '\[' at character 7 but found the end at character 22$/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'add', path: 'name..x', value: 1 }), 'generic'),
      400,
      'invalidPath',
      /not an attribute path/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'add', path: 'emails[type eq "work"] x', value: 1 }), 'generic'),
      400,
      'invalidPath',
      /expected the end of the path/,
    );
  });

  it('needs a value for add and replace, and a path for remove', () => {
    expectScimError(
      () => normalisePatch(patchBody({ op: 'add', path: 'title' }), 'generic'),
      400,
      'invalidValue',
      /add needs a value/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'replace', value: null }), 'generic'),
      400,
      'invalidValue',
      /needs an object value/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'remove' }), 'generic'),
      400,
      'noTarget',
      /remove needs a path/,
    );
    expectScimError(
      () => normalisePatch(patchBody({ op: 'remove', path: 'members', value: [{ display: 'x' }] }), 'entra'),
      400,
      'invalidValue',
      /value\[0\] must be a member/,
    );
  });

  it(`rejects more than ${MAX_PATCH_OPERATIONS} operations`, () => {
    const ops = Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({ op: 'remove', path: 'title' }));
    expectScimError(() => normalisePatch(patchBody(...ops), 'generic'), 400, 'invalidValue', /at most 1000/);
  });
});
