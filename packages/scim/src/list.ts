/**
 * List responses and paging (RFC 7644 §3.4.2, §3.4.2.4): `startIndex` is 1-based (values below 1
 * mean 1), `count` is 0…MAX_RESULTS (negative means 0, larger means MAX_RESULTS, absent means
 * MAX_RESULTS). Non-numeric values are 400 invalidValue.
 */
import { MAX_RESULTS } from './discovery.ts';
import { badRequest, show } from './errors.ts';
import type { ScimResource } from './objects.ts';
import { LIST_RESPONSE_SCHEMA } from './urns.ts';

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimResource[];
}

export function listResponse(
  resources: ScimResource[],
  totalResults: number,
  startIndex: number,
  itemsPerPage: number,
): ListResponse {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage, Resources: resources };
}

export interface Paging {
  startIndex: number;
  count: number;
}

/** The query's `startIndex` and `count`, clamped per RFC 7644 §3.4.2.4. */
export function parsePaging(startIndex: string | undefined | null, count: string | undefined | null): Paging {
  return {
    startIndex: Math.max(1, toInt('startIndex', startIndex) ?? 1),
    count: Math.min(MAX_RESULTS, Math.max(0, toInt('count', count) ?? MAX_RESULTS)),
  };
}

function toInt(name: string, raw: string | undefined | null): number | undefined {
  if (raw === undefined || raw === null || raw.trim() === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(raw))
    throw badRequest('invalidValue', `${name} must be an integer; got ${show(raw)}`);
  return Number.parseInt(raw, 10);
}
