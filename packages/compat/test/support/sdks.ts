/**
 * The official SDK matrix: `@workos-inc/node` at the newest 7.x, 8.x, 11.x and 12.x, installed side
 * by side as exact npm aliases (packages/compat/package.json). Updating a version is a deliberate
 * commit; `PORTICO_TEST_SDK_MAJORS` (e.g. `12`) narrows a run to some majors, as the Node 22 pass of
 * `npm test` does.
 */

export const ALL_MAJORS = ['7', '8', '11', '12'] as const;
export type Major = (typeof ALL_MAJORS)[number];

const only = process.env.PORTICO_TEST_SDK_MAJORS?.split(',').map((s) => s.trim());
export const MAJORS: readonly Major[] = only ? ALL_MAJORS.filter((m) => only.includes(m)) : ALL_MAJORS;

/** SDK 9 renamed `portal` to `adminPortal`, moved MFA and dropped `domains` on organizations. */
export const modern = (major: Major) => Number(major) >= 9;

// biome-ignore lint/suspicious/noExplicitAny: four SDK majors with different typings
export type AnyWorkOS = any;

export async function sdkClass(major: Major) {
  const mod = await import(`workos-node-${major}`);
  return mod.WorkOS as new (
    key: string,
    opts?: Record<string, unknown>,
  ) => AnyWorkOS;
}

/** A client of one major pointed at a listening Portico. */
export async function sdkFor(
  major: Major,
  p: { port: number; h: { apiKey: string; clientId: string } },
  extra: Record<string, unknown> = {},
): Promise<AnyWorkOS> {
  const WorkOS = await sdkClass(major);
  return new WorkOS(p.h.apiKey, {
    apiHostname: '127.0.0.1',
    port: p.port,
    https: false,
    clientId: p.h.clientId,
    ...extra,
  });
}
