/**
 * Prefixed ULIDs (`org_01H…`), WorkOS-style. Time and randomness come from `deps`, so tests can
 * freeze both. ULIDs sort by creation time, which gives list ordering and cursors for free;
 * within one millisecond the random part is incremented so ids stay monotonic per process.
 */
import type { Clock } from './clock.ts';
import type { Random } from './random.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface Ids {
  next(prefix: string): string;
}

export function createIds(clock: Clock, random: Random): Ids {
  let lastTime = -1;
  let lastRand: number[] = [];
  return {
    next(prefix) {
      const now = clock.now().getTime();
      let rand: number[];
      if (now === lastTime) {
        rand = lastRand.slice();
        for (let i = rand.length - 1; i >= 0; i--) {
          if (rand[i]! < 31) {
            rand[i]! += 1;
            break;
          }
          rand[i] = 0;
        }
      } else {
        const bytes = random.bytes(16);
        rand = Array.from(bytes, (b) => b & 31);
      }
      lastTime = now;
      lastRand = rand;
      let time = '';
      let t = now;
      for (let i = 0; i < 10; i++) {
        time = ALPHABET[t % 32] + time;
        t = Math.floor(t / 32);
      }
      return `${prefix}_${time}${rand.map((n) => ALPHABET[n]).join('')}`;
    },
  };
}
