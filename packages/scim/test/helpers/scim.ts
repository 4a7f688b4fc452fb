/**
 * Test helpers: corpus loading, PATCH bodies, stored resources as the server would keep them,
 * and an assertion that a call throws a ScimError with a given status, scimType and detail.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  GROUP_SCHEMA,
  normaliseResource,
  PATCH_OP_SCHEMA,
  type Persona,
  ScimError,
  type ScimResource,
  type ScimType,
} from '../../src/index.ts';

const CORPUS = new URL('../corpus/', import.meta.url);

export function corpus<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8')) as T;
}

export function patchBody(...Operations: unknown[]): { schemas: string[]; Operations: unknown[] } {
  return { schemas: [PATCH_OP_SCHEMA], Operations };
}

/** A POST body normalised and given an id, as the server stores it. */
export function stored(body: unknown, kind: 'User' | 'Group', persona: Persona, id: string): ScimResource {
  return { ...normaliseResource(body, kind, persona), id };
}

export function group(id: string, members: string[], displayName = 'Engineering'): ScimResource {
  return { schemas: [GROUP_SCHEMA], id, displayName, members: members.map((value) => ({ value })) };
}

export function memberValues(resource: ScimResource): string[] {
  return ((resource.members as { value: string }[] | undefined) ?? []).map((m) => m.value);
}

export function expectScimError(
  fn: () => unknown,
  status: number,
  scimType: ScimType | undefined,
  detail?: RegExp | string,
): ScimError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ScimError').toBeInstanceOf(ScimError);
  const e = thrown as ScimError;
  expect({ status: e.status, scimType: e.scimType }).toEqual({ status, scimType });
  expect(e.detail).toBe(e.message);
  if (detail !== undefined) expect(e.detail).toMatch(detail);
  return e;
}
