/** Randomness comes from here so tests can make it deterministic. */
import { randomBytes } from 'node:crypto';

export interface Random {
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: Random = { bytes: (n) => randomBytes(n) };

/** A base64url token with `bytes` of entropy and an optional recognisable prefix. */
export function token(random: Random, bytes = 32, prefix = ''): string {
  return prefix + Buffer.from(random.bytes(bytes)).toString('base64url');
}
