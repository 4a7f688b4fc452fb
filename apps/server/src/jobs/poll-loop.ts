/**
 * The loop every outbox worker runs: one pass at a time, the next `pollMs` after the last ended,
 * and a stop that waits for the pass in flight. `drainBatches` is a pass's body: claim a batch,
 * attempt it in parallel, repeat until nothing is due or the worker is stopping.
 */
import type { Deps } from '../platform/deps.ts';

export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private active = false;
  /** Set by stop(), cleared by start(): a pass in progress ends after its current batch. */
  stopping = false;

  constructor(
    private deps: Pick<Deps, 'log' | 'config'>,
    private name: string,
    private pass: () => Promise<unknown>,
  ) {}

  start() {
    if (this.active) return;
    this.active = true;
    this.stopping = false;
    const loop = async () => {
      if (!this.active) return;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, `${this.name} tick failed`));
      await this.running;
      this.running = null;
      if (this.active) this.timer = setTimeout(loop, this.deps.config.webhooks.pollMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops polling and waits for the attempts in flight. */
  async stop() {
    this.active = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** Claims and attempts batches until none is due or `stopping()`; returns the attempts made. */
export async function drainBatches<T>(
  claim: () => Promise<T[]>,
  attempt: (item: T) => Promise<unknown>,
  stopping: () => boolean,
): Promise<number> {
  let attempts = 0;
  for (;;) {
    const claimed = await claim();
    if (claimed.length === 0) break;
    await Promise.all(claimed.map(attempt));
    attempts += claimed.length;
    if (stopping()) break;
  }
  return attempts;
}
