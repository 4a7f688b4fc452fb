/**
 * The pool of signed SAML responses that bench/sso.ts posts to every ACS under test. Each response
 * has its own Response and Assertion ID and is posted once to each server, in the same order, so
 * Portico and the peers see the very same bytes. Signing runs in worker threads (one per core)
 * while no server is being measured.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER = new URL('./sso-sign-worker.ts', import.meta.url).href;

export interface SignJob {
  samlEntry: string;
  run: string;
  key: string;
  cert: string;
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  emails: string[];
  nowMs: number;
  validityMs: number;
  sign: 'response' | 'assertion' | 'both';
  start: number;
  count: number;
}

export class ResponsePool {
  /** base64 SAMLResponse values, in posting order. */
  readonly items: string[] = [];
  /** The same values form-encoded, ready for a request body. */
  readonly bodies: string[] = [];
  signSeconds = 0;

  constructor(private base: Omit<SignJob, 'start' | 'count'>) {}

  /** Signs responses until the pool holds at least `total`. */
  async ensure(total: number): Promise<void> {
    const missing = total - this.items.length;
    if (missing <= 0) return;
    const t0 = performance.now();
    const workers = Math.max(1, Math.min(cpus().length, Math.ceil(missing / 200)));
    const per = Math.ceil(missing / workers);
    const start = this.items.length;
    const parts = await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const s = start + w * per;
        const count = Math.max(0, Math.min(per, start + missing - s));
        return count === 0 ? Promise.resolve([] as string[]) : this.sign(s, count);
      }),
    );
    for (const p of parts) {
      for (const b64 of p) {
        this.items.push(b64);
        this.bodies.push(`SAMLResponse=${encodeURIComponent(b64)}&RelayState=`);
      }
    }
    this.signSeconds += (performance.now() - t0) / 1000;
  }

  private sign(start: number, count: number): Promise<string[]> {
    return new Promise((done, fail) => {
      // A worker does not inherit the tsx loader that `--import tsx` put into this thread: the
      // bootstrap registers it before importing the TypeScript worker module.
      const bootstrap = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); })`;
      const w = new Worker(bootstrap, {
        eval: true,
        workerData: { ...this.base, start, count } satisfies SignJob,
      });
      let out: string[] | undefined;
      w.once('message', (m: string[]) => {
        out = m;
      });
      w.once('error', fail);
      w.once('exit', (code) =>
        out ? done(out) : fail(new Error(`signing worker exited with ${code} and no responses`)),
      );
    });
  }
}

/** A consumer's position in the pool: every server walks the pool from its start. */
export class Cursor {
  next = 0;
  constructor(private pool: ResponsePool) {}
  take(): string | null {
    return this.next < this.pool.bodies.length ? this.pool.bodies[this.next++]! : null;
  }
  get remaining() {
    return this.pool.bodies.length - this.next;
  }
}
